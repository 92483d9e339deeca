"""JSON twins of the accounting operator pages under /operator/api (for tests and scripts)."""
from flask import jsonify, request

from . import operator_service as service
from . import serialize, webhooks
from .operator import bp


def _problem(message: str, status: int = 400):
    return jsonify({"error": message}), status


def _payload() -> dict:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


@bp.get("/api/organisations")
def api_organisations():
    return jsonify({"organisations": [service.organisation_json(o) for o in service.organisations()]})


@bp.post("/api/organisations")
def api_create_organisation():
    """A new organisation seeded like its country's demo one: {"name", "country", "baseCurrency" (optional)}."""
    try:
        org = service.create_organisation(_payload())
    except service.OperatorError as exc:
        return _problem(str(exc))
    return jsonify({"organisation": service.organisation_json(org)}), 201


@bp.get("/api/organisations/<tenant_id>/documents")
def api_documents(tenant_id):
    org = service.get_organisation(tenant_id)
    if org is None:
        return _problem("Unknown organisation.", 404)
    return jsonify({"documents": service.documents(org)})


@bp.put("/api/organisations/<tenant_id>/lock-dates")
def api_lock_dates(tenant_id):
    org = service.get_organisation(tenant_id)
    if org is None:
        return _problem("Unknown organisation.", 404)
    data = _payload()
    try:
        service.set_lock_dates(org, service.parse_day(data.get("periodLockDate"), "periodLockDate"),
                               service.parse_day(data.get("endOfYearLockDate"), "endOfYearLockDate"))
    except service.OperatorError as exc:
        return _problem(str(exc))
    return jsonify(service.organisation_json(org))


@bp.put("/api/accounts/<account_id>/status")
def api_account_status(account_id):
    try:
        account = service.set_account_status(account_id, str(_payload().get("status", "")).upper())
    except service.OperatorError as exc:
        return _problem(str(exc))
    return jsonify(serialize.account(account))


@bp.put("/api/contacts/<contact_id>/status")
def api_contact_status(contact_id):
    try:
        contact = service.set_contact_status(contact_id, str(_payload().get("status", "")).upper())
    except service.OperatorError as exc:
        return _problem(str(exc))
    return jsonify(serialize.contact(contact))


@bp.put("/api/contacts/<contact_id>/name")
def api_contact_name(contact_id):
    try:
        contact = service.rename_contact(contact_id, str(_payload().get("name", "")))
    except service.OperatorError as exc:
        return _problem(str(exc))
    return jsonify(serialize.contact(contact))


@bp.get("/api/webhooks/deliveries")
def api_webhook_deliveries():
    return jsonify({"settings": service.webhook_settings(), "deliveries": list(webhooks.delivery_log())})


@bp.post("/api/webhooks/intent-to-receive")
def api_intent_to_receive():
    if not service.webhook_settings()["url"]:
        return _problem("SANDBOX_WEBHOOK_URL is not set.")
    return jsonify({"deliveries": webhooks.send_intent_to_receive()})
