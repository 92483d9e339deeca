"""Xero's identity service as Docket calls it: the consent URL (state, PKCE, scopes), the code exchange, refresh and
revocation on the token endpoints, /connections, the organisation's name and removing an organisation, with what
each kind of answer becomes. FakeXero (tests/test_xero_client_requests.py) records each request and answers from a
script."""
import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.test_xero_client_requests import FakeXero
from webapp.xero.endpoints import SCOPES, XeroApp, XeroEndpoints
from webapp.xero.errors import XeroAuthRequired, XeroError, XeroNotFound, XeroUnavailable
from webapp.xero.oauth import XeroConnection, XeroIdentity

REDIRECT = "https://docket.example.com/integrations/xero/callback"
JSON = {"Content-Type": "application/json"}
TOKENS = (200, JSON, {"access_token": "access-2", "refresh_token": "refresh-2", "expires_in": 1800,
                      "token_type": "Bearer", "scope": "offline_access accounting.invoices"})
BASIC = "Basic " + base64.b64encode(b"client-1:secret-1").decode()


def identity(*answers, endpoints=None, **app):
    """XeroIdentity on Xero's real URLs (or `endpoints`), every request going to a FakeXero."""
    xero = FakeXero(*answers)
    http = requests.Session()
    http.mount("https://", xero)
    http.mount("http://", xero)
    return XeroIdentity(XeroApp("client-1", "secret-1", **app), endpoints or XeroEndpoints.real_xero(), http), xero


def form(request) -> dict:
    return {key: values[0] for key, values in parse_qs(request.body).items()}


def query(url: str) -> dict:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


@pytest.mark.parametrize("scope_set", ["granular", "broad"])
def test_the_consent_url_asks_for_docket_with_state_pkce_and_its_scopes(scope_set):
    xero_identity, xero = identity(scope_set=scope_set)
    asked = xero_identity.authorization_request(REDIRECT)
    assert asked.url.startswith("https://login.xero.com/identity/connect/authorize?")
    challenge = base64.urlsafe_b64encode(hashlib.sha256(asked.code_verifier.encode()).digest()).rstrip(b"=").decode()
    assert query(asked.url) == {"response_type": "code", "client_id": "client-1", "redirect_uri": REDIRECT,
                                "scope": " ".join(SCOPES[scope_set]), "state": asked.state,
                                "code_challenge": challenge, "code_challenge_method": "S256"}
    assert len(asked.state) == 32 and len(asked.code_verifier) == 64
    again = xero_identity.authorization_request(REDIRECT)
    assert again.state != asked.state and again.code_verifier != asked.code_verifier
    assert xero.received == []  # nothing is sent to Xero: the browser goes there


def test_the_code_is_exchanged_with_the_verifier_and_docket_s_credentials():
    xero_identity, xero = identity(TOKENS, timeout=12.5)
    tokens = xero_identity.exchange_code("code-1", REDIRECT, "verifier-1")
    assert (tokens.access_token, tokens.refresh_token, tokens.scope) == (
        "access-2", "refresh-2", "offline_access accounting.invoices")
    (sent, timeout), = xero.received
    assert (sent.method, sent.url, timeout) == ("POST", "https://identity.xero.com/connect/token", 12.5)
    assert sent.headers["Authorization"] == BASIC
    assert form(sent) == {"grant_type": "authorization_code", "code": "code-1", "redirect_uri": REDIRECT,
                          "code_verifier": "verifier-1"}


def test_a_refresh_sends_the_refresh_token_and_reads_the_rotated_pair():
    xero_identity, xero = identity(TOKENS, timeout=12.5)
    tokens = xero_identity.refresh("refresh-1")
    assert (tokens.access_token, tokens.refresh_token) == ("access-2", "refresh-2")
    (sent, timeout), = xero.received
    assert (sent.method, sent.url, timeout) == ("POST", "https://identity.xero.com/connect/token", 12.5)
    assert sent.headers["Authorization"] == BASIC
    assert form(sent)["grant_type"] == "refresh_token" and form(sent)["refresh_token"] == "refresh-1"


def test_on_the_sandbox_token_calls_go_to_its_host_over_plain_http():
    xero_identity, xero = identity(TOKENS, TOKENS, endpoints=XeroEndpoints.on_one_host("http://sandbox.test:8001"))
    xero_identity.exchange_code("code-1", REDIRECT, "verifier-1")
    xero_identity.refresh("refresh-1")
    assert [sent.url for sent in xero.requests] == ["http://sandbox.test:8001/connect/token"] * 2


@pytest.mark.parametrize("code", ["invalid_grant", "invalid_client", "unauthorized_client", "invalid_scope"])
def test_a_refusal_of_the_grant_or_of_docket_means_reconnecting(code):
    xero_identity, _ = identity((400, JSON, {"error": code}))
    with pytest.raises(XeroAuthRequired) as refused:
        xero_identity.refresh("refresh-1")
    assert refused.value.detail == code


@pytest.mark.parametrize("code, detail", [("temporarily_unavailable", "temporarily_unavailable"),
                                          ("", "token request failed")])
def test_other_token_errors_are_errors_without_reconnecting(code, detail):
    xero_identity, _ = identity((400, JSON, {"error": code}))
    with pytest.raises(XeroError) as failed:
        xero_identity.exchange_code("code-1", REDIRECT, "verifier-1")
    assert not isinstance(failed.value, XeroAuthRequired) and failed.value.detail == detail


@pytest.mark.parametrize("answer, detail", [
    (requests.ConnectionError("connection refused"), "connection refused"),
    ((503, {"Content-Type": "text/html"}, b"<html>down</html>"), "503 Server Error"),
])
def test_a_token_endpoint_out_of_reach_is_unavailable(answer, detail):
    xero_identity, _ = identity(answer)
    with pytest.raises(XeroUnavailable) as unavailable:
        xero_identity.refresh("refresh-1")
    assert detail in unavailable.value.detail


def test_revoking_sends_the_refresh_token_to_the_revocation_endpoint():
    xero_identity, xero = identity((200, {}, b""), timeout=12.5)
    assert xero_identity.revoke("refresh-1") is None
    (sent, timeout), = xero.received
    assert (sent.method, sent.url, timeout) == ("POST", "https://identity.xero.com/connect/revocation", 12.5)
    assert sent.headers["Authorization"] == BASIC
    assert form(sent) == {"token": "refresh-1", "token_type_hint": "refresh_token"}


@pytest.mark.parametrize("status", [400, 503])
def test_a_revocation_xero_refuses_is_an_error(status):
    xero_identity, _ = identity((status, JSON, {"error": "unsupported_token_type"}))
    with pytest.raises(XeroError) as refused:
        xero_identity.revoke("refresh-1")
    assert refused.value.status == status


CONNECTIONS = [
    {"id": "c-1", "tenantId": "t-1", "tenantName": "Hartley & Moss", "tenantType": "ORGANISATION",
     "authEventId": "ev-1"},
    {"id": "c-2", "tenantId": "t-2", "tenantName": None, "tenantType": "PRACTICE", "authEventId": None},
    {"id": "c-3", "tenantId": "t-3"},
]


def test_connections_are_read_with_the_access_token():
    xero_identity, xero = identity((200, JSON, CONNECTIONS), timeout=12.5)
    assert xero_identity.connections("access-1") == [
        XeroConnection("c-1", "t-1", "Hartley & Moss", "ORGANISATION", "ev-1"),
        XeroConnection("c-2", "t-2", "", "PRACTICE", ""),  # no name: read from the organisation later
        XeroConnection("c-3", "t-3", "", "", ""),
    ]
    (sent, timeout), = xero.received
    assert (sent.method, sent.url, timeout) == ("GET", "https://api.xero.com/connections", 12.5)
    assert sent.headers["Authorization"] == "Bearer access-1" and sent.headers["Accept"] == "application/json"


def test_connections_of_one_consent_are_asked_for_by_its_auth_event():
    xero_identity, xero = identity((200, JSON, CONNECTIONS[:1]), (200, JSON, CONNECTIONS))
    xero_identity.connections("access-1", "ev-1")
    xero_identity.connections("access-1", "")
    assert [sent.url for sent in xero.requests] == ["https://api.xero.com/connections?authEventId=ev-1",
                                                    "https://api.xero.com/connections"]


@pytest.mark.parametrize("status, error", [(400, XeroError), (401, XeroAuthRequired), (404, XeroNotFound)])
def test_connections_xero_refuses_are_errors(status, error):
    xero_identity, _ = identity((status, JSON, {"Title": "Refused", "Detail": "no"}))
    with pytest.raises(error) as refused:
        xero_identity.connections("access-1")
    assert refused.value.status == status


def test_connections_out_of_reach_are_unavailable():
    xero_identity, _ = identity(requests.ConnectionError("connection reset"))
    with pytest.raises(XeroUnavailable) as unavailable:
        xero_identity.connections("access-1")
    assert unavailable.value.detail == "connection reset"


@pytest.mark.parametrize("body, name", [({"Organisations": [{"Name": "Hartley & Moss"}]}, "Hartley & Moss"),
                                        ({"Organisations": [{"Name": None}]}, ""),
                                        ({"Organisations": []}, ""), ({}, "")])
def test_an_organisations_name_is_read_from_xero(body, name):
    xero_identity, xero = identity((200, JSON, body), timeout=12.5)
    assert xero_identity.organisation_name("access-1", "t-1") == name
    (sent, timeout), = xero.received
    assert (sent.method, sent.url, timeout) == ("GET", "https://api.xero.com/api.xro/2.0/Organisation", 12.5)
    assert sent.headers["Authorization"] == "Bearer access-1" and sent.headers["xero-tenant-id"] == "t-1"
    assert sent.headers["Accept"] == "application/json"


@pytest.mark.parametrize("status", [200, 204, 404])
def test_removing_an_organisation_is_done_when_xero_says_so_or_already_forgot_it(status):
    xero_identity, xero = identity((status, {}, b""), timeout=12.5)
    assert xero_identity.delete_connection("access-1", "c-2") is None
    (sent, timeout), = xero.received
    assert (sent.method, sent.url, timeout) == ("DELETE", "https://api.xero.com/connections/c-2", 12.5)
    assert sent.headers["Authorization"] == "Bearer access-1"


@pytest.mark.parametrize("status, error", [(401, XeroAuthRequired), (500, XeroError)])
def test_removing_an_organisation_xero_refuses_is_an_error(status, error):
    xero_identity, _ = identity((status, JSON, {"Title": "Refused"}))
    with pytest.raises(error) as refused:
        xero_identity.delete_connection("access-1", "c-2")
    assert refused.value.status == status


def test_removing_an_organisation_out_of_reach_is_unavailable():
    xero_identity, _ = identity(requests.ConnectionError("connection reset"))
    with pytest.raises(XeroUnavailable) as unavailable:
        xero_identity.delete_connection("access-1", "c-2")
    assert unavailable.value.detail == "connection reset"
