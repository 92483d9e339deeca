"""Batch writes with Xero's `summarizeErrors` semantics, and `Idempotency-Key` replay."""
import functools
import hashlib
from dataclasses import dataclass, field
from datetime import timedelta

from flask import Response, g, request

from xero_sandbox.db import database

from . import models as m
from .errors import ApiError, PostDataInvalid, ValidationFailed
from .serialize import JSON_TYPE, ZERO_ID, envelope, json_response

IDEMPOTENCY_WINDOW = timedelta(minutes=6)


@dataclass
class ElementInvalid(Exception):
    """One batch element failed validation; `echo` is the element as Xero sends it back."""

    echo: dict
    messages: list[str]
    warnings: list[str] = field(default_factory=list)

    def element(self) -> dict:
        return {**self.echo, "HasErrors": True,
                "ValidationErrors": [{"Message": msg} for msg in self.messages]}


@dataclass
class Saved:
    body: dict
    warnings: list[str] = field(default_factory=list)


def echo_element(data: dict, id_key: str | None, current_id: str | None = None) -> dict:
    echo = dict(data)
    if id_key:
        echo[id_key] = current_id or data.get(id_key) or ZERO_ID
    return echo


def run_batch(elements: list[dict], save, summarize: bool) -> list[dict]:
    """Save each element with `save(data) -> Saved`; all-or-nothing (400) unless summarize is False."""
    if summarize:
        results, failed = [], []
        with database.atomic() as txn:
            for data in elements:
                try:
                    results.append(save(data))
                except ElementInvalid as exc:
                    failed.append(exc.element())
            if failed:
                txn.rollback()
                g.webhook_events = []
                raise ValidationFailed(failed)
        return [_with_warnings(saved) for saved in results]
    out = []
    for data in elements:
        events_before = len(g.webhook_events)
        try:
            with database.atomic():
                saved = save(data)
        except ElementInvalid as exc:
            del g.webhook_events[events_before:]
            out.append({**exc.element(), "StatusAttributeString": "ERROR"})
            continue
        out.append({**_with_warnings(saved), "StatusAttributeString": "WARNING" if saved.warnings else "OK"})
    return out


def _with_warnings(saved: Saved) -> dict:
    if not saved.warnings:
        return saved.body
    return {**saved.body, "Warnings": [{"Message": msg} for msg in saved.warnings]}


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.query_string):
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    digest.update(request.get_data())
    return digest.hexdigest()


def idempotent(view):
    """Replay the first response to an `Idempotency-Key` for 6 minutes; reject reuse with another request."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if not key:
            return view(*args, **kwargs)
        if len(key) > 128:
            raise PostDataInvalid("Idempotency-Key must be 128 characters or fewer")
        scope = f"{getattr(g.api_call, 'client_id', '')}:{g.api_call.tenant_id}"
        cutoff = m.utcnow() - IDEMPOTENCY_WINDOW
        m.IdempotencyRecord.delete().where((m.IdempotencyRecord.scope == scope)
                                           & (m.IdempotencyRecord.key == key)
                                           & (m.IdempotencyRecord.created_at < cutoff)).execute()
        fingerprint = _fingerprint()
        record = m.IdempotencyRecord.get_or_none(scope=scope, key=key)
        if record is not None:
            if record.fingerprint != fingerprint:
                raise PostDataInvalid(f"Idempotency Key {key} is used with a different request")
            return Response(record.body, status=record.status_code, content_type=JSON_TYPE)
        try:
            response = view(*args, **kwargs)
        except ApiError as exc:
            response = exc.response()
        if response.status_code in (200, 400):
            m.IdempotencyRecord.insert(scope=scope, key=key, fingerprint=fingerprint, status_code=response.status_code,
                                       body=response.get_data(as_text=True)).on_conflict_ignore().execute()
        return response

    return wrapper


def batch_response(key: str, items: list[dict]) -> Response:
    return json_response(envelope(key, items))
