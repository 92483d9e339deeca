"""Supplier memory: the coding a person gave a supplier's (or customer's) recent documents, proposed on its next one.

For each of FIELDS, Docket looks at the contact's most recent items (the CANDIDATES newest of this business and
workspace, by arrival, leaving out the item being filled and archived ones) and keeps those whose value for the
field a person gave: the item was sent to Xero (publishing or published), or the field's latest change on it was
a person's own edit (changes.PERSON_SOURCES). The newest LAST of those are the field's evidence. When they all hold
the same value, and it is still usable (not archived in Xero, a "Publish to" of the item's workspace), that value
is remembered "from this supplier's last N documents", N being how many agreed (1 to LAST).

A remembered value is set on an open item (inbox, ready, failed) only where the contact's rule sets nothing (rules
win) and the item's own field is still open: empty and never changed ("Publish to": never changed, so it holds the
business's default), or last set by memory (a new contact's memory replaces the old one's). A field a person, a
rule, the payment method or the reading of the document set is kept. Two queries per item, however many fields."""
from dataclasses import dataclass

from peewee import JOIN

from webapp.items import changes
from webapp.items.changes import Changeset
from webapp.items.choices import PUBLISH_TO
from webapp.items.models import Item, ItemHistory
from webapp.items.queries import with_coding
from webapp.lists.models import PaymentMethod

FIELDS = ("category", "tax_rate", "tracking_option_1", "tracking_option_2", "payment_method", "publish_to")
LAST = 3
CANDIDATES = 20  # how far back to look for LAST documents a person coded
SENT = ("publishing", "published")
EVIDENCE = ("inbox", "ready", "failed", *SENT)  # not archived (set aside) or still processing
OPEN = ("inbox", "ready", "failed")
ROLE = {"costs": "supplier", "sales": "customer"}


@dataclass(frozen=True)
class Remembered:
    """A field's remembered value (a list entry, or a "Publish to" word) and how many documents agreed on it."""

    value: object
    count: int

    def source(self, workspace: str) -> str:
        """The History tab's words for it: "from this supplier's last 3 documents" (37 characters at most)."""
        documents = "document" if self.count == 1 else f"{self.count} documents"
        return f"from this {ROLE[workspace]}'s last {documents}"


def is_memory(source: str) -> bool:
    return source.startswith(tuple(f"from this {role}'s last " for role in ROLE.values()))


def propose(item: Item, changeset: Changeset, *, ruled: set[str]) -> list[str]:
    """Set what the item's contact's past documents agree on where the item is open to it (see the module's
    docstring); saved with `changeset`. Returns the fields set."""
    fields = [name for name in FIELDS if name not in ruled]
    if item.status not in OPEN or item.contact_id is None or not fields:
        return []
    past = _candidates(item.business_id, item.workspace, item.contact_id, leaving_out=item.id)
    if not past:
        return []
    setters = _latest_sources([entry.id for entry in past] + [item.id], fields)
    setters |= {(item.id, row["field"]): row["source"] for row in changeset.rows if row["field"] in fields}  # unsaved
    found = _agreed(past, setters, fields, item.workspace)
    changed = []
    for name, remembered in found.items():
        if _open(item, name, setters.get((item.id, name))):
            changed += changeset.set({name: remembered.value}, source=remembered.source(item.workspace))
    return changed


def remembered(business_id: int, workspace: str, contact_id: int) -> dict[str, Remembered]:
    """What Docket would propose on the contact's next document, by field (in FIELDS' order)."""
    past = _candidates(business_id, workspace, contact_id)
    if not past:
        return {}
    return _agreed(past, _latest_sources([entry.id for entry in past], list(FIELDS)), list(FIELDS), workspace)


def _candidates(business_id: int, workspace: str, contact_id: int, *, leaving_out: int | None = None) -> list[Item]:
    """The contact's most recent items that may be evidence, newest first, with the list entries they name (whole
    rows: a value proposed goes on to work out the amounts, a tax rate by its rate and components)."""
    query = (Item.select(Item.id, Item.status, *(getattr(Item, name) for name in FIELDS)))
    query = (with_coding(query, Item).select_extend(PaymentMethod).join_from(Item, PaymentMethod, JOIN.LEFT_OUTER)
             .where((Item.business == business_id) & (Item.workspace == workspace) & (Item.contact == contact_id)
                    & Item.status.in_(EVIDENCE)))
    if leaving_out is not None:
        query = query.where(Item.id != leaving_out)
    return list(query.order_by(Item.created_at.desc(), Item.id.desc()).limit(CANDIDATES))


def _latest_sources(item_ids: list[int], fields: list[str]) -> dict[tuple[int, str], str]:
    """Who or what last changed each of `fields` on each item: (item id, field) → that history row's source."""
    rows = (ItemHistory.select(ItemHistory.item, ItemHistory.field, ItemHistory.source)
            .where(ItemHistory.item.in_(item_ids) & ItemHistory.field.in_(fields)).order_by(ItemHistory.id).tuples())
    return {(item_id, name): source for item_id, name, source in rows}


def _agreed(past: list[Item], setters: dict, fields: list[str], workspace: str) -> dict[str, Remembered]:
    found = {}
    for name in fields:
        given = [entry for entry in past
                 if entry.status in SENT or setters.get((entry.id, name)) in changes.PERSON_SOURCES][:LAST]
        values = {entry.__data__.get(name) for entry in given}
        if len(values) == 1 and (value := _usable(given[0], name, workspace)) is not None:
            found[name] = Remembered(value, len(given))
    return found


def _usable(entry: Item, name: str, workspace: str):
    """The entry's value of the field when it may be proposed: set, not archived, and right for the workspace."""
    if name == "publish_to":
        return entry.publish_to if entry.publish_to in PUBLISH_TO[workspace] else None
    if entry.__data__.get(name) is None:
        return None
    value = getattr(entry, name)
    return None if getattr(value, "is_archived", False) else value  # payment methods are Docket's: never archived


def _open(item: Item, name: str, latest_source: str | None) -> bool:
    if latest_source is None:
        return name == "publish_to" or item.__data__.get(name) is None
    return is_memory(latest_source)


def described(business_id: int, workspace: str, contact_id: int) -> list[tuple[int, list[tuple[str, str]]]]:
    """What `remembered` finds as words for the contact's page: (documents that agreed, [(field, value text)]),
    the most agreed first."""
    groups: dict[int, list[tuple[str, str]]] = {}
    for name, found in remembered(business_id, workspace, contact_id).items():
        text = PUBLISH_TO[workspace][found.value] if name == "publish_to" else \
            getattr(found.value, "label", None) or found.value.name
        groups.setdefault(found.count, []).append((name, text))
    return sorted(groups.items(), reverse=True)
