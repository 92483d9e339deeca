"""Operator HTML pages under /operator: one home page with forms that post back and redirect."""
import importlib

from flask import flash, redirect, render_template, request, url_for

from xero_sandbox.control import bp, service
from xero_sandbox.control.params import LIMIT_FIELDS, ParamError, fault_args, limit_changes
from xero_sandbox.csrf import check_csrf, protect_page
from xero_sandbox.faults import FaultError, get_faults
from xero_sandbox.identity.service import organisations
from xero_sandbox.limits import get_limiter


bp.after_request(protect_page)


@bp.before_request
def _forms_need_token():
    if request.method == "POST" and not request.path.startswith("/operator/api/"):
        check_csrf()


def _accounting_links() -> list:
    """Links offered by the accounting area (`accounting.operator_links()`), if it has any."""
    accounting = importlib.import_module("xero_sandbox.accounting")
    links = getattr(accounting, "operator_links", None)
    return list(links()) if callable(links) else []


def _back(message: str, category: str = "notice"):
    flash(message, category)
    return redirect(url_for("control.index"), 303)


@bp.get("/")
def index():
    """The operator home: connections, tokens, limits, faults and reset."""
    faults = get_faults()
    return render_template(
        "operator/index.html", connections=service.list_connections(), tokens=service.list_tokens(),
        limits=get_limiter().settings, in_flight=get_limiter().in_flight(), faults=faults.armed(),
        latency_ms=faults.latency_ms, organisations=organisations(), accounting_links=_accounting_links())


@bp.post("/connections/<connection_id>/revoke")
def revoke_connection(connection_id):
    """Disconnect one tenant."""
    if not service.revoke_connection(connection_id):
        return _back("That connection no longer exists.", "error")
    return _back("Connection revoked: calls for that tenant now get 403.")


@bp.post("/tokens/expire")
def expire_tokens():
    """Expire access tokens for one organisation or all."""
    count = service.expire_access_tokens(request.form.get("tenant_id") or None)
    return _back(f"{count} access token(s) expired.")


@bp.post("/refresh-tokens/invalidate")
def invalidate_refresh_tokens():
    """Invalidate refresh tokens for one organisation or all."""
    count = service.invalidate_refresh_tokens(request.form.get("tenant_id") or None)
    return _back(f"{count} refresh token(s) invalidated: the next refresh gets invalid_grant.")


@bp.post("/faults")
def arm_fault():
    """Arm an error or timeout fault for the next calls."""
    try:
        fault = get_faults().arm(**fault_args(request.form.to_dict()))
    except (ParamError, FaultError) as error:
        return _back(str(error), "error")
    return _back(f"Fault armed for the next {fault.remaining} call(s).")


@bp.post("/faults/latency")
def set_latency():
    """Set the added latency."""
    try:
        get_faults().set_latency(int(request.form.get("ms", "0")))
    except ValueError:
        return _back("Latency must be a whole number of milliseconds.", "error")
    return _back(f"Added latency: {get_faults().latency_ms} ms.")


@bp.post("/faults/clear")
def clear_faults():
    """Disarm faults and remove latency."""
    get_faults().clear()
    return _back("Faults and latency cleared.")


@bp.post("/limits")
def set_limits():
    """Save limits (an unticked box switches them off)."""
    data = {name: request.form.get(name) for name in LIMIT_FIELDS}
    data["enabled"] = "enabled" in request.form
    try:
        get_limiter().configure(**limit_changes(data))
    except ParamError as error:
        return _back(str(error), "error")
    return _back("Limits updated.")


@bp.post("/reset")
def reset():
    """Reset identity state, faults and limit counters."""
    service.reset_state()
    return _back("Identity state, faults and limit counters reset.")
