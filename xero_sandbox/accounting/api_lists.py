"""Settings and contacts endpoints: Organisation, Accounts, Contacts, TrackingCategories, TaxRates, Currencies."""
from flask import request

from . import lists_service, serialize
from . import models as m
from .api import bp, current_org, flag, record_event, request_elements, summarize_errors
from .batch import Saved, batch_response, idempotent, run_batch
from .errors import NotFound, NotImplementedYet, ValidationFailed
from .query import csv_list, paginate, parse_if_modified_since, where_expression
from .seed_data import CURRENCY_NAMES
from .serialize import envelope, json_response

ACCOUNT_FIELDS = {"Code": m.Account.code, "Name": m.Account.name, "Type": m.Account.type, "Status": m.Account.status,
                  "Class": m.Account.klass, "TaxType": m.Account.tax_type, "AccountID": m.Account.id,
                  "BankAccountType": m.Account.bank_account_type,
                  "EnablePaymentsToAccount": m.Account.enable_payments, "SystemAccount": m.Account.system_account}
CONTACT_FIELDS = {"Name": m.Contact.name, "ContactStatus": m.Contact.status, "IsSupplier": m.Contact.is_supplier,
                  "IsCustomer": m.Contact.is_customer, "ContactNumber": m.Contact.contact_number,
                  "EmailAddress": m.Contact.email, "ContactID": m.Contact.id,
                  "AccountNumber": m.Contact.account_number, "FirstName": m.Contact.first_name,
                  "LastName": m.Contact.last_name}


@bp.get("/Organisation")
def organisation_index():
    return json_response(envelope("Organisations", [serialize.organisation(current_org())]))


@bp.post("/Organisation")
def organisation_update():
    raise NotImplementedYet()


@bp.get("/Organisation/Actions")
def organisation_actions():
    current_org()
    actions = [{"Name": name, "Status": "ALLOWED"} for name in (
        "UseMulticurrency", "CreateApprovedInvoice", "CreateApprovedBill", "CreateDraftBill", "CreateDraftInvoice",
        "AttachFilesIntoInvoice", "AttachFilesIntoBill", "CreateInvoicePayment", "CreateBillPayment",
        "CreateSpendMoney", "CreateReceiveMoney", "CreateCreditNote")]
    return json_response(envelope("Actions", actions))


@bp.get("/Accounts")
def accounts_index():
    query = m.Account.for_org(current_org())
    if since := parse_if_modified_since(request.headers.get("If-Modified-Since")):
        query = query.where(m.Account.updated_at >= since)
    if where := request.args.get("where"):
        query = query.where(where_expression(where, ACCOUNT_FIELDS))
    return json_response(envelope("Accounts", [serialize.account(a) for a in query]))


@bp.get("/Accounts/<account_id>")
def accounts_detail(account_id):
    account = m.Account.get_or_none((m.Account.org == current_org()) & (m.Account.id == account_id.lower()))
    if account is None:
        raise NotFound()
    return json_response(envelope("Accounts", [serialize.account(account)]))


@bp.put("/Accounts")
@idempotent
def accounts_create():
    org = current_org()
    return batch_response("Accounts", run_batch(request_elements("Accounts")[:1],
                                                lambda data: lists_service.save_account(org, data), True))


@bp.post("/Accounts/<account_id>")
@idempotent
def accounts_update(account_id):
    org = current_org()
    account = m.Account.get_or_none((m.Account.org == org) & (m.Account.id == account_id.lower()))
    if account is None:
        raise NotFound()
    return batch_response("Accounts", run_batch(request_elements("Accounts")[:1],
                                                lambda data: lists_service.save_account(org, data, account), True))


@bp.get("/Contacts")
def contacts_index():
    query = m.Contact.for_org(current_org())
    if ids := csv_list(request.args, "IDs"):
        query = query.where(m.Contact.id.in_([i.lower() for i in ids]))
    elif not flag("includeArchived"):
        query = query.where(m.Contact.status != "ARCHIVED")
    if since := parse_if_modified_since(request.headers.get("If-Modified-Since")):
        query = query.where(m.Contact.updated_at >= since)
    if where := request.args.get("where"):
        query = query.where(where_expression(where, CONTACT_FIELDS))
    if term := request.args.get("searchTerm") or request.args.get("SearchTerm"):
        query = query.where(m.Contact.name.contains(term) | m.Contact.email.contains(term)
                            | m.Contact.contact_number.contains(term))
    rows, pagination = paginate(query, request.args)
    summary = flag("summaryOnly")
    return json_response(envelope("Contacts", [serialize.contact(c, summary=summary) for c in rows], pagination))


@bp.get("/Contacts/<contact_id>")
def contacts_detail(contact_id):
    contact = lists_service.find_contact(current_org(), contact_id)
    if contact is None:
        raise NotFound()
    return json_response(envelope("Contacts", [serialize.contact(contact)]))


def _save_contacts(create_only: bool, target: str | None = None):
    org = current_org()
    elements = request_elements("Contacts")

    def save(data) -> Saved:
        return lists_service.save_contact(org, data, record_event, create_only=create_only, target=target)

    return batch_response("Contacts", run_batch(elements, save, summarize_errors()))


@bp.put("/Contacts")
@idempotent
def contacts_create():
    return _save_contacts(create_only=True)


@bp.post("/Contacts")
@idempotent
def contacts_upsert():
    return _save_contacts(create_only=False)


@bp.post("/Contacts/<contact_id>")
@idempotent
def contacts_update(contact_id):
    if lists_service.find_contact(current_org(), contact_id) is None:
        raise NotFound()
    return _save_contacts(create_only=False, target=contact_id)


@bp.get("/TrackingCategories")
def tracking_index():
    include_archived = flag("includeArchived")
    query = m.TrackingCategory.select().where(m.TrackingCategory.org == current_org()).order_by(
        m.TrackingCategory.name)
    if not include_archived:
        query = query.where(m.TrackingCategory.status == "ACTIVE")
    return json_response(envelope("TrackingCategories",
                                  [serialize.tracking_category(c, include_archived) for c in query]))


@bp.get("/TrackingCategories/<category_id>")
def tracking_detail(category_id):
    category = m.TrackingCategory.get_or_none((m.TrackingCategory.org == current_org())
                                              & (m.TrackingCategory.id == category_id.lower()))
    if category is None:
        raise NotFound()
    return json_response(envelope("TrackingCategories", [serialize.tracking_category(category, True)]))


@bp.get("/TaxRates")
def tax_rates_index():
    query = m.TaxRate.select().where(m.TaxRate.org == current_org()).order_by(m.TaxRate.id)
    if tax_type := request.args.get("TaxType"):
        query = query.where(m.TaxRate.tax_type == tax_type)
    if where := request.args.get("where"):
        query = query.where(where_expression(where, {"TaxType": m.TaxRate.tax_type, "Name": m.TaxRate.name,
                                                     "Status": m.TaxRate.status}))
    return json_response(envelope("TaxRates", [serialize.tax_rate(r) for r in query]))


@bp.get("/TaxRates/<tax_type>")
def tax_rates_detail(tax_type):
    rate = m.TaxRate.get_or_none((m.TaxRate.org == current_org()) & (m.TaxRate.tax_type == tax_type))
    if rate is None:
        raise NotFound()
    return json_response(envelope("TaxRates", [serialize.tax_rate(rate)]))


@bp.get("/Currencies")
def currencies_index():
    query = m.Currency.select().where(m.Currency.org == current_org()).order_by(m.Currency.id)
    return json_response(envelope("Currencies", [serialize.currency(c) for c in query]))


@bp.put("/Currencies")
@idempotent
def currencies_create():
    org = current_org()
    data = request_elements("Currencies")[0]
    code = str(data.get("Code", "")).upper()
    if code not in CURRENCY_NAMES:
        raise ValidationFailed([{**data, "ValidationErrors": [{"Message": f"Currency {code} is not supported"}]}])
    currency, _ = m.Currency.get_or_create(org=org, code=code, defaults={"description": CURRENCY_NAMES[code]})
    return json_response(envelope("Currencies", [serialize.currency(currency)]))
