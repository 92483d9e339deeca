"""The limiter's edges on real Redis: how long each kind of pause lasts and whom it stops, where a pause is kept (an
operator lifts it by deleting it), how a waiting worker polls, when a wait goes back to the job, a dead worker's
slot, and the clock every host shares."""
import uuid

import pytest
import redis

from tests.conftest import REDIS_URL
from tests.test_xero_limiter import SETTINGS, at, clock, prefix  # noqa: F401 (fixtures)
from webapp.xero.limiter import XeroBusy, XeroLimiter

ORG_A, ORG_B = "org-a", "org-b"
APP_PAUSE = "docket:xero-limit:app:paused"


@pytest.fixture
def connection():
    return redis.Redis.from_url(REDIS_URL)


@pytest.fixture
def limiter(connection, prefix, clock):
    return XeroLimiter(connection, **SETTINGS, prefix=prefix, clock=clock, sleep=clock.sleep)


def test_a_429_naming_no_problem_pauses_the_organisation_for_a_minute(limiter, clock):
    limiter.observe(ORG_A, 429, {})
    status = limiter.status(ORG_A)
    assert status.problem == "minute" and status.paused_until.timestamp() == at(clock.now + 60)
    assert limiter.status(ORG_B).paused_until is None


def test_too_many_calls_at_once_without_retry_after_pauses_for_a_second(limiter, clock):
    limiter.observe(ORG_A, 429, {"X-Rate-Limit-Problem": "Concurrent"})
    status = limiter.status(ORG_A)
    assert status.problem == "concurrent" and status.paused_until.timestamp() == at(clock.now + 1)


def test_the_apps_own_limits_pause_every_organisation(limiter, clock):
    limiter.observe(ORG_A, 429, {"X-Rate-Limit-Problem": "AppMinute", "Retry-After": "12"})
    status = limiter.status(ORG_B)
    assert status.problem == "appminute" and status.paused_until.timestamp() == at(clock.now + 12)
    with pytest.raises(XeroBusy):
        limiter.acquire(ORG_B, max_wait=0)
    clock.now += 12
    limiter.observe(ORG_A, 200, {"X-AppMinLimit-Remaining": "0"})
    status = limiter.status("org-c")
    assert status.problem == "appminute" and status.paused_until.timestamp() == at(clock.now + 60)


def test_a_pause_ends_at_its_time_exactly(limiter, clock):
    limiter.observe(ORG_A, 429, {"Retry-After": "20"})
    clock.now += 19.5
    assert limiter.status(ORG_A).paused_until is not None
    clock.now += 0.5
    assert limiter.status(ORG_A).paused_until is None and limiter.status(ORG_A).problem is None
    assert limiter.acquire(ORG_A, max_wait=0)


@pytest.fixture
def tenant(connection):
    """An organisation paced under the limiter's own key prefix; its keys, and the app's pause, removed after."""
    name = f"tenant-{uuid.uuid4().hex}"
    yield name
    connection.delete(APP_PAUSE, *connection.scan_iter(f"docket:xero-limit:{name}:*"))


def test_pauses_are_kept_where_an_operator_finds_and_lifts_them(connection, clock, tenant):
    limiter = XeroLimiter(connection, **SETTINGS, clock=clock, sleep=clock.sleep)
    limiter.observe(tenant, 429, {"Retry-After": "20", "X-Rate-Limit-Problem": "minute"})
    key = f"docket:xero-limit:{tenant}:paused"
    assert connection.hget(key, "problem") == b"minute"
    assert connection.ttl(key) == 80  # kept a minute past the pause, then Redis forgets it
    connection.delete(key)
    assert limiter.acquire(tenant, max_wait=0)

    limiter.observe(tenant, 200, {"X-AppMinLimit-Remaining": "0"})
    assert connection.hget(APP_PAUSE, "problem") == b"appminute" and connection.ttl(APP_PAUSE) == 120
    assert limiter.status(tenant).problem == "appminute"
    connection.delete(APP_PAUSE)
    assert limiter.status(tenant).paused_until is None


def test_a_dead_workers_slot_comes_back_90_seconds_after_it_was_taken(limiter, clock):
    start = clock.now
    for _ in range(5):
        limiter.acquire(ORG_A)  # never released: the worker was killed mid-call
    clock.now = start + 89.9
    with pytest.raises(XeroBusy) as busy:
        limiter.acquire(ORG_A, max_wait=0)
    assert busy.value.problem == "concurrent" and busy.value.retry_after == 1.0  # the job tries again a second later
    clock.now = start + 90
    assert limiter.acquire(ORG_A, max_wait=0)


def test_a_wait_as_long_as_max_wait_goes_back_to_the_job_at_once(limiter, clock):
    start = clock.now
    limiter.observe(ORG_A, 200, {"X-MinLimit-Remaining": "0"})  # 60 s, XERO_LIMIT_MAX_WAIT's default
    with pytest.raises(XeroBusy) as busy:
        limiter.acquire(ORG_A)
    assert busy.value.retry_after == 60 and clock.slept == []
    assert limiter.acquire(ORG_A, max_wait=61) and clock.now >= start + 60


def _steps_follow_the_wait(steps: list[float], start: float, wait_for) -> None:
    """Each sleep is within 20% of the step the wait calls for (what is left of a known wait, at most 1 s), give or
    take the millisecond the limiter rounds waits up to."""
    now = start
    for step in steps:
        wanted = wait_for(now)
        assert wanted * 0.8 - 0.001 <= step <= wanted * 1.2 + 0.001, (now - start, step)
        now += step


def test_a_waiting_worker_polls_every_50_ms_for_a_busy_slot_and_in_steps_of_at_most_a_second(limiter, clock):
    limiter.lease_seconds = 10
    for _ in range(5):
        limiter.acquire(ORG_A)  # all five slots held by a dead worker for 10 s: no telling when one frees
    start = clock.now
    with limiter.slot(ORG_A, max_wait=20):
        assert start + 10 <= clock.now < start + 10.1
    _steps_follow_the_wait(clock.slept, start, lambda now: 0.05)
    assert len(clock.slept) > 150 and max(clock.slept) - min(clock.slept) > 0.01  # jittered: workers out of step

    limiter.observe(ORG_A, 429, {"Retry-After": "30"})
    start, clock.slept = clock.now, []
    with limiter.slot(ORG_A, max_wait=60):
        assert start + 30 <= clock.now < start + 31.3
    _steps_follow_the_wait(clock.slept, start, lambda now: min(start + 30 - now, 1.0))


class RedisAt(redis.Redis):
    """Redis whose TIME is fixed: 1_800_000_000 s and 999,999 µs."""

    def time(self):
        return 1_800_000_000, 999_999


def test_every_host_reads_the_time_from_redis_to_the_microsecond(prefix):
    limiter = XeroLimiter(RedisAt.from_url(REDIS_URL), **SETTINGS, prefix=prefix)
    assert limiter.clock() == 1_800_000_000.999999
