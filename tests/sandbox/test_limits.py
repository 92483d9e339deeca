"""Rate limits as an API caller sees them: remaining headers, 429 with the problem and Retry-After."""
import pytest

from xero_sandbox.identity.errors import XeroApiError
from xero_sandbox.identity.guard import begin_api_call
from xero_sandbox.limits import get_limiter


@pytest.fixture
def limits(sandbox_app):
    """Change the sandbox's limits the way the control API does."""

    def configure(**changes):
        with sandbox_app.app_context():
            get_limiter().configure(**changes)

    return configure


def test_minute_limit(bearer, tenants, probe, api_get, limits, clock):
    limits(minute=3)
    tenant = tenants[0][0]
    token = bearer(tenant)
    remaining = [api_get(probe, token, tenant).headers["X-MinLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    clock.advance(seconds=20)
    response = api_get(probe, token, tenant)
    assert response.status_code == 429
    assert response.headers["X-Rate-Limit-Problem"] == "minute"
    assert response.headers["Retry-After"] == "40"
    assert response.headers["X-MinLimit-Remaining"] == "0"
    assert response.mimetype == "text/plain" and response.text == "Rate Limit Exceeded"
    clock.advance(seconds=40)
    response = api_get(probe, token, tenant)
    assert response.status_code == 200
    assert response.headers["X-MinLimit-Remaining"] == "2"


def test_minute_limit_is_per_organisation(bearer, tenants, probe, api_get, limits):
    limits(minute=1)
    token = bearer(tenants[0][0], tenants[1][0])
    assert api_get(probe, token, tenants[0][0]).status_code == 200
    assert api_get(probe, token, tenants[0][0]).status_code == 429
    assert api_get(probe, token, tenants[1][0]).status_code == 200


def test_daily_limit(bearer, tenants, probe, api_get, limits, clock):
    limits(day=2, minute=100)
    tenant = tenants[0][0]
    token = bearer(tenant)
    assert [api_get(probe, token, tenant).headers["X-DayLimit-Remaining"] for _ in range(2)] == ["1", "0"]
    clock.advance(hours=3)
    token = bearer(tenant)
    response = api_get(probe, token, tenant)
    assert response.status_code == 429
    assert response.headers["X-Rate-Limit-Problem"] == "day"
    assert response.headers["Retry-After"] == str(21 * 3600)
    assert response.headers["X-DayLimit-Remaining"] == "0"
    clock.advance(hours=21)
    assert api_get(probe, bearer(tenant), tenant).status_code == 200


def test_app_minute_limit_spans_organisations(bearer, tenants, probe, api_get, limits):
    limits(app_minute=2)
    token = bearer(tenants[0][0], tenants[1][0], tenants[2][0])
    first = api_get(probe, token, tenants[0][0])
    assert first.headers["X-AppMinLimit-Remaining"] == "1"
    assert api_get(probe, token, tenants[1][0]).headers["X-AppMinLimit-Remaining"] == "0"
    response = api_get(probe, token, tenants[2][0])
    assert response.status_code == 429
    assert response.headers["X-Rate-Limit-Problem"] == "appminute"
    assert response.headers["Retry-After"] == "60"


def test_concurrent_limit(bearer, tenants, probe, api_get, sandbox_app, limits):
    limits(concurrent=2)
    tenant = tenants[0][0]
    token = bearer(tenant)
    headers = {"Authorization": f"Bearer {token}", "xero-tenant-id": tenant}
    held = []
    for _ in range(2):  # two calls still in progress, each in its own app context like real requests
        held += [sandbox_app.app_context(), sandbox_app.test_request_context(probe, headers=headers)]
        held[-2].push()
        held[-1].push()
        begin_api_call({"accounting.settings"})
    response = api_get(probe, token, tenant)
    assert response.status_code == 429
    assert response.headers["X-Rate-Limit-Problem"] == "concurrent"
    assert response.headers["Retry-After"] == "1"
    for context in reversed(held):
        context.pop()  # request teardown frees the slot
    assert api_get(probe, token, tenant).status_code == 200


def test_refused_calls_do_not_use_up_the_quota(bearer, tenants, probe, api_get, limits):
    limits(minute=1, day=2)
    tenant = tenants[0][0]
    token = bearer(tenant)
    api_get(probe, token, tenant)
    for _ in range(5):
        assert api_get(probe, token, tenant).status_code == 429
    limits(minute=10)
    response = api_get(probe, token, tenant)
    assert (response.status_code, response.headers["X-DayLimit-Remaining"]) == (200, "0")


def test_limits_switched_off_never_refuse(bearer, tenants, probe, api_get, limits):
    limits(minute=1, enabled=False)
    tenant = tenants[0][0]
    token = bearer(tenant)
    statuses = {api_get(probe, token, tenant).status_code for _ in range(4)}
    assert statuses == {200}


def test_limits_come_from_config(tmp_path, tenants):
    from xero_sandbox import create_app
    from xero_sandbox.identity.service import issue_access_token

    app = create_app({"TESTING": True, "SANDBOX_DATABASE": str(tmp_path / "x.db"), "SECRET_KEY": "limits-test-secret",
                      "SANDBOX_MINUTE_LIMIT": 7, "SANDBOX_DAY_LIMIT": 70})
    with app.app_context():
        token = issue_access_token([tenants[0][0]])["access_token"]
        with app.test_request_context("/", headers={"Authorization": f"Bearer {token}",
                                                    "xero-tenant-id": tenants[0][0]}):
            call = begin_api_call(set())
    assert call.headers["X-MinLimit-Remaining"] == "6"
    assert call.headers["X-DayLimit-Remaining"] == "69"


def test_limit_failure_raises_http_exception_for_blueprints(bearer, tenants, sandbox_app, limits):
    limits(minute=1)
    tenant = tenants[0][0]
    token = bearer(tenant)
    headers = {"Authorization": f"Bearer {token}", "xero-tenant-id": tenant}
    with sandbox_app.test_request_context("/", headers=headers):
        begin_api_call(set())
    with sandbox_app.test_request_context("/", headers=headers), pytest.raises(XeroApiError) as raised:
        begin_api_call(set())
    assert raised.value.get_response().headers["X-Rate-Limit-Problem"] == "minute"


def test_parallel_calls_get_exactly_the_concurrent_slots():
    import threading
    from datetime import datetime

    from xero_sandbox.limits import LimitSettings, RateLimiter

    limiter = RateLimiter(LimitSettings(concurrent=5, minute=1000))
    barrier, results = threading.Barrier(20), []

    def call():
        barrier.wait()
        results.append(limiter.admit("app", "tenant", datetime(2026, 1, 1)).problem)

    threads = [threading.Thread(target=call) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(None) == 5
    assert results.count("concurrent") == 15


def test_limits_read_from_the_environment():
    from xero_sandbox.config import ConfigError, load_config

    config = load_config({"SANDBOX_LIMITS_ENABLED": "off", "SANDBOX_MINUTE_LIMIT": "30"})
    assert (config["SANDBOX_LIMITS_ENABLED"], config["SANDBOX_MINUTE_LIMIT"], config["SANDBOX_DAY_LIMIT"]) == (
        False, 30, 5000)
    with pytest.raises(ConfigError):
        load_config({"SANDBOX_DAY_LIMIT": "lots"})
