"""Line items: add one, change one field of one, delete one, and split some of them off into a new item of the
same document. Every change is recorded in the item's history and then settles the item (Ready or Inbox)."""
from dataclasses import dataclass
from decimal import Decimal

from webapp.db import database
from webapp.items import amounts, changes, editing, queries, tax_components
from webapp.items.editing import NotEditable
from webapp.items.fields import FIELDS, FieldError, money, quantity
from webapp.items.models import Item, LineItem
from webapp.items.review import Review

LABELS = {"description": "Description", "category": "Category", "tax_rate": "Tax rate", "tax_amount": "Tax amount",
          "tracking_option_1": "Tracking 1", "tracking_option_2": "Tracking 2", "quantity": "Quantity",
          "unit_amount": "Unit price"}
LINKS = ("category", "tax_rate", "tracking_option_1", "tracking_option_2")
AMOUNTS = ("quantity", "unit_amount", "tax_amount")
RECALCULATE_TAX = ("quantity", "unit_amount", "tax_rate")
COPIED_TO_SPLIT = ("workspace", "type", "date", "due_date", "contact", "reference", "currency", "category", "tax_rate",
                   "tracking_option_1", "tracking_option_2", "description", "payment_method", "paid", "publish_to",
                   "publish_as")


class SplitRefused(ValueError):
    """The lines chosen can't be split off: none chosen, or every line chosen."""


@dataclass(frozen=True)
class Totals:
    """The lines' running totals against the item's total."""

    net: Decimal
    tax: Decimal
    total: Decimal | None
    count: int

    @property
    def lines(self) -> Decimal:
        return self.net + self.tax

    @property
    def reconciled(self) -> bool:
        return self.count > 0 and self.total is not None and self.lines == self.total

    @property
    def message(self) -> str:
        if not self.count:
            return ""
        sums = f"Lines: net {self.net:,.2f} + tax {self.tax:,.2f} = {self.lines:,.2f}"
        if self.total is None:
            return f"{sums}; the item has no total yet."
        if self.reconciled:
            return f"{sums}. Lines add up to the item total."
        left = self.total - self.lines
        gap = f"{left:,.2f} left to allocate" if left > 0 else f"{-left:,.2f} more than the item total"
        return f"{sums}; item total {self.total:,.2f}; {gap}."


def totals(item: Item, lines: list[LineItem]) -> Totals:
    net, tax = amounts.lines_total(lines)
    return Totals(net, tax, None if item.total is None else amounts.cents(Decimal(item.total)), len(lines))


def number_of(line: LineItem, lines: list[LineItem]) -> int:
    """The line's number as the table shows it (1 for the first row); history says "line 2"."""
    return next(number for number, other in enumerate(lines, 1) if other.id == line.id)


def add(item: Item, *, user_id: int, review: Review | None = None) -> LineItem:
    """A new last line coded like the item (its category, tax rate and tracking), quantity 1 and no price yet.

    `review` (the item's lists and lines, loaded once per request) ends up holding the lines with the new one."""
    _check_editable(item)
    review = review or Review(item)
    lines = review.lines
    with database.atomic():
        line = LineItem.create(item=item.id, position=(lines[-1].position + 1) if lines else 1,
                               **{name: item.__data__.get(name) for name in LINKS})
        changeset = changes.Changeset(item, user_id=user_id)
        changeset.note(f"line {len(lines) + 1}", "Added")
        review.lines = queries.lines(item.id)
        editing.after_change(item, ["lines"], user_id=user_id, review=review, changeset=changeset)
    return line


def edit(item: Item, line: LineItem, name: str, raw: str, *, user_id: int, review: Review | None = None) -> str:
    """Parse and save one field of one line; returns the message saying what to fix ("" when saved or unchanged).

    Tax follows the rate and the amount (reverse charge: none) until a person types it; a blank tax amount
    goes back to the calculated one."""
    _check_editable(item)
    review = review or Review(item)
    choices = review.choices
    try:
        value = _parse(name, raw, item, choices)
        if name == "tax_amount" and (found := components_of(line, choices)):
            raise FieldError(f"The tax is {tax_components.names(found)} added up: change those amounts instead.")
    except FieldError as problem:
        return str(problem)
    label, before = _label(name, choices), _shown(name, _value(line, name))
    old = (_value(line, name), line.tax_amount, line.tax_amount_typed, line.tax_components)
    _set(line, name, value, choices)
    if old == (_value(line, name), line.tax_amount, line.tax_amount_typed, line.tax_components):
        return ""
    after = _shown(name, _value(line, name))
    note = f"{label} {after}" if after else f"{label} cleared"
    if name == "tax_amount" and not line.tax_amount_typed:
        note += " (calculated)"
    elif name != "tax_amount" and old[1] != line.tax_amount:
        note += f" (tax {_shown('tax_amount', line.tax_amount) or 'none'})"
    with database.atomic():
        line.save(only=[LineItem._meta.fields[name], LineItem.tax_amount, LineItem.tax_amount_typed,
                        LineItem.tax_components])
        changeset = changes.Changeset(item, user_id=user_id)
        changeset.note(f"line {number_of(line, review.lines)}", note, old=f"{label} {before}" if before else "")
        editing.after_change(item, ["lines"], user_id=user_id, review=review, changeset=changeset)
    return ""


def edit_component(item: Item, line: LineItem, name: str, raw: str, *, user_id: int,
                   review: Review | None = None) -> str:
    """Type one tax component's amount of a line (PST as printed); blank goes back to the calculated one. The
    line's tax amount becomes the components' sum. Returns the message saying what to fix ("" when saved)."""
    _check_editable(item)
    review = review or Review(item)
    found = components_of(line, review.choices)
    try:
        if name not in [part["name"] for part in found]:
            raise FieldError(f"This line's tax rate has no {name} any more: reload the page to see its taxes.")
        amount = money(raw, negative=True)  # a discount line's taxes are negative
    except FieldError as problem:
        return str(problem)
    typed = tax_components.typed(line.tax_components)
    before = tax_components.shown(found, amounts.line_net(line), typed, name)
    typed.pop(name, None)
    if amount is not None:
        typed[name] = amount
    if tax_components.stored(typed) == line.tax_components:
        return ""
    line.tax_components, line.tax_amount_typed = tax_components.stored(typed), False
    line.tax_amount = _calculated_tax(line, found)
    after = tax_components.shown(found, amounts.line_net(line), typed, name)
    note = f"{name} {after} (tax {_shown('tax_amount', line.tax_amount) or 'none'})"
    with database.atomic():
        line.save(only=[LineItem.tax_components, LineItem.tax_amount, LineItem.tax_amount_typed])
        changeset = changes.Changeset(item, user_id=user_id)
        changeset.note(f"line {number_of(line, review.lines)}", note, old=f"{name} {before}" if before else "")
        editing.after_change(item, ["lines"], user_id=user_id, review=review, changeset=changeset)
    return ""


def components_of(line: LineItem, choices) -> list[dict]:
    """The line's tax rate's components when they are shown one by one (see tax_components.parts)."""
    return tax_components.parts(_value(line, "tax_rate"), choices)


def components(line: LineItem, choices) -> list[tax_components.Component]:
    """The line's components with their amounts, as its row shows them under the tax amount."""
    found = components_of(line, choices)
    return tax_components.of(found, amounts.line_net(line), tax_components.typed(line.tax_components)) if found else []


def delete(item: Item, line: LineItem, *, user_id: int, review: Review | None = None) -> None:
    _check_editable(item)
    review = review or Review(item)
    net = amounts.line_net(line)
    was = " ".join(part for part in (line.description, f"{net:,.2f}" if net is not None else "") if part)
    with database.atomic():
        line.delete_instance()
        changeset = changes.Changeset(item, user_id=user_id)
        changeset.note(f"line {number_of(line, review.lines)}", "Deleted", old=was)
        review.lines = [other for other in review.lines if other.id != line.id]
        editing.after_change(item, ["lines"], user_id=user_id, review=review, changeset=changeset)


def split(item: Item, line_ids: set[int], *, user_id: int, review: Review | None = None) -> Item:
    """Move the chosen lines to a new item on the same document, copying its coding and details.

    The new item's amounts are its lines' sums, and the original's amounts go down by the same (when it has
    them), so the two still add up to what the document says."""
    _check_editable(item)
    review = review or Review(item)
    moving = [line for line in review.lines if line.id in line_ids]
    if not moving:
        raise SplitRefused("Tick the lines to move to the new item first.")
    if len(moving) == len(review.lines):
        raise SplitRefused("Leave at least one line on this item: a split needs lines on both items.")
    net, tax = amounts.lines_total(moving)
    count = f"{len(moving)} line{'s' if len(moving) != 1 else ''}"
    with database.atomic():
        copied = {name: item.__data__.get(name) for name in COPIED_TO_SPLIT}
        new = Item.create(business=item.business_id, document=item.document_id, status="inbox", created_by=user_id,
                          net=net, tax=tax, total=net + tax, **copied)
        LineItem.update(item=new.id).where(LineItem.id.in_([line.id for line in moving])).execute()
        changes.note(new, "split", f"Split from item {item.id} with {count}", user_id=user_id, source=changes.EDIT)
        changes.note(item, "split", f"Moved {count} to new item {new.id}", user_id=user_id, source=changes.EDIT)
        if item.total is not None:
            less = {"total": item.total - (net + tax), "net": None if item.net is None else item.net - net,
                    "tax": None if item.tax is None else item.tax - tax}
            changes.change(item, {key: value for key, value in less.items() if value is not None},
                           user_id=user_id, source="split")
        review.lines = [line for line in review.lines if line.id not in line_ids]
        editing.after_change(item, ["lines"], user_id=user_id, review=review)
        moved = Review(new, review.choices)
        moved.lines = moving
        editing.after_change(new, ["lines"], user_id=user_id, review=moved)
    return new


def _check_editable(item: Item) -> None:
    if item.status not in editing.EDITABLE_STATUSES:
        raise NotEditable


def _set(line: LineItem, name: str, value, choices) -> None:
    """Set the field; a typed tax amount sticks, a blank one (or a new rate, price or quantity) is calculated.
    With a rate of several components the tax amount is always their sum, and a new rate keeps the typed
    amounts of the components it has too."""
    if name == "tax_amount":
        line.tax_amount_typed = value is not None
    if name != "tax_amount" or value is not None:
        setattr(line, name, value)
    found = components_of(line, choices)
    if name == "tax_rate":
        line.tax_components = tax_components.stored(
            tax_components.kept(tax_components.typed(line.tax_components), found))
    if found and name in RECALCULATE_TAX:
        line.tax_amount_typed = False
        line.tax_amount = _calculated_tax(line, found)
    elif not line.tax_amount_typed and (name in RECALCULATE_TAX or name == "tax_amount"):
        line.tax_amount = _calculated_tax(line)


def _parse(name: str, raw: str, item: Item, choices):
    if name == "description":
        return FIELDS["description"].parse(raw, item)
    if name == "quantity":
        return quantity(raw)
    if name == "unit_amount":
        return money(raw, places=4, negative=True)  # a discount line has a negative price
    if name == "tax_amount":
        return money(raw, negative=True)
    wanted = (raw or "").strip()
    listed = next((entry for entry in _entries(name, choices) if str(entry.id) == wanted), None)
    # Not among the live choices: let the item field's parser say why (archived, unknown) or clear it.
    return listed or FIELDS[name].parse(raw, item)


def _entries(name: str, choices) -> list:
    if name == "category":
        return choices.categories
    if name == "tax_rate":
        return choices.tax_rates
    groups = choices.tracking
    index = int(name[-1]) - 1
    return groups[index][1] if len(groups) > index else []


def _label(name: str, choices) -> str:
    if name.startswith("tracking_option_") and len(choices.tracking) >= int(name[-1]):
        return choices.tracking[int(name[-1]) - 1][0].name
    return LABELS[name]


def _value(line: LineItem, name: str):
    """The field's value; a link as its entry (or None), read from what queries.lines joined in."""
    if name in LINKS:
        return getattr(line, name) if line.__data__.get(name) is not None else None
    return getattr(line, name)


def _calculated_tax(line: LineItem, found: list[dict] = ()) -> Decimal | None:
    """The tax on the line's amount at its rate; with components shown, their sum (typed ones as typed)."""
    net = amounts.line_net(line)
    if found:
        return tax_components.total_of(tax_components.of(found, net, tax_components.typed(line.tax_components)))
    if net is None or line.__data__.get("tax_rate") is None:
        return None
    return amounts.tax_on_net(net, line.tax_rate)


def _shown(name: str, value) -> str:
    """A line field's value as history shows it: prices as typed, to at least 2 places; quantities plainly."""
    if value is None or value == "":
        return ""
    if name in AMOUNTS:
        return decimal_text(value, 0 if name == "quantity" else 2)
    return getattr(value, "label", None) or getattr(value, "name", None) or str(value)


def decimal_text(value, places: int = 2) -> str:
    """`value` with at least `places` decimals and no trailing zeros beyond them: 2, 12.50, 1.459."""
    if value is None:
        return ""
    value = Decimal(value)
    return f"{value:.{max(places, -value.normalize().as_tuple().exponent)}f}"
