"""Applying a reading of the document to its item, through the same path as a person's edits (Changeset and
editing.after_change), so rules, derived amounts, duplicates and Ready follow; History says "reading the document".

A field whose last change came from a person keeps the person's value: reading again changes only the others.
A field read with confidence below CHECK_BELOW is listed in `item.to_check` until a person confirms or edits it."""
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from webapp.db import database
from webapp.items import amounts, changes, editing, line_tax, lines as item_lines, matching
from webapp.items.changes import Changeset
from webapp.items.choices import Choices
from webapp.items.fields import MAX_TEXT
from webapp.items.models import Item, ItemHistory, LineItem, ReadField
from webapp.lists import new_contacts
from webapp.lists.models import Contact
from webapp.reading.model import Reading
from webapp.rules import aliases

READING = "reading the document"
CHECK_BELOW = 0.8  # below this a read field shows "Check" and holds the item back from Ready
REMEMBERED = 0.97  # a printed name a person already matched to this contact on an earlier document
PROPOSE_NEW_FROM = 0.8  # a printed name Xero doesn't have becomes a new supplier from here (or with a tax number/email)
PERSON_SOURCES = (*changes.PERSON_SOURCES, editing.CONFIRMED)  # a confirmation keeps the value read, as an edit
FIELD_OF = {"date": "date", "due_date": "due_date", "total": "total", "tax": "tax", "net": "net",
            "currency": "currency", "number": "reference", "type": "type"}
TYPES = {"costs": {"receipt": "receipt", "invoice": "invoice", "credit_note": "credit_note",
                   "sales_invoice": "invoice"},
         "sales": {"invoice": "invoice", "sales_invoice": "invoice", "credit_note": "credit_note"}}
MAX_MONEY = Decimal("9999999999999.99")
LIMITS = {"email": 255, "tax_number": 50}  # a contact's (Xero's TaxNumber takes 50)


@dataclass
class Applied:
    """What reading changed on the item, and what it left alone because a person had set it."""

    changed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    to_check: list[str] = field(default_factory=list)


def apply(item: Item, reading: Reading) -> Applied:
    """Set what the reading found on the item (fields, contact, line items) and what follows from it."""
    kept = set(set_by_a_person(item.id))
    found = {name: value for name, value in _values(item, reading).items() if name not in kept}
    contact = None if "contact" in kept else _contact(item, reading)
    if contact:
        found["contact"] = contact
    outcome = Applied(kept=sorted(kept & (set(FIELD_OF.values()) | {"contact"})))
    with database.atomic():
        changeset = Changeset(item, user_id=None)
        if item.status == "processing":
            changeset.set_unrecorded("status", "inbox")  # the checks decide between Inbox and Ready below
        outcome.changed = changeset.set({name: value for name, (value, _, _) in found.items()}, source=READING)
        if "lines" not in kept and reading.lines and _add_lines(item, reading, changeset):
            outcome.changed.append("lines")
        _remember(item, found)
        outcome.to_check = [name for name in item.to_check_fields if name not in found]
        outcome.to_check += [name for name, (_, sure, _) in found.items() if sure < CHECK_BELOW]
        changeset.set_unrecorded("to_check", " ".join(dict.fromkeys(outcome.to_check)))
        outcome.changed += editing.after_change(item, outcome.changed + ["to_check"], user_id=None,
                                                changeset=changeset)
    return outcome


def set_by_a_person(item_id: int) -> list[str]:
    """The fields whose latest change a person made (an edit, a bulk edit, a confirmation), and "lines" when a
    person has changed the line items."""
    latest: dict[str, str] = {}
    for row in (ItemHistory.select(ItemHistory.field, ItemHistory.source).where(ItemHistory.item == item_id)
                .order_by(ItemHistory.id)):
        latest["lines" if row.field.startswith("line ") else row.field] = row.source
    return [name for name, source in latest.items() if source in PERSON_SOURCES]


def _values(item: Item, reading: Reading) -> dict:
    """Item field -> (value, confidence, box) for each field read that fits the item."""
    found = {}
    for name, item_field in FIELD_OF.items():
        read = reading.fields.get(name)
        value = _usable(item_field, read.value) if read else None
        if value is not None:
            found[item_field] = (value, read.confidence, read.box)
    if "type" in found:
        printed = reading.value("type")
        value = TYPES[item.workspace].get(printed)
        if value is None:
            del found["type"]
        elif item.workspace == "costs" and printed == "sales_invoice":
            # Issued by the business itself: not a cost to code silently. It stays an invoice here with "Check
            # the type", which says to upload it to Sales if that is what it is.
            found["type"] = (value, 0.0, found["type"][2])
        else:
            found["type"] = (value,) + found["type"][1:]
    return found


def _usable(name: str, value):
    """The read value in the item's own terms, or None when it can't be one (a reading is never trusted blindly)."""
    if name in ("date", "due_date"):
        return value if isinstance(value, date) and 1900 <= value.year <= 2099 else None
    if name in ("total", "tax", "net"):
        try:
            amount = Decimal(str(value)).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            return None
        return amount if Decimal(0) <= amount <= MAX_MONEY else None
    if name == "currency":
        code = str(value).strip().upper()
        return code if re.fullmatch(r"[A-Z]{3}", code) else None
    text = " ".join(str(value).split())
    return text[:MAX_TEXT.get(name, 255)] or None


def _contact(item: Item, reading: Reading):
    """(contact, confidence, box) for the printed supplier (customer in Sales): a Xero contact it matches, or a
    new one proposed through the new-supplier flow; None when the reading names nobody usable."""
    party = "supplier" if item.workspace == "costs" else "customer"
    if item.workspace == "costs" and reading.value("type") == "sales_invoice":
        return None  # the business itself issued it
    printed = reading.fields.get(party)
    details = {"tax_number": reading.value(f"{party}_tax_number") or "", "email": reading.value(f"{party}_email") or "",
               "website": reading.value(f"{party}_website") or ""} if party == "supplier" else {}
    name = " ".join(str(printed.value).split()) if printed else ""
    box = printed.box if printed else None
    if remembered := aliases.contact_for_printed_name(item.business_id, name):
        return Contact.get_by_id(remembered), REMEMBERED, box
    match = matching.find(item.business_id, item.workspace, name=name, **details)
    if match:
        sure = max(match.confidence, printed.confidence if printed and match.by == "name" else 0)
        return match.contact, sure, box
    evidence = details.get("tax_number") or details.get("email")
    if not name or len(name) > new_contacts.NAME_LIMIT or matching.named_in_xero_archive(item.business_id, name):
        return None
    if printed.confidence < PROPOSE_NEW_FROM and not evidence:
        return None
    extra = {key: value for key, value in details.items() if key in LIMITS and value and len(value) <= LIMITS[key]}
    return new_contacts.add(item.business_id, item.workspace, name, **extra), printed.confidence, box


def _add_lines(item: Item, reading: Reading, changeset: Changeset) -> bool:
    """The printed line items, when the item has none yet (a person's lines are never replaced). A line's printed
    tax picks its Xero tax rate when the item has none yet (a rule's or a person's rate stands)."""
    if LineItem.select().where(LineItem.item == item.id).exists():
        return False
    links = {name: item.__data__.get(name) for name in item_lines.LINKS}
    rates = Choices(item.business_id, item.workspace).tax_rates if links["tax_rate"] is None else None
    rows = []
    for number, line in enumerate(reading.lines, 1):
        quantity = line.quantity if line.quantity and line.quantity > 0 else Decimal(1)
        unit = line.unit_amount if line.unit_amount is not None else (
            (line.amount / quantity).quantize(Decimal("0.01")) if line.amount is not None else None)
        description = " ".join(line.description.split())[:MAX_TEXT["description"]]
        rate = rates and line_tax.tax_rate_for(rates, item.workspace, line.tax_rate, line.tax_category)
        taxed = {"tax_rate": rate.id, "tax_amount": amounts.tax_on_net(quantity * unit, rate)} if rate and unit is not None else {}
        rows.append({"item": item.id, "position": number, "description": description, "quantity": quantity,
                     "unit_amount": unit, **links, "tax_amount": None, **taxed})
        changeset.note(f"line {number}", f"Added: {description}" if description else "Added", source=READING)
    LineItem.insert_many(rows).execute()
    return True


def printed_party(item: Item, reading: Reading) -> dict:
    """The supplier's (customer's) name as printed, kept so that the contact a person chooses is remembered for it,
    and a supplier's email address and tax number, which a supplier a person names goes to Xero with."""
    party = "supplier" if item.workspace == "costs" else "customer"
    printed = reading.value(party)
    found = {"printed_name": " ".join(str(printed).split())[:255] if printed else ""}
    if party == "supplier":
        for key in LIMITS:
            value = " ".join(str(reading.value(f"supplier_{key}") or "").split())
            found[f"printed_{key}"] = value if len(value) <= LIMITS[key] else ""
    return found


def _remember(item: Item, found: dict) -> None:
    """How sure the reading was of each field it set, and where it read it (replacing an earlier reading's)."""
    ReadField.delete().where((ReadField.item == item.id) & ReadField.field.in_(list(found))).execute()
    rows = [{"item": item.id, "field": name, "confidence": round(sure * 100), **_box(box)}
            for name, (_, sure, box) in found.items()]
    if rows:
        ReadField.insert_many(rows).execute()


def _box(box) -> dict:
    """Every column named in every row: insert_many takes its columns from the first row."""
    if box is None:
        return {"page": None, "left": None, "top": None, "right": None, "bottom": None}
    return {"page": box.page, **{side: round(getattr(box, side) * 10_000)
                                 for side in ("left", "top", "right", "bottom")}}
