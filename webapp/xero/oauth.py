"""Xero's identity service through authlib: authorize URL with PKCE, code exchange, refresh, revoke,
and the /connections list."""
from dataclasses import dataclass

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.integrations.base_client.errors import OAuthError

from webapp.xero.endpoints import XeroApp, XeroEndpoints
from webapp.xero.errors import XeroAuthRequired, XeroError, XeroUnavailable, error_from_response
from webapp.xero.tokens import TokenSet

@dataclass(frozen=True)
class AuthorizationRequest:
    url: str
    state: str
    code_verifier: str

@dataclass(frozen=True)
class XeroConnection:
    """One organisation the grant can reach (an item of GET /connections)."""

    id: str
    tenant_id: str
    tenant_name: str
    tenant_type: str
    auth_event_id: str

class XeroIdentity:
    def __init__(self, app: XeroApp, endpoints: XeroEndpoints, http: requests.Session | None = None):
        self.app, self.endpoints, self.http = app, endpoints, http or requests.Session()

    def _session(self, **kwargs) -> OAuth2Session:
        session = OAuth2Session(self.app.client_id, self.app.client_secret, scope=" ".join(self.app.scopes),
                                code_challenge_method="S256", **kwargs)
        session.mount("https://", self.http.get_adapter("https://"))
        session.mount("http://", self.http.get_adapter("http://"))
        return session

    def authorization_request(self, redirect_uri: str) -> AuthorizationRequest:
        """A fresh state and PKCE verifier, and the URL that sends the user to Xero's consent."""
        verifier = generate_token(64)
        session = self._session(redirect_uri=redirect_uri)
        url, state = session.create_authorization_url(
            self.endpoints.authorize_url, state=generate_token(32), code_verifier=verifier)
        return AuthorizationRequest(url, state, verifier)

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> TokenSet:
        return self._token_call(lambda s: s.fetch_token(  # authlib sends grant_type=authorization_code with a code
            self.endpoints.token_url, code=code, code_verifier=code_verifier, timeout=self.app.timeout),
            redirect_uri=redirect_uri)

    def refresh(self, refresh_token: str) -> TokenSet:
        return self._token_call(lambda s: s.refresh_token(
            self.endpoints.token_url, refresh_token=refresh_token, timeout=self.app.timeout))

    def revoke(self, refresh_token: str) -> None:
        """Revoke the whole grant (every organisation it reached)."""
        response = self._session().revoke_token(self.endpoints.revocation_url, refresh_token,
                                                token_type_hint="refresh_token", timeout=self.app.timeout)
        if response.status_code >= 400:
            raise error_from_response(response)

    def connections(self, access_token: str, auth_event_id: str | None = None) -> list[XeroConnection]:
        params = {"authEventId": auth_event_id} if auth_event_id else None
        response = self._get(self.endpoints.connections_url, access_token, params)
        return [XeroConnection(c["id"], c["tenantId"], c.get("tenantName") or "", c.get("tenantType", ""),
                               c.get("authEventId") or "") for c in response.json()]

    def organisation_name(self, access_token: str, tenant_id: str) -> str:
        """The organisation's name from GET Organisation: /connections gives none for some older connections."""
        response = self._get(f"{self.endpoints.api_url}/Organisation", access_token, None,
                             {"xero-tenant-id": tenant_id})
        return (response.json().get("Organisations") or [{}])[0].get("Name") or ""

    def delete_connection(self, access_token: str, connection_id: str) -> None:
        """Remove one organisation from the grant; an already-removed one counts as done."""
        try:
            response = self.http.delete(f"{self.endpoints.connections_url}/{connection_id}",
                                        headers={"Authorization": f"Bearer {access_token}"}, timeout=self.app.timeout)
        except requests.RequestException as error:
            raise XeroUnavailable(str(error)) from error
        if response.status_code not in (200, 204, 404):
            raise error_from_response(response)

    def _get(self, url: str, access_token: str, params: dict | None, headers: dict | None = None):
        try:
            response = self.http.get(url, params=params, timeout=self.app.timeout,
                                     headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json",
                                              **(headers or {})})
        except requests.RequestException as error:
            raise XeroUnavailable(str(error)) from error
        if response.status_code >= 400:
            raise error_from_response(response)
        return response

    def _token_call(self, call, **session_kwargs) -> TokenSet:
        try:
            return TokenSet.from_response(dict(call(self._session(**session_kwargs))))
        except OAuthError as error:
            if error.error in ("invalid_grant", "invalid_client", "unauthorized_client", "invalid_scope"):
                raise XeroAuthRequired(error.error) from error
            raise XeroError(error.error or "token request failed") from error
        except requests.RequestException as error:
            raise XeroUnavailable(str(error)) from error

__all__ = ["AuthorizationRequest", "XeroConnection", "XeroIdentity"]
