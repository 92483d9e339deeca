"""What an item's fields may be set to in one business: Xero's lists, loaded once per request and only if used.

Archived entries are left out of the choices, but a value an item already has is always shown (as archived)."""
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from peewee import fn

from webapp.lists.models import (ACTIVE, Category, Contact, Currency, Organisation, PaymentMethod, TaxRate,
                                 TrackingCategory, TrackingOption)
from webapp.publishing.models import PublishingSettings

BANK = "BANK"
PUBLISH_TO = {"costs": {"purchases": "Purchases (bill)", "bank": "Bank (spend money)"},
              "sales": {"sales": "Sales (invoice)", "bank": "Bank (receive money)"}}
PUBLISH_AS = {"draft": "Draft", "awaiting_approval": "Awaiting approval", "awaiting_payment": "Awaiting payment",
              "paid": "Paid"}


def live(model):
    return (model.status == ACTIVE) & model.removed_at.is_null()


@dataclass
class Choices:
    """The business's lists as field choices. Each property runs its one query on first use."""

    business_id: int
    workspace: str = "costs"

    @classmethod
    def for_item(cls, item) -> "Choices":
        """The item's business's choices, reusing the organisation when the item was read with it joined in."""
        choices = cls(item.business_id, item.workspace)
        if "organisation" in item.__dict__:  # set by queries.item's join (an empty row when not connected)
            organisation = item.__dict__["organisation"]
            choices.__dict__["organisation"] = organisation if organisation and organisation.id else None
        if "currency_codes" in item.__dict__:  # likewise
            codes = item.__dict__["currency_codes"]
            choices.__dict__["currencies"] = sorted(codes.split(",")) if codes else []
        if "publishing_settings" in item.__dict__:  # likewise (None when no lock date was ever set)
            settings = item.__dict__["publishing_settings"]
            choices.__dict__["docket_lock_date"] = settings.docket_lock_date if settings else None
        return choices

    @cached_property
    def categories(self) -> list[Category]:
        return list(Category.select().where((Category.business == self.business_id) & (Category.type != BANK)
                                            & live(Category)).order_by(Category.code, Category.name))

    @cached_property
    def tax_rates(self) -> list[TaxRate]:
        return list(TaxRate.select().where((TaxRate.business == self.business_id) & live(TaxRate))
                    .order_by(TaxRate.name))

    @cached_property
    def tracking(self) -> list[tuple[TrackingCategory, list[TrackingOption]]]:
        """The active tracking categories (Xero allows two), each with its active options, in one query."""
        rows = (TrackingOption.select(TrackingOption, TrackingCategory).join(TrackingCategory)
                .where((TrackingOption.business == self.business_id) & live(TrackingOption) & live(TrackingCategory))
                .order_by(TrackingCategory.name, TrackingCategory.id, TrackingOption.name))
        groups: dict[int, tuple] = {}
        for option in rows:
            groups.setdefault(option.category.id, (option.category, []))[1].append(option)
        return list(groups.values())[:2]

    @cached_property
    def payment_methods(self) -> list[PaymentMethod]:
        return list(PaymentMethod.select().where(PaymentMethod.business == self.business_id)
                    .order_by(PaymentMethod.name))

    @cached_property
    def currencies(self) -> list[str]:
        return [currency.xero_id for currency in Currency.select(Currency.xero_id)
                .where((Currency.business == self.business_id) & live(Currency)).order_by(Currency.xero_id)]

    @cached_property
    def organisation(self) -> Organisation | None:
        return Organisation.get_or_none(Organisation.business == self.business_id)

    @cached_property
    def docket_lock_date(self) -> date | None:
        """The business's own lock date (Publishing settings): nothing is published on or before it."""
        return PublishingSettings.of(self.business_id).docket_lock_date

    def publish_to(self) -> dict[str, str]:
        return PUBLISH_TO[self.workspace]


def find(model, business_id: int, entry_id, *, extra=None):
    """The business's entry with this id, or None (an id of another business is treated as unknown)."""
    if entry_id is None:
        return None
    where = (model.business == business_id) & (model.id == entry_id)
    return model.select().where(where if extra is None else where & extra).first()


def active_contact_named(business_id: int, workspace: str, name: str) -> list[Contact]:
    """The workspace's live contacts with exactly this name (any letter case); two means the name is ambiguous."""
    return list(Contact.select().where((Contact.business == business_id) & live(Contact) & contact_role(workspace)
                                       & (fn.LOWER(Contact.name) == name.lower())).limit(2))


def contact_suggestions(business_id: int, workspace: str, text: str, limit: int = 20) -> list[Contact]:
    query = (Contact.select(Contact.id, Contact.name)
             .where((Contact.business == business_id) & live(Contact) & contact_role(workspace)))
    if text:
        query = query.where(Contact.name.contains(text))
    return list(query.order_by(Contact.name).limit(limit))


def contact_role(workspace: str):
    """Suppliers for costs, customers for sales; a contact that is neither yet counts as both."""
    if workspace == "costs":
        return Contact.is_supplier | ~Contact.is_customer
    return Contact.is_customer | ~Contact.is_supplier
