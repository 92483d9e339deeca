"""Bulk edit from the Inbox: set category, tax rate, tracking or "Publish as" on many items at once."""
from dataclasses import dataclass, field

from webapp.db import database
from webapp.inputs import parse_id
from webapp.items import changes, editing
from webapp.items.fields import FIELDS, FieldError
from webapp.items.models import Item

BULK_FIELDS = ("category", "tax_rate", "tracking_option_1", "tracking_option_2", "publish_as")
MAX_ITEMS = 500


@dataclass
class BulkEdit:
    updated: int = 0
    skipped: int = 0
    errors: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        if self.errors:
            return " ".join(self.errors.values())
        text = f"Items updated: {self.updated}."
        if self.skipped:
            text += f" Left as they were (publishing, published or archived): {self.skipped}."
        return text


def selected(business_id: int, workspace: str, ids) -> list[Item]:
    """The chosen items of this business and workspace (ids of any other are ignored)."""
    numbers = [number for number in map(parse_id, ids) if number][:MAX_ITEMS]
    if not numbers:
        return []
    return list(Item.in_workspace(business_id, workspace).where(Item.id.in_(numbers)).order_by(Item.id))


def apply(items: list[Item], form, *, user_id: int) -> BulkEdit:
    """Parse every value first (nothing is saved if one is unusable), then change each editable item."""
    outcome = BulkEdit()
    if not items:
        outcome.errors["items"] = "Select at least one item."
        return outcome
    values = {}
    for name in BULK_FIELDS:
        raw = form.get(name, "")
        if raw:
            try:
                values[name] = FIELDS[name].parse(raw, items[0])
            except FieldError as problem:
                outcome.errors[name] = f"{FIELDS[name].label}: {problem}"
    if not values and not outcome.errors:
        outcome.errors["values"] = "Choose at least one thing to change."
    if outcome.errors:
        return outcome
    with database.atomic():
        for item in items:
            if item.status not in editing.EDITABLE_STATUSES:
                outcome.skipped += 1
                continue
            changed = changes.change(item, values, user_id=user_id, source=changes.BULK_EDIT)
            if changed:
                editing.after_change(item, changed, user_id=user_id)
            outcome.updated += 1
    return outcome
