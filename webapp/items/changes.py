"""The one way item fields change: save the new values and record, per field, who or what changed it."""
from datetime import date
from decimal import Decimal

import peewee

from webapp.accounts.models import utcnow
from webapp.items.choices import PUBLISH_AS, PUBLISH_TO
from webapp.items.models import STATUSES, TYPES, Item, ItemHistory

EDIT = "edit"
BULK_EDIT = "bulk edit"
PERSON_SOURCES = (EDIT, BULK_EDIT)  # a person's own choice of a value (supplier memory learns from these)


def shown(item: Item, name: str, value) -> str:
    """A field's value as the History tab shows it."""
    if value is None or value == "":
        return ""
    if isinstance(value, peewee.Model):
        return getattr(value, "label", None) or getattr(value, "name", None) or f"item {value.id}"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    labels = {"type": TYPES, "status": STATUSES, "publish_as": PUBLISH_AS,
              "publish_to": PUBLISH_TO.get(item.workspace, {})}
    return labels.get(name, {}).get(value, str(value))


def current(item: Item, name: str):
    """The field's present value: the related entry for a link (loaded if the item was read without it)."""
    field = Item._meta.fields[name]
    if isinstance(field, peewee.ForeignKeyField):
        return getattr(item, name) if item.__data__.get(name) is not None else None
    return getattr(item, name)


class Changeset:
    """Changes to one item gathered from several steps (the edit, then what follows from it), saved together:
    one UPDATE of the fields that changed and one INSERT of their history rows."""

    def __init__(self, item: Item, *, user_id: int | None):
        self.item, self.user_id = item, user_id
        self.fields: list[str] = []
        self.rows: list[dict] = []

    def set(self, values: dict, *, source: str = EDIT) -> list[str]:
        """Set `values` (links as model instances or None) on the item; returns the names that really changed."""
        changed = []
        for name, value in values.items():
            old = current(self.item, name)
            if _same(old, value):
                continue
            setattr(self.item, name, value)
            changed.append(name)
            self.rows.append({"item": self.item.id, "user": self.user_id, "field": name,
                              "old": shown(self.item, name, old), "new": shown(self.item, name, value),
                              "source": source})
        self.fields += [name for name in changed if name not in self.fields]
        return changed

    def set_unrecorded(self, name: str, value) -> None:
        """Set a field whose change the caller records in its own words (a tax component is noted by its name)."""
        setattr(self.item, name, value)
        if name not in self.fields:
            self.fields.append(name)

    def note(self, field: str, new: str, *, source: str = EDIT, old: str = "") -> None:
        """History for something that is not one of the item's own fields (a line item, a split)."""
        self.rows.append({"item": self.item.id, "user": self.user_id, "field": field, "old": old, "new": new,
                          "source": source})

    def save(self) -> None:
        if self.fields:
            self.item.updated_at = utcnow()
            self.item.save(only=[Item._meta.fields[name] for name in self.fields] + [Item.updated_at])
        if self.rows:
            ItemHistory.insert_many(self.rows).execute()
        self.fields, self.rows = [], []


def change(item: Item, values: dict, *, user_id: int | None, source: str = EDIT) -> list[str]:
    """Set `values`, save, and write one history row per field that changed; returns the changed names."""
    changeset = Changeset(item, user_id=user_id)
    changed = changeset.set(values, source=source)
    changeset.save()
    return changed


def note(item: Item, field: str, new: str, *, user_id: int | None, source: str, old: str = "") -> None:
    """History for something that is not one of the item's own fields (a line item, a split, a rule applied)."""
    ItemHistory.create(item=item.id, user=user_id, field=field, old=old, new=new, source=source)


def _same(old, new) -> bool:
    if isinstance(old, peewee.Model) or isinstance(new, peewee.Model):
        return getattr(old, "id", None) == getattr(new, "id", None)
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return old is not None and new is not None and Decimal(old) == Decimal(new)
    return old == new
