"""Xero's JSON shapes: .NET `/Date(ms+0000)/` dates, `*String` helpers, the response envelope."""
import json
import uuid
from datetime import date, datetime, time, timezone
from decimal import Decimal

from flask import Response, g

from . import models as m

API_BASE = "https://api.xero.com/api.xro/2.0"
ZERO_ID = "00000000-0000-0000-0000-000000000000"
JSON_TYPE = "application/json; charset=utf-8"


def ms_date(value, offset: str = "+0000") -> str | None:
    """`/Date(1552327126164+0000)/` for a date (midnight UTC) or naive-UTC datetime; Xero writes the moments
    named ...UTC (DateTimeUTC, CreatedDateUTC) without the offset: `ms_date(value, offset="")`."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    ms = int(value.replace(tzinfo=timezone.utc).timestamp() * 1000)
    return f"/Date({ms}{offset})/"


def date_string(value) -> str | None:
    return None if value is None else f"{value.isoformat()}T00:00:00"


def iso_utc(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S")


def money(value) -> float:
    """JSON number for a Decimal, quantised first so the float prints exactly (boundary only)."""
    return float(Decimal(value).quantize(Decimal("0.01")))


def number(value) -> float | None:
    return None if value is None else float(Decimal(value).normalize())


def _default(obj):
    if isinstance(obj, Decimal):
        return float(obj)
    if isinstance(obj, (datetime, date)):
        return ms_date(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def dumps(payload) -> str:
    return json.dumps(payload, default=_default, separators=(",", ":"))


def json_response(payload, status: int = 200) -> Response:
    return Response(dumps(payload), status=status, content_type=JSON_TYPE)


def envelope(key: str, items: list, pagination: dict | None = None, **extra) -> dict:
    """The success envelope Xero wraps every collection in."""
    body = {
        "Id": getattr(g.get("api_call"), "correlation_id", None) or str(uuid.uuid4()),
        "Status": "OK",
        "ProviderName": g.get("provider_name") or "Xero sandbox",
        "DateTimeUTC": ms_date(m.utcnow(), offset=""),
    }
    if pagination:
        body["pagination"] = pagination
    body.update(extra)
    body[key] = items
    return body


def _drop_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


def organisation(org: m.Organisation) -> dict:
    return _drop_none({
        "OrganisationID": org.tenant_id, "APIKey": "", "Name": org.name, "LegalName": org.legal_name,
        "PaysTax": True, "Version": org.version, "OrganisationType": org.organisation_type,
        "BaseCurrency": org.base_currency, "CountryCode": org.country, "IsDemoCompany": False,
        "OrganisationStatus": "ACTIVE", "FinancialYearEndDay": org.fy_end_day,
        "FinancialYearEndMonth": org.fy_end_month, "SalesTaxBasis": org.tax_basis,
        "SalesTaxPeriod": org.tax_period, "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Inclusive", "PeriodLockDate": ms_date(org.period_lock_date),
        "EndOfYearLockDate": ms_date(org.end_of_year_lock_date), "CreatedDateUTC": ms_date(org.created_at, offset=""),
        "TaxNumber": org.tax_number or None, "Timezone": org.timezone, "OrganisationEntityType": org.organisation_type,
        "ShortCode": org.short_code, "Class": "PREMIUM", "Edition": "BUSINESS",
        "Addresses": [], "Phones": [], "ExternalLinks": [], "PaymentTerms": {},
    })


def account(acc: m.Account) -> dict:
    return _drop_none({
        "AccountID": acc.id, "Code": acc.code, "Name": acc.name, "Status": acc.status, "Type": acc.type,
        "TaxType": acc.tax_type, "Description": acc.description, "Class": acc.klass,
        "SystemAccount": acc.system_account or None, "EnablePaymentsToAccount": acc.enable_payments,
        "ShowInExpenseClaims": acc.show_in_expense_claims, "BankAccountType": acc.bank_account_type,
        "BankAccountNumber": acc.bank_account_number, "CurrencyCode": acc.currency_code,
        "ReportingCode": acc.reporting_code or None, "HasAttachments": False,
        "UpdatedDateUTC": ms_date(acc.updated_at), "AddToWatchlist": False,
    })


def contact(c: m.Contact, summary: bool = False) -> dict:
    body = {
        "ContactID": c.id, "ContactNumber": c.contact_number, "AccountNumber": c.account_number,
        "ContactStatus": c.status, "Name": c.name, "FirstName": c.first_name, "LastName": c.last_name,
        "EmailAddress": c.email, "TaxNumber": c.tax_number or None, "DefaultCurrency": c.default_currency,
        "UpdatedDateUTC": ms_date(c.updated_at), "HasAttachments": False, "HasValidationErrors": False,
    }
    if not summary:
        body.update({
            "Addresses": c.addresses or [], "Phones": c.phones or [], "ContactGroups": [], "ContactPersons": [],
            "IsSupplier": c.is_supplier, "IsCustomer": c.is_customer,
            "PurchasesDefaultAccountCode": c.purchases_account_code,
            "SalesDefaultAccountCode": c.sales_account_code,
        })
    return _drop_none(body)


def contact_ref(c: m.Contact | None) -> dict | None:
    if c is None:
        return None
    return _drop_none({"ContactID": c.id, "Name": c.name, "ContactStatus": c.status,
                       "HasValidationErrors": False})


def tracking_option(opt: m.TrackingOption) -> dict:
    return {"TrackingOptionID": opt.id, "Name": opt.name, "Status": opt.status}


def tracking_category(cat: m.TrackingCategory, include_archived: bool = False) -> dict:
    options = [o for o in cat.options if include_archived or o.status == "ACTIVE"]
    return {"TrackingCategoryID": cat.id, "Name": cat.name, "Status": cat.status,
            "Options": [tracking_option(o) for o in sorted(options, key=lambda o: o.name)]}


def tax_rate(rate: m.TaxRate) -> dict:
    return _drop_none({
        "Name": rate.name, "TaxType": rate.tax_type, "ReportTaxType": rate.report_tax_type,
        "CanApplyToAssets": rate.can_assets, "CanApplyToEquity": rate.can_equity,
        "CanApplyToExpenses": rate.can_expenses, "CanApplyToLiabilities": rate.can_liabilities,
        "CanApplyToRevenue": rate.can_revenue, "DisplayTaxRate": number(rate.display_rate),
        "EffectiveRate": number(rate.effective_rate), "Status": rate.status,
        "TaxComponents": rate.components,
    })


def currency(cur: m.Currency) -> dict:
    return {"Code": cur.code, "Description": cur.description}


def line(li: m.Line) -> dict:
    return _drop_none({
        "LineItemID": li.id, "Description": li.description, "Quantity": number(li.quantity),
        "UnitAmount": number(li.unit_amount), "AccountCode": li.account_code, "TaxType": li.tax_type,
        "TaxAmount": money(li.tax_amount), "LineAmount": money(li.line_amount),
        "DiscountRate": number(li.discount_rate), "Tracking": li.tracking,
    })


def bank_amount(p: m.Payment) -> Decimal:
    """The payment in the paying account's currency (Amount is in the document's currency)."""
    bank_currency = p.account.currency_code or p.org.base_currency
    if bank_currency == p.document.currency_code or not p.currency_rate:
        return p.amount
    return p.amount / p.currency_rate


def payment(p: m.Payment, with_document: bool = True) -> dict:
    doc = p.document
    body = {
        "PaymentID": p.id, "Date": ms_date(p.date), "Amount": money(p.amount),
        "BankAmount": money(bank_amount(p)), "CurrencyRate": number(p.currency_rate), "Reference": p.reference,
        "IsReconciled": p.is_reconciled, "Status": p.status, "PaymentType": p.payment_type,
        "UpdatedDateUTC": ms_date(p.updated_at), "HasAccount": True, "HasValidationErrors": False,
    }
    if with_document:
        body["Account"] = {"AccountID": p.account.id, "Code": p.account.code}
        ref_key = "Invoice" if doc.kind == "invoice" else "CreditNote"
        body[ref_key] = _drop_none({
            f"{ref_key}ID": doc.id, "Type": doc.type, "Contact": contact_ref(doc.contact),
            ("InvoiceNumber" if ref_key == "Invoice" else "CreditNoteNumber"): doc.number,
            "CurrencyCode": doc.currency_code,
        })
    return body


DOCUMENT_ID_KEYS = {"invoice": "InvoiceID", "creditnote": "CreditNoteID", "banktransaction": "BankTransactionID"}
DOCUMENT_ENDPOINTS = {"invoice": "Invoices", "creditnote": "CreditNotes", "banktransaction": "BankTransactions"}


def document(doc: m.Document, has_attachments: bool = False, with_lines: bool = True) -> dict:
    """An Invoice, CreditNote or BankTransaction in Xero's shape."""
    body = {
        DOCUMENT_ID_KEYS[doc.kind]: doc.id, "Type": doc.type, "Contact": contact_ref(doc.contact),
        "Date": ms_date(doc.date), "DateString": date_string(doc.date), "Status": doc.status,
        "LineAmountTypes": doc.line_amount_types, "SubTotal": money(doc.sub_total),
        "TotalTax": money(doc.total_tax), "Total": money(doc.total), "CurrencyCode": doc.currency_code,
        "CurrencyRate": number(doc.currency_rate), "UpdatedDateUTC": ms_date(doc.updated_at),
        "HasAttachments": has_attachments, "Reference": doc.reference,
    }
    if with_lines:
        body["LineItems"] = [line(li) for li in sorted(doc.lines, key=lambda li: li.position)]
    if doc.kind == "banktransaction":
        body.update({"BankAccount": {"AccountID": doc.bank_account.id, "Code": doc.bank_account.code,
                                     "Name": doc.bank_account.name},
                     "IsReconciled": doc.is_reconciled, "Url": doc.url})
        return _drop_none(body)
    body.update({
        "DueDate": ms_date(doc.due_date), "DueDateString": date_string(doc.due_date),
        "UpdatedDateUTCString": iso_utc(doc.updated_at), "FullyPaidOnDate": ms_date(doc.fully_paid_on),
        "Payments": [payment(p, with_document=False) for p in doc.payments if p.status == "AUTHORISED"],
    })
    if doc.kind == "invoice":
        body.update({"InvoiceNumber": doc.number, "Url": doc.url, "AmountDue": money(doc.amount_due),
                     "AmountPaid": money(doc.amount_paid), "AmountCredited": 0.0, "IsDiscounted": False,
                     "SentToContact": doc.sent_to_contact, "CreditNotes": [], "Prepayments": [],
                     "Overpayments": []})
    else:
        body.update({"CreditNoteNumber": doc.number, "RemainingCredit": money(doc.amount_due),
                     "AppliedAmount": money(doc.amount_paid), "Allocations": [],
                     "SentToContact": doc.sent_to_contact})
    return _drop_none(body)


def attachment(att: m.Attachment) -> dict:
    body = {
        "AttachmentID": att.id, "FileName": att.file_name,
        "Url": f"{API_BASE}/{att.endpoint}/{att.owner_id}/Attachments/{att.file_name}",
        "MimeType": att.mime_type, "ContentLength": len(att.content),
    }
    if att.include_online:
        body["IncludeOnline"] = True
    return body
