"""Xero's rules for invoices, credit notes and bank transactions: parse an element into a checked draft.

Messages are Xero's own wording where known (docs xero-api.md 3.5); the few marked
"emulator text" have no verified Xero wording."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from . import coerce
from . import models as m
from .seed import fx_rate

CENT = Decimal("0.01")
# Emulator choice: a supplied line TaxAmount may differ from the computed one by up to 2p/2c (supplier rounding).
TAX_TOLERANCE = Decimal("0.02")
POSTED = {"AUTHORISED", "PAID"}
LINE_AMOUNT_TYPES = {"Exclusive", "Inclusive", "NoTax"}
STATUSES = {"DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED"}
TRANSITIONS = {
    "DRAFT": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "SUBMITTED": {"SUBMITTED", "AUTHORISED", "DRAFT", "DELETED"},
    "AUTHORISED": {"AUTHORISED", "VOIDED"},
}
BANK_TRANSITIONS = {"AUTHORISED": {"AUTHORISED", "DELETED"}}
MODIFY_ERROR = "Document not of valid status for modification"


@dataclass(frozen=True)
class KindSpec:
    types: frozenset
    id_key: str
    number_key: str | None
    default_status: str
    default_line_amount_types: str
    label: str


KINDS = {
    "invoice": KindSpec(frozenset({"ACCPAY", "ACCREC"}), "InvoiceID", "InvoiceNumber", "DRAFT", "Exclusive",
                        "invoice"),
    "creditnote": KindSpec(frozenset({"ACCPAYCREDIT", "ACCRECCREDIT"}), "CreditNoteID", "CreditNoteNumber",
                           "DRAFT", "Exclusive", "credit note"),
    "banktransaction": KindSpec(frozenset({"SPEND", "RECEIVE"}), "BankTransactionID", None, "AUTHORISED",
                                "Inclusive", "bank transaction"),
}


def round2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def lock_error(org: m.Organisation, day: date) -> str | None:
    """Xero's lock-date message for a posted document dated on or before a lock date."""
    if org.end_of_year_lock_date and day <= org.end_of_year_lock_date:
        return ("The document date cannot be before the end of year lock date, currently set at "
                f"{org.end_of_year_lock_date:%d-%b-%Y}")
    if org.period_lock_date and day <= org.period_lock_date:
        return ("The document date cannot be before the period lock date, currently set at "
                f"{org.period_lock_date:%d-%b-%Y}")
    return None


@dataclass
class LineDraft:
    id: str | None
    description: str
    quantity: Decimal
    unit_amount: Decimal
    account_code: str | None
    tax_type: str | None
    tax_amount: Decimal
    line_amount: Decimal
    discount_rate: Decimal | None
    tracking: list


@dataclass
class DocumentDraft:
    type: str | None = None
    contact: m.Contact | None = None
    new_contact_name: str | None = None
    number: str | None = None
    reference: str | None = None
    date: date | None = None
    due_date: date | None = None
    status: str | None = None
    line_amount_types: str | None = None
    currency_code: str | None = None
    currency_rate: Decimal = Decimal(1)
    url: str | None = None
    bank_account: m.Account | None = None
    is_reconciled: bool = False
    lines: list[LineDraft] = field(default_factory=list)
    sub_total: Decimal = Decimal(0)
    total_tax: Decimal = Decimal(0)
    total: Decimal = Decimal(0)
    errors: list[str] = field(default_factory=list)
    line_errors: dict[int, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


class DocumentBuilder:
    """Turns one request element (plus the stored document, on update) into a DocumentDraft with errors."""

    def __init__(self, org: m.Organisation, kind: str, data: dict, existing: m.Document | None = None,
                 unit_dp: int = 2):
        self.org, self.kind, self.data, self.existing = org, kind, data, existing
        self.unit_quantum = Decimal(10) ** -unit_dp
        self.spec = KINDS[kind]
        self.draft = DocumentDraft()
        self.line_index: int | None = None
        self.accounts = {a.code: a for a in m.Account.select().where(m.Account.org == org)}
        self.accounts_by_id = {a.id: a for a in self.accounts.values()}
        self.rates = {r.tax_type: r for r in m.TaxRate.select().where(m.TaxRate.org == org)}

    def error(self, message: str) -> None:
        """Record a message on the element and, while a line is being checked, on that line too."""
        if message not in self.draft.errors:
            self.draft.errors.append(message)
        if self.line_index is not None:
            self.draft.line_errors.setdefault(self.line_index, []).append(message)

    def value(self, key: str, default=None):
        if key in self.data:
            return self.data[key]
        return default

    def build(self) -> DocumentDraft:
        d, ex = self.draft, self.existing
        d.type = coerce.enum(self.value("Type"), set(self.spec.types), "Type") or (ex.type if ex else None)
        if d.type is None:
            self.error(f"A valid {self.spec.label} type must be specified")  # emulator text
        d.date = coerce.day(self.value("Date"), "Date") or (ex.date if ex else m.utcnow().date())
        d.due_date = coerce.day(self.value("DueDate"), "DueDate") or (ex.due_date if ex else None)
        d.reference = coerce.text(self.value("Reference", ex.reference if ex else None), "Reference")
        d.url = coerce.text(self.value("Url", ex.url if ex else None), "Url")
        lat = coerce.enum(self.value("LineAmountTypes"), LINE_AMOUNT_TYPES, "LineAmountTypes")
        d.line_amount_types = lat or (ex.line_amount_types if ex else self.spec.default_line_amount_types)
        self._status()
        self._contact()
        if self.kind == "banktransaction":
            self._bank_account()
            d.is_reconciled = bool(coerce.boolean(self.value("IsReconciled"), "IsReconciled"))
        self._currency()
        self._number()
        self._lines()
        self._totals()
        self._locks()
        return d

    def _status(self):
        d, ex = self.draft, self.existing
        status = coerce.enum(self.value("Status"), STATUSES, "Status")
        if ex is None:
            d.status = status or self.spec.default_status
            allowed = {"AUTHORISED"} if self.kind == "banktransaction" else {"DRAFT", "SUBMITTED", "AUTHORISED"}
            if d.status not in allowed:
                self.error("Invoice not of valid status for creation" if self.kind == "invoice"
                           else "Document not of valid status for creation")
            return
        d.status = status or ex.status
        transitions = BANK_TRANSITIONS if self.kind == "banktransaction" else TRANSITIONS
        if d.status not in transitions.get(ex.status, set()):
            self.error(MODIFY_ERROR)
        elif ex.amount_paid > 0 and ("LineItems" in self.data or d.status == "VOIDED"):
            self.error(MODIFY_ERROR)

    def _contact(self):
        d, raw = self.draft, self.value("Contact")
        if raw is None:
            if self.existing is not None:
                d.contact = self.existing.contact
                return
            self.error("A Contact must be specified for this type of transaction")
            return
        raw = coerce.obj(raw, "Contact")
        contact_id = coerce.text(raw.get("ContactID"), "Contact.ContactID")
        number = coerce.text(raw.get("ContactNumber"), "Contact.ContactNumber")
        name = coerce.text(raw.get("Name"), "Contact.Name")
        query = m.Contact.select().where(m.Contact.org == self.org)
        if contact_id:
            d.contact = query.where(m.Contact.id == contact_id.lower()).first()
        elif number:
            d.contact = query.where(m.Contact.contact_number == number).first()
        elif name and name.strip():
            d.contact = (query.where(m.Contact.name == name.strip())
                         .order_by(m.Contact.status == "ARCHIVED").first())
            if d.contact is None:
                d.new_contact_name = name.strip()
                return
        else:
            self.error("The Contact must contain at least 1 of the following elements to identify the contact: "
                       "Name, ContactID, ContactNumber")
            return
        if d.contact is None:
            self.error("The contact with the specified contact details could not be found")  # emulator text
        elif d.contact.status != "ACTIVE":
            self.error("The contact with the specified contact details has been archived. The contact must be "
                       "un-archived before creating new invoices or credit notes.")

    def _bank_account(self):
        raw = self.value("BankAccount")
        if raw is None and self.existing is not None:
            self.draft.bank_account = self.existing.bank_account
            return
        raw = coerce.obj(raw, "BankAccount")
        code = coerce.text(raw.get("Code"), "BankAccount.Code")
        account_id = coerce.text(raw.get("AccountID"), "BankAccount.AccountID")
        account = self.accounts_by_id.get((account_id or "").lower()) if account_id else self.accounts.get(code)
        if not raw:
            self.error("A bank account must be specified")  # emulator text
        elif account is None or account.type != "BANK" or account.status != "ACTIVE":
            self.error("The specified bank account details do not match a known bank account")
        self.draft.bank_account = account

    def _currency(self):
        d, ex = self.draft, self.existing
        default = ex.currency_code if ex else (
            d.bank_account.currency_code if d.bank_account and d.bank_account.currency_code else self.org.base_currency)
        code = (coerce.text(self.value("CurrencyCode"), "CurrencyCode") or default).upper()
        d.currency_code = code
        enabled = m.Currency.select().where((m.Currency.org == self.org) & (m.Currency.code == code)).exists()
        if not enabled:
            self.error(f"Organisation is not subscribed to currency {code}")
            return
        rate = coerce.decimal(self.value("CurrencyRate"), "CurrencyRate")
        if code == self.org.base_currency:
            d.currency_rate = Decimal(1)
        elif rate is not None and rate > 0:
            d.currency_rate = rate
        elif ex is not None and ex.currency_code == code:
            d.currency_rate = ex.currency_rate
        else:
            d.currency_rate = fx_rate(code, self.org.base_currency)

    def _number(self):
        d, ex, key = self.draft, self.existing, self.spec.number_key
        if key is None:
            return
        d.number = coerce.text(self.value(key), key) or (ex.number if ex else None)
        if d.type == "ACCREC" and d.number:
            clash = m.Document.select().where(
                (m.Document.org == self.org) & (m.Document.kind == "invoice") & (m.Document.type == "ACCREC")
                & (m.Document.number == d.number) & (m.Document.status != "DELETED"))
            if ex is not None:
                clash = clash.where(m.Document.id != ex.id)
            if clash.exists():
                self.error("Invoice # must be unique.")

    def _lines(self):
        if self.existing is not None and "LineItems" not in self.data and self.draft.status in ("DELETED", "VOIDED"):
            # Deleting or voiding keeps the stored lines as they are: no re-validation of old accounts.
            self.draft.lines = [_stored_line(li) for li in sorted(self.existing.lines, key=lambda li: li.position)]
            return
        raw_lines = self.data.get("LineItems")
        if raw_lines is None and self.existing is not None:
            raw_lines = [_line_as_input(li) for li in sorted(self.existing.lines, key=lambda li: li.position)]
        raw_lines = coerce.items(raw_lines, "LineItems")
        if not raw_lines:
            self.error("One or more line items must be specified")
        for index, raw in enumerate(raw_lines):
            self.line_index = index
            self.draft.lines.append(self._line(raw, f"LineItems[{index}]"))
        self.line_index = None

    def _line(self, raw: dict, path: str) -> LineDraft:
        d = self.draft
        qty = coerce.decimal(raw.get("Quantity"), f"{path}.Quantity")
        unit = coerce.decimal(raw.get("UnitAmount"), f"{path}.UnitAmount")
        supplied = coerce.decimal(raw.get("LineAmount"), f"{path}.LineAmount")
        discount = coerce.decimal(raw.get("DiscountRate"), f"{path}.DiscountRate")
        if qty is None and unit is None and supplied is not None:
            qty, unit = Decimal(1), supplied
        qty = Decimal(1) if qty is None else qty
        unit = (Decimal(0) if unit is None else unit).quantize(self.unit_quantum, rounding=ROUND_HALF_UP)
        if discount is not None and d.type != "ACCREC":
            self.error("Discounts can only be applied to sales invoices")  # emulator text
        expected = round2(qty * unit * (100 - (discount or 0)) / 100)
        if supplied is not None and round2(supplied) != expected:
            self.error(f"The line total {round2(supplied)} does not match the expected line total {expected}")
        account = self._line_account(raw, path)
        tax_type, rate = self._line_tax(raw, path, account)
        tax = self._line_tax_amount(raw, path, expected, rate)
        return LineDraft(
            id=coerce.text(raw.get("LineItemID"), f"{path}.LineItemID"),
            description=coerce.text(raw.get("Description"), f"{path}.Description") or "",
            quantity=qty, unit_amount=unit, account_code=account.code if account else None, tax_type=tax_type,
            tax_amount=tax, line_amount=expected, discount_rate=discount, tracking=self._tracking(raw, path))

    def _line_account(self, raw: dict, path: str) -> m.Account | None:
        code = coerce.text(raw.get("AccountCode"), f"{path}.AccountCode")
        account_id = coerce.text(raw.get("AccountID"), f"{path}.AccountID")
        if not code and not account_id:
            if self.draft.status in POSTED:
                self.error("Account code or ID must be specified")
            return None
        account = self.accounts.get(code) if code else self.accounts_by_id.get(account_id.lower())
        label = code or account_id
        if account is None or account.type == "BANK":
            self.error(f"Account code '{label}' is not a valid code for this document.")
            return None
        if account.status != "ACTIVE":
            self.error(f"Account code '{account.code}' has been archived, or has been deleted. "
                       "Each line item must reference a valid account.")
        return account

    def _line_tax(self, raw: dict, path: str, account: m.Account | None):
        tax_type = coerce.text(raw.get("TaxType"), f"{path}.TaxType")
        if tax_type is None:
            tax_type = account.tax_type if account else None
            if tax_type is None:
                return None, None
        rate = self.rates.get(tax_type)
        if rate is None or rate.status != "ACTIVE":
            self.error(f"The TaxType code {tax_type} does not exist or cannot be used for this type of transaction.")
            return tax_type, None
        if account is not None and not rate.can_apply_to(account.klass):
            self.error(f"The TaxType code '{tax_type}' cannot be used with account code '{account.code}'.")
        return tax_type, rate

    def _line_tax_amount(self, raw: dict, path: str, amount: Decimal, rate: m.TaxRate | None) -> Decimal:
        lat = self.draft.line_amount_types
        if lat == "NoTax" or rate is None:
            return Decimal(0)
        pct = rate.effective_rate
        computed = round2(amount * pct / 100 if lat == "Exclusive" else amount * pct / (100 + pct))
        supplied = coerce.decimal(raw.get("TaxAmount"), f"{path}.TaxAmount")
        if supplied is None:
            return computed
        supplied = round2(supplied)
        if abs(supplied) > abs(amount):
            self.error("The tax amount cannot be greater than the line amount")
        elif abs(supplied - computed) > TAX_TOLERANCE:
            # emulator text: Xero's wording for an out-of-tolerance TaxAmount is not verified
            self.error(f"The tax amount {supplied} does not match the calculated tax amount {computed}")
        return supplied

    def _tracking(self, raw: dict, path: str) -> list:
        entries = coerce.items(raw.get("Tracking"), f"{path}.Tracking")
        if len(entries) > 2:
            self.error("A line item can have a maximum of 2 tracking categories")  # emulator text
        out = []
        for entry in entries:
            cat_name = coerce.text(entry.get("Name"), f"{path}.Tracking.Name")
            opt_name = coerce.text(entry.get("Option"), f"{path}.Tracking.Option")
            category, option = self._find_tracking(entry, cat_name, opt_name)
            if option is None:
                self.error(f"Tracking option '{opt_name or entry.get('TrackingOptionID')}' for category "
                           f"'{cat_name or entry.get('TrackingCategoryID')}' is not valid")  # emulator text
                continue
            out.append({"Name": category.name, "Option": option.name, "TrackingCategoryID": category.id,
                        "TrackingOptionID": option.id})
        return out

    def _find_tracking(self, entry: dict, cat_name, opt_name):
        categories = m.TrackingCategory.select().where(
            (m.TrackingCategory.org == self.org) & (m.TrackingCategory.status == "ACTIVE"))
        category = next((c for c in categories if c.id == str(entry.get("TrackingCategoryID", "")).lower()
                         or (cat_name and c.name.lower() == cat_name.lower())), None)
        if category is None:
            return None, None
        option = next((o for o in category.options if o.status == "ACTIVE" and (
            o.id == str(entry.get("TrackingOptionID", "")).lower()
            or (opt_name and o.name.lower() == opt_name.lower()))), None)
        return category, option

    def _totals(self):
        d = self.draft
        line_sum = sum((li.line_amount for li in d.lines), Decimal(0))
        d.total_tax = sum((li.tax_amount for li in d.lines), Decimal(0))
        if d.line_amount_types == "Inclusive":
            d.sub_total, d.total = line_sum - d.total_tax, line_sum
        else:
            d.sub_total, d.total = line_sum, line_sum + d.total_tax
        for key, computed in (("SubTotal", d.sub_total), ("TotalTax", d.total_tax), ("Total", d.total)):
            supplied = coerce.decimal(self.data.get(key), key)
            if supplied is not None and round2(supplied) != computed:
                self.error(f"The {self.spec.label} total does not equal the sum of the lines.")
        if self.kind == "banktransaction" and d.total < 0:
            self.error("The document total must be greater than or equal to zero")  # emulator text

    def _locks(self):
        d, ex = self.draft, self.existing
        if ex is not None and ex.status in POSTED and (message := lock_error(self.org, ex.date)):
            self.error(message)
        elif d.status in POSTED and d.date and (message := lock_error(self.org, d.date)):
            self.error(message)


def _stored_line(li: m.Line) -> LineDraft:
    return LineDraft(id=li.id, description=li.description, quantity=li.quantity, unit_amount=li.unit_amount,
                     account_code=li.account_code, tax_type=li.tax_type, tax_amount=li.tax_amount,
                     line_amount=li.line_amount, discount_rate=li.discount_rate, tracking=li.tracking)


def _line_as_input(li: m.Line) -> dict:
    """A stored line in request shape, so an update without LineItems keeps the lines."""
    return {"LineItemID": li.id, "Description": li.description, "Quantity": li.quantity,
            "UnitAmount": li.unit_amount, "AccountCode": li.account_code, "TaxType": li.tax_type,
            "TaxAmount": li.tax_amount, "DiscountRate": li.discount_rate,
            "Tracking": [{"TrackingCategoryID": t["TrackingCategoryID"], "TrackingOptionID": t["TrackingOptionID"]}
                         for t in li.tracking]}
