"""Possible duplicate costs: the same supplier and total on the same date, or with the same reference.

A possible duplicate is flagged for a person to look at ("Needs attention"), never removed."""
from webapp.items import changes
from webapp.items.models import Item

MATCHED_ON = ("contact", "date", "total", "reference", "status")


def find(item: Item) -> Item | None:
    """The oldest other live cost item that looks like the same document, if any."""
    if item.workspace != "costs" or not item.contact_id or item.total is None:
        return None
    same_day_or_reference = Item.date == item.date if item.date else None
    if item.reference:
        by_reference = Item.reference == item.reference
        same_day_or_reference = by_reference if same_day_or_reference is None else same_day_or_reference | by_reference
    if same_day_or_reference is None:
        return None
    return (Item.select(Item.id, Item.date)
            .where((Item.business == item.business_id) & (Item.workspace == "costs") & (Item.id != item.id)
                   & (Item.status != "archived") & (Item.contact == item.contact_id) & (Item.total == item.total)
                   & same_day_or_reference)
            .order_by(Item.id).first())


def review(item: Item, changed: list[str]) -> dict:
    """The flag to set or clear after a change to a field duplicates are matched on ({} when nothing to do)."""
    if item.not_duplicate or not set(changed) & set(MATCHED_ON):
        return {}
    original = find(item) if item.status != "archived" else None
    if original:
        reason = f"Possible duplicate of item {original.id} (same supplier and total, " \
                 f"{'same date' if item.date and original.date == item.date else 'same reference'})."
        return {"needs_attention": True, "duplicate_of": original, "attention_reason": reason}
    if item.duplicate_of_id:
        return {"needs_attention": False, "duplicate_of": None, "attention_reason": ""}
    return {}


def not_a_duplicate(item: Item, *, user_id: int) -> list[str]:
    """A person looked and says it isn't a duplicate: clear the flag and don't raise it again for this item."""
    return changes.change(item, {"not_duplicate": True, "needs_attention": False, "duplicate_of": None,
                                 "attention_reason": ""}, user_id=user_id)
