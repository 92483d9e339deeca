"""Pacing of Accounting API calls per Xero organisation, shared by every web and worker process through Redis.

Xero allows each organisation 5 calls at once, 60 a minute and a daily quota, and the app 10,000 a minute across
them all, and answers 429 with Retry-After beyond them. RQ workers don't coordinate, so each call first takes a
slot here: a lease in the organisation's in-flight set, a place in its last-minute log, its turn in the
organisation's and the app's pace (one call every 60/per_minute seconds after a burst of a few, so a minute's
calls are spread over the minute), and no pause recorded for it.

Jobs book their turns ahead (`book`): publishing queues each job for when its organisation's pace reaches it, so
the workers find every organisation's jobs in the queue as their turns come, not one organisation's whole batch
waiting on its limit.
"""
import random
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Iterator, Mapping

import redis

from webapp.xero.errors import DAY_PROBE, XeroRateLimited, is_daily, retry_after_seconds

# A pace (GCRA, the generic cell rate algorithm): `key` holds the time the next call is due if calls kept to one
# every `interval` seconds; a call may go up to `burst` - 1 intervals ahead of that. Shared by both scripts; times
# are written with all their digits (Lua's own tostring keeps 14, too few for unix seconds to the microsecond).
PACE = """
local function repr_time(t) return string.format('%.17g', t) end
local function too_early(key, now, interval, burst)
  local due = tonumber(redis.call('GET', key) or '0') - (burst - 1) * interval
  if due > now then return due - now end
  return 0
end
local function advance(key, from, interval, calls)
  local due = math.max(tonumber(redis.call('GET', key) or '0'), from) + calls * interval
  redis.call('SET', key, repr_time(due), 'EX', math.ceil(due - from) + 60)
end
"""

# Takes a slot for one call, or says how long to wait. One script, so the check and the take are atomic:
# two workers can never both see 4 calls in flight and both take the fifth.
# KEYS: 1 leases (zset: lease id -> expiry), 2 calls (zset: lease id -> start), 3 tenant pause, 4 app pause,
#       5 tenant pace, 6 app pace.
# ARGV: now, lease id, lease seconds, concurrent, calls per window, window seconds (times are unix seconds),
#       tenant interval, tenant burst, app interval, app burst.
# Returns {1} when taken, else {0, milliseconds to wait (0: unknown, poll), reason}.
ACQUIRE = PACE + """
local now = tonumber(ARGV[1])
for _, key in ipairs({KEYS[3], KEYS[4]}) do
  local paused_until = tonumber(redis.call('HGET', key, 'until') or '0')
  if paused_until > now then
    return {0, math.ceil((paused_until - now) * 1000), redis.call('HGET', key, 'problem') or 'paused'}
  end
end
-- A lease past its expiry belongs to a worker that died mid-call: reclaim its slot.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
  return {0, 0, 'concurrent'}
end
-- Sliding log: any `window` seconds hold at most ARGV[5] calls, so every fixed window Xero counts does
-- too, wherever it starts. The oldest call still in the log is the next to make room.
local window = tonumber(ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then
  local oldest = tonumber(redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')[2])
  return {0, math.ceil((oldest + window - now) * 1000), 'minute'}
end
for _, pace in ipairs({{KEYS[5], 7, 'pace'}, {KEYS[6], 9, 'apppace'}}) do
  local early = too_early(pace[1], now, tonumber(ARGV[pace[2]]), tonumber(ARGV[pace[2] + 1]))
  if early > 0 then return {0, math.ceil(early * 1000), pace[3]} end
end
advance(KEYS[5], now, tonumber(ARGV[7]), 1)
advance(KEYS[6], now, tonumber(ARGV[9]), 1)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
redis.call('ZADD', KEYS[2], now, ARGV[2])
-- Expiry only tidies up idle organisations; the scores alone decide.
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[3])) + 60)
redis.call('EXPIRE', KEYS[2], math.ceil(window) + 60)
return {1}
"""

# Books the turns of a job's calls: when, at the organisation's and the app's pace, the job should start (both
# paces move on by its calls). Bookings have paces of their own, apart from the calls' (which `ACQUIRE` keeps): a
# booking is a forecast, and a call that comes early or late still takes its real turn.
# The app's bookings count from now, not from the job's start: a job one organisation's pace puts a minute ahead
# must not hold every other organisation's jobs back by that minute.
# KEYS: 1 tenant bookings, 2 app bookings. ARGV: now, calls, tenant interval, tenant burst, app interval, app burst.
# Returns the start (unix seconds, as a string).
BOOK = PACE + """
local now, calls = tonumber(ARGV[1]), tonumber(ARGV[2])
local start = now + math.max(too_early(KEYS[1], now, tonumber(ARGV[3]), tonumber(ARGV[4])),
                             too_early(KEYS[2], now, tonumber(ARGV[5]), tonumber(ARGV[6])))
advance(KEYS[1], start, tonumber(ARGV[3]), calls)
advance(KEYS[2], now, tonumber(ARGV[5]), calls)
return repr_time(start)
"""

# Records "paused until" for an organisation (or the whole app). It only ever moves the pause later, so a
# short Retry-After seen by one worker can't cut short the daily pause another worker just recorded.
# KEYS: 1 pause hash. ARGV: until (unix seconds), problem, seconds to keep the key.
PAUSE = """
local current = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
if tonumber(ARGV[1]) > current then
  redis.call('HSET', KEYS[1], 'until', ARGV[1], 'problem', ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[3])
end
return 0
"""


DAY_SECONDS = 24 * 3600


class XeroBusy(XeroRateLimited):
    """No slot within the limiter's max wait: `retry_after` says when one is expected (jobs re-enqueue)."""

    user_message = "Docket is pacing its calls to Xero and will carry on shortly."

    @property
    def a_turn(self) -> bool:
        """Only waiting its turn in Docket's own pace or for a call in flight to end, not for a pause Xero asked."""
        return self.problem in ("pace", "apppace", "concurrent")


@dataclass(frozen=True)
class LimiterStatus:
    """One organisation's pace right now, e.g. for "Xero asked us to wait; publishing resumes at 14:05"."""

    in_flight: int
    calls_last_minute: int
    paused_until: datetime | None  # UTC; None when calls may go ahead
    problem: str | None  # "minute", "day", "concurrent", "appminute" ... while paused
    day_remaining: int | None = None  # calls left today as Xero last said (X-DayLimit-Remaining); None: not known


class XeroLimiter:
    """One limiter per Xero organisation (tenant id), correct across processes and hosts."""

    def __init__(self, connection: redis.Redis, *, per_minute: int, max_wait: float, app_per_minute: int = 9600,
                 concurrent: int = 5, burst: int = 10, app_burst: int = 100, window: float = 60.0,
                 lease_seconds: float = 90.0, day_probe: float = DAY_PROBE, prefix: str = "docket:xero-limit",
                 clock: Callable[[], float] | None = None, sleep: Callable[[float], None] = time.sleep):
        # per_minute, app_per_minute and max_wait come from the settings (XERO_CALLS_PER_MINUTE,
        # XERO_APP_CALLS_PER_MINUTE, XERO_LIMIT_MAX_WAIT); 58 a minute, below Xero's 60 (and 9,600 below its 10,000),
        # leaves room for clock skew and calls Xero counts that we didn't see.
        # burst: calls that may go at once before the pace spaces them (the log still caps any minute at per_minute),
        # enough for a first refresh of a new connection's lists to go without waiting.
        # lease_seconds outlasts one HTTP call (30 s timeout) so a live call never loses its slot.
        # day_probe: X-DayLimit-Remaining 0, and at times the daily 429 itself, carry no Retry-After, so we wait
        # this long, then one call learns from Xero whether the day has reset.
        self.redis, self.prefix = connection, prefix
        self.concurrent, self.per_minute, self.window = concurrent, per_minute, window
        self.app_per_minute, self.burst, self.app_burst = app_per_minute, burst, app_burst
        self.lease_seconds, self.max_wait, self.day_probe = lease_seconds, max_wait, day_probe
        self.clock = clock or self._redis_time  # Redis's clock by default: one clock for every host
        self.sleep = sleep
        self._acquire = connection.register_script(ACQUIRE)
        self._book = connection.register_script(BOOK)
        self._pause = connection.register_script(PAUSE)

    @contextmanager
    def slot(self, tenant_id: str, max_wait: float | None = None) -> Iterator[str]:
        """Hold a slot for one call to `tenant_id`."""
        lease = self.acquire(tenant_id, max_wait)
        try:
            yield lease
        finally:
            self.release(tenant_id, lease)

    def acquire(self, tenant_id: str, max_wait: float | None = None) -> str:
        """Take a slot (returns its lease id), sleeping in small steps; raises XeroBusy rather than wait
        longer than `max_wait`, at once when the wait is known to be longer (a daily pause lasts hours)."""
        lease = uuid.uuid4().hex
        deadline = self.clock() + (self.max_wait if max_wait is None else max_wait)
        while True:
            now = self.clock()
            taken, *wait = self._acquire(keys=self._keys(tenant_id), args=[
                repr(now), lease, self.lease_seconds, self.concurrent, self.per_minute, self.window, *self._paces()])
            if taken:
                return lease
            wait_ms, reason = wait
            seconds = wait_ms / 1000
            if now + seconds >= deadline:
                raise XeroBusy(max(seconds, 1.0), reason.decode())
            # Unknown waits (all 5 slots busy) poll often; jitter keeps waiting workers out of step.
            self.sleep(min(seconds or 0.05, 1.0) * random.uniform(0.8, 1.2))

    def book(self, tenant_id: str, calls: int = 1) -> float:
        """Book the turns of a job making `calls` calls to `tenant_id`: seconds from now until it should start."""
        now = self.clock()
        start = self._book(keys=[self._key(tenant_id, "booked"), f"{self.prefix}:app:booked"],
                           args=[repr(now), calls, *self._paces()])
        return max(0.0, float(start) - now)

    def release(self, tenant_id: str, lease: str) -> None:
        """Free the slot; the call still counts towards the minute."""
        self.redis.zrem(self._key(tenant_id, "leases"), lease)

    def observe(self, tenant_id: str, status: int, headers: Mapping[str, str]) -> None:
        """Learn from one Xero answer: a 429's Retry-After pauses every worker; so do the remaining counts
        reaching 0 (until the minute has surely passed, or for `day_probe` when the day's quota is gone)."""
        now = self.clock()
        if status == 429:
            problem = headers.get("X-Rate-Limit-Problem", "").lower() or "minute"
            # Without Retry-After: too many at once clears within a second; a used-up day is probed again later.
            default = 1.0 if problem == "concurrent" else self.day_probe if is_daily(problem) else 60.0
            until = now + retry_after_seconds(headers.get("Retry-After"), default)
            self.pause(None if problem.startswith("app") else tenant_id, until, problem)
            return
        day_remaining = headers.get("X-DayLimit-Remaining")
        if day_remaining is not None and day_remaining.isdigit():  # for the operator: the day's quota left
            self.redis.set(self._key(tenant_id, "day-remaining"), day_remaining, ex=DAY_SECONDS)
        if headers.get("X-DayLimit-Remaining") == "0":
            self.pause(tenant_id, now + self.day_probe, "day")
        if headers.get("X-MinLimit-Remaining") == "0":
            # Xero's minute window started at or before this call, so it has reset a window from now.
            self.pause(tenant_id, now + self.window, "minute")
        if headers.get("X-AppMinLimit-Remaining") == "0":
            self.pause(None, now + self.window, "appminute")

    def pause(self, tenant_id: str | None, until: float, problem: str) -> None:
        """No calls to `tenant_id` (None: to any organisation) before `until` (unix seconds)."""
        keep = int(until - self.clock()) + 60  # until is never in the past: a pause starts now
        self._pause(keys=[self._pause_key(tenant_id)], args=[repr(until), problem, keep])

    def status(self, tenant_id: str) -> LimiterStatus:
        """Calls in flight and in the last minute, and the pause (the organisation's or the app's) if any."""
        now = self.clock()
        pipe = self.redis.pipeline()
        pipe.zcount(self._key(tenant_id, "leases"), f"({now}", "+inf")
        pipe.zcount(self._key(tenant_id, "calls"), f"({now - self.window}", "+inf")
        pipe.hgetall(self._pause_key(tenant_id))
        pipe.hgetall(self._pause_key(None))
        pipe.get(self._key(tenant_id, "day-remaining"))
        in_flight, calls, *pauses, day_remaining = pipe.execute()
        active = [(float(p[b"until"]), p[b"problem"].decode()) for p in pauses if p and float(p[b"until"]) > now]
        until, problem = max(active) if active else (None, None)
        return LimiterStatus(in_flight, calls, until and datetime.fromtimestamp(until, timezone.utc), problem,
                             int(day_remaining) if day_remaining is not None else None)

    def _keys(self, tenant_id: str) -> list[str]:
        return [self._key(tenant_id, "leases"), self._key(tenant_id, "calls"), self._pause_key(tenant_id),
                self._pause_key(None), self._key(tenant_id, "pace"), f"{self.prefix}:app:pace"]

    def _paces(self) -> list:
        """The organisation's and the app's interval between calls, and their bursts."""
        return [repr(self.window / self.per_minute), self.burst, repr(self.window / self.app_per_minute),
                self.app_burst]

    def _key(self, tenant_id: str, part: str) -> str:
        return f"{self.prefix}:{tenant_id}:{part}"

    def _pause_key(self, tenant_id: str | None) -> str:
        return f"{self.prefix}:app:paused" if tenant_id is None else self._key(tenant_id, "paused")

    def _redis_time(self) -> float:
        seconds, microseconds = self.redis.time()
        return seconds + microseconds / 1_000_000
