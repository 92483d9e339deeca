"""Protection for the sandbox's own HTML pages: flask-wtf form tokens and anti-framing headers.

Forms are checked explicitly (not with CSRFProtect) because most POSTs here are API calls from
OAuth clients and the Accounting API, which carry no form token."""
from flask import abort, request
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms import ValidationError

FIELD = "csrf_token"


def csrf_token() -> str:
    """The session's form token (exposed to templates)."""
    return generate_csrf()


def check_csrf() -> None:
    """Abort with 400 unless the posted form token is this session's."""
    try:
        validate_csrf(request.form.get(FIELD, ""))
    except ValidationError:
        abort(400, description="The form expired or was not sent by this site. Go back and try again.")


def protect_page(response):
    """after_request hook: HTML may not be framed and may load scripts/styles only from this origin."""
    if response.mimetype == "text/html":
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = "default-src 'self'; frame-ancestors 'none'"
    return response
