"""Document endpoints: Invoices, CreditNotes, BankTransactions and Payments."""
from flask import request

from . import documents, payments, serialize
from . import models as m
from .api import bp, current_org, flag, record_event, request_elements, summarize_errors
from .batch import batch_response, idempotent, run_batch
from .errors import NotFound
from .query import csv_list, paginate, parse_if_modified_since, where_expression
from .serialize import envelope, json_response

D = m.Document
DOCUMENT_FIELDS = {"Type": D.type, "Status": D.status, "Reference": D.reference, "Date": D.date,
                   "DueDate": D.due_date, "CurrencyCode": D.currency_code, "Contact.ContactID": D.contact,
                   "IsReconciled": D.is_reconciled}
ID_FIELDS = {"invoice": ("InvoiceID", "InvoiceNumber"), "creditnote": ("CreditNoteID", "CreditNoteNumber"),
             "banktransaction": ("BankTransactionID", None)}


def _fields(kind: str) -> dict:
    id_key, number_key = ID_FIELDS[kind]
    fields = {**DOCUMENT_FIELDS, id_key: D.id}
    if number_key:
        fields[number_key] = D.number
    return fields


def _list(kind: str, key: str):
    """GET a collection: IDs/numbers/statuses/contacts filters, `where`, If-Modified-Since, paging."""
    query = D.of_kind(current_org(), kind)
    if ids := csv_list(request.args, "IDs"):
        query = query.where(D.id.in_([i.lower() for i in ids]))
    number_key = ID_FIELDS[kind][1]
    if number_key and (numbers := csv_list(request.args, f"{number_key}s")):
        query = query.where(D.number.in_(numbers))
    if statuses := csv_list(request.args, "Statuses"):
        query = query.where(D.status.in_([s.upper() for s in statuses]))
    if contact_ids := csv_list(request.args, "ContactIDs"):
        query = query.where(D.contact.in_([c.lower() for c in contact_ids]))
    if since := parse_if_modified_since(request.headers.get("If-Modified-Since")):
        query = query.where(D.updated_at >= since)
    if where := request.args.get("where"):
        query = query.where(where_expression(where, _fields(kind)))
    rows, pagination = paginate(query, request.args)
    with_lines = pagination is not None and not flag("summaryOnly") or kind == "banktransaction"
    return json_response(envelope(key, documents.documents_json(rows, with_lines), pagination))


def _detail(kind: str, key: str, ident: str):
    doc = documents.find_document(current_org(), kind, ident)
    if doc is None:
        raise NotFound()
    return json_response(envelope(key, [documents.document_json(doc)]))


def _save(kind: str, key: str, create_only: bool, target: str | None = None):
    org = current_org()
    if target is not None and documents.find_document(org, kind, target) is None:
        raise NotFound()
    elements = request_elements(key)
    unit_dp = 4 if request.args.get("unitdp") == "4" else 2

    def save(data):
        return documents.save_document(org, kind, data, record_event, target=target, create_only=create_only,
                                       unit_dp=unit_dp)

    return batch_response(key, run_batch(elements, save, summarize_errors()))


@bp.get("/Invoices")
def invoices_index():
    return _list("invoice", "Invoices")


@bp.get("/Invoices/<ident>")
def invoices_detail(ident):
    return _detail("invoice", "Invoices", ident)


@bp.put("/Invoices")
@idempotent
def invoices_create():
    return _save("invoice", "Invoices", create_only=True)


@bp.post("/Invoices")
@idempotent
def invoices_upsert():
    return _save("invoice", "Invoices", create_only=False)


@bp.post("/Invoices/<ident>")
@idempotent
def invoices_update(ident):
    return _save("invoice", "Invoices", create_only=False, target=ident)


@bp.get("/CreditNotes")
def credit_notes_index():
    return _list("creditnote", "CreditNotes")


@bp.get("/CreditNotes/<ident>")
def credit_notes_detail(ident):
    return _detail("creditnote", "CreditNotes", ident)


@bp.put("/CreditNotes")
@idempotent
def credit_notes_create():
    return _save("creditnote", "CreditNotes", create_only=True)


@bp.post("/CreditNotes")
@idempotent
def credit_notes_upsert():
    return _save("creditnote", "CreditNotes", create_only=False)


@bp.post("/CreditNotes/<ident>")
@idempotent
def credit_notes_update(ident):
    return _save("creditnote", "CreditNotes", create_only=False, target=ident)


@bp.get("/BankTransactions")
def bank_transactions_index():
    return _list("banktransaction", "BankTransactions")


@bp.get("/BankTransactions/<ident>")
def bank_transactions_detail(ident):
    return _detail("banktransaction", "BankTransactions", ident)


@bp.put("/BankTransactions")
@idempotent
def bank_transactions_create():
    return _save("banktransaction", "BankTransactions", create_only=True)


@bp.post("/BankTransactions")
@idempotent
def bank_transactions_upsert():
    return _save("banktransaction", "BankTransactions", create_only=False)


@bp.post("/BankTransactions/<ident>")
@idempotent
def bank_transactions_update(ident):
    return _save("banktransaction", "BankTransactions", create_only=False, target=ident)


@bp.get("/Payments")
def payments_index():
    query = (m.Payment.select().where(m.Payment.org == current_org())
             .order_by(m.Payment.updated_at, m.Payment.id))
    if since := parse_if_modified_since(request.headers.get("If-Modified-Since")):
        query = query.where(m.Payment.updated_at >= since)
    if where := request.args.get("where"):
        query = query.where(where_expression(where, {"Status": m.Payment.status, "PaymentID": m.Payment.id,
                                                     "PaymentType": m.Payment.payment_type,
                                                     "Invoice.InvoiceID": m.Payment.document}))
    rows, pagination = paginate(query, request.args)
    return json_response(envelope("Payments", [serialize.payment(p) for p in rows], pagination))


@bp.get("/Payments/<payment_id>")
def payments_detail(payment_id):
    payment = m.Payment.get_or_none((m.Payment.org == current_org()) & (m.Payment.id == payment_id.lower()))
    if payment is None:
        raise NotFound()
    return json_response(envelope("Payments", [serialize.payment(payment)]))


def _create_payments():
    org = current_org()
    elements = request_elements("Payments")
    return batch_response("Payments", run_batch(
        elements, lambda data: payments.create_payment(org, data, record_event), summarize_errors()))


@bp.put("/Payments")
@idempotent
def payments_create():
    return _create_payments()


@bp.post("/Payments")
@idempotent
def payments_upsert():
    return _create_payments()


@bp.post("/Payments/<payment_id>")
@idempotent
def payments_delete(payment_id):
    org = current_org()
    data = request_elements("Payments")[0]
    if m.Payment.get_or_none((m.Payment.org == org) & (m.Payment.id == payment_id.lower())) is None:
        raise NotFound()
    return batch_response("Payments", run_batch(
        [data], lambda d: payments.delete_payment(org, payment_id, d, record_event), True))
