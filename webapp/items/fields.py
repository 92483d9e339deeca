"""The item fields a person edits, each turning what the form sent into a value or a message that says what to fix."""
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Callable

from webapp.inputs import parse_id
from webapp.items import printed_contact
from webapp.items.choices import BANK, PUBLISH_AS, PUBLISH_TO, Choices, active_contact_named, find
from webapp.items.models import TYPES
from webapp.lists import new_contacts
from webapp.lists.models import Category, PaymentMethod, TaxRate, TrackingOption

MONEY = re.compile(r"-?[0-9]{1,13}(\.[0-9]{1,4})?")
MAX_TEXT = {"reference": 255, "description": 4000}


class FieldError(ValueError):
    """What the person typed can't be used; the message says what to enter instead."""


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    parse: Callable  # (raw: str, item) -> value


def money(raw: str, *, places: int = 2, negative: bool = False) -> Decimal | None:
    """An amount typed as people type them: "1,234.50", "£12", " 9.5 "; blank clears it."""
    text = re.sub(r"[\s,£$€¥]", "", raw or "")
    if not text:
        return None
    _digits_0_to_9(text, "amount")
    if not MONEY.fullmatch(text):
        raise FieldError("Enter an amount in numbers, like 1234.50.")
    value = Decimal(text)
    if value < 0 and not negative:
        raise FieldError("Enter the amount without a minus sign (for a refund, set the type to Credit note).")
    if value.as_tuple().exponent < -places:
        raise FieldError(f"Use at most {places} decimal places.")
    return value


def _digits_0_to_9(text: str, what: str) -> None:
    """Refuse digits of other scripts (١٢٣, ²): Python would read some of them, so the number saved could differ
    from the one the person sees, and Xero takes 0-9 only."""
    if any(char.isdigit() and not char.isascii() for char in text):
        raise FieldError(f"Type the {what} with the digits 0–9.")


def quantity(raw: str) -> Decimal:
    _digits_0_to_9(raw or "", "quantity")
    try:
        value = money(raw, places=4)
    except FieldError:
        raise FieldError("Enter a quantity in numbers, like 1 or 2.5.") from None
    if value is None or value <= 0:
        raise FieldError("Enter a quantity greater than 0.")
    return value


def a_date(raw: str) -> date | None:
    if not (raw or "").strip():
        return None
    try:
        value = date.fromisoformat(raw.strip())
    except ValueError:
        raise FieldError("Enter a date like 2026-03-31.") from None
    if not 1900 <= value.year <= 2099:
        raise FieldError("Enter a date between the years 1900 and 2099.")
    return value


def text(name: str):
    def parse(raw: str, item) -> str:
        value = " ".join((raw or "").split()) if name == "reference" else (raw or "").strip()
        if len(value) > MAX_TEXT[name]:
            raise FieldError(f"Keep this under {MAX_TEXT[name]} characters (it has {len(value)}).")
        return value
    return parse


def one_of(options: Callable, message: str):
    """A value from a fixed set (types, destinations); blank clears it."""
    def parse(raw: str, item) -> str:
        value = (raw or "").strip()
        if value and value not in options(item):
            raise FieldError(message)
        return value
    return parse


def entry(model, message: str, extra=None):
    """An id of one of the business's list entries; an archived one is refused (it would be rejected by Xero)."""
    def parse(raw: str, item):
        if not (raw or "").strip():
            return None
        entry_id = parse_id(raw)
        found = find(model, item.business_id, entry_id, extra=extra(item) if extra else None)
        if found is None:
            raise FieldError(message)
        if getattr(found, "is_archived", False):
            raise FieldError(f"“{_name(found)}” is archived in Xero. Choose another.")
        return found
    return parse


def contact(raw: str, item):
    """One of the workspace's suppliers (customers), or a new one that publishing will create in Xero."""
    name = " ".join((raw or "").split())
    if not name:
        return None
    matches = active_contact_named(item.business_id, item.workspace, name)
    who = "supplier" if item.workspace == "costs" else "customer"
    if len(matches) > 1:
        raise FieldError(f"Xero has two {who}s called “{name}”. Rename one in Xero so they can be told apart.")
    if matches:
        return matches[0]
    if len(name) > new_contacts.NAME_LIMIT:
        raise FieldError(f"Xero takes names of up to {new_contacts.NAME_LIMIT} characters (this has {len(name)}).")
    return new_contacts.add(item.business_id, item.workspace, name, **printed_contact.details(item))


def currency(raw: str, item) -> str:
    code = (raw or "").strip().upper()
    if not code:
        raise FieldError("Choose a currency.")
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise FieldError("Enter a three-letter currency code, like GBP.")
    return code


def yes_no(raw: str, item) -> bool:
    if raw not in ("yes", "no", "on", ""):
        raise FieldError("Choose Yes or No.")
    return raw in ("yes", "on")


def _name(entry_) -> str:
    return getattr(entry_, "label", None) or entry_.name


def _tracking_in(position: int):
    def extra(item):
        groups = Choices(item.business_id).tracking
        category_id = groups[position - 1][0].id if len(groups) >= position else -1
        return TrackingOption.category == category_id
    return extra


FIELDS = {field.name: field for field in (
    Field("type", "Type", one_of(lambda item: TYPES, "Choose Receipt, Invoice or Credit note.")),
    Field("date", "Date", lambda raw, item: a_date(raw)),
    Field("due_date", "Due date", lambda raw, item: a_date(raw)),
    Field("contact", "Supplier", contact),
    Field("reference", "Reference", text("reference")),
    Field("currency", "Currency", currency),
    Field("net", "Net", lambda raw, item: money(raw)),
    Field("tax", "Tax", lambda raw, item: money(raw)),
    Field("total", "Total", lambda raw, item: money(raw)),
    Field("category", "Category", entry(Category, "Choose a category from the list.",
                                        extra=lambda item: Category.type != BANK)),
    Field("tax_rate", "Tax rate", entry(TaxRate, "Choose a tax rate from the list.")),
    Field("tracking_option_1", "Tracking 1", entry(TrackingOption, "Choose an option from the list.",
                                                   extra=_tracking_in(1))),
    Field("tracking_option_2", "Tracking 2", entry(TrackingOption, "Choose an option from the list.",
                                                   extra=_tracking_in(2))),
    Field("description", "Description", text("description")),
    Field("payment_method", "Payment method", entry(PaymentMethod, "Choose a payment method from the list.")),
    Field("paid", "Paid", yes_no),
    Field("publish_to", "Publish to", one_of(lambda item: PUBLISH_TO[item.workspace],
                                             "Choose where in Xero this should go.")),
    Field("publish_as", "Publish as", one_of(lambda item: PUBLISH_AS, "Choose how Xero should receive it.")),
)}
