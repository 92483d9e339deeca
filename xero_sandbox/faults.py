"""Injected faults for the next N API calls (error statuses, timeouts) and added latency."""
import fnmatch
import itertools
import threading
from dataclasses import asdict, dataclass

from flask import current_app

EXTENSION_KEY = "xero_sandbox.faults"
FAULT_STATUSES = {400, 429, 500, 503}
RATE_LIMIT_PROBLEMS = {"minute", "day", "concurrent", "appminute"}


class FaultError(ValueError):
    """A fault request that makes no sense."""


@dataclass
class Fault:
    """One armed fault: `kind` is "status" (answer `status`) or "timeout" (sleep `seconds`, then answer).

    `method` and `path` (a glob on the path under /api.xro/2.0/, e.g. "Invoices" or "*/Attachments/*") narrow the
    calls it applies to. `after_work`: the call takes effect first and the error answers it, so the caller can't
    tell whether it did (a 500 from a gateway after Xero saved the document). A 429 names its `problem` (a "day"
    one comes without Retry-After unless given, as seen from Xero); a 400 is a ValidationException in XML carrying
    `message`."""

    id: int
    kind: str
    remaining: int
    status: int | None = None
    retry_after: int | None = None
    seconds: float = 0.0
    tenant_id: str | None = None
    method: str | None = None
    path: str | None = None
    after_work: bool = False
    problem: str = "minute"
    message: str = ""

    def applies_to(self, tenant_id: str, method: str, path: str) -> bool:
        return (self.tenant_id in (None, tenant_id) and self.method in (None, method)
                and (self.path is None or fnmatch.fnmatchcase(path, self.path)))

    def as_dict(self) -> dict:
        return asdict(self)


class FaultInjector:
    """Thread-safe store of armed faults and a standing added latency (milliseconds)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._faults: list[Fault] = []
            self.latency_ms = 0

    def arm(self, kind: str, count: int = 1, status: int | None = None, retry_after: int | None = None,
            seconds: float = 0.0, tenant_id: str | None = None, method: str | None = None, path: str | None = None,
            after_work: bool = False, problem: str = "minute", message: str = "") -> Fault:
        """Arm a fault for the next `count` matching calls."""
        if kind == "status" and status not in FAULT_STATUSES:
            raise FaultError(f"status must be one of {sorted(FAULT_STATUSES)}")
        if problem not in RATE_LIMIT_PROBLEMS:
            raise FaultError(f"problem must be one of {sorted(RATE_LIMIT_PROBLEMS)}")
        if status == 400 and not message:
            raise FaultError("a 400 needs the validation message it carries")
        if kind == "timeout" and not seconds > 0:
            raise FaultError("a timeout needs seconds > 0")
        if kind not in {"status", "timeout"} or count < 1:
            raise FaultError("kind must be status or timeout, count at least 1")
        if after_work and status != 500:
            raise FaultError("only a 500 can answer a call that took effect (a 429 or 503 means Xero did nothing)")
        if status == 429 and retry_after is None and problem == "minute":
            retry_after = 60
        fault = Fault(next(self._ids), kind, count, status, retry_after, float(seconds), tenant_id,
                      method.upper() if method else None, path.strip("/") if path else None, after_work,
                      problem, message)
        with self._lock:
            self._faults.append(fault)
        return fault

    def set_latency(self, milliseconds: int) -> None:
        with self._lock:
            self.latency_ms = max(0, int(milliseconds))

    def take(self, tenant_id: str, method: str = "GET", path: str = "") -> Fault | None:
        """Consume one use of the oldest fault that applies to this call (`path` under /api.xro/2.0/)."""
        with self._lock:
            for fault in self._faults:
                if fault.applies_to(tenant_id, method, path):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def armed(self) -> list[dict]:
        with self._lock:
            return [fault.as_dict() for fault in self._faults]


def get_faults() -> FaultInjector:
    """The current app's fault injector."""
    return current_app.extensions[EXTENSION_KEY]
