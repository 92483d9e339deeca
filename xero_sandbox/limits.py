"""Xero's rate limits, in-process and thread-safe: per-tenant concurrent/minute/day and app-wide minute."""
import math
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from flask import current_app

EXTENSION_KEY = "xero_sandbox.limits"
MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)


@dataclass
class LimitSettings:
    """The configured limits; `enabled=False` counts calls but never refuses them."""

    enabled: bool = True
    concurrent: int = 5
    minute: int = 60
    day: int = 5000
    app_minute: int = 10000

    @classmethod
    def from_config(cls, config) -> "LimitSettings":
        return cls(enabled=bool(config["SANDBOX_LIMITS_ENABLED"]),
                   concurrent=int(config["SANDBOX_CONCURRENT_LIMIT"]), minute=int(config["SANDBOX_MINUTE_LIMIT"]),
                   day=int(config["SANDBOX_DAY_LIMIT"]), app_minute=int(config["SANDBOX_APP_MINUTE_LIMIT"]))

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Window:
    """A fixed window that starts with its first call (so each tenant resets at its own time)."""

    length: timedelta
    start: datetime | None = None
    count: int = 0

    def roll(self, moment: datetime) -> None:
        if self.start is None or moment >= self.start + self.length:
            self.start, self.count = moment, 0

    def retry_after(self, moment: datetime) -> int:
        return max(1, math.ceil((self.start + self.length - moment).total_seconds()))


@dataclass
class Decision:
    """Outcome of one admission: remaining-call headers, and the problem when refused."""

    headers: dict = field(default_factory=dict)
    problem: str | None = None
    retry_after: int | None = None

    @property
    def allowed(self) -> bool:
        return self.problem is None


class RateLimiter:
    """Counts calls per (app, tenant) and per app; `admit` takes a concurrency slot that `release` frees."""

    def __init__(self, settings: LimitSettings):
        self.defaults = settings
        self.settings = LimitSettings(**settings.as_dict())
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget every counter (settings stay)."""
        with self._lock:
            self._in_flight: dict[tuple, int] = {}
            self._minute: dict[tuple, _Window] = {}
            self._day: dict[tuple, _Window] = {}
            self._app_minute: dict[str, _Window] = {}

    def configure(self, **changes) -> LimitSettings:
        """Change some limits (unknown names raise TypeError); returns the new settings."""
        with self._lock:
            self.settings = LimitSettings(**{**self.settings.as_dict(), **changes})
            return self.settings

    def restore_defaults(self) -> LimitSettings:
        with self._lock:
            self.settings = LimitSettings(**self.defaults.as_dict())
            return self.settings

    def admit(self, app: str, tenant: str, moment: datetime) -> Decision:
        """Count one call, or refuse it with the limit that was hit; never counts refused calls."""
        key = (app, tenant)
        with self._lock:
            minute = self._minute.setdefault(key, _Window(MINUTE))
            day = self._day.setdefault(key, _Window(DAY))
            app_minute = self._app_minute.setdefault(app, _Window(MINUTE))
            for window in (minute, day, app_minute):
                window.roll(moment)
            decision = self._refusal(key, minute, day, app_minute, moment)
            if decision.allowed:
                minute.count += 1
                day.count += 1
                app_minute.count += 1
                self._in_flight[key] = self._in_flight.get(key, 0) + 1
            decision.headers = self._remaining(minute, day, app_minute)
            return decision

    def _refusal(self, key, minute, day, app_minute, moment) -> Decision:
        s = self.settings
        if not s.enabled:
            return Decision()
        if self._in_flight.get(key, 0) >= s.concurrent:
            return Decision(problem="concurrent", retry_after=1)
        if minute.count >= s.minute:
            return Decision(problem="minute", retry_after=minute.retry_after(moment))
        if day.count >= s.day:
            return Decision(problem="day", retry_after=day.retry_after(moment))
        if app_minute.count >= s.app_minute:
            return Decision(problem="appminute", retry_after=app_minute.retry_after(moment))
        return Decision()

    def _remaining(self, minute, day, app_minute) -> dict:
        s = self.settings
        return {"X-DayLimit-Remaining": str(max(0, s.day - day.count)),
                "X-MinLimit-Remaining": str(max(0, s.minute - minute.count)),
                "X-AppMinLimit-Remaining": str(max(0, s.app_minute - app_minute.count))}

    def release(self, app: str, tenant: str) -> None:
        """Free the concurrency slot taken by `admit`."""
        key = (app, tenant)
        with self._lock:
            if self._in_flight.get(key, 0) > 0:
                self._in_flight[key] -= 1

    def in_flight(self) -> dict:
        with self._lock:
            return {f"{app}/{tenant}": n for (app, tenant), n in self._in_flight.items() if n}


def get_limiter() -> RateLimiter:
    """The current app's rate limiter."""
    return current_app.extensions[EXTENSION_KEY]
