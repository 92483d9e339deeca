"""authlib OAuth 2.0 authorization server wired to the sandbox's identity models."""
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.integrations.flask_oauth2.requests import FlaskOAuth2Payload
from authlib.oauth2.rfc6749 import OAuth2Request, grants
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import current_app, request as flask_request

from xero_sandbox.clock import now
from xero_sandbox.identity import service
from xero_sandbox.identity.models import AuthorizationCode, Client, Token

EXTENSION_KEY = "xero_sandbox.oauth"
CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


class SandboxOAuth2Request(OAuth2Request):
    """authlib's Flask request, minus the https check: the sandbox serves plain http on any host."""

    def __init__(self, req):
        super().__init__(method=req.method, uri="https://sandbox.invalid/", headers=req.headers)
        self._request = req
        self.payload = FlaskOAuth2Payload(req)

    @property
    def args(self):
        return self._request.args

    @property
    def form(self):
        return self._request.form


class XeroAuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    """Codes live 5 minutes, are single-use and carry the consent's grant and auth event."""

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def save_authorization_code(self, code, request):
        principal: service.Principal = request.user
        payload = request.payload
        return AuthorizationCode.create(
            code=code, client=request.client, grant=principal.grant, redirect_uri=payload.redirect_uri or "",
            scope=request.scope or "", auth_event_id=principal.auth_event_id, nonce=payload.data.get("nonce"),
            code_challenge=payload.data.get("code_challenge"),
            code_challenge_method=payload.data.get("code_challenge_method"), created_at=now())

    def query_authorization_code(self, code, client):
        item = AuthorizationCode.get_or_none(AuthorizationCode.code == code, AuthorizationCode.client == client)
        if item is not None and item.is_usable() and item.grant.revoked_at is None:
            return item
        return None

    def delete_authorization_code(self, authorization_code):
        service.delete_used_code(authorization_code)

    def authenticate_user(self, authorization_code):
        grant = authorization_code.grant
        return service.Principal(grant.user, grant, authorization_code.auth_event_id)


class XeroRefreshTokenGrant(grants.RefreshTokenGrant):
    """Rotating refresh tokens; the previous one stays valid for 30 minutes after first use."""

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        return service.find_refresh_token(refresh_token)

    def authenticate_user(self, refresh_token):
        grant = refresh_token.grant
        return service.Principal(grant.user, grant, refresh_token.auth_event_id)

    def revoke_old_credential(self, refresh_token):
        service.mark_refresh_used(refresh_token)


class XeroRevocationEndpoint(RevocationEndpoint):
    """Revoking a refresh token (or access token) kills the whole grant; answers 200 with no body."""

    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def query_token(self, token_string, token_type_hint):
        if token_type_hint != "access_token":
            found = Token.get_or_none(Token.refresh_token == token_string)
            if found is not None or token_type_hint == "refresh_token":
                return found
        return Token.get_or_none(Token.access_token == token_string)

    def revoke_token(self, token, request):
        service.revoke_grant(token.grant)

    def create_endpoint_response(self, request):
        status, _body, _headers = super().create_endpoint_response(request)
        return status, "", [("Cache-Control", "no-store")]


class SandboxAuthorizationServer(AuthorizationServer):
    """Issues Xero-shaped JWT token responses and stores them."""

    def create_oauth2_request(self, request):
        return SandboxOAuth2Request(flask_request)

    def generate_token(self, grant_type, client, user=None, scope=None, expires_in=None,
                       include_refresh_token=True):
        return service.build_token_response(client, user, scope or "", include_refresh_token)


def _query_client(client_id):
    return Client.get_or_none(Client.client_id == client_id)


def _save_token(token, request):
    service.save_token(token, request.client, request.user)


def create_server(app) -> SandboxAuthorizationServer:
    """Build the authorization server for `app` (grants, PKCE S256, revocation)."""
    server = SandboxAuthorizationServer(app, query_client=_query_client, save_token=_save_token)
    server.register_grant(XeroAuthorizationCodeGrant, [CodeChallenge(required=False)])
    server.register_grant(XeroRefreshTokenGrant)
    server.register_endpoint(XeroRevocationEndpoint)
    app.extensions[EXTENSION_KEY] = server
    return server


def get_server() -> SandboxAuthorizationServer:
    """The current app's authorization server."""
    return current_app.extensions[EXTENSION_KEY]
