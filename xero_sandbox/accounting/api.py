"""The Accounting API blueprint: token guard hooks, error handlers and request-parsing helpers."""
import json
from decimal import Decimal

from flask import Blueprint, g, request

from xero_sandbox.identity import guard
from xero_sandbox.identity.errors import XeroApiPlainText
from xero_sandbox.identity.models import Client

from . import webhooks
from .errors import ApiError, NotFound, PostDataInvalid
from .models import Organisation

bp = Blueprint("accounting_api", __name__)

_SETTINGS = {"accounting.settings"}
_TRANSACTIONS = {"accounting.transactions"}
WRITE_SCOPES = {
    "Organisation": _SETTINGS, "Accounts": _SETTINGS, "TaxRates": _SETTINGS,
    "TrackingCategories": _SETTINGS, "Currencies": _SETTINGS,
    "Contacts": {"accounting.contacts"},
    "Invoices": _TRANSACTIONS | {"accounting.invoices"},
    "CreditNotes": _TRANSACTIONS | {"accounting.invoices"},
    "Payments": _TRANSACTIONS | {"accounting.payments"},
    "BankTransactions": _TRANSACTIONS | {"accounting.banktransactions"},
    "Attachments": {"accounting.attachments"},
}
MAX_REQUEST_BYTES = 3.5 * 1024 * 1024  # Xero's limit on one request; attachments have their own 10 MB


def required_scopes(path: str, method: str) -> set[str]:
    """Scopes any one of which allows this call; reads also accept the `.read` variants."""
    parts = [p for p in path.split("/") if p]
    resource = "Attachments" if "Attachments" in parts else (parts[2] if len(parts) > 2 else "")
    write = WRITE_SCOPES.get(resource, _TRANSACTIONS)
    if method in ("GET", "HEAD"):
        return write | {f"{scope}.read" for scope in write}
    return set(write)


@bp.before_request
def guard_api_call():
    if (request.content_length or 0) > MAX_REQUEST_BYTES and "/Attachments/" not in request.path:
        raise XeroApiPlainText(413, "Request Entity Too Large")  # emulator text: Xero's docs give the limit only
    g.api_call = guard.begin_api_call(required_scopes(request.path, request.method))
    g.webhook_events = []
    g.provider_name = provider_name(g.api_call.client_id)


def provider_name(client_id: str | None) -> str:
    """The envelope's ProviderName is the calling app's name, as in Xero."""
    client = Client.get_or_none(Client.client_id == client_id) if client_id else None
    return client.name if client else "Xero sandbox"


@bp.after_request
def finish_api_call(response):
    if response.status_code < 400 and g.get("webhook_events"):
        webhooks.dispatch(g.webhook_events)
    return guard.finish_api_call(response) if "api_call" in g else response


@bp.errorhandler(ApiError)
def handle_api_error(error: ApiError):
    return error.response()


def current_org() -> Organisation:
    org = Organisation.get_or_none(Organisation.tenant_id == g.api_call.tenant_id)
    if org is None:
        raise NotFound()
    return org


def summarize_errors() -> bool:
    """Xero summarises unless the client explicitly sends `summarizeErrors=false`."""
    return request.args.get("summarizeErrors", "true").strip().lower() != "false"


def request_json():
    """The JSON body with money parsed as Decimal; malformed JSON is Xero's PostDataInvalidException."""
    raw = request.get_data()
    if not raw.strip():
        raise PostDataInvalid("No data has been received")
    try:
        return json.loads(raw, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PostDataInvalid(f"JSON for post data was invalid,{exc}") from None


def request_elements(key: str) -> list[dict]:
    """Elements of a batch body `{"Key":[...]}`; a bare object or list is accepted too."""
    data = request_json()
    if isinstance(data, dict) and key in data:
        data = data[key]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise PostDataInvalid(f"JSON for post data was invalid,Cannot deserialize the current JSON into "
                              f"type '{key}'")
    if not data:
        raise PostDataInvalid("No data has been received")
    return data


def flag(name: str) -> bool:
    return request.args.get(name, "false").strip().lower() == "true"


def record_event(org: Organisation, category: str, event_type: str, resource: str, resource_id: str,
                 data: dict | None = None):
    """Queue a webhook event; it is sent after a successful response."""
    g.webhook_events.append(webhooks.event(org.tenant_id, category, event_type, resource, resource_id, data))
