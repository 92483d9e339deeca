"""JSON control API under /operator/api: identity state, limits and faults for tests and demos."""
from flask import jsonify, request

from xero_sandbox.calls import get_calls
from xero_sandbox.clock import now
from xero_sandbox.control import bp, service
from xero_sandbox.control.params import ParamError, fault_args, limit_changes
from xero_sandbox.faults import FaultError, get_faults
from xero_sandbox.limits import get_limiter


@bp.before_request
def _json_only():
    """Mutations must be JSON (a cross-site form cannot send that), except the HTML form routes."""
    if request.path.startswith("/operator/api/") and request.method in {"POST", "PUT"} and not request.is_json:
        return jsonify({"error": "Send a JSON body (Content-Type: application/json)."}), 415
    return None


@bp.errorhandler(ParamError)
@bp.errorhandler(FaultError)
def _bad_input(error):
    return jsonify({"error": str(error)}), 400


def _body() -> dict:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


@bp.get("/api/connections")
def api_connections():
    """All live connections."""
    return jsonify({"connections": service.list_connections()})


@bp.delete("/api/connections/<connection_id>")
def api_revoke_connection(connection_id):
    """Disconnect one connection (calls for its tenant then get 403): 204, or 404."""
    if not service.revoke_connection(connection_id):
        return jsonify({"error": "No such connection."}), 404
    return "", 204


@bp.put("/api/connections/<connection_id>/tenant-name")
def api_rename_connection(connection_id):
    """Body `{"tenantName": "..."}`; an empty name makes /connections list none, as for older connections."""
    if not service.rename_connection(connection_id, str(_body().get("tenantName") or "")):
        return jsonify({"error": "No such connection."}), 404
    return "", 204


@bp.get("/api/tokens")
def api_tokens():
    """All tokens of live grants (access token shown by its last 8 characters)."""
    return jsonify({"tokens": service.list_tokens()})


@bp.post("/api/tokens/expire")
def api_expire_tokens():
    """Body `{"tenant_id": optional}`: access tokens reaching the tenant expire now."""
    return jsonify({"expired": service.expire_access_tokens(_body().get("tenant_id"))})


@bp.post("/api/refresh-tokens/invalidate")
def api_invalidate_refresh_tokens():
    """Body `{"refresh_token"}` or `{"tenant_id"}` (or `{}` for all): next refresh is invalid_grant."""
    body = _body()
    count = service.invalidate_refresh_tokens(body.get("tenant_id"), body.get("refresh_token"))
    return jsonify({"invalidated": count})


@bp.get("/api/faults")
def api_faults():
    """Armed faults and the added latency."""
    faults = get_faults()
    return jsonify({"faults": faults.armed(), "latency_ms": faults.latency_ms})


@bp.post("/api/faults")
def api_arm_fault():
    """Body `{"status": 500/503/429/400, "count", "retry_after", "tenant_id"}` or `{"kind": "timeout", "seconds"}`;
    optional `"method"` and `"path"` (a glob under /api.xro/2.0/) narrow the calls, and `"after_work": true` lets a
    500 answer a call that took effect. A 429 takes `"problem"` (minute, day, ...), a 400 its `"message"`."""
    return jsonify(get_faults().arm(**fault_args(_body())).as_dict()), 201


@bp.put("/api/faults/latency")
def api_set_latency():
    """Body `{"ms": N}`: every API call waits N ms first, until faults are cleared."""
    body = _body()
    if not isinstance(body.get("ms"), int) or body["ms"] < 0:
        raise ParamError("ms must be a whole number of milliseconds")
    get_faults().set_latency(body["ms"])
    return jsonify({"latency_ms": get_faults().latency_ms})


@bp.delete("/api/faults")
def api_clear_faults():
    """Disarm every fault and remove the added latency."""
    get_faults().clear()
    return "", 204


@bp.get("/api/calls")
def api_calls():
    """The API calls of connected apps since the last reset (faulted or refused ones too), oldest first: method, path, Idempotency-Key and the number
    of elements in a batch body."""
    return jsonify({"calls": get_calls().calls()})


@bp.get("/api/calls/per-minute")
def api_calls_per_minute():
    """Each organisation's calls by kind in this clock minute and the one before, to watch a run's pace."""
    return jsonify(get_calls().per_minute(now()))


@bp.get("/api/limits")
def api_limits():
    """Current limits and calls in flight."""
    limiter = get_limiter()
    return jsonify({**limiter.settings.as_dict(), "in_flight": limiter.in_flight()})


@bp.put("/api/limits")
def api_set_limits():
    """Body with any of enabled, concurrent, minute, day, app_minute."""
    return jsonify(get_limiter().configure(**limit_changes(_body())).as_dict())


@bp.delete("/api/limits")
def api_reset_limits():
    """Restore the configured limits and forget all counters."""
    limiter = get_limiter()
    limiter.restore_defaults()
    limiter.reset()
    return jsonify(limiter.settings.as_dict())


@bp.post("/api/reset")
def api_reset():
    """Forget connections and tokens, faults and limit counters; limits back to config."""
    service.reset_state()
    return "", 204
