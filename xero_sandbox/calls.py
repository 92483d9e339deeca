"""A log of the API calls connected apps sent the sandbox (those a fault or limit refused too), for tests and
demos to see what a client really sent, and how many calls of each kind each organisation took a minute."""
import threading
from collections import Counter
from datetime import datetime, timedelta

from flask import current_app, request

EXTENSION_KEY = "xero_sandbox.calls"


class CallLog:
    """Thread-safe list of calls: method, path under /api.xro/2.0/, Idempotency-Key, elements sent, the
    organisation and when (the sandbox's clock, to the second)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._calls: list[dict] = []

    def record(self, path: str, tenant_id: str, moment: datetime) -> None:
        body = request.get_json(silent=True) if request.is_json else None
        lists = [value for value in body.values() if isinstance(value, list)] if isinstance(body, dict) else []
        call = {"method": request.method, "path": path, "idempotency_key": request.headers.get("Idempotency-Key"),
                "elements": len(lists[0]) if lists else None, "tenant_id": tenant_id,
                "at": moment.isoformat(timespec="seconds")}
        with self._lock:
            self._calls.append(call)

    def per_minute(self, moment: datetime) -> dict:
        """Each organisation's calls by kind ("PUT Invoices", "PUT Invoices/Attachments") in the clock minute of
        `moment` and the one before it."""
        this_minute = moment.replace(second=0, microsecond=0)
        minutes = {(this_minute - timedelta(minutes=1)).isoformat(timespec="minutes"): "lastMinute",
                   this_minute.isoformat(timespec="minutes"): "thisMinute"}
        counted: dict[str, dict[str, Counter]] = {}
        for call in self.calls():
            which = minutes.get(call["at"][:16])
            if which:
                kinds = counted.setdefault(call["tenant_id"], {"thisMinute": Counter(), "lastMinute": Counter()})
                kinds[which][kind(call["method"], call["path"])] += 1
        return {"minute": this_minute.isoformat(timespec="minutes"),
                "organisations": {tenant: {which: dict(sorted(kinds[which].items())) for which in kinds}
                                  for tenant, kinds in counted.items()}}

    def calls(self) -> list[dict]:
        with self._lock:
            return list(self._calls)

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()


def kind(method: str, path: str) -> str:
    """A call's kind: its method and endpoint, with /Attachments where it sends or reads one."""
    parts = path.split("/")
    return f"{method} {parts[0]}" + ("/Attachments" if "Attachments" in parts[1:] else "")


def get_calls() -> CallLog:
    return current_app.extensions[EXTENSION_KEY]
