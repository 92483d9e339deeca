"""Peewee models for the emulated Xero organisations: settings lists, documents, payments, attachments."""
import json
import uuid
from datetime import datetime, timezone
from decimal import Decimal

import peewee as pw

from xero_sandbox.db import BaseModel


def utcnow() -> datetime:
    """Naive UTC now; every timestamp in the sandbox DB is naive UTC."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def new_id() -> str:
    return str(uuid.uuid4())


class MoneyField(pw.TextField):
    """Decimal stored as text, so SQLite never turns money into a float."""

    def db_value(self, value):
        return None if value is None else str(Decimal(value))

    def python_value(self, value):
        return None if value is None else Decimal(value)


class JSONField(pw.TextField):
    """Small JSON blobs (phones, addresses, tax components, line tracking)."""

    def db_value(self, value):
        return None if value is None else json.dumps(value)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class Organisation(BaseModel):
    tenant_id = pw.CharField(primary_key=True)
    key = pw.CharField(unique=True)
    name = pw.CharField()
    legal_name = pw.CharField()
    short_code = pw.CharField()
    country = pw.CharField()
    version = pw.CharField()
    base_currency = pw.CharField()
    tax_basis = pw.CharField()
    tax_period = pw.CharField()
    timezone = pw.CharField()
    tax_number = pw.CharField(default="")
    organisation_type = pw.CharField(default="COMPANY")
    fy_end_day = pw.IntegerField(default=31)
    fy_end_month = pw.IntegerField(default=3)
    period_lock_date = pw.DateField(null=True)
    end_of_year_lock_date = pw.DateField(null=True)
    next_invoice_number = pw.IntegerField(default=1)
    next_credit_note_number = pw.IntegerField(default=1)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "acc_organisation"


class Account(BaseModel):
    id = pw.CharField(primary_key=True, default=new_id)
    org = pw.ForeignKeyField(Organisation, backref="accounts", on_delete="CASCADE")
    code = pw.CharField(null=True)
    name = pw.CharField()
    type = pw.CharField()
    klass = pw.CharField()
    status = pw.CharField(default="ACTIVE")
    tax_type = pw.CharField(null=True)
    description = pw.TextField(default="")
    bank_account_type = pw.CharField(default="")
    bank_account_number = pw.CharField(null=True)
    currency_code = pw.CharField(null=True)
    enable_payments = pw.BooleanField(default=False)
    show_in_expense_claims = pw.BooleanField(default=False)
    system_account = pw.CharField(default="")
    reporting_code = pw.CharField(default="")
    updated_at = pw.DateTimeField(default=utcnow, index=True)

    class Meta:
        table_name = "acc_account"
        indexes = ((("org", "code"), False),)

    @classmethod
    def for_org(cls, org):
        return cls.select().where(cls.org == org).order_by(cls.code, cls.name)

    @property
    def is_bank(self) -> bool:
        return self.type == "BANK"


class Contact(BaseModel):
    id = pw.CharField(primary_key=True, default=new_id)
    org = pw.ForeignKeyField(Organisation, backref="contacts", on_delete="CASCADE")
    name = pw.CharField()
    contact_number = pw.CharField(null=True)
    account_number = pw.CharField(null=True)
    status = pw.CharField(default="ACTIVE")
    first_name = pw.CharField(default="")
    last_name = pw.CharField(default="")
    email = pw.CharField(default="")
    tax_number = pw.CharField(default="")
    is_supplier = pw.BooleanField(default=False)
    is_customer = pw.BooleanField(default=False)
    default_currency = pw.CharField(null=True)
    purchases_account_code = pw.CharField(null=True)
    sales_account_code = pw.CharField(null=True)
    phones = JSONField(default=list)
    addresses = JSONField(default=list)
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "acc_contact"
        indexes = ((("org", "updated_at", "id"), False), (("org", "name"), False))

    @classmethod
    def for_org(cls, org):
        return cls.select().where(cls.org == org).order_by(cls.updated_at, cls.id)


class TrackingCategory(BaseModel):
    id = pw.CharField(primary_key=True, default=new_id)
    org = pw.ForeignKeyField(Organisation, backref="tracking_categories", on_delete="CASCADE")
    name = pw.CharField()
    status = pw.CharField(default="ACTIVE")

    class Meta:
        table_name = "acc_tracking_category"


class TrackingOption(BaseModel):
    id = pw.CharField(primary_key=True, default=new_id)
    category = pw.ForeignKeyField(TrackingCategory, backref="options", on_delete="CASCADE")
    name = pw.CharField()
    status = pw.CharField(default="ACTIVE")

    class Meta:
        table_name = "acc_tracking_option"


class TaxRate(BaseModel):
    org = pw.ForeignKeyField(Organisation, backref="tax_rates", on_delete="CASCADE")
    tax_type = pw.CharField()
    name = pw.CharField()
    status = pw.CharField(default="ACTIVE")
    report_tax_type = pw.CharField(null=True)
    components = JSONField(default=list)
    can_assets = pw.BooleanField(default=True)
    can_equity = pw.BooleanField(default=True)
    can_expenses = pw.BooleanField(default=True)
    can_liabilities = pw.BooleanField(default=True)
    can_revenue = pw.BooleanField(default=True)
    reverse_charge = pw.BooleanField(default=False)

    class Meta:
        table_name = "acc_tax_rate"
        indexes = ((("org", "tax_type"), True),)

    @property
    def effective_rate(self) -> Decimal:
        """Percent applied to a tax-exclusive amount; compound components apply on top of the others.

        Reverse-charge rates display their rate but put no tax on the document (the buyer accounts for it)."""
        if self.reverse_charge:
            return Decimal(0)
        simple = sum((Decimal(str(c["Rate"])) for c in self.components if not c.get("IsCompound")), Decimal(0))
        compound = sum((Decimal(str(c["Rate"])) for c in self.components if c.get("IsCompound")), Decimal(0))
        return simple + compound * (1 + simple / 100)

    @property
    def display_rate(self) -> Decimal:
        return sum((Decimal(str(c["Rate"])) for c in self.components), Decimal(0))

    def can_apply_to(self, account_class: str) -> bool:
        return {
            "ASSET": self.can_assets, "EQUITY": self.can_equity, "EXPENSE": self.can_expenses,
            "LIABILITY": self.can_liabilities, "REVENUE": self.can_revenue,
        }.get(account_class, True)


class Currency(BaseModel):
    org = pw.ForeignKeyField(Organisation, backref="currencies", on_delete="CASCADE")
    code = pw.CharField()
    description = pw.CharField()

    class Meta:
        table_name = "acc_currency"
        indexes = ((("org", "code"), True),)


class Document(BaseModel):
    """An invoice, credit note or bank transaction (`kind`), with Xero's `type` inside that kind."""

    id = pw.CharField(primary_key=True, default=new_id)
    org = pw.ForeignKeyField(Organisation, backref="documents", on_delete="CASCADE")
    kind = pw.CharField()
    type = pw.CharField()
    contact = pw.ForeignKeyField(Contact, null=True, on_delete="SET NULL")
    number = pw.CharField(null=True)
    reference = pw.CharField(null=True)
    date = pw.DateField()
    due_date = pw.DateField(null=True)
    status = pw.CharField()
    line_amount_types = pw.CharField()
    currency_code = pw.CharField()
    currency_rate = MoneyField(default=Decimal(1))
    url = pw.CharField(null=True)
    sub_total = MoneyField(default=Decimal(0))
    total_tax = MoneyField(default=Decimal(0))
    total = MoneyField(default=Decimal(0))
    amount_paid = MoneyField(default=Decimal(0))
    bank_account = pw.ForeignKeyField(Account, null=True, on_delete="SET NULL")
    is_reconciled = pw.BooleanField(default=False)
    sent_to_contact = pw.BooleanField(default=False)
    fully_paid_on = pw.DateField(null=True)
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "acc_document"
        indexes = ((("org", "kind", "updated_at", "id"), False),)

    @classmethod
    def of_kind(cls, org, kind):
        return cls.select().where((cls.org == org) & (cls.kind == kind)).order_by(cls.updated_at, cls.id)

    @property
    def amount_due(self) -> Decimal:
        """Outstanding amount; nothing is due on a voided or deleted document."""
        if self.status in ("VOIDED", "DELETED"):
            return Decimal(0)
        return self.total - self.amount_paid


class Line(BaseModel):
    id = pw.CharField(primary_key=True, default=new_id)
    document = pw.ForeignKeyField(Document, backref="lines", on_delete="CASCADE")
    position = pw.IntegerField()
    description = pw.TextField(default="")
    quantity = MoneyField(null=True)
    unit_amount = MoneyField(null=True)
    account_code = pw.CharField(null=True)
    tax_type = pw.CharField(null=True)
    tax_amount = MoneyField(default=Decimal(0))
    line_amount = MoneyField(default=Decimal(0))
    discount_rate = MoneyField(null=True)
    tracking = JSONField(default=list)

    class Meta:
        table_name = "acc_line"


class Payment(BaseModel):
    id = pw.CharField(primary_key=True, default=new_id)
    org = pw.ForeignKeyField(Organisation, backref="payments", on_delete="CASCADE")
    document = pw.ForeignKeyField(Document, backref="payments", on_delete="CASCADE")
    account = pw.ForeignKeyField(Account, on_delete="CASCADE")
    date = pw.DateField()
    amount = MoneyField()
    currency_rate = MoneyField(default=Decimal(1))
    reference = pw.CharField(default="")
    status = pw.CharField(default="AUTHORISED")
    payment_type = pw.CharField()
    is_reconciled = pw.BooleanField(default=False)
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "acc_payment"


class Attachment(BaseModel):
    id = pw.CharField(primary_key=True, default=new_id)
    org = pw.ForeignKeyField(Organisation, on_delete="CASCADE")
    endpoint = pw.CharField()
    owner_id = pw.CharField(index=True)
    file_name = pw.CharField()
    mime_type = pw.CharField()
    content = pw.BlobField()
    include_online = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "acc_attachment"


class IdempotencyRecord(BaseModel):
    """First response to an `Idempotency-Key`, replayed for 6 minutes."""

    scope = pw.CharField()
    key = pw.CharField(max_length=128)
    fingerprint = pw.CharField()
    status_code = pw.IntegerField()
    body = pw.TextField()
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "acc_idempotency"
        indexes = ((("scope", "key"), True),)


MODELS = [
    Organisation, Account, Contact, TrackingCategory, TrackingOption, TaxRate, Currency,
    Document, Line, Payment, Attachment, IdempotencyRecord,
]
