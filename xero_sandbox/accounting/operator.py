"""Operator pages for the emulated organisations: documents, lock dates, archiving, renaming, webhooks."""
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from xero_sandbox.csrf import check_csrf

from . import models as m
from . import operator_service as service
from . import webhooks

bp = Blueprint("accounting_operator", __name__, url_prefix="/operator")


@bp.before_request
def forms_need_token():
    if request.method == "POST" and not request.path.startswith("/operator/api/"):
        check_csrf()


def _org_or_404(tenant_id: str) -> m.Organisation:
    org = service.get_organisation(tenant_id)
    if org is None:
        abort(404)
    return org


def _back(tenant_id: str, message: str, category: str = "notice"):
    flash(message, category)
    return redirect(url_for("accounting_operator.detail", tenant_id=tenant_id), 303)


@bp.get("/organisations")
def index():
    return render_template("accounting/organisations.html", organisations=service.organisations())


@bp.get("/organisations/<tenant_id>")
def detail(tenant_id):
    org = _org_or_404(tenant_id)
    return render_template(
        "accounting/organisation.html", org=org, documents=service.documents(org),
        accounts=m.Account.for_org(org), contacts=m.Contact.select().where(m.Contact.org == org)
        .order_by(m.Contact.name))


@bp.post("/organisations/<tenant_id>/lock-dates")
def update_lock_dates(tenant_id):
    org = _org_or_404(tenant_id)
    try:
        service.set_lock_dates(org, service.parse_day(request.form.get("period_lock_date"), "Period lock date"),
                               service.parse_day(request.form.get("end_of_year_lock_date"), "End of year lock date"))
    except service.OperatorError as exc:
        return _back(tenant_id, str(exc), "error")
    return _back(tenant_id, "Lock dates saved.")


@bp.post("/accounts/<account_id>/status")
def update_account_status(account_id):
    try:
        account = service.set_account_status(account_id, request.form.get("status", ""))
    except service.OperatorError as exc:
        flash(str(exc), "error")
        return redirect(url_for("accounting_operator.index"), 303)
    return _back(account.org_id, f"Account {account.code} is now {account.status.lower()}.")


@bp.post("/contacts/<contact_id>/status")
def update_contact_status(contact_id):
    try:
        contact = service.set_contact_status(contact_id, request.form.get("status", ""))
    except service.OperatorError as exc:
        flash(str(exc), "error")
        return redirect(request.referrer or url_for("accounting_operator.index"), 303)
    return _back(contact.org_id, f"{contact.name} is now {contact.status.lower()}.")


@bp.post("/contacts/<contact_id>/name")
def rename_contact(contact_id):
    try:
        contact = service.rename_contact(contact_id, request.form.get("name", ""))
    except service.OperatorError as exc:
        flash(str(exc), "error")
        return redirect(request.referrer or url_for("accounting_operator.index"), 303)
    return _back(contact.org_id, f"Contact renamed to {contact.name}.")


@bp.get("/attachments/<attachment_id>")
def download_attachment(attachment_id):
    attachment = service.attachment(attachment_id)
    if attachment is None:
        abort(404)
    disposition = f'attachment; filename="{attachment.file_name}"'
    return Response(bytes(attachment.content), mimetype=attachment.mime_type,
                    headers={"Content-Disposition": disposition})


@bp.get("/webhooks")
def webhook_page():
    return render_template("accounting/webhooks.html", settings=service.webhook_settings(),
                           deliveries=list(reversed(webhooks.delivery_log())))


@bp.post("/webhooks/intent-to-receive")
def send_intent_to_receive():
    if not service.webhook_settings()["url"]:
        flash("Set SANDBOX_WEBHOOK_URL first.", "error")
    else:
        sent = webhooks.send_intent_to_receive()
        flash(f"Sent {len(sent)} intent-to-receive payloads (one signed correctly, one wrongly).")
    return redirect(url_for("accounting_operator.webhook_page"), 303)
