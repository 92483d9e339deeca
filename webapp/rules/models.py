"""Supplier and customer rules: the defaults Docket fills into a contact's items."""
import peewee

from webapp.accounts.models import Business, User, utcnow
from webapp.db import BaseModel
from webapp.lists.models import Category, Contact, PaymentMethod, TaxRate, TrackingOption


class ContactRule(BaseModel):
    """One rule per contact. Empty fields leave the item alone; `paid` None means "as the item says"."""

    business = peewee.ForeignKeyField(Business, on_delete="CASCADE")
    contact = peewee.ForeignKeyField(Contact, unique=True, backref="rules", on_delete="CASCADE")
    category = peewee.ForeignKeyField(Category, null=True, on_delete="SET NULL", backref="+")
    tax_rate = peewee.ForeignKeyField(TaxRate, null=True, on_delete="SET NULL", backref="+")
    tracking_option_1 = peewee.ForeignKeyField(TrackingOption, null=True, on_delete="SET NULL", backref="+")
    tracking_option_2 = peewee.ForeignKeyField(TrackingOption, null=True, on_delete="SET NULL", backref="+")
    payment_method = peewee.ForeignKeyField(PaymentMethod, null=True, on_delete="SET NULL", backref="+")
    paid = peewee.BooleanField(null=True)
    publish_to = peewee.CharField(max_length=20, default="")
    publish_as = peewee.CharField(max_length=30, default="")
    currency = peewee.CharField(max_length=3, default="")
    description = peewee.TextField(default="")
    due_days = peewee.IntegerField(null=True)  # due date = item date + this many days
    auto_publish = peewee.BooleanField(default=False)
    updated_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "contact_rule"
        indexes = ((("business",), False),)


class ContactAlias(BaseModel):
    """A supplier's (or customer's) name as its documents print it, remembered from a person's choice of contact.

    `key` is the printed name normalised (rules.aliases.normalise), unique per business; `printed` is how it was
    last seen, for people to read."""

    business = peewee.ForeignKeyField(Business, on_delete="CASCADE")
    key = peewee.CharField(max_length=255)
    printed = peewee.CharField(max_length=255)
    contact = peewee.ForeignKeyField(Contact, backref="aliases", on_delete="CASCADE")
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "contact_alias"
        indexes = ((("business", "key"), True),)
