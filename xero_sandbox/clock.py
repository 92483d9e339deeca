"""The sandbox's clock: real time in production, a hand-moved clock in tests (no sleeping)."""
import threading
import time
from datetime import datetime, timedelta, timezone

from flask import current_app

EXTENSION_KEY = "xero_sandbox.clock"


class Clock:
    """Real time: naive-UTC `now()` and a blocking `sleep()`."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc).replace(tzinfo=None)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class FakeClock(Clock):
    """A clock tests move by hand; `sleep()` advances it and records the request instead of blocking."""

    def __init__(self, start: datetime | None = None):
        self._now = start or datetime(2026, 1, 15, 9, 0, 0)
        self._lock = threading.Lock()
        self.slept: list[float] = []

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float = 0, **delta) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds, **delta)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)


def get_clock() -> Clock:
    """The clock of the current app."""
    return current_app.extensions[EXTENSION_KEY]


def now() -> datetime:
    """Naive-UTC now from the current app's clock."""
    return get_clock().now()


def epoch(moment: datetime) -> int:
    """Unix seconds of a naive-UTC datetime (naive `.timestamp()` would assume local time)."""
    return int(moment.replace(tzinfo=timezone.utc).timestamp())
