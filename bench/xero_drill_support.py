"""What the Xero-side drills add to publish_env: call durations, a sandbox clock that can jump forward, faults armed
through the operator API, a Docket set up on its own database with several workers, and what their logs say."""
import os
import re
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

import redis
import requests

from bench import common, publish_env as env

REDIS_URL = "redis://127.0.0.1:6379/10"
POSTGRES_DB = "docket_drill_xero"
DOCKET_HTTP_TIMEOUT = 30  # XeroClient.timeout: a call held longer than this is a timeout for Docket


@dataclass
class TimedCall:
    at: float
    method: str
    kind: str
    status: int
    seconds: float  # from arrival to the answer's start (a held call: how long the sandbox held it)


class TimedCalls:
    """WSGI middleware (around the sandbox's own CallLog): every Accounting API call with how long it took."""

    def __init__(self, app):
        self.app, self.calls = app, []

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/api.xro/"):
            return self.app(environ, start_response)
        method, arrived = environ.get("REQUEST_METHOD", ""), time.time()

        def seen(status, headers, exc_info=None):
            self.calls.append(TimedCall(arrived, method, env.call_kind(method, path), int(status.split()[0]),
                                        time.time() - arrived))
            return start_response(status, headers, exc_info)

        return self.app(environ, seen)

    def since(self, start: float) -> list[TimedCall]:
        return [c for c in list(self.calls) if c.at >= start]


class SlowTokenEndpoint:
    """WSGI middleware: token requests (/connect/token) take `seconds` longer, so a refresh is still under way when
    the other workers' calls come back 401 (a slow identity server; the race the refresh lock is for)."""

    def __init__(self, app, seconds: float):
        self.app, self.seconds, self.requests = app, seconds, 0

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "") == "/connect/token":
            self.requests += 1
            time.sleep(self.seconds)
        return self.app(environ, start_response)


def shiftable_clock():
    """A real-time sandbox clock that `jump()` moves forward (time passing at Xero without waiting for it)."""
    from xero_sandbox.clock import Clock

    class ShiftedClock(Clock):
        offset = timedelta(0)

        def now(self):
            return super().now() + self.offset

        def jump(self, **delta) -> None:
            self.offset += timedelta(**delta)

    return ShiftedClock()


class Faults:
    """The sandbox's operator API for faults; every fault armed is remembered for the report."""

    def __init__(self, sandbox_url: str, tenant_id: str):
        self.url, self.tenant_id, self.armed = f"{sandbox_url}/operator/api/faults", tenant_id, []

    def arm(self, label: str, **fault) -> None:
        answer = requests.post(self.url, json={"tenant_id": self.tenant_id, **fault}, timeout=10)
        answer.raise_for_status()
        self.armed.append((time.time(), label, fault.get("count", 1)))

    def left(self) -> int:
        """Uses of armed faults no call has taken yet."""
        return sum(f["remaining"] for f in requests.get(self.url, timeout=10).json()["faults"])

    def clear(self) -> None:
        requests.delete(self.url, timeout=10).raise_for_status()


def wait_for_held_calls(sandbox_url: str, timeout: float) -> float:
    """Until no call is in flight at the sandbox (a held call saves its documents only when it ends, even after
    Docket gave up on it), so the checks see everything Xero will have. Returns the seconds waited."""
    start = time.time()
    while requests.get(f"{sandbox_url}/operator/api/limits", timeout=10).json()["in_flight"]:
        if time.time() - start > timeout:
            break
        time.sleep(0.5)
    return time.time() - start


def tokens_issued(sandbox_url: str) -> int:
    """Tokens the sandbox issued to live grants (one per code exchange or refresh), as tests/xero_helpers counts."""
    return len(requests.get(f"{sandbox_url}/operator/api/tokens", timeout=10).json()["tokens"])


@dataclass
class Drill:
    """One drill's world: the sandbox, Docket's environment and app, the connected business, workers."""

    directory: str
    sandbox: env.Sandbox
    calls: TimedCalls
    docket: env.DocketEnv
    app: object
    business_id: int
    user_id: int
    tenant_id: str
    workers: list = field(default_factory=list)

    @property
    def log_path(self) -> str:
        return os.path.join(self.directory, "workers.log")

    def start_workers(self, count: int) -> None:
        self.workers += [env.Worker(self.docket.variables(), self.log_path) for _ in range(count)]

    def wait_until_listening(self, count: int, timeout: float = 60) -> None:
        """Until `count` workers are registered with RQ (then they are about to block on the queue)."""
        from rq import Worker

        connection = redis.Redis.from_url(REDIS_URL)
        deadline = time.time() + timeout
        while len(Worker.all(connection=connection)) < count:
            if time.time() > deadline or not all(w.alive() for w in self.workers):
                raise SystemExit("the workers did not start: see their log")
            time.sleep(0.1)
        time.sleep(0.5)

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.sandbox.stop()


def set_up(directory: str, limit_factor: int, **docket_settings) -> Drill:
    """A fresh sandbox (limits on, scaled), Redis db 10 flushed, PostgreSQL `docket_drill_xero` created again, and a
    business connected to the UK organisation with its lists refreshed."""
    redis.Redis.from_url(REDIS_URL).flushdb()
    sandbox = env.Sandbox(directory, limit_factor)
    calls = TimedCalls(sandbox.app.wsgi_app)
    sandbox.app.wsgi_app = calls
    database_url = common.database_url("postgres", directory, postgres_db=POSTGRES_DB)
    docket = env.DocketEnv(directory, database_url, REDIS_URL, sandbox.url,
                           calls_per_minute=(env.REAL_LIMITS["minute"] - env.DOCKET_MARGIN) * limit_factor,
                           **docket_settings)
    docket.apply()
    app = env.docket_app()
    business_id, user_id, tenant_id = env.connect_uk(app, sandbox)
    return Drill(directory, sandbox, calls, docket, app, business_id, user_id, tenant_id)


def temporary_directory():
    return tempfile.TemporaryDirectory(prefix="docket-xero-drill-")


def log_facts(log_path: str) -> dict:
    """What the workers logged: retries booked, jobs that failed, tracebacks."""
    try:
        with open(log_path, errors="replace") as log:
            text = log.read()
    except FileNotFoundError:
        text = ""
    return {"retries booked": len(re.findall(r"will be tried again", text)),
            "resumed by a sweep": len(re.findall(r"resumed after its job stopped", text)),
            "tracebacks": text.count("Traceback (most recent call last)")}


def failed_jobs() -> list[str]:
    """Publishing jobs RQ gave up on (an exception escaped the job: a crash, not a handled Xero error)."""
    from rq.registry import FailedJobRegistry

    registry = FailedJobRegistry("publishing", connection=redis.Redis.from_url(REDIS_URL))
    return registry.get_job_ids()


def calls_by_status(calls: list[TimedCall]) -> Counter:
    return Counter(c.status for c in calls)


def first_traceback(log_path: str, lines: int = 12) -> str:
    with open(log_path, errors="replace") as log:
        text = log.read()
    start = text.find("Traceback (most recent call last)")
    return "" if start < 0 else "\n".join(text[start:].splitlines()[:lines])
