"""The rule form: what it sends turned into rule values (with every message at once), and a rule or an item
turned back into what the form shows."""
import re
from dataclasses import dataclass

from webapp.errors import ValidationFailed
from webapp.items.choices import PUBLISH_AS, PUBLISH_TO, Choices
from webapp.items.fields import FIELDS as ITEM_FIELDS, FieldError

LINKS = ("category", "tax_rate", "tracking_option_1", "tracking_option_2", "payment_method")
NAMES = (*LINKS, "paid", "publish_to", "publish_as", "currency", "description", "due_days", "auto_publish")
TAX_USE = {"costs": ("EXPENSES", "purchases"), "sales": ("REVENUE", "sales")}  # Xero's CanApplyToX, and our word
PAID = {"yes": True, "no": False}
MAX_DUE_DAYS = 365
BLANK = ("", "—")  # leave the item's own value alone


@dataclass(frozen=True)
class Scope:
    """What the item field parsers need to know: whose lists, and costs or sales."""

    business_id: int
    workspace: str


def parse(form, scope: Scope) -> dict:
    """Rule values from the form; raises ValidationFailed with a message for each field that can't be used."""
    values, errors = {}, {}
    for name in NAMES:
        try:
            values[name] = _parse(name, form.get(name, ""), scope)
        except FieldError as problem:
            errors[name] = str(problem)
    if errors:
        raise ValidationFailed(errors)
    return values


def _parse(name: str, raw: str, scope: Scope):
    raw = (raw or "").strip()
    if name == "paid":
        if raw and raw not in PAID:
            raise FieldError("Choose Yes, No, or leave it blank.")
        return PAID.get(raw)
    if name == "auto_publish":
        return raw in ("yes", "on")
    if name == "due_days":
        return _days(raw)
    if name == "currency":
        return _currency(raw, scope) if raw else ""
    value = ITEM_FIELDS[name].parse(raw, scope)
    if name == "tax_rate" and value is not None:
        _check_tax_use(value, scope.workspace)
    return value


def _days(raw: str) -> int | None:
    if not raw:
        return None
    if not re.fullmatch(r"[0-9]{1,3}", raw) or int(raw) > MAX_DUE_DAYS:
        raise FieldError(f"Enter a number of days from 0 to {MAX_DUE_DAYS}, like 30.")
    return int(raw)


def _currency(raw: str, scope: Scope) -> str:
    code = ITEM_FIELDS["currency"].parse(raw, scope)
    known = Choices(scope.business_id).currencies
    if known and code not in known:
        raise FieldError(f"{code} isn't one of this business's currencies in Xero. Add it there first, "
                         "or enter another.")
    return code


def _check_tax_use(tax_rate, workspace: str) -> None:
    """Xero refuses a tax rate on a document it can't apply to (CanApplyToExpenses / CanApplyToRevenue)."""
    area, word = TAX_USE[workspace]
    uses = tax_rate.can_apply_to.split()
    if uses and area not in uses:
        raise FieldError(f"Xero doesn't allow “{tax_rate.name}” on {word}. Choose another tax rate.")


def is_empty(values: dict) -> bool:
    """A rule that would set nothing."""
    return all(value in (None, "", False) for value in values.values())


def shown(source, *, workspace: str) -> dict[str, str]:
    """A rule's (or an item's) values as the form's inputs hold them; an item's due date becomes "due in N days"."""
    values = {name: str(source.__data__.get(name) or "") for name in LINKS}
    values |= {name: getattr(source, name) or "" for name in ("currency", "description")}
    values["publish_to"] = source.publish_to if source.publish_to in PUBLISH_TO[workspace] else ""
    values["publish_as"] = source.publish_as if source.publish_as in PUBLISH_AS else ""
    if hasattr(source, "due_days"):
        values["paid"] = "" if source.paid is None else ("yes" if source.paid else "no")
        values["due_days"] = "" if source.due_days is None else str(source.due_days)
        values["auto_publish"] = "yes" if source.auto_publish else ""
        return values
    values["paid"] = "yes" if source.paid else ""  # an item not (yet) paid says nothing about the next one
    if source.date and source.due_date and source.due_date >= source.date:
        values["due_days"] = str((source.due_date - source.date).days)
    return values


def options(name: str, choices: Choices) -> list[tuple]:
    """The select's choices: blank (leave the item alone) and then the business's live entries."""
    if name == "paid":
        return [BLANK, ("yes", "Yes"), ("no", "No")]
    if name == "publish_to":
        return [BLANK, *choices.publish_to().items()]
    if name == "publish_as":
        return [BLANK, *PUBLISH_AS.items()]
    groups = choices.tracking
    area = TAX_USE[choices.workspace][0]
    tax_rates = [rate for rate in choices.tax_rates if not rate.can_apply_to or area in rate.can_apply_to.split()]
    entries = {"category": choices.categories, "tax_rate": tax_rates,
               "payment_method": choices.payment_methods,
               "tracking_option_1": groups[0][1] if groups else [],
               "tracking_option_2": groups[1][1] if len(groups) > 1 else []}[name]
    return [BLANK, *((str(entry.id), getattr(entry, "label", None) or entry.name) for entry in entries)]


def labels(choices: Choices) -> dict[str, str]:
    """Field labels as the item page says them (tracking categories by their names), plus the rule's own."""
    names = {name: ITEM_FIELDS[name].label for name in NAMES if name in ITEM_FIELDS}
    for number, (category, _) in enumerate(choices.tracking, 1):
        names[f"tracking_option_{number}"] = category.name
    return names | {"due_days": "Due in (days after the date)", "auto_publish": "Auto-publish"}


def archived(rule) -> dict:
    """The list entries the rule names that Xero has since archived (the rule no longer sets them)."""
    if rule is None:
        return {}
    return {name: getattr(rule, name) for name in LINKS
            if rule.__data__.get(name) is not None and getattr(getattr(rule, name), "is_archived", False)}


def summary(rule, workspace: str) -> list[tuple[str, str, bool]]:
    """What the rule sets, as (field, text, archived) rows for people who may read but not change it."""
    rows = []
    for name in LINKS:
        if rule.__data__.get(name) is not None:
            entry = getattr(rule, name)
            rows.append((name, getattr(entry, "label", None) or entry.name, getattr(entry, "is_archived", False)))
    texts = {"paid": None if rule.paid is None else ("Yes" if rule.paid else "No"),
             "publish_to": PUBLISH_TO[workspace].get(rule.publish_to), "publish_as": PUBLISH_AS.get(rule.publish_as),
             "currency": rule.currency, "description": rule.description,
             "due_days": None if rule.due_days is None else f"{rule.due_days} days",
             "auto_publish": "Yes" if rule.auto_publish else "No"}
    return rows + [(name, text, False) for name, text in texts.items() if text]
