"""A log of the API calls connected apps sent the sandbox (those a fault or limit refused too), for tests and
demos to see what a client really sent."""
import threading

from flask import current_app, request

EXTENSION_KEY = "xero_sandbox.calls"


class CallLog:
    """Thread-safe list of calls: method, path under /api.xro/2.0/, Idempotency-Key, elements sent."""

    def __init__(self):
        self._lock = threading.Lock()
        self._calls: list[dict] = []

    def record(self, path: str) -> None:
        body = request.get_json(silent=True) if request.is_json else None
        lists = [value for value in body.values() if isinstance(value, list)] if isinstance(body, dict) else []
        call = {"method": request.method, "path": path, "idempotency_key": request.headers.get("Idempotency-Key"),
                "elements": len(lists[0]) if lists else None}
        with self._lock:
            self._calls.append(call)

    def calls(self) -> list[dict]:
        with self._lock:
            return list(self._calls)

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()


def get_calls() -> CallLog:
    return current_app.extensions[EXTENSION_KEY]
