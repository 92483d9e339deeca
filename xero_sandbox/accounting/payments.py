"""Payments against invoices and credit notes: Xero's checks, then amount due and PAID status."""
from decimal import Decimal

from . import coerce, serialize
from . import models as m
from .batch import ElementInvalid, Saved, echo_element
from .validation import lock_error, round2

PAYMENT_TYPES = {"ACCREC": "ACCRECPAYMENT", "ACCPAY": "ACCPAYPAYMENT",
                 "ACCRECCREDIT": "ARCREDITPAYMENT", "ACCPAYCREDIT": "APCREDITPAYMENT"}


def _target(org, data: dict) -> tuple[m.Document | None, list[str]]:
    for key, kind, id_key, number_key in (("Invoice", "invoice", "InvoiceID", "InvoiceNumber"),
                                          ("CreditNote", "creditnote", "CreditNoteID", "CreditNoteNumber")):
        if key not in data:
            continue
        raw = coerce.obj(data[key], key)
        query = m.Document.select().where((m.Document.org == org) & (m.Document.kind == kind))
        if raw.get(id_key):
            doc = query.where(m.Document.id == str(raw[id_key]).lower()).first()
        elif raw.get(number_key):
            doc = query.where(m.Document.number == str(raw[number_key])).first()
        else:
            return None, [f"{key}ID or {key}Number must be specified"]  # emulator text
        return doc, ([] if doc else [f"The {key} could not be found"])  # emulator text
    return None, ["Payment must reference an Invoice or a CreditNote"]  # emulator text


def _account(org, data: dict) -> m.Account | None:
    raw = coerce.obj(data.get("Account"), "Account")
    query = m.Account.select().where(m.Account.org == org)
    if raw.get("AccountID"):
        return query.where(m.Account.id == str(raw["AccountID"]).lower()).first()
    if raw.get("Code"):
        return query.where(m.Account.code == str(raw["Code"])).first()
    return None


def create_payment(org: m.Organisation, data: dict, record_event) -> Saved:
    """Apply one payment element; raises ElementInvalid with Xero's messages."""
    errors = []
    doc, target_errors = _target(org, data)
    errors += target_errors
    account = _account(org, data)
    amount = coerce.decimal(data.get("Amount"), "Amount")
    day = coerce.day(data.get("Date"), "Date") or m.utcnow().date()
    if account is None:
        errors.append("Account could not be found")  # emulator text
    elif account.status != "ACTIVE" or not (account.type == "BANK" or account.enable_payments):
        errors.append("The specified bank account details do not match a known bank account")
    if amount is None or amount <= 0:
        errors.append("Payment amount must be greater than zero")  # emulator text
    if doc is not None:
        if doc.status != "AUTHORISED":
            errors.append("Payments can only be made against Authorised documents")
        elif amount is not None and round2(amount) > doc.amount_due:
            errors.append("Payment amount exceeds the amount outstanding on this document")
        if message := lock_error(org, day):
            errors.append(message)
    if errors:
        raise ElementInvalid(echo_element(data, "PaymentID"), errors)
    rate = coerce.decimal(data.get("CurrencyRate"), "CurrencyRate") or doc.currency_rate
    payment = m.Payment.create(
        org=org, document=doc, account=account, date=day, amount=round2(amount), currency_rate=rate,
        reference=coerce.text(data.get("Reference"), "Reference") or "",
        is_reconciled=bool(coerce.boolean(data.get("IsReconciled"), "IsReconciled")),
        payment_type=PAYMENT_TYPES[doc.type])
    _apply_to_document(doc, round2(amount), day)
    if doc.kind == "invoice":
        record_event(org, "INVOICE", "UPDATE", "Invoices", doc.id)
    return Saved(serialize.payment(payment))


def _apply_to_document(doc: m.Document, delta: Decimal, day) -> None:
    doc.amount_paid = doc.amount_paid + delta
    if doc.amount_due <= 0:
        doc.status, doc.fully_paid_on = "PAID", day
    elif doc.status == "PAID":
        doc.status, doc.fully_paid_on = "AUTHORISED", None
    doc.updated_at = m.utcnow()
    doc.save()


def delete_payment(org: m.Organisation, payment_id: str, data: dict, record_event) -> Saved | None:
    """`POST /Payments/{id}` with `{"Status":"DELETED"}` reverses a payment; None when not found."""
    payment = m.Payment.get_or_none((m.Payment.org == org) & (m.Payment.id == payment_id.lower()))
    if payment is None:
        return None
    if str(data.get("Status", "")).upper() != "DELETED" or payment.status == "DELETED":
        raise ElementInvalid(echo_element(data, "PaymentID", payment.id),
                             ["Only the Status of a payment can be updated, to DELETED"])  # emulator text
    payment.status, payment.updated_at = "DELETED", m.utcnow()
    payment.save()
    _apply_to_document(payment.document, -payment.amount, None)
    if payment.document.kind == "invoice":
        record_event(org, "INVOICE", "UPDATE", "Invoices", payment.document.id)
    return Saved(serialize.payment(payment))
