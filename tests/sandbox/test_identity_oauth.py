"""The OAuth 2.0 dance against the sandbox: authorize, login, consent, token, refresh, revoke."""
import re

from tests.sandbox.conftest import REDIRECT_URI, pkce_pair
from xero_sandbox.identity.jwt import decode_unverified


def test_code_exchange_with_basic_auth_returns_xero_token_response(dance, tenants):
    code = dance.code([tenants[0][0], tenants[1][0]])
    response = dance.exchange(code, auth="basic")
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 1800
    assert body["scope"] == ("openid profile email accounting.transactions accounting.settings "
                             "accounting.contacts offline_access")
    assert body["refresh_token"] and body["id_token"]
    claims = decode_unverified(body["access_token"])
    assert claims["exp"] - claims["nbf"] == 1800
    assert re.fullmatch(r"[0-9a-f-]{36}", claims["authentication_event_id"])
    assert response.headers["Cache-Control"] == "no-store"


def test_code_exchange_with_body_credentials_and_pkce(dance, tenants):
    verifier, challenge = pkce_pair()
    code = dance.code([tenants[0][0]], code_challenge=challenge, code_challenge_method="S256")
    response = dance.exchange(code, auth="post", code_verifier=verifier)
    assert response.status_code == 200
    assert response.get_json()["access_token"]


def test_wrong_pkce_verifier_is_invalid_grant(dance, tenants):
    _verifier, challenge = pkce_pair()
    code = dance.code([tenants[0][0]], code_challenge=challenge, code_challenge_method="S256")
    response = dance.exchange(code, code_verifier=pkce_pair()[0])
    assert (response.status_code, response.get_json()) == (400, {"error": "invalid_grant"})


def test_code_is_single_use(dance, tenants):
    code = dance.code([tenants[0][0]])
    assert dance.exchange(code).status_code == 200
    response = dance.exchange(code)
    assert (response.status_code, response.get_json()) == (400, {"error": "invalid_grant"})


def test_code_expires_after_five_minutes(dance, tenants, clock):
    code = dance.code([tenants[0][0]])
    clock.advance(minutes=5, seconds=1)
    response = dance.exchange(code)
    assert (response.status_code, response.get_json()) == (400, {"error": "invalid_grant"})


def test_code_still_valid_just_before_five_minutes(dance, tenants, clock):
    code = dance.code([tenants[0][0]])
    clock.advance(minutes=4, seconds=59)
    assert dance.exchange(code).status_code == 200


def test_wrong_client_secret_is_invalid_client_401(dance, tenants, sandbox_client):
    code = dance.code([tenants[0][0]])
    response = sandbox_client.post("/connect/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        headers={"Authorization": "Basic ZG9ja2V0LWRlbW86d3Jvbmc="})  # docket-demo:wrong
    assert (response.status_code, response.get_json()) == (401, {"error": "invalid_client"})


def test_redirect_uri_must_match_the_authorize_request(dance, tenants):
    code = dance.code([tenants[0][0]])
    response = dance.token_request({"grant_type": "authorization_code", "code": code,
                                    "redirect_uri": "http://127.0.0.1:5077/other"})
    assert (response.status_code, response.get_json()) == (400, {"error": "invalid_grant"})


def test_non_loopback_redirect_uri_is_refused_without_redirect(dance, sandbox_client):
    for uri in ("https://evil.example/cb", "http://127.0.0.1.evil.example/cb", "http://10.0.0.5:8000/cb"):
        response = sandbox_client.get(dance.authorize_url(redirect_uri=uri))
        assert response.status_code == 400
        assert "Location" not in response.headers
        assert "Sorry, something went wrong" in response.text


def test_any_loopback_redirect_uri_is_accepted(dance, tenants):
    for uri in ("http://localhost:8123/cb", "http://[::1]:9000/x/y", "http://127.0.0.1:5077/xero/callback"):
        url = dance.authorize_url(redirect_uri=uri)
        dance.login(url)
        response = dance.consent(url, [tenants[0][0]])
        assert response.headers["Location"].startswith(uri + "?code=")


def test_unknown_client_and_unknown_scope_are_refused(dance, sandbox_client):
    assert sandbox_client.get(dance.authorize_url(client_id="nope") .replace(
        "client_id=docket-demo", "client_id=nope")).status_code == 400
    response = sandbox_client.get(dance.authorize_url(scope="accounting.everything offline_access"))
    assert response.status_code == 400
    assert "invalid_scope" in response.text


def test_deny_redirects_with_access_denied(dance, tenants):
    url = dance.authorize_url()
    dance.login(url)
    response = dance.consent(url, [tenants[0][0]], action="deny")
    assert response.status_code == 302
    assert "error=access_denied" in response.headers["Location"]
    assert "state=st-123" in response.headers["Location"]


def test_refresh_rotates_and_previous_token_works_within_grace(dance, tenants, clock):
    first = dance.exchange(dance.code([tenants[0][0]])).get_json()
    second = dance.refresh(first["refresh_token"], auth="post")
    assert second.status_code == 200
    second = second.get_json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    clock.advance(minutes=29)
    retried = dance.refresh(first["refresh_token"])
    assert retried.status_code == 200
    clock.advance(minutes=2)
    late = dance.refresh(first["refresh_token"])
    assert (late.status_code, late.get_json()) == (400, {"error": "invalid_grant"})
    assert dance.refresh(retried.get_json()["refresh_token"]).status_code == 200


def test_refresh_token_expires_after_sixty_idle_days(dance, tenants, clock):
    token = dance.exchange(dance.code([tenants[0][0]])).get_json()
    clock.advance(days=60)
    response = dance.refresh(token["refresh_token"])
    assert (response.status_code, response.get_json()) == (400, {"error": "invalid_grant"})


def test_refreshed_token_keeps_the_auth_event(dance, tenants):
    token = dance.exchange(dance.code([tenants[0][0]])).get_json()
    refreshed = dance.refresh(token["refresh_token"]).get_json()
    assert (decode_unverified(refreshed["access_token"])["authentication_event_id"]
            == decode_unverified(token["access_token"])["authentication_event_id"])


def test_no_refresh_token_without_offline_access(dance, tenants):
    body = dance.exchange(dance.code([tenants[0][0]], scope="accounting.settings.read")).get_json()
    assert "refresh_token" not in body
    assert "id_token" not in body


def test_revocation_kills_grant_refresh_tokens_and_connections(dance, tenants, sandbox_client):
    token = dance.exchange(dance.code([tenants[0][0], tenants[1][0]])).get_json()
    response = dance.token_request({"token": token["refresh_token"]}, path="/connect/revocation")
    assert (response.status_code, response.data) == (200, b"")
    refused = dance.refresh(token["refresh_token"])
    assert (refused.status_code, refused.get_json()) == (400, {"error": "invalid_grant"})
    api = sandbox_client.get("/connections", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert api.status_code == 401


def test_revocation_needs_client_authentication(dance, tenants, sandbox_client):
    token = dance.exchange(dance.code([tenants[0][0]])).get_json()
    response = sandbox_client.post("/connect/revocation", data={"token": token["refresh_token"]})
    assert response.status_code in (400, 401)
    assert response.get_json() == {"error": "invalid_client"}
    assert dance.refresh(token["refresh_token"]).status_code == 200


def test_unsupported_grant_type(dance):
    response = dance.token_request({"grant_type": "password", "username": "a", "password": "b"})
    assert (response.status_code, response.get_json()) == (400, {"error": "unsupported_grant_type"})


def test_jwt_times_follow_the_sandbox_clock(bearer, tenants, clock):
    claims = decode_unverified(bearer(tenants[0][0]))
    assert claims["nbf"] == 1768467600  # 2026-01-15T09:00:00Z, the fake clock's start
    assert claims["exp"] == 1768467600 + 1800
