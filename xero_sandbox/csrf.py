"""Protection for the sandbox's own HTML pages: a per-session form token and anti-framing headers."""
import hmac
import secrets

from flask import abort, request, session

SESSION_KEY = "_csrf_token"
FIELD = "csrf_token"


def csrf_token() -> str:
    """The session's form token, created on first use (exposed to templates)."""
    if SESSION_KEY not in session:
        session[SESSION_KEY] = secrets.token_urlsafe(32)
    return session[SESSION_KEY]


def check_csrf() -> None:
    """Abort with 400 unless the posted form token matches the session's."""
    expected = session.get(SESSION_KEY)
    sent = request.form.get(FIELD, "")
    if not expected or not hmac.compare_digest(expected, sent):
        abort(400, description="The form expired or was not sent by this site. Go back and try again.")


def protect_page(response):
    """after_request hook: HTML may not be framed and may load scripts/styles only from this origin."""
    if response.mimetype == "text/html":
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = "default-src 'self'; frame-ancestors 'none'"
    return response
