"""Security headers on every response: CSP (no inline scripts), framing, nosniff, referrer, HSTS; request logs
without query strings.

Framing is CSP frame-ancestors only (X-Frame-Options can't name a portal; browsers ignore it next to
frame-ancestors): see webapp.embed.session.frame_ancestors for who may frame which response."""
import logging
import re
from urllib.parse import urlsplit

_QUERY = re.compile(r"\?[^ ]*")


class _PathsOnly(logging.Filter):
    """The development server's request log ("GET /path?query HTTP/1.1") without the query: Xero's callback carries
    a one-time code there. gunicorn's access log does the same through gunicorn.conf.py."""

    def filter(self, record):
        if record.args and isinstance(record.args[0], str):
            record.args = (_QUERY.sub("", record.args[0]),) + record.args[1:]
        return True


_PATHS_ONLY = _PathsOnly()  # one instance: adding it again (an app per test) changes nothing


def content_security_policy(frame_ancestors: tuple[str, ...] | None, form_targets: tuple[str, ...] = ()) -> str:
    """`frame_ancestors`: origins besides Docket's own that may frame the page, None for nobody at all;
    `form_targets`: other origins a form may lead to (Chromium checks form-action on redirects too)."""
    ancestors = "'none'" if frame_ancestors is None else " ".join(("'self'",) + tuple(frame_ancestors))
    forms = " ".join(("'self'",) + form_targets)
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "object-src 'none'",
        "base-uri 'none'",
        f"form-action {forms}",
        f"frame-ancestors {ancestors}",
    ])


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def init_app(app) -> None:
    from webapp.embed.session import frame_ancestors

    hsts = app.config["DOCKET_ENV"] == "production"
    logging.getLogger("werkzeug").addFilter(_PATHS_ONLY)

    @app.after_request
    def _headers(response):
        xero_login = _origin(app.extensions["xero"].endpoints.authorize_url)
        policy = content_security_policy(frame_ancestors(), (xero_login,))
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
