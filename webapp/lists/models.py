"""A business's lists mirrored from Xero, keyed by Xero's ids and never deleted (archived instead)."""
import peewee

from webapp.accounts.models import Business, utcnow
from webapp.db import BaseModel, MoneyField

ACTIVE, ARCHIVED = "ACTIVE", "ARCHIVED"
NEW_IN_DOCKET = "new:"  # xero_id prefix of a contact typed in Docket that publishing has yet to create in Xero


class XeroListEntry(BaseModel):
    """Columns every mirrored entry has. `removed_at`: Xero no longer returns it (shown as archived)."""

    business = peewee.ForeignKeyField(Business, on_delete="CASCADE")
    xero_id = peewee.CharField(max_length=64)
    status = peewee.CharField(max_length=20, default=ACTIVE)
    removed_at = peewee.DateTimeField(null=True)
    synced_at = peewee.DateTimeField(default=utcnow)

    @property
    def is_archived(self) -> bool:
        return self.status != ACTIVE or self.removed_at is not None

    @classmethod
    def of(cls, business_id: int):
        return cls.select().where(cls.business == business_id)


class Organisation(BaseModel):
    """The facts about the connected Xero organisation that publishing needs."""

    business = peewee.ForeignKeyField(Business, unique=True, on_delete="CASCADE")
    tenant_id = peewee.CharField(max_length=64)
    name = peewee.CharField(max_length=255)
    base_currency = peewee.CharField(max_length=3)
    country_code = peewee.CharField(max_length=2, default="")
    tax_basis = peewee.CharField(max_length=20, default="")
    tax_number = peewee.CharField(max_length=50, default="")
    period_lock_date = peewee.DateField(null=True)
    end_of_year_lock_date = peewee.DateField(null=True)
    financial_year_end_day = peewee.IntegerField(null=True)
    financial_year_end_month = peewee.IntegerField(null=True)
    multi_currency = peewee.BooleanField(default=False)
    synced_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "xero_organisation"


class Category(XeroListEntry):
    """An account in Xero's chart of accounts (bank accounts included, Type BANK)."""

    code = peewee.CharField(max_length=20, default="")
    name = peewee.CharField(max_length=150)
    type = peewee.CharField(max_length=40)
    account_class = peewee.CharField(max_length=20, default="")
    tax_type = peewee.CharField(max_length=60, default="")
    description = peewee.TextField(default="")
    currency_code = peewee.CharField(max_length=3, default="")
    bank_account_number = peewee.CharField(max_length=60, default="")

    class Meta:
        table_name = "category"
        indexes = ((("business", "xero_id"), True), (("business", "code"), False))

    @property
    def label(self) -> str:
        return f"{self.code} – {self.name}" if self.code else self.name


class Contact(XeroListEntry):
    name = peewee.CharField(max_length=255)
    email = peewee.CharField(max_length=255, default="")
    is_supplier = peewee.BooleanField(default=False)
    is_customer = peewee.BooleanField(default=False)
    default_currency = peewee.CharField(max_length=3, default="")
    tax_number = peewee.CharField(max_length=50, default="")
    purchases_account_code = peewee.CharField(max_length=20, default="")
    sales_account_code = peewee.CharField(max_length=20, default="")

    class Meta:
        table_name = "contact"
        indexes = ((("business", "xero_id"), True), (("business", "name"), False))

    @property
    def in_xero(self) -> bool:
        return not self.xero_id.startswith(NEW_IN_DOCKET)

    @classmethod
    def from_xero(cls):
        """The condition for contacts Xero has (not those waiting to be created there)."""
        return ~cls.xero_id.startswith(NEW_IN_DOCKET)


class TrackingCategory(XeroListEntry):
    name = peewee.CharField(max_length=100)

    class Meta:
        table_name = "tracking_category"
        indexes = ((("business", "xero_id"), True),)


class TrackingOption(XeroListEntry):
    category = peewee.ForeignKeyField(TrackingCategory, backref="options", on_delete="CASCADE")
    name = peewee.CharField(max_length=100)

    class Meta:
        table_name = "tracking_option"
        indexes = ((("business", "xero_id"), True),)


class TaxRate(XeroListEntry):
    """`xero_id` is Xero's TaxType code (TaxRates have no other id)."""

    name = peewee.CharField(max_length=150)
    effective_rate = MoneyField()
    display_rate = MoneyField(null=True)
    report_tax_type = peewee.CharField(max_length=60, default="")
    can_apply_to = peewee.CharField(max_length=80, default="")  # e.g. "EXPENSES REVENUE"
    components = peewee.TextField(default="[]")  # JSON: [{name, rate, is_compound, is_non_recoverable}]

    class Meta:
        table_name = "tax_rate"
        indexes = ((("business", "xero_id"), True),)


class Currency(XeroListEntry):
    """`xero_id` is the ISO code."""

    description = peewee.CharField(max_length=100, default="")

    class Meta:
        table_name = "currency"
        indexes = ((("business", "xero_id"), True),)


class SyncCursor(BaseModel):
    """Where the last refresh of one list got to, for If-Modified-Since."""

    business = peewee.ForeignKeyField(Business, on_delete="CASCADE")
    list_name = peewee.CharField(max_length=40)
    modified_since = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "sync_cursor"
        indexes = ((("business", "list_name"), True),)


class PaymentMethod(BaseModel):
    """How a cost was paid (Docket's own list), optionally linked to a Xero bank account."""

    business = peewee.ForeignKeyField(Business, on_delete="CASCADE")
    name = peewee.CharField(max_length=100)
    bank_account = peewee.ForeignKeyField(Category, null=True, on_delete="SET NULL")
    default_publish_to = peewee.CharField(max_length=20, default="")
    auto_publish = peewee.CharField(max_length=10, default="never")  # always | never | defer

    class Meta:
        table_name = "payment_method"
        indexes = ((("business", "name"), True),)
