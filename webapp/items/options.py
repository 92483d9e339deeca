"""The choices each select on the Item details page offers: the business's live list entries, plus the item's
current value when it is archived in Xero (shown as archived, never blank)."""
from webapp.items.choices import PUBLISH_AS, PUBLISH_TO
from webapp.items.fields import FIELDS
from webapp.items.models import TYPES

BLANK = ("", "—")
DIVIDER = (None, "── Other tax rates ──")  # shown as a disabled option


def label(workspace: str, name: str, choices) -> str:
    """A field's label as this business says it: Supplier or Customer, and its tracking categories' names."""
    if name == "contact":
        return "Supplier" if workspace == "costs" else "Customer"
    if name.startswith("tracking_option_"):
        groups = choices.tracking
        number = int(name[-1])
        return groups[number - 1][0].name if len(groups) >= number else FIELDS[name].label
    return FIELDS[name].label


def shown_fields(choices) -> list[str]:
    """The fields in page order; tracking only for the tracking categories the organisation has."""
    tracking = [f"tracking_option_{number}" for number in range(1, len(choices.tracking) + 1)]
    return ["type", "date", "due_date", "contact", "reference", "currency", "total", "tax_rate", "tax", "net",
            "category", *tracking, "description", "payment_method", "paid", "publish_to", "publish_as"]


def for_field(item, name: str, choices) -> list[tuple]:
    if name == "type":
        return list(TYPES.items())
    if name == "paid":
        return [("no", "No"), ("yes", "Yes")]
    if name == "publish_to":
        return [BLANK] + list(PUBLISH_TO[item.workspace].items())
    if name == "publish_as":
        return [BLANK] + list(PUBLISH_AS.items())
    if name == "currency":
        return _currencies(item, choices)
    lists = {"category": lambda: choices.categories, "tax_rate": lambda: choices.tax_rates,
             "payment_method": lambda: choices.payment_methods,
             "tracking_option_1": lambda: _tracking(choices, 0), "tracking_option_2": lambda: _tracking(choices, 1)}
    entries = lists[name]()
    found = _fitting_first(entries, choices.workspace) if name == "tax_rate" else \
        [(entry.id, _text(entry)) for entry in entries]
    current = item.__data__.get(name) if item is not None else None
    if current and all(value != current for value, _ in found):
        found.append((current, f"{_text(getattr(item, name))} (archived in Xero)"))
    return [BLANK] + found


def _currencies(item, choices) -> list[tuple]:
    """The organisation's currencies, its base currency first; an item's other code stays, marked."""
    base = choices.organisation.base_currency if choices.organisation else ""
    codes = list(dict.fromkeys([base, *choices.currencies] if base else choices.currencies))
    found = [(code, f"{code} (base currency)" if code == base else code) for code in codes]
    if item is not None and item.currency and item.currency not in codes:
        found.append((item.currency, f"{item.currency} (not turned on in Xero)"))
    return found


def _fitting_first(rates, workspace: str) -> list[tuple]:
    """Tax rates Xero allows on this side (expenses for costs, revenue for sales) first; the rest after a divider."""
    side = "EXPENSES" if workspace == "costs" else "REVENUE"
    fits = [(rate.id, _text(rate)) for rate in rates if not rate.can_apply_to or side in rate.can_apply_to.split()]
    others = [(rate.id, _text(rate)) for rate in rates if rate.can_apply_to and side not in rate.can_apply_to.split()]
    return fits + [DIVIDER] + others if fits and others else fits + others


def _tracking(choices, index: int) -> list:
    groups = choices.tracking
    return groups[index][1] if len(groups) > index else []


def _text(entry) -> str:
    return getattr(entry, "label", None) or entry.name


def labels(workspace: str, choices) -> dict[str, str]:
    """Every field's label (reads the tracking categories)."""
    return {name: label(workspace, name, choices) for name in FIELDS}
