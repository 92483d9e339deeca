"""Who is signed in: the session-token loader, the login wall, and safe `next` redirects."""
from urllib.parse import urlsplit

from flask import redirect, request, url_for
from flask_login import current_user

from webapp.accounts.access import PUBLIC, access_of, public
from webapp.embed.session import is_embedded_session
from webapp.extensions import login_manager


def is_safe_next(target: str | None) -> bool:
    """Only same-site relative paths: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def init_app(app) -> None:
    public(app.view_functions["static"])  # Flask's own view of static files
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
        if request.endpoint is None or access_of(app.view_functions[request.endpoint]) == PUBLIC:
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None
