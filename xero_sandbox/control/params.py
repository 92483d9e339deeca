"""Turn operator input (JSON or form fields) into validated arguments for limits and faults."""
from xero_sandbox.limits import LimitSettings

LIMIT_FIELDS = ("concurrent", "minute", "day", "app_minute")


class ParamError(ValueError):
    """Operator input that cannot be used."""


def _int(name, value, minimum=0):
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ParamError(f"{name} must be a whole number") from None
    if number < minimum:
        raise ParamError(f"{name} must be at least {minimum}")
    return number


def _bool(value) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def limit_changes(data: dict) -> dict:
    """The limit settings to change; unknown keys are refused."""
    unknown = set(data) - set(LimitSettings().as_dict())
    if unknown:
        raise ParamError(f"unknown limit settings: {', '.join(sorted(unknown))}")
    changes = {name: _int(name, data[name], 1) for name in LIMIT_FIELDS if data.get(name) not in (None, "")}
    if "enabled" in data:
        changes["enabled"] = _bool(data["enabled"])
    return changes


def fault_args(data: dict) -> dict:
    """Keyword arguments for FaultInjector.arm from operator input."""
    kind = data.get("kind") or ("timeout" if data.get("seconds") not in (None, "") else "status")
    args = {"kind": kind, "count": _int("count", data.get("count", 1), 1),
            "tenant_id": (data.get("tenant_id") or None), "method": (data.get("method") or None),
            "path": (data.get("path") or None)}
    if kind == "status":
        args["status"] = _int("status", data.get("status"))
        if data.get("retry_after") not in (None, ""):
            args["retry_after"] = _int("retry_after", data["retry_after"])
        if "after_work" in data:
            args["after_work"] = _bool(data["after_work"])
        args.update({name: str(data[name]) for name in ("problem", "message") if data.get(name)})
    else:
        try:
            args["seconds"] = float(data.get("seconds"))
        except (TypeError, ValueError):
            raise ParamError("seconds must be a number") from None
    return args
