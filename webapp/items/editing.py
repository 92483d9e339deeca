"""Editing an item: one field at a time from the Item details page, then what follows from the change
(the supplier's rule and memory, amounts that depend on it, the duplicate check, Ready or not)."""
from dataclasses import dataclass, field

from webapp.db import database
from webapp.items import amounts, changes, duplicates, queries, tax_components
from webapp.items.changes import Changeset
from webapp.items.choices import Choices
from webapp.items.fields import FIELDS, FieldError, money
from webapp.items.models import Item, ItemReading
from webapp.items.review import Review
from webapp.rules import aliases, apply as rules

EDITABLE_STATUSES = ("inbox", "ready", "failed")
CONFIRMED = "confirmed"  # the History source of a person's "Confirm" of a value read from the document


class NotEditable(Exception):
    """The item is publishing or published (or archived): Xero's copy is the one that counts now."""


@dataclass
class Edit:
    """The outcome of one inline edit: fields that changed (the edited one and any it set), or the message."""

    field: str
    raw: str
    changed: list[str] = field(default_factory=list)
    error: str = ""
    component: str = ""  # the tax component edited (field "tax"), e.g. "PST"


def edit_field(item: Item, name: str, raw: str, *, user_id: int, review: Review | None = None) -> Edit:
    """Parse and save one field and what follows from it; nothing is saved when the value can't be used."""
    if item.status not in EDITABLE_STATUSES:
        raise NotEditable
    result = Edit(name, raw)
    review = review or Review(item)
    try:
        value = FIELDS[name].parse(raw, item)
        if name == "tax" and (found := _components(item, review.choices)):
            raise FieldError(f"The tax is {tax_components.names(found)} added up: change those amounts instead.")
    except FieldError as problem:
        result.error = str(problem)
        return result
    with database.atomic():
        changeset = Changeset(item, user_id=user_id)
        result.changed = changeset.set({name: value})
        checked = _clear_check(item, changeset, name)  # a person's value needs no checking
        if result.changed or checked:
            result.changed += _follow(item, changeset, result.changed + checked, review)
        changeset.save()
        if name == "contact" and result.changed:
            _remember_printed_name(item)
    return result


def confirm(item: Item, name: str, *, user_id: int, review: Review | None = None) -> Edit:
    """A person says a field the reading wasn't sure of is right: its Check mark goes and the item may be Ready.
    History records the confirmation, so reading the document again keeps the value."""
    if item.status not in EDITABLE_STATUSES:
        raise NotEditable
    result = Edit(name, "")
    if name not in item.to_check_fields:
        return result
    with database.atomic():
        changeset = Changeset(item, user_id=user_id)
        checked = _clear_check(item, changeset, name)
        changeset.note(name, changes.shown(item, name, changes.current(item, name)) or "(empty)", source=CONFIRMED)
        result.changed = checked + _follow(item, changeset, checked, review or Review(item))
        changeset.save()
        if name == "contact":
            _remember_printed_name(item)
    return result


def _remember_printed_name(item: Item) -> None:
    """A person chose (or confirmed) the contact of a document that was read: its next document printing the same
    name gets this contact."""
    read = ItemReading.get_or_none(ItemReading.item == item.id)
    if item.contact_id and read is not None and read.printed_name:
        aliases.remember_printed_name(item.business_id, read.printed_name, item.contact_id)


def _clear_check(item: Item, changeset: Changeset, name: str) -> list[str]:
    if name not in item.to_check_fields:
        return []
    changeset.set_unrecorded("to_check", " ".join(field for field in item.to_check_fields if field != name))
    return ["to_check"]


def edit_component(item: Item, name: str, raw: str, *, user_id: int, review: Review | None = None) -> Edit:
    """Type one tax component's amount (PST as the document prints it); blank goes back to the calculated one.

    The tax becomes the components' sum and the net stays, so the totals check says whether they agree."""
    if item.status not in EDITABLE_STATUSES:
        raise NotEditable
    result = Edit("tax", raw, component=name)
    review = review or Review(item)
    found = _components(item, review.choices)
    try:
        if name not in [part["name"] for part in found]:
            raise FieldError(f"The tax rate has no {name} any more: reload the page to see its taxes.")
        amount = money(raw)
    except FieldError as problem:
        result.error = str(problem)
        return result
    typed = tax_components.typed(item.tax_components)
    old = tax_components.shown(found, item.net, typed, name)
    typed.pop(name, None)
    if amount is not None:
        typed[name] = amount
    if tax_components.stored(typed) == item.tax_components:
        return result
    new = tax_components.shown(found, item.net, typed, name)
    with database.atomic():
        changeset = Changeset(item, user_id=user_id)
        changeset.set_unrecorded("tax_components", tax_components.stored(typed))
        changeset.note(name, new, old=old)
        result.changed = ["tax_components"] + _follow(item, changeset, ["tax_components"], review)
        changeset.save()
    return result


def after_change(item: Item, changed: list[str], *, user_id: int | None, review: Review | None = None,
                 changeset: Changeset | None = None) -> list[str]:
    """What follows from `changed` (saved already): rules, derived amounts, paid/publish-as, duplicates, status.

    Returns the further fields this set, saved with `changeset` (one UPDATE and one INSERT of history) when one
    is given. Everything that changes items (edits, rules, line items) calls it."""
    changeset = changeset or Changeset(item, user_id=user_id)
    more = _follow(item, changeset, changed, review or Review(item))
    changeset.save()
    return more


def settle(item: Item, *, user_id: int | None, review: Review | None = None) -> bool:
    """Ready when nothing would stop publishing, back in the Inbox when something would; True if it moved."""
    return bool(changes.change(item, _status(item, review or Review(item)), user_id=user_id, source="checks"))


def recheck(business_id: int) -> int:
    """Run the checks again on every Inbox and Ready item after the business's lists changed (a refresh can lift
    a lock date or bring back an archived category, or archive one in use); returns how many items moved."""
    moved = 0
    for workspace in ("costs", "sales"):
        choices = Choices(business_id, workspace)
        items = queries.open_items(business_id, workspace)
        lines = queries.lines_of([item.id for item in items])
        for item in items:
            moved += settle(item, user_id=None, review=Review(item, choices, lines.get(item.id, [])))
    return moved


def _follow(item: Item, changeset: Changeset, changed: list[str], review: Review) -> list[str]:
    more = []
    if "contact" in changed and item.contact_id:
        more += rules.apply_contact_defaults(item, changeset)
    if "payment_method" in changed + more and item.payment_method_id:
        more += rules.apply_payment_method_rule(item, user_id=changeset.user_id)
    if "tax_rate" in changed + more and item.tax_components:
        _keep_typed_components(item, changeset, _components(item, review.choices))
    more += changeset.set(_amounts(item, changed + more, review.choices), source="calculated")
    more += changeset.set(_paid(item, changed + more), source="calculated")
    more += changeset.set(duplicates.review(item, changed + more), source="duplicate check")
    more += changeset.set(_status(item, review), source="checks")
    return list(dict.fromkeys(name for name in more if name not in changed))


def _status(item: Item, review: Review) -> dict:
    """Inbox or Ready by the checks. A failed item moves too once someone changes it: the change is their answer
    to the failure, and the checks say whether it is enough."""
    if item.status not in EDITABLE_STATUSES:
        return {}
    return {"status": "inbox" if review.checks() else "ready"}


def _amounts(item: Item, changed: list[str], choices: Choices) -> dict:
    """Keep net + tax = total: a tax rate splits the total; a typed tax or net sets the other part."""
    if found := _components(item, choices):
        return _component_amounts(item, changed, found)
    if item.total is None:
        return {}
    if ("total" in changed or "tax_rate" in changed) and item.tax_rate_id:
        tax = amounts.tax_in_total(item.total, item.tax_rate)
        return {"tax": tax, "net": item.total - tax}
    if "net" in changed and item.net is not None:
        return {"tax": item.total - item.net}
    if ("tax" in changed or "total" in changed) and item.tax is not None:
        return {"net": item.total - item.tax}
    return {}


def _component_amounts(item: Item, changed: list[str], found: list[dict]) -> dict:
    """A rate of several components (GST + PST): the tax is their sum. A total or a new rate splits the total so
    that the rounded components add up; a net or a typed component sets the tax, and the totals check compares."""
    typed = tax_components.typed(item.tax_components)
    if ("total" in changed or "tax_rate" in changed) and item.total is not None:
        net, components = tax_components.split_total(item.total, found, typed)
        return {"net": net, "tax": tax_components.total_of(components)}
    if {"net", "tax_rate", "tax_components"} & set(changed):
        tax = tax_components.total_of(tax_components.of(found, item.net, typed))
        return {} if tax is None else {"tax": tax}
    return {}


def _components(item: Item, choices: Choices) -> list[dict]:
    return tax_components.parts(item.tax_rate if item.tax_rate_id else None, choices)


def _keep_typed_components(item: Item, changeset: Changeset, found: list[dict]) -> None:
    """A new tax rate keeps the typed amounts of the components it has too, and forgets the others."""
    typed = tax_components.typed(item.tax_components)
    kept = tax_components.kept(typed, found)
    for name in typed.keys() - kept.keys():
        changeset.note(name, "", old=f"{typed[name]:.2f}", source="calculated")
    changeset.set_unrecorded("tax_components", tax_components.stored(kept))


def _paid(item: Item, changed: list[str]) -> dict:
    """"Paid" and "Publish as: Paid" are one fact; money spent from the bank is paid by nature."""
    if "publish_to" in changed and item.publish_to == "bank":
        return {"paid": True, "publish_as": ""}
    if "paid" in changed and item.publish_to != "bank":
        if item.paid:
            return {"publish_as": "paid"}
        return {"publish_as": "awaiting_payment"} if item.publish_as == "paid" else {}
    if "publish_as" in changed and item.publish_as:
        return {"paid": item.publish_as == "paid"}
    if "publish_to" in changed and not item.publish_as:
        return {"publish_as": "paid" if item.paid else "draft"}
    return {}


def archive(item: Item, *, user_id: int) -> bool:
    """Set an item aside (it stays, and can be restored); published items stay as they are."""
    if item.status not in EDITABLE_STATUSES:
        return False
    changes.change(item, {"status": "archived"}, user_id=user_id)
    return True


def restore(item: Item, *, user_id: int) -> bool:
    if item.status != "archived":
        return False
    with database.atomic():
        changes.change(item, {"status": "inbox"}, user_id=user_id)
        after_change(item, ["status"], user_id=user_id)
    return True
