"""Applying rules to one item: its supplier's (or customer's) rule, and its payment method's destination.

Imported by webapp.items.editing, so this module must not import it back."""
from datetime import timedelta

from webapp.items import changes
from webapp.items.changes import Changeset
from webapp.items.choices import PUBLISH_AS, PUBLISH_TO
from webapp.items.models import Item
from webapp.rules import memory, queries

APPLIES_TO = ("inbox", "ready", "failed")
LINKS = ("category", "tax_rate", "tracking_option_1", "tracking_option_2", "payment_method")
SOURCE_LENGTH = 40  # ItemHistory.source


def apply_contact_rule(item: Item, *, user_id: int | None) -> list[str]:
    """Set the fields the item's contact rule defines (archived entries are skipped); returns what changed."""
    if item.status not in APPLIES_TO:
        return []
    return _apply_rule(item, queries.rule(item.contact_id), user_id=user_id)


def apply_contact_defaults(item: Item, changeset: Changeset) -> list[str]:
    """A new contact's rule, then what the contact's past documents agree on for the fields the rule leaves
    alone (supplier memory, saved with `changeset`); returns what changed."""
    if item.status not in APPLIES_TO:
        return []
    rule = queries.rule(item.contact_id)
    changed = _apply_rule(item, rule, user_id=changeset.user_id)
    return changed + memory.propose(item, changeset, ruled=_ruled(rule, item.workspace))


def _ruled(rule, workspace: str) -> set[str]:
    """The fields memory leaves to the rule: those it names (an archived entry too, which the rule page flags)."""
    if rule is None:
        return set()
    named = {name for name in LINKS if rule.__data__.get(name) is not None}
    return named | ({"publish_to"} if rule.publish_to in PUBLISH_TO[workspace] else set())


def _apply_rule(item: Item, rule, *, user_id: int | None) -> list[str]:
    if rule is None:
        return []
    entries = {name: getattr(rule, name) for name in LINKS if rule.__data__.get(name) is not None}
    values = {name: entry for name, entry in entries.items()
              if not getattr(entry, "is_archived", False)}  # payment methods are Docket's own: never archived
    if rule.paid is not None:
        values["paid"] = rule.paid
    if rule.publish_to in PUBLISH_TO[item.workspace]:
        values["publish_to"] = rule.publish_to
    if rule.publish_as in PUBLISH_AS:
        values["publish_as"] = rule.publish_as
    for name in ("currency", "description"):
        if getattr(rule, name):
            values[name] = getattr(rule, name)
    if rule.due_days is not None and item.date is not None:
        values["due_date"] = item.date + timedelta(days=rule.due_days)
    return changes.change(item, values, user_id=user_id, source=_source(f"rule for {rule.contact.name}"))


def apply_payment_method_rule(item: Item, *, user_id: int | None) -> list[str]:
    """The payment method's default "Publish to", when it has one that suits the item's workspace."""
    if item.status not in APPLIES_TO or item.payment_method_id is None:
        return []
    method = item.payment_method
    if method.default_publish_to not in PUBLISH_TO[item.workspace]:
        return []
    return changes.change(item, {"publish_to": method.default_publish_to}, user_id=user_id,
                          source=_source(f"payment method {method.name}"))


def _source(text: str) -> str:
    return text if len(text) <= SOURCE_LENGTH else text[:SOURCE_LENGTH - 1] + "…"
