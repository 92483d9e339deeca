"""Create and update contacts and accounts (Xero's PUT = create only, POST = create or update)."""
import re

from . import coerce, serialize
from . import models as m
from .batch import ElementInvalid, Saved, echo_element
from .seed_data import ACCOUNT_CLASS

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CONTACT_FIELDS = {"ContactNumber": "contact_number", "AccountNumber": "account_number", "FirstName": "first_name",
                  "LastName": "last_name", "EmailAddress": "email", "TaxNumber": "tax_number",
                  "DefaultCurrency": "default_currency", "PurchasesDefaultAccountCode": "purchases_account_code",
                  "SalesDefaultAccountCode": "sales_account_code"}


def find_contact(org, ident: str) -> m.Contact | None:
    return m.Contact.get_or_none((m.Contact.org == org) & (m.Contact.id == ident.lower()))


def _name_taken(org, name: str, exclude: str | None) -> bool:
    query = m.Contact.select().where((m.Contact.org == org) & (m.Contact.status == "ACTIVE")
                                     & (m.Contact.name == name))
    if exclude:
        query = query.where(m.Contact.id != exclude)
    return query.exists()


def save_contact(org, data: dict, record_event, create_only: bool = False, target: str | None = None) -> Saved:
    """Validate and save one contact element; POST matches an existing contact by id, then by name."""
    ident = target or coerce.text(data.get("ContactID"), "ContactID")
    name = (coerce.text(data.get("Name"), "Name") or "").strip()
    contact = find_contact(org, ident) if ident else None
    if ident and contact is None:
        raise ElementInvalid(echo_element(data, "ContactID"), ["The contact could not be found"])  # emulator text
    if contact is None and not create_only and name:
        contact = m.Contact.get_or_none((m.Contact.org == org) & (m.Contact.name == name)
                                        & (m.Contact.status == "ACTIVE"))
    errors = []
    if contact is None and not name:
        errors.append("The contact name must be specified")  # emulator text
    status = coerce.enum(data.get("ContactStatus"), {"ACTIVE", "ARCHIVED", "GDPRREQUEST"}, "ContactStatus")
    final_name = name or (contact.name if contact else "")
    final_status = status or (contact.status if contact else "ACTIVE")
    if final_name and final_status == "ACTIVE" and _name_taken(org, final_name, contact.id if contact else None):
        errors.append(f"The contact name {final_name} is already assigned to another contact. "
                      "The contact name must be unique across all active contacts.")
    email = coerce.text(data.get("EmailAddress"), "EmailAddress")
    if email and not _EMAIL.match(email):
        errors.append("Email address must be valid.")
    if errors:
        raise ElementInvalid(echo_element(data, "ContactID", contact.id if contact else None), errors)
    created = contact is None
    contact = contact or m.Contact(org=org)
    contact.name, contact.status = final_name, final_status
    for key, attr in CONTACT_FIELDS.items():
        if key in data:
            setattr(contact, attr, coerce.text(data[key], key) or "")
    if "Phones" in data:
        contact.phones = coerce.items(data["Phones"], "Phones")
    if "Addresses" in data:
        contact.addresses = coerce.items(data["Addresses"], "Addresses")
    contact.updated_at = m.utcnow()
    contact.save(force_insert=created)
    record_event(org, "CONTACT", "CREATE" if created else "UPDATE", "Contacts", contact.id)
    return Saved(serialize.contact(contact))


def save_account(org, data: dict, account: m.Account | None = None) -> Saved:
    """PUT creates (Code, Name, Type required); POST /Accounts/{id} updates name, code, status and tax type."""
    errors = []
    code = coerce.text(data.get("Code"), "Code")
    name = coerce.text(data.get("Name"), "Name")
    acc_type = coerce.enum(data.get("Type"), set(ACCOUNT_CLASS), "Type")
    status = coerce.enum(data.get("Status"), {"ACTIVE", "ARCHIVED"}, "Status")
    others = m.Account.select().where(m.Account.org == org)
    if account is not None:
        others = others.where(m.Account.id != account.id)
    if account is None and not (code and name and acc_type):
        errors.append("Code, Name and Type must be specified")  # emulator text
    if code and others.where(m.Account.code == code).exists():
        errors.append("Please enter a unique Code.")
    if name and others.where(m.Account.name == name).exists():
        errors.append("Please enter a unique Name.")
    tax_type = coerce.text(data.get("TaxType"), "TaxType")
    if tax_type and not m.TaxRate.select().where((m.TaxRate.org == org) & (m.TaxRate.tax_type == tax_type)).exists():
        errors.append(f"The TaxType code {tax_type} does not exist or cannot be used for this type of transaction.")
    if account is not None and status == "ARCHIVED" and account.system_account:
        errors.append("System accounts cannot be archived")  # emulator text
    if errors:
        raise ElementInvalid(echo_element(data, "AccountID", account.id if account else None), errors)
    created = account is None
    account = account or m.Account(org=org, type=acc_type, klass=ACCOUNT_CLASS[acc_type])
    if acc_type and not created:
        account.type, account.klass = acc_type, ACCOUNT_CLASS[acc_type]
    for attr, value in (("code", code), ("name", name), ("status", status), ("tax_type", tax_type),
                        ("description", coerce.text(data.get("Description"), "Description")),
                        ("bank_account_number", coerce.text(data.get("BankAccountNumber"), "BankAccountNumber"))):
        if value is not None:
            setattr(account, attr, value)
    if "EnablePaymentsToAccount" in data:
        account.enable_payments = bool(coerce.boolean(data["EnablePaymentsToAccount"], "EnablePaymentsToAccount"))
    if account.type == "BANK":
        account.bank_account_type = account.bank_account_type or "BANK"
        account.currency_code = account.currency_code or org.base_currency
    account.updated_at = m.utcnow()
    account.save(force_insert=created)
    return Saved(serialize.account(account))
