"""authlib's own requests client against a live sandbox: PKCE code flow, refresh, revoke."""
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session, OAuthError

from tests.sandbox.conftest import REDIRECT_URI, form_token


def _consent(base: str, url: str, tenant_ids: list[str]) -> str:
    """Log in and consent with a plain requests session, as a user would; return the callback URL."""
    browser = requests.Session()
    login_page = browser.get(url, timeout=5)
    consent_page = browser.post(base + "/identity/login", timeout=5, data={
        "email": "demo@xero.example", "password": "docket-demo", "next": urlsplit(url)._replace(
            scheme="", netloc="").geturl(), "csrf_token": form_token(login_page.text)})
    answer = browser.post(url, allow_redirects=False, timeout=5, data={
        "tenant_id": tenant_ids, "action": "allow", "csrf_token": form_token(consent_page.text)})
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def test_authlib_client_full_cycle(live_sandbox, tenants):
    client = OAuth2Session("docket-demo", "docket-demo-secret", redirect_uri=REDIRECT_URI,
                           scope="accounting.transactions accounting.settings offline_access",
                           code_challenge_method="S256")
    verifier = generate_token(48)
    url, state = client.create_authorization_url(live_sandbox + "/identity/connect/authorize",
                                                 code_verifier=verifier)
    callback = _consent(live_sandbox, url, [tenants[0][0], tenants[1][0]])
    assert parse_qs(urlsplit(callback).query)["state"] == [state]

    token = client.fetch_token(live_sandbox + "/connect/token", authorization_response=callback,
                               code_verifier=verifier)
    assert token["expires_in"] == 1800 and token["token_type"] == "Bearer"
    connections = client.get(live_sandbox + "/connections", timeout=5).json()
    assert len(connections) == 2

    refreshed = client.refresh_token(live_sandbox + "/connect/token")
    assert refreshed["refresh_token"] != token["refresh_token"]
    client.revoke_token(live_sandbox + "/connect/revocation", refreshed["refresh_token"],
                        token_type_hint="refresh_token")
    with pytest.raises(OAuthError) as refused:
        client.refresh_token(live_sandbox + "/connect/token", refresh_token=refreshed["refresh_token"])
    assert refused.value.error == "invalid_grant"
