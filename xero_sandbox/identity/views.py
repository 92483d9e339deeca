"""Routes of the emulated identity service (login.xero.com, identity.xero.com, api.xero.com/connections)."""
import json
import uuid

from authlib.oauth2 import OAuth2Error
from flask import Response, current_app, jsonify, redirect, render_template, request, session, url_for

from xero_sandbox.csrf import check_csrf, csrf_token, protect_page
from xero_sandbox.identity import bp, service
from xero_sandbox.identity.errors import not_found
from xero_sandbox.identity.guard import authenticate_bearer
from xero_sandbox.identity.models import User
from xero_sandbox.identity.oauth import get_server
from xero_sandbox.identity.pages import consent_context

SESSION_USER = "sandbox_user_id"
bp.after_request(protect_page)


@bp.after_request
def _correlation_id(response):
    """/connections is answered by Xero's API gateway, which labels every answer as its other APIs do."""
    if request.path.lower().startswith("/connections"):
        response.headers.setdefault("Xero-Correlation-Id", str(uuid.uuid4()))
    return response


@bp.app_context_processor
def _template_helpers():
    return {"csrf_token": csrf_token}


def _current_user() -> User | None:
    user_id = session.get(SESSION_USER)
    return User.get_or_none(User.id == user_id) if user_id else None


def _error_page(error: OAuth2Error):
    return render_template("identity/error.html", error=error.error,
                           description=error.get_error_description()), 400


@bp.get("/identity/connect/authorize")
def authorize():
    """Login page, or the consent page once logged in; bad requests get an error page, not a redirect."""
    try:
        grant = get_server().get_consent_grant(end_user=None)
    except OAuth2Error as error:
        return _error_page(error)
    user = _current_user()
    if user is None:
        return render_template("identity/login.html", next=request.full_path)
    return render_template("identity/consent.html", **consent_context(grant, user))


@bp.post("/identity/connect/authorize")
def consent():
    """Record the ticked organisations and redirect with a code, or with access_denied on Cancel."""
    check_csrf()
    user, server = _current_user(), get_server()
    try:
        grant = server.get_consent_grant(end_user=user)
    except OAuth2Error as error:
        return _error_page(error)
    if user is None:
        return render_template("identity/login.html", next=request.full_path), 401
    if request.form.get("action") == "deny":
        return server.create_authorization_response(grant_user=None, grant=grant)
    tenant_ids = request.form.getlist("tenant_id")
    try:
        principal = service.connect_tenants(user, grant.request.client, tenant_ids, grant.request.scope or "")
    except service.IdentityError:
        context = consent_context(grant, user, error="Choose at least one organisation.")
        return render_template("identity/consent.html", **context), 422
    return server.create_authorization_response(grant_user=principal, grant=grant)


@bp.post("/identity/login")
def login():
    """Check the demo credentials and go back to the authorize page."""
    check_csrf()
    next_url = request.form.get("next", "")
    if not next_url.startswith(url_for("identity.authorize") + "?"):
        next_url = url_for("identity.authorize")
    user = service.authenticate_user(request.form.get("email", ""), request.form.get("password", ""))
    if user is None:
        return render_template("identity/login.html", next=next_url, email=request.form.get("email", ""),
                               error="Your email or password is incorrect"), 422
    session.clear()
    session[SESSION_USER] = user.id
    return redirect(next_url, 303)


@bp.post("/identity/logout")
def logout():
    """Forget the Xero login (back to the authorize page if it came from there)."""
    check_csrf()
    next_url = request.form.get("next", "")
    session.clear()
    if not next_url.startswith(url_for("identity.authorize") + "?"):
        return redirect(url_for("control.index"), 303)
    return redirect(next_url, 303)


def _xero_oauth_errors(response: Response) -> Response:
    """Xero's token endpoint answers errors as bare `{"error": "..."}`."""
    if response.status_code >= 400 and response.is_json:
        response.set_data(json.dumps({"error": response.get_json().get("error")}))
    return response


@bp.post("/connect/token")
def token():
    """Code exchange and refresh (rotation with grace), errors as bare `{"error": ...}`."""
    return _xero_oauth_errors(get_server().create_token_response())


@bp.post("/connect/revocation")
def revocation():
    """Revoke the grant behind a token; 200 with an empty body."""
    return _xero_oauth_errors(get_server().create_endpoint_response("revocation"))


def _iso7(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0"


@bp.get("/connections")
@bp.get("/Connections", endpoint="connections_spec")
def connections():
    """The token's tenants in Xero's shape, optionally only one consent's (`?authEventId=`)."""
    token = authenticate_bearer()
    items = service.list_connections(token.grant_id, request.args.get("authEventId"))
    return jsonify([{"id": c.id, "authEventId": c.auth_event_id, "tenantId": c.tenant_id,
                     "tenantType": c.tenant_type, "tenantName": c.tenant_name or None,
                     "createdDateUtc": _iso7(c.created_at), "updatedDateUtc": _iso7(c.updated_at)}
                    for c in items])


@bp.delete("/connections/<connection_id>")
@bp.delete("/Connections/<connection_id>", endpoint="delete_connection_spec")
def delete_connection(connection_id):
    """Disconnect one tenant: 204, or 404 when unknown."""
    token = authenticate_bearer()
    if not service.disconnect(connection_id, token.grant_id):
        raise not_found()
    return "", 204


@bp.get("/.well-known/openid-configuration")
def openid_configuration():
    """Discovery document so OAuth clients can find the endpoints."""
    base = (current_app.config.get("SANDBOX_PUBLIC_URL") or request.host_url).rstrip("/")
    return jsonify({"issuer": base, "authorization_endpoint": base + url_for("identity.authorize"),
                    "token_endpoint": base + url_for("identity.token"),
                    "revocation_endpoint": base + url_for("identity.revocation"),
                    "response_types_supported": ["code"], "code_challenge_methods_supported": ["S256"],
                    "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                    "scopes_supported": current_app.config["OAUTH2_SCOPES_SUPPORTED"]})
