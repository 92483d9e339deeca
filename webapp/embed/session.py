"""Embedded sessions: the portal and business a session was launched for, its own partitioned cookie, what it
may reach, and which parent may frame each response."""
import contextvars
from dataclasses import dataclass

from flask import abort, current_app, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, logout_user

from webapp.accounts.models import ROLE_STANDARD
from webapp.auth.service import revoke_session

EMBED_KEY = "embed"  # in the Flask session: {"portal": id, "business": id, "role": admin|standard, "can_publish"}
EMBED_COOKIE = "__Host-docket-embed"
# The top-level Xero sign-in window and its callback: framed by nobody, not even Docket.
NOT_FRAMEABLE = {"integrations.callback", "integrations.window_start"}
# Reachable from an embedded session without the launched business in the URL.
_OPEN_ENDPOINTS = NOT_FRAMEABLE | {"static", "health.health", "auth.logout"}
_embedded_cookie = contextvars.ContextVar("docket_embedded_cookie", default=False)


@dataclass(frozen=True)
class EmbedScope:
    origin: str
    business_id: int
    role: str
    can_publish: bool


def current_scope() -> EmbedScope | None:
    """The portal, business and role this request's session was launched with, or None for a top-level one."""
    data = session.get(EMBED_KEY)
    if not data:
        return None
    portal = current_app.config["EMBED_PORTALS"].get(data.get("portal"))
    if portal is None:
        return None
    return EmbedScope(portal.origin, data["business"], data["role"], data.get("can_publish", False))


def is_embedded_session() -> bool:
    return EMBED_KEY in session


def end_session() -> None:
    """Revoke the signed-in session server-side and empty the cookie's contents."""
    if current_user.is_authenticated:
        revoke_session(current_user.get_id())
        logout_user()
    session.clear()


def frame_ancestors() -> tuple[str, ...] | None:
    """Origins besides Docket's own that may frame this response; None when nobody may ('none')."""
    if request.endpoint in NOT_FRAMEABLE:
        return None
    config = current_app.config
    if request.endpoint != "static":
        scope = current_scope()
        if scope is not None:
            return (scope.origin,)
    portals = tuple(portal.origin for portal in config["EMBED_PORTALS"].values())
    return tuple(dict.fromkeys(tuple(config["FRAME_ANCESTORS"]) + portals))


class EmbedAwareSessionInterface(SecureCookieSessionInterface):
    """Top-level sessions keep Flask's cookie (SameSite=Lax). An embedded session lives in its own cookie that a
    cross-site frame can carry: __Host- prefixed, Secure (werkzeug adds it to every Partitioned cookie), HttpOnly,
    SameSite=None and Partitioned (CHIPS), so it is kept in a jar keyed by the portal's site and never seen by
    Docket opened top-level."""

    def open_session(self, app, request):
        embedded = EMBED_COOKIE in request.cookies
        token = _embedded_cookie.set(embedded)
        try:
            opened = super().open_session(app, request)
        finally:
            _embedded_cookie.reset(token)
        if opened is not None and embedded:
            opened.from_embed_cookie = True
        return opened

    def save_session(self, app, session, response):
        token = _embedded_cookie.set(EMBED_KEY in session or getattr(session, "from_embed_cookie", False))
        try:
            super().save_session(app, session, response)
        finally:
            _embedded_cookie.reset(token)

    def get_cookie_name(self, app):
        return EMBED_COOKIE if _embedded_cookie.get() else super().get_cookie_name(app)

    def get_cookie_domain(self, app):
        return None if _embedded_cookie.get() else super().get_cookie_domain(app)

    def get_cookie_path(self, app):
        return "/" if _embedded_cookie.get() else super().get_cookie_path(app)

    def get_cookie_samesite(self, app):
        return "None" if _embedded_cookie.get() else super().get_cookie_samesite(app)

    def get_cookie_partitioned(self, app):
        return True if _embedded_cookie.get() else super().get_cookie_partitioned(app)

    def get_cookie_httponly(self, app):
        return True if _embedded_cookie.get() else super().get_cookie_httponly(app)


def init_app(app) -> None:
    """Call after access.init_app: the business check below relies on the membership it loads."""
    app.session_interface = EmbedAwareSessionInterface()

    @app.before_request
    def _keep_to_launched_business():
        endpoint = request.endpoint or ""
        if endpoint in ("static", "health.health"):
            return None  # nothing here depends on who is signed in
        in_frame = is_embedded_session() or getattr(session, "from_embed_cookie", False)
        if in_frame and endpoint in ("auth.login_form", "auth.login"):
            end_session()  # inside the portal's frame only a launch signs people in, never a password
            return redirect(url_for("embed.ended"))
        if not is_embedded_session() or endpoint in _OPEN_ENDPOINTS or endpoint.startswith("embed."):
            return None
        scope = current_scope()
        if scope is None:
            end_session()  # its portal was removed from EMBED_PORTALS
            return redirect(url_for("embed.ended"))
        if not current_user.is_authenticated:
            return None  # the login wall already answered
        business_id = g.get("business_id")
        if business_id is None:
            if endpoint == "accounts.home":
                return redirect(url_for("accounts.business_home", business_id=scope.business_id))
            abort(404)
        if business_id != scope.business_id:
            abort(404)  # the same answer as a business the person isn't a member of
        if scope.role == ROLE_STANDARD and g.membership.is_admin:
            g.membership.role = ROLE_STANDARD  # launched with less than Docket grants: this request acts as standard
        g.membership.publish_withheld = not scope.can_publish  # publishing only when the launch granted it
        return None

    @app.context_processor
    def _embed_context():
        return {"embed": current_scope()}
