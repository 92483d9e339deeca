"""The JSON control API: expire/invalidate tokens, revoke connections, faults, limits, reset."""
import re


def test_expire_tokens_for_a_tenant_gives_token_expired(bearer, tenants, probe, api_get, sandbox_client, clock):
    token, other = bearer(tenants[0][0]), bearer(tenants[1][0])
    response = sandbox_client.post("/operator/api/tokens/expire", json={"tenant_id": tenants[0][0]})
    assert response.get_json() == {"expired": 2}  # both tokens belong to the same user's grant
    answer = api_get(probe, token, tenants[0][0])
    assert answer.status_code == 401
    assert re.fullmatch(r"TokenExpired: token expired at \d\d/\d\d/\d{4} \d\d:\d\d:\d\d",
                        answer.get_json()["Detail"])
    assert api_get(probe, other, tenants[1][0]).status_code == 401


def test_expire_tokens_leaves_other_users_alone(tenants, probe, api_get, sandbox_client, sandbox_app):
    from xero_sandbox.identity.service import issue_access_token
    with sandbox_app.app_context():
        mine = issue_access_token([tenants[0][0]])["access_token"]
        theirs = issue_access_token([tenants[1][0]], user_email="other@xero.example")["access_token"]
    sandbox_client.post("/operator/api/tokens/expire", json={"tenant_id": tenants[0][0]})
    assert api_get(probe, mine, tenants[0][0]).status_code == 401
    assert api_get(probe, theirs, tenants[1][0]).status_code == 200


def test_invalidated_refresh_token_gets_invalid_grant(dance, tenants, sandbox_client):
    token = dance.exchange(dance.code([tenants[0][0]])).get_json()
    response = sandbox_client.post("/operator/api/refresh-tokens/invalidate",
                                   json={"refresh_token": token["refresh_token"]})
    assert response.get_json() == {"invalidated": 1}
    refused = dance.refresh(token["refresh_token"])
    assert (refused.status_code, refused.get_json()) == (400, {"error": "invalid_grant"})


def test_revoked_connection_is_403(bearer, tenants, probe, api_get, sandbox_client):
    token = bearer(tenants[0][0])
    [connection] = sandbox_client.get("/operator/api/connections").get_json()["connections"]
    assert connection["tenantId"] == tenants[0][0] and connection["user"] == "demo@xero.example"
    assert sandbox_client.delete(f"/operator/api/connections/{connection['id']}").status_code == 204
    response = api_get(probe, token, tenants[0][0])
    assert (response.status_code, response.get_json()["Detail"]) == (403, "AuthenticationUnsuccessful")
    assert sandbox_client.delete(f"/operator/api/connections/{connection['id']}").status_code == 404


def test_status_faults_for_the_next_calls(bearer, tenants, probe, api_get, sandbox_client):
    token = bearer(tenants[0][0])
    armed = sandbox_client.post("/operator/api/faults", json={"status": 503, "count": 2})
    assert armed.status_code == 201
    first = api_get(probe, token, tenants[0][0])
    assert first.status_code == 503
    assert first.text == "The Xero API is temporarily unavailable"  # plain text, as Xero answers it
    assert api_get(probe, token, tenants[0][0]).status_code == 503
    assert api_get(probe, token, tenants[0][0]).status_code == 200
    assert sandbox_client.get("/operator/api/faults").get_json()["faults"] == []


def test_injected_429_carries_retry_after(bearer, tenants, probe, api_get, sandbox_client):
    token = bearer(tenants[0][0])
    sandbox_client.post("/operator/api/faults", json={"status": 429, "retry_after": 17})
    response = api_get(probe, token, tenants[0][0])
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "17"
    assert response.headers["X-Rate-Limit-Problem"] == "minute"


def test_fault_for_one_tenant_only(bearer, tenants, probe, api_get, sandbox_client):
    token = bearer(tenants[0][0], tenants[1][0])
    sandbox_client.post("/operator/api/faults", json={"status": 500, "tenant_id": tenants[1][0]})
    assert api_get(probe, token, tenants[0][0]).status_code == 200
    response = api_get(probe, token, tenants[1][0])
    assert response.status_code == 500
    assert "Traceback" not in response.text


def test_timeout_fault_holds_the_call_then_answers(bearer, tenants, probe, api_get, sandbox_client, clock):
    token = bearer(tenants[0][0])
    sandbox_client.post("/operator/api/faults", json={"kind": "timeout", "seconds": 45})
    assert api_get(probe, token, tenants[0][0]).status_code == 200
    assert clock.slept == [45.0]
    api_get(probe, token, tenants[0][0])
    assert clock.slept == [45.0]


def test_added_latency_until_cleared(bearer, tenants, probe, api_get, sandbox_client, clock):
    token = bearer(tenants[0][0])
    assert sandbox_client.put("/operator/api/faults/latency", json={"ms": 250}).get_json() == {"latency_ms": 250}
    api_get(probe, token, tenants[0][0])
    api_get(probe, token, tenants[0][0])
    assert clock.slept == [0.25, 0.25]
    assert sandbox_client.delete("/operator/api/faults").status_code == 204
    api_get(probe, token, tenants[0][0])
    assert clock.slept == [0.25, 0.25]


def test_bad_fault_requests_are_400(sandbox_client):
    for body in ({"status": 404}, {"kind": "timeout", "seconds": 0}, {"status": 503, "count": 0},
                 {"kind": "explode"}):
        response = sandbox_client.post("/operator/api/faults", json=body)
        assert response.status_code == 400, body
        assert response.get_json()["error"]


def test_set_and_restore_limits(bearer, tenants, probe, api_get, sandbox_client):
    token = bearer(tenants[0][0])
    changed = sandbox_client.put("/operator/api/limits", json={"minute": 1, "day": 10})
    assert changed.get_json() == {"enabled": True, "concurrent": 5, "minute": 1, "day": 10, "app_minute": 10000}
    api_get(probe, token, tenants[0][0])
    assert api_get(probe, token, tenants[0][0]).status_code == 429
    restored = sandbox_client.delete("/operator/api/limits").get_json()
    assert restored["minute"] == 60 and restored["day"] == 5000
    response = api_get(probe, token, tenants[0][0])
    assert (response.status_code, response.headers["X-MinLimit-Remaining"]) == (200, "59")


def test_switch_limits_off(bearer, tenants, probe, api_get, sandbox_client):
    token = bearer(tenants[0][0])
    sandbox_client.put("/operator/api/limits", json={"minute": 1, "enabled": False})
    assert {api_get(probe, token, tenants[0][0]).status_code for _ in range(3)} == {200}


def test_bad_limit_settings_are_400(sandbox_client):
    assert sandbox_client.put("/operator/api/limits", json={"minute": 0}).status_code == 400
    assert sandbox_client.put("/operator/api/limits", json={"hourly": 5}).status_code == 400
    assert sandbox_client.get("/operator/api/limits").get_json()["minute"] == 60


def test_mutations_must_be_json(sandbox_client):
    response = sandbox_client.post("/operator/api/tokens/expire", data={"tenant_id": "x"})
    assert response.status_code == 415


def test_reset_forgets_connections_tokens_and_faults(bearer, tenants, probe, api_get, sandbox_client):
    token = bearer(tenants[0][0])
    sandbox_client.post("/operator/api/faults", json={"status": 503, "count": 5})
    sandbox_client.put("/operator/api/limits", json={"minute": 1})
    assert sandbox_client.post("/operator/api/reset", json={}).status_code == 204
    assert sandbox_client.get("/operator/api/connections").get_json() == {"connections": []}
    assert sandbox_client.get("/operator/api/tokens").get_json() == {"tokens": []}
    assert api_get(probe, token, tenants[0][0]).status_code == 401
    fresh = bearer(tenants[0][0])
    assert {api_get(probe, fresh, tenants[0][0]).status_code for _ in range(2)} == {200}


def test_tokens_listing_shows_usability(bearer, tenants, sandbox_client, clock):
    bearer(tenants[0][0])
    [token] = sandbox_client.get("/operator/api/tokens").get_json()["tokens"]
    assert (token["accessExpired"], token["refreshUsable"]) == (False, True)
    clock.advance(minutes=31)
    [token] = sandbox_client.get("/operator/api/tokens").get_json()["tokens"]
    assert (token["accessExpired"], token["refreshUsable"]) == (True, True)


def test_held_call_keeps_its_concurrency_slot(bearer, tenants, probe, api_get, sandbox_client, sandbox_app):
    from xero_sandbox.clock import EXTENSION_KEY, FakeClock
    from xero_sandbox.limits import get_limiter

    seen_in_flight = []

    class WatchingClock(FakeClock):
        def sleep(self, seconds):
            seen_in_flight.append(get_limiter().in_flight())
            super().sleep(seconds)

    sandbox_app.extensions[EXTENSION_KEY] = WatchingClock()
    token = bearer(tenants[0][0])
    sandbox_client.post("/operator/api/faults", json={"kind": "timeout", "seconds": 30})
    assert api_get(probe, token, tenants[0][0]).status_code == 200
    assert seen_in_flight == [{f"docket-demo/{tenants[0][0]}": 1}]
    assert sandbox_client.get("/operator/api/limits").get_json()["in_flight"] == {}
