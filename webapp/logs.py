"""Logs as JSON lines, one event a line (a traceback included): time, level, logger, message, and what the event
belongs to where it is known: the request id, the client's address (from the trusted proxy), the business, the
item; in a job, the job's id with the request id and business of the request that queued it. OAuth codes and
states, tokens, secrets and passwords are taken out of every line.

`LOG_FORMAT=text` gives the same lines as plain text, for a person reading a terminal (`make run`)."""
import logging
import os
import re
import sys
import uuid

from flask import g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter
from rq import get_current_job

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")  # one a proxy sent is kept only if it looks like an id
SECRET_PARAMETER = re.compile(r"(?i)\b(code|state|access_token|refresh_token|id_token|client_secret|password|"
                              r"token)=([^&\s\"']+)")
CREDENTIALS = re.compile(r"(?i)\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+")
CONTEXT = ("request_id", "client", "business_id", "item_id", "tenant_id", "job_id")


def configure(level: str = "INFO", stream=None) -> logging.Handler:
    """The process's one log handler (stderr), for the web processes and the workers."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if os.environ.get("LOG_FORMAT", "json") == "text":
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    else:
        handler.setFormatter(JsonFormatter("{asctime}{levelname}{name}{message}", style="{",
                                           rename_fields={"asctime": "time", "levelname": "level", "name": "logger"}))
    handler.addFilter(Context())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    return handler


class Context(logging.Filter):
    """Adds what the event belongs to, and takes secrets out of its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in context().items():
            if getattr(record, name, None) is None:
                setattr(record, name, value)
        record.msg, record.args = redact(record.getMessage()), None
        return True


def redact(text: str) -> str:
    return CREDENTIALS.sub(r"\1 [redacted]", SECRET_PARAMETER.sub(r"\1=[redacted]", text))


def context() -> dict:
    """What the current request or job is about, as far as it is known."""
    if has_request_context():
        business = g.get("business")
        found = {"request_id": g.get("request_id"), "client": request.remote_addr,
                 "business_id": business.id if business is not None else None,
                 "item_id": (request.view_args or {}).get("item_id")}
    else:
        job = get_current_job()
        found = {**{name: job.meta.get(name) for name in CONTEXT}, "job_id": job.id} if job else {}
    return {name: value for name, value in found.items() if value is not None}


def job_meta() -> dict:
    """What a job queued now carries into its own log lines: the request (or job) that queued it."""
    found = context()
    return {name: found[name] for name in ("request_id", "business_id") if name in found}


def init_app(app) -> None:
    """A request id for every request: the proxy's X-Request-ID when it sent one, else a new one; sent back."""

    @app.before_request
    def _request_id():
        sent = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = sent if REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex

    @app.after_request
    def _send_back(response):
        if "request_id" in g:
            response.headers[REQUEST_ID_HEADER] = g.request_id
        return response
