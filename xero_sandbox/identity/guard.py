"""Gatekeeping for every emulated API call: Bearer token, tenant header, scopes, faults, rate limits."""
import uuid
from dataclasses import dataclass, field

from flask import g, request
from peewee import fn

from xero_sandbox.calls import get_calls
from xero_sandbox.clock import get_clock, now
from xero_sandbox.faults import get_faults
from xero_sandbox.identity import service
from xero_sandbox.identity.errors import (XeroApiError, XeroApiPlainText, forbidden, rate_limited, unauthorized,
                                          xml_validation_error)
from xero_sandbox.identity.models import Connection, Token
from xero_sandbox.limits import get_limiter

G_KEY = "_xero_api_call"


@dataclass
class ApiCall:
    """One admitted API call: who, which tenant, and the headers its response must carry."""

    correlation_id: str
    tenant_id: str | None = None
    token: Token | None = None
    client_id: str | None = None
    headers: dict = field(default_factory=dict)
    holds_slot: bool = False
    error_after_work: XeroApiError | None = None  # an injected error that answers the call once it took effect


def authenticate_bearer() -> Token:
    """The valid token behind `Authorization: Bearer ...`, or a 401 in Xero's shape."""
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise unauthorized(error=None)
    token = service.resolve_access_token(raw.strip())
    if token is None:
        raise unauthorized()
    if token.is_expired():
        stamp = token.access_expires_at.strftime("%m/%d/%Y %H:%M:%S")
        raise unauthorized(f"TokenExpired: token expired at {stamp}",
                           description=f"The token expired at '{stamp}'")
    return token


def begin_api_call(required_scopes: set[str]) -> ApiCall:
    """Admit the current request or raise Xero's error (401/403/429/injected); call from before_request."""
    call = ApiCall(correlation_id=str(uuid.uuid4()))
    setattr(g, G_KEY, call)
    try:
        _check(call, required_scopes)
    except XeroApiError as error:
        error.extra_headers["Xero-Correlation-Id"] = call.correlation_id
        raise
    return call


def _check(call: ApiCall, required_scopes: set[str]) -> None:
    call.token = authenticate_bearer()
    call.client_id = call.token.client_id
    call.tenant_id = _connected_tenant(call.token)
    if required_scopes and not (call.token.scopes() & set(required_scopes)):
        raise unauthorized("AuthorizationUnsuccessful", error="insufficient_scope")
    get_calls().record(_api_path(), call.tenant_id, now())  # before faults and limits: a refused call was still sent
    delay = _apply_faults(call)
    _admit(call)
    if delay:
        get_clock().sleep(delay)  # a slow call keeps its concurrency slot, as in Xero


def _connected_tenant(token: Token) -> str:
    tenant_id = request.headers.get("xero-tenant-id", "").strip().lower()
    connection = Connection.active().where(
        Connection.grant == token.grant_id, fn.LOWER(Connection.tenant_id) == tenant_id).first()
    if not tenant_id or connection is None:
        raise forbidden()
    return connection.tenant_id


def _apply_faults(call: ApiCall) -> float:
    """Raise an armed error fault (or keep it for the answer, when the call is to take effect first), or return
    the seconds this call must be held (latency + timeout)."""
    faults = get_faults()
    delay = faults.latency_ms / 1000
    fault = faults.take(call.tenant_id, request.method, _api_path())
    if fault is None or fault.kind == "timeout":
        return delay + (fault.seconds if fault else 0)
    error = _injected_error(fault)
    if fault.after_work:
        error.extra_headers["Xero-Correlation-Id"] = call.correlation_id
        call.error_after_work = error
        return delay
    raise error


def _injected_error(fault) -> XeroApiError:
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
    if fault.status == 429:
        if fault.problem == "day":
            headers["X-DayLimit-Remaining"] = "0"
        return rate_limited(fault.problem, headers)
    if fault.status == 503:
        return XeroApiPlainText(503, "The Xero API is temporarily unavailable", headers)
    if fault.status == 400:  # the element's type, e.g. Invoice for a call to Invoices
        return xml_validation_error(fault.message, _api_path().split("/")[0].removesuffix("s"), headers)
    return XeroApiError(fault.status, f"Injected fault {fault.status}", headers)


def _api_path() -> str:
    """The request's path under /api.xro/2.0/ (e.g. "Invoices/<id>/Attachments/bill.pdf")."""
    path = request.path.strip("/")
    prefix = "api.xro/2.0/"
    return path[len(prefix):] if path.startswith(prefix) else path


def _admit(call: ApiCall) -> None:
    decision = get_limiter().admit(call.client_id, call.tenant_id, now())
    call.headers.update(decision.headers)
    if decision.allowed:
        call.holds_slot = True
        return
    raise rate_limited(decision.problem, {**decision.headers, "Retry-After": str(decision.retry_after)})


def finish_api_call(response):
    """Add Xero-Correlation-Id and X-*-Remaining headers and free the slot; call from after_request."""
    call = g.get(G_KEY)
    if call is None:
        return response
    if call.error_after_work is not None and response.status_code < 400:
        response = call.error_after_work.get_response()
    response.headers.setdefault("Xero-Correlation-Id", call.correlation_id)
    for name, value in call.headers.items():
        response.headers.setdefault(name, value)
    abort_api_call()
    return response


def abort_api_call(exc=None) -> None:
    """Free the call's concurrency slot; idempotent, so it also runs at request teardown."""
    call = g.get(G_KEY)
    if call is not None and call.holds_slot:
        call.holds_slot = False
        get_limiter().release(call.client_id, call.tenant_id)
