"""What an API caller sees from the guard: Bearer, tenant header and scope checks in Xero's shapes."""
import re

from xero_sandbox.limits import get_limiter


def test_valid_call_carries_correlation_id_and_limit_headers(bearer, tenants, probe, api_get):
    response = api_get(probe, bearer(tenants[0][0]), tenants[0][0])
    assert response.status_code == 200
    assert re.fullmatch(r"[0-9a-f-]{36}", response.headers["Xero-Correlation-Id"])
    assert response.headers["X-MinLimit-Remaining"] == "59"
    assert response.headers["X-DayLimit-Remaining"] == "4999"
    assert response.headers["X-AppMinLimit-Remaining"] == "9999"


def test_tenant_header_is_case_insensitive(bearer, tenants, probe, sandbox_client):
    token = bearer(tenants[0][0])
    response = sandbox_client.get(probe, headers={"Authorization": f"Bearer {token}",
                                                  "Xero-Tenant-Id": tenants[0][0].upper()})
    assert response.status_code == 200


def test_missing_tenant_header_is_403_authentication_unsuccessful(bearer, tenants, probe, api_get):
    response = api_get(probe, bearer(tenants[0][0]), None)
    assert response.status_code == 403
    body = response.get_json()
    assert body["Instance"] == response.headers["Xero-Correlation-Id"]
    assert (body["Type"], body["Title"], body["Status"], body["Detail"]) == (
        None, "Forbidden", 403, "AuthenticationUnsuccessful")


def test_tenant_not_connected_is_403(bearer, tenants, probe, api_get):
    response = api_get(probe, bearer(tenants[0][0]), tenants[1][0])
    assert response.status_code == 403
    assert response.get_json()["Detail"] == "AuthenticationUnsuccessful"


def test_malformed_or_unknown_token_is_401(tenants, probe, api_get):
    for token in ("garbage", "a.b.c", ""):
        response = api_get(probe, token, tenants[0][0])
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.get_json()["Title"] == "Unauthorized"


def test_expired_token_is_401_token_expired(bearer, tenants, probe, api_get, clock):
    token = bearer(tenants[0][0])
    clock.advance(minutes=29, seconds=59)
    assert api_get(probe, token, tenants[0][0]).status_code == 200
    clock.advance(seconds=1)
    response = api_get(probe, token, tenants[0][0])
    assert response.status_code == 401
    assert response.get_json()["Detail"] == "TokenExpired: token expired at 01/15/2026 09:30:00"
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_missing_scope_is_401_insufficient_scope(bearer, tenants, probe, api_get):
    token = bearer(tenants[0][0], scopes=["accounting.contacts", "offline_access"])
    response = api_get(probe, token, tenants[0][0])
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer error="insufficient_scope"'
    assert response.get_json()["Detail"] == "AuthorizationUnsuccessful"


def test_read_scope_is_enough_for_a_read(bearer, tenants, probe, api_get):
    token = bearer(tenants[0][0], scopes=["accounting.settings.read"])
    assert api_get(probe, token, tenants[0][0]).status_code == 200


def test_concurrency_slot_released_when_the_view_fails(bearer, tenants, probe, api_get, sandbox_app):
    sandbox_app.config["PROPAGATE_EXCEPTIONS"] = False
    token = bearer(tenants[0][0])
    for _ in range(7):
        assert api_get(probe + "boom", token, tenants[0][0]).status_code == 500
    with sandbox_app.app_context():
        assert get_limiter().in_flight() == {}
    assert api_get(probe, token, tenants[0][0]).status_code == 200


def test_server_error_is_json_without_stack_trace(bearer, tenants, probe, api_get, sandbox_app):
    sandbox_app.config["PROPAGATE_EXCEPTIONS"] = False
    response = api_get(probe + "boom", bearer(tenants[0][0]), tenants[0][0])
    assert response.status_code == 500
    assert response.get_json()["Title"] == "An error occurred"
    assert "Traceback" not in response.text and "RuntimeError" not in response.text
