"""Who is signed in: the session-token loader, the login wall, and safe `next` redirects."""
from urllib.parse import urlsplit

from flask import redirect, request, url_for
from flask_login import current_user

from webapp.embed.session import is_embedded_session
from webapp.extensions import login_manager

PUBLIC_ENDPOINTS = {"static", "auth.login_form", "auth.login", "health.health", "webhooks.xero",
                    "embed.start", "embed.launch", "embed.launch_by_address", "embed.ended",
                    # The Xero sign-in window opened from an embedded session has no Docket session of its own:
                    # these check the one-time record and state cookie instead (the callback checks login otherwise).
                    "integrations.window_start", "integrations.callback"}


def is_safe_next(target: str | None) -> bool:
    """Only same-site relative paths: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def init_app(app) -> None:
    login_manager.session_protection = "strong"
    login_manager.login_message = None

    @login_manager.user_loader
    def _load_user(token: str):
        from webapp.auth.service import user_for_session

        return user_for_session(token)

    @login_manager.unauthorized_handler
    def _unauthorized():
        if is_embedded_session():  # inside the portal's frame only the portal can sign the person in again
            login_url = url_for("embed.ended")
        else:
            login_url = url_for("auth.login_form", next=request.full_path.rstrip("?"))
        if request.htmx:
            return "", 401, {"HX-Redirect": login_url}
        return redirect(login_url)

    @app.before_request
    def _require_login():
        if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None
