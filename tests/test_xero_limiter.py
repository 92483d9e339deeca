"""The per-organisation Xero limiter on real Redis: concurrency across threads and processes, the minute
window, pauses from 429s and remaining-count headers, and pacing against the live sandbox."""
import multiprocessing
import threading
import time
import uuid
from contextlib import nullcontext
from datetime import timezone

import pytest
import redis
import requests

from tests.conftest import REDIS_URL, LiveServer
from webapp.xero.client import XeroClient
from webapp.xero.errors import XeroRateLimited
from webapp.xero.limiter import XeroBusy, XeroLimiter
from webapp.xero.tokens import TokenKeeper, TokenSet
from xero_sandbox.accounting.seed import tenant_id
from xero_sandbox.clock import FakeClock

ORG_A, ORG_B = "org-a", "org-b"
SETTINGS = {"per_minute": 58, "max_wait": 60}  # the defaults of XERO_CALLS_PER_MINUTE and XERO_LIMIT_MAX_WAIT


class FakeTime:
    """A clock the limiter's own sleeps move forward, so a minute passes instantly."""

    def __init__(self, start: float = 1_800_000_000.0):
        self.now, self.slept = start, []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def at(when: float):
    """A unix time to the millisecond: pytest.approx's default relative tolerance is half an hour at today's."""
    return pytest.approx(when, abs=0.001)


@pytest.fixture
def prefix():
    """A key prefix of the test's own on Redis db 13, removed afterwards."""
    name = f"test-limiter-{uuid.uuid4().hex}"
    yield name
    connection = redis.Redis.from_url(REDIS_URL)
    keys = list(connection.scan_iter(f"{name}:*"))
    if keys:
        connection.delete(*keys)


@pytest.fixture
def clock():
    return FakeTime()


@pytest.fixture
def limiter(prefix, clock):
    return XeroLimiter(redis.Redis.from_url(REDIS_URL), **SETTINGS, prefix=prefix, clock=clock, sleep=clock.sleep)


def wait_until(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.005)


def hold_slots(prefix: str, tenant: str, calls: int, workers: int) -> None:
    """One worker: `calls` calls, noting how many were in flight as each began. The workers start together
    and each call is held until five are in flight (or half a second has passed), then 50 ms more, so a
    busy machine's slow starts can't hide the fifth slot and a sixth has time to slip in if one is let through."""
    connection = redis.Redis.from_url(REDIS_URL)
    limiter = XeroLimiter(connection, prefix=prefix, per_minute=1000, max_wait=60)
    connection.incr(f"{prefix}:ready")
    wait_until(lambda: int(connection.get(f"{prefix}:ready")) == workers, 10)
    for _ in range(calls):
        with limiter.slot(tenant):
            connection.rpush(f"{prefix}:seen", connection.incr(f"{prefix}:active"))
            wait_until(lambda: int(connection.get(f"{prefix}:active")) >= 5, 0.5)
            time.sleep(0.05)
            connection.decr(f"{prefix}:active")


@pytest.mark.parametrize("kind", ["threads", "processes"])
def test_never_more_than_five_calls_in_flight_per_organisation(prefix, kind):
    start = threading.Thread if kind == "threads" else multiprocessing.get_context("fork").Process
    workers = [start(target=hold_slots, args=(prefix, ORG_A, 3, 9)) for _ in range(9)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    seen = [int(n) for n in redis.Redis.from_url(REDIS_URL).lrange(f"{prefix}:seen", 0, -1)]
    assert len(seen) == 27 and max(seen) == 5
    assert all(getattr(w, "exitcode", 0) == 0 for w in workers)


def test_a_minutes_calls_are_spread_over_the_minute_after_a_burst_of_ten(limiter, clock):
    limiter.per_minute = 60  # one a second
    first, started = clock.now, []
    for _ in range(60):
        with limiter.slot(ORG_A):
            started.append(clock.now - first)
    assert started[:10] == [0] * 10  # enough at once for a new connection's first refresh
    assert all(k - 9 <= at_ < k - 9 + 1.3 for k, at_ in enumerate(started[10:], start=10)), started  # one a second
    assert limiter.status(ORG_A).calls_last_minute == 60
    assert limiter.acquire(ORG_B, max_wait=0)  # another organisation has its own pace


def test_the_apps_pace_spaces_calls_to_every_organisation_together(limiter, clock):
    limiter.app_per_minute, limiter.app_burst = 120, 1  # one call every half second, whichever the organisation
    first, started = clock.now, []
    for org in [ORG_A, ORG_B] * 4:
        with limiter.slot(org):
            started.append(clock.now - first)
    assert all(k * 0.5 <= at_ < k * 0.5 + 0.7 for k, at_ in enumerate(started)), started
    with pytest.raises(XeroBusy) as busy:
        limiter.acquire("org-c", max_wait=0)  # a third organisation waits its turn in the app's pace too
    assert busy.value.problem == "apppace" and busy.value.a_turn


def test_a_job_is_booked_for_its_organisations_turn_and_another_organisation_goes_at_once(limiter, clock):
    limiter.per_minute = 60  # a turn a second after a burst of 10
    waits = [limiter.book(ORG_A) for _ in range(15)]
    assert waits[:10] == [0] * 10 and waits[10:] == [pytest.approx(n, abs=0.001) for n in range(1, 6)]
    assert limiter.book(ORG_A, calls=3) == pytest.approx(6, abs=0.001)  # a job of three calls takes three turns
    assert limiter.book(ORG_A) == pytest.approx(9, abs=0.001)
    assert limiter.book(ORG_B) == 0  # its own pace: not behind the other's bookings
    assert limiter.status(ORG_A).calls_last_minute == 0  # a booking is a forecast: no call was made
    with limiter.slot(ORG_A):
        assert clock.slept == []  # and leaves the calls' own pace to the calls
    clock.now += 20
    assert limiter.book(ORG_A) == 0  # turns not taken in time don't pile up


def test_the_sixty_first_call_in_a_minute_waits_for_the_oldest_to_age_out(limiter, clock):
    limiter.per_minute, limiter.burst = 60, 60  # a pace that would let a minute's calls go at once
    first = clock.now
    for _ in range(60):
        with limiter.slot(ORG_A):
            clock.now += 0.5
    assert clock.slept == [] and limiter.status(ORG_A).calls_last_minute == 60
    with pytest.raises(XeroBusy) as busy:
        limiter.acquire(ORG_A, max_wait=10)
    assert busy.value.problem == "minute" and busy.value.retry_after == pytest.approx(first + 60 - clock.now, abs=0.01)
    with limiter.slot(ORG_A):
        assert first + 60 <= clock.now < first + 61.3  # slept in steps of at most ~1 s until the first aged out
    assert limiter.acquire(ORG_B, max_wait=0)  # another organisation has its own minute


def test_429_pauses_every_worker_for_that_organisation_only(limiter, clock, prefix):
    other_worker = XeroLimiter(redis.Redis.from_url(REDIS_URL), **SETTINGS, prefix=prefix, clock=clock,
                               sleep=clock.sleep)
    limiter.observe(ORG_A, 429, {"Retry-After": "20", "X-Rate-Limit-Problem": "Minute"})
    with pytest.raises(XeroBusy) as busy:
        other_worker.acquire(ORG_A, max_wait=5)
    assert busy.value.problem == "minute" and busy.value.retry_after == 20 and clock.slept == []
    assert other_worker.acquire(ORG_B, max_wait=0)
    paused_until = other_worker.status(ORG_A).paused_until
    assert paused_until.timestamp() == at(clock.now + 20) and paused_until.tzinfo == timezone.utc
    with other_worker.slot(ORG_A, max_wait=30):
        assert clock.now >= 1_800_000_020
    assert other_worker.status(ORG_A).paused_until is None


def test_a_dead_workers_lease_expires_and_its_slot_is_reclaimed(limiter, clock):
    limiter.lease_seconds = 30
    for _ in range(5):
        limiter.acquire(ORG_A)  # never released: the worker was killed mid-call
    with pytest.raises(XeroBusy) as busy:
        limiter.acquire(ORG_A, max_wait=0)
    assert busy.value.problem == "concurrent" and limiter.status(ORG_A).in_flight == 5
    clock.now += 31
    assert limiter.acquire(ORG_A, max_wait=0) and limiter.status(ORG_A).in_flight == 1


def test_daily_quota_used_up_pauses_the_organisation_and_a_job_is_told_at_once(limiter, clock):
    limiter.observe(ORG_A, 200, {"X-DayLimit-Remaining": "0", "X-MinLimit-Remaining": "41"})
    with pytest.raises(XeroBusy) as busy:
        limiter.acquire(ORG_A)  # max wait 60 s: a 15-minute pause is not slept through
    assert busy.value.problem == "day" and busy.value.retry_after == limiter.day_probe and clock.slept == []
    limiter.observe(ORG_A, 429, {"Retry-After": "18000", "X-Rate-Limit-Problem": "day"})
    limiter.observe(ORG_A, 429, {"Retry-After": "5", "X-Rate-Limit-Problem": "minute"})  # must not shorten it
    status = limiter.status(ORG_A)
    assert status.problem == "day" and status.paused_until.timestamp() == at(clock.now + 18000)
    assert limiter.acquire(ORG_B, max_wait=0)


def test_a_daily_429_without_retry_after_pauses_until_the_day_is_probed_again(limiter, clock):
    limiter.observe(ORG_A, 429, {"X-Rate-Limit-Problem": "day", "X-DayLimit-Remaining": "0"})
    status = limiter.status(ORG_A)
    assert status.problem == "day" and status.paused_until.timestamp() == at(clock.now + 15 * 60)
    with pytest.raises(XeroBusy) as busy:
        limiter.acquire(ORG_A)
    assert busy.value.daily and clock.slept == []


def test_remaining_counts_at_zero_pause_until_the_window_has_passed(limiter, clock):
    limiter.observe(ORG_A, 200, {"X-MinLimit-Remaining": "0", "X-DayLimit-Remaining": "4000"})
    status = limiter.status(ORG_A)
    assert status.problem == "minute" and status.paused_until.timestamp() == at(clock.now + 60)
    assert limiter.acquire(ORG_B, max_wait=0)
    limiter.observe(ORG_B, 200, {"X-AppMinLimit-Remaining": "0"})  # the app's own minute: every organisation
    with pytest.raises(XeroBusy) as busy:
        limiter.acquire("org-c", max_wait=0)
    assert busy.value.problem == "appminute"


class ScriptedHttp:
    """Answers each request with the next (status, headers), noting the calls in flight meanwhile."""

    def __init__(self, limiter, tenant, answers):
        self.limiter, self.tenant, self.answers, self.in_flight_seen = limiter, tenant, list(answers), []

    def request(self, method, url, **kwargs):
        self.in_flight_seen.append(self.limiter.status(self.tenant).in_flight)
        status, headers = self.answers.pop(0)
        response = requests.Response()
        response.status_code, response._content = status, b"{}"
        response.headers.update(headers)
        return response


class FixedTokens:
    def __init__(self, access_token: str):
        self.tokens = TokenSet(access_token, "unused", 4_000_000_000)

    def load(self, connection_id):
        return self.tokens


def client_for(tenant, http, limiter, base="http://xero.test", access_token="token"):
    keeper = TokenKeeper(FixedTokens(access_token), lambda token: pytest.fail("no refresh expected"),
                         lambda connection_id: nullcontext())
    return XeroClient(f"{base}/api.xro/2.0", tenant, 1, keeper, http, limiter=limiter)


def test_client_calls_inside_a_slot_and_reports_what_xero_says(limiter, clock):
    http = ScriptedHttp(limiter, ORG_A, [(200, {"X-MinLimit-Remaining": "57", "X-DayLimit-Remaining": "0"})])
    client = client_for(ORG_A, http, limiter)
    client.get("Organisation")
    assert http.in_flight_seen == [1] and client.limits.day_remaining == 0
    status = limiter.status(ORG_A)
    assert (status.in_flight, status.calls_last_minute, status.problem) == (0, 1, "day")
    with pytest.raises(XeroBusy):
        client.get("Organisation")  # paused: refused before any HTTP request
    assert http.in_flight_seen == [1]

    http_b = ScriptedHttp(limiter, ORG_B, [(429, {"Retry-After": "30", "X-Rate-Limit-Problem": "minute"})])
    with pytest.raises(XeroRateLimited) as limited:
        client_for(ORG_B, http_b, limiter).get("Contacts")
    assert type(limited.value) is XeroRateLimited and limited.value.retry_after == 30
    assert limiter.status(ORG_B).paused_until.timestamp() == at(clock.now + 30)


@pytest.fixture
def fake_clock_sandbox(tmp_path):
    """The sandbox on a clock that only the limiter's sleeps move, so its minute window passes instantly."""
    from xero_sandbox import create_app as create_sandbox

    sandbox_clock = FakeClock()
    sandbox_app = create_sandbox({"TESTING": True, "SANDBOX_DATABASE": str(tmp_path / "sandbox.db"),
                                  "SECRET_KEY": "sandbox-test-secret", "SANDBOX_CLOCK": sandbox_clock})
    with LiveServer(sandbox_app) as server:
        server.clock = sandbox_clock
        yield server


def sandbox_client(sandbox, limiter) -> XeroClient:
    from xero_sandbox.identity.service import issue_access_token

    uk = tenant_id("uk")
    with sandbox.server.app.app_context():
        issued = issue_access_token([uk])
    return client_for(uk, requests.Session(), limiter, sandbox.url, issued["access_token"])


def test_sandbox_answers_429_to_unpaced_calls_over_its_minute_limit(fake_clock_sandbox):
    requests.put(f"{fake_clock_sandbox.url}/operator/api/limits", json={"minute": 3}).raise_for_status()
    client = sandbox_client(fake_clock_sandbox, None)
    for _ in range(3):
        client.get("Organisation")
    with pytest.raises(XeroRateLimited):
        client.get("Organisation")


@pytest.mark.parametrize("per_minute", [3, 58], ids=["limit-known", "limit-learnt-from-headers"])
def test_paced_calls_never_see_a_429_from_the_sandbox(fake_clock_sandbox, prefix, per_minute):
    requests.put(f"{fake_clock_sandbox.url}/operator/api/limits", json={"minute": 3}).raise_for_status()
    sandbox_clock = fake_clock_sandbox.clock
    start = sandbox_clock.now()
    limiter = XeroLimiter(redis.Redis.from_url(REDIS_URL), prefix=prefix, per_minute=per_minute, max_wait=90,
                          clock=lambda: sandbox_clock.now().replace(tzinfo=timezone.utc).timestamp(),
                          sleep=sandbox_clock.sleep)
    client = sandbox_client(fake_clock_sandbox, limiter)
    names = [client.get("Organisation")["Organisations"][0]["Name"] for _ in range(10)]
    assert names == ["Hartley & Moss Joinery Ltd"] * 10
    minutes_waited = (sandbox_clock.now() - start).total_seconds() / 60
    assert 3 <= minutes_waited < 3.2  # 3 calls in each of the first three minutes, the tenth in the fourth


def test_paced_threads_never_see_a_concurrency_429_from_the_sandbox(sandbox, prefix):
    requests.put(f"{sandbox.url}/operator/api/faults/latency", json={"ms": 60}).raise_for_status()
    limiter = XeroLimiter(redis.Redis.from_url(REDIS_URL), **SETTINGS, burst=20, prefix=prefix)  # five at once only
    client = sandbox_client(sandbox, limiter)
    failures = []

    def call_twice():
        for _ in range(2):
            try:
                client.get("Organisation")
            except XeroRateLimited as error:
                failures.append(error)

    threads = [threading.Thread(target=call_twice) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert failures == [] and limiter.status(tenant_id("uk")).calls_last_minute == 20
