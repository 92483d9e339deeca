"""GET/DELETE /connections: Xero's shape, the authEventId filter, disconnects and reconnects."""
import re

from tests.sandbox.conftest import form_token
from xero_sandbox.identity.jwt import decode_unverified

ISO7 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}")


def _connections(client, token, **params):
    return client.get("/connections", query_string=params, headers={"Authorization": f"Bearer {token}"})


def test_connections_after_consent_with_two_organisations(dance, tenants, sandbox_client):
    picked = [tenants[0], tenants[1]]
    token = dance.exchange(dance.code([t for t, _ in picked])).get_json()["access_token"]
    response = _connections(sandbox_client, token)
    assert response.status_code == 200 and response.headers["Xero-Correlation-Id"]
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    items = response.get_json()
    event = decode_unverified(token)["authentication_event_id"]
    assert {(c["tenantId"], c["tenantName"]) for c in items} == set(picked)
    for item in items:
        assert set(item) == {"id", "authEventId", "tenantId", "tenantType", "tenantName",
                             "createdDateUtc", "updatedDateUtc"}
        assert item["authEventId"] == event
        assert item["tenantType"] == "ORGANISATION"
        assert ISO7.fullmatch(item["createdDateUtc"]) and ISO7.fullmatch(item["updatedDateUtc"])


def test_second_consent_adds_tenants_and_auth_event_filter_picks_them(dance, tenants, sandbox_client):
    first = dance.exchange(dance.code([tenants[0][0]])).get_json()["access_token"]
    url = dance.authorize_url()
    assert "Continue with 1 organisation" in sandbox_client.get(url).text
    second = dance.exchange(dance.code([tenants[2][0]])).get_json()["access_token"]
    event = decode_unverified(second)["authentication_event_id"]
    assert len(_connections(sandbox_client, second).get_json()) == 2
    filtered = _connections(sandbox_client, second, authEventId=event).get_json()
    assert [c["tenantId"] for c in filtered] == [tenants[2][0]]
    assert len(_connections(sandbox_client, first).get_json()) == 2


def test_first_consent_offers_allow_access(dance, sandbox_client):
    url = dance.authorize_url()
    dance.login(url)
    assert "Allow access for 1 organisation" in sandbox_client.get(url).text


def test_other_users_connections_are_separate(dance, tenants, sandbox_client):
    dance.exchange(dance.code([tenants[0][0]]))
    page = sandbox_client.get(dance.authorize_url())
    sandbox_client.post("/identity/logout", data={"csrf_token": form_token(page.text)})
    other = dance.exchange(dance.code([tenants[3][0]], email="other@xero.example")).get_json()["access_token"]
    assert [c["tenantId"] for c in _connections(sandbox_client, other).get_json()] == [tenants[3][0]]


def test_delete_connection_then_tenant_is_forbidden(bearer, tenants, sandbox_client, probe, api_get):
    token = bearer(tenants[0][0], tenants[1][0])
    items = _connections(sandbox_client, token).get_json()
    gone = next(c for c in items if c["tenantId"] == tenants[0][0])
    response = sandbox_client.delete(f"/connections/{gone['id']}", headers={"Authorization": f"Bearer {token}"})
    assert (response.status_code, response.data) == (204, b"")
    assert [c["tenantId"] for c in _connections(sandbox_client, token).get_json()] == [tenants[1][0]]
    assert api_get(probe, token, tenants[0][0]).status_code == 403
    assert api_get(probe, token, tenants[1][0]).status_code == 200
    again = sandbox_client.delete(f"/connections/{gone['id']}", headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 404
    assert again.get_json()["Status"] == 404


def test_unknown_connection_id_is_404_json(bearer, tenants, sandbox_client):
    token = bearer(tenants[0][0])
    response = sandbox_client.delete("/connections/not-a-connection",
                                      headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404
    assert response.get_json()["Title"] == "NotFound"


def test_reconnect_keeps_created_and_moves_updated(bearer, tenants, sandbox_client, clock):
    token = bearer(tenants[0][0])
    item = _connections(sandbox_client, token).get_json()[0]
    sandbox_client.delete(f"/connections/{item['id']}", headers={"Authorization": f"Bearer {token}"})
    clock.advance(minutes=5)
    token = bearer(tenants[0][0])
    again = _connections(sandbox_client, token).get_json()[0]
    assert again["createdDateUtc"] == item["createdDateUtc"]
    assert again["updatedDateUtc"] > item["updatedDateUtc"]


def test_connections_needs_a_valid_token(sandbox_client):
    cases = [({}, "Bearer"), ({"Authorization": "Basic abc"}, "Bearer"),
             ({"Authorization": "Bearer not.a.jwt"}, 'Bearer error="invalid_token"')]
    for headers, challenge in cases:
        response = sandbox_client.get("/connections", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == challenge
        assert response.get_json()["Title"] == "Unauthorized"


def test_an_older_connection_is_listed_without_its_tenant_name(bearer, tenants, sandbox_client):
    token = bearer(tenants[0][0])
    item = _connections(sandbox_client, token).get_json()[0]
    renamed = sandbox_client.put(f"/operator/api/connections/{item['id']}/tenant-name", json={"tenantName": ""})
    assert renamed.status_code == 204
    assert _connections(sandbox_client, token).get_json()[0]["tenantName"] is None

