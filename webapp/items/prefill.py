"""Read a few fields from a document's text layer: only what can be read reliably, everything stays editable.

Pure functions over text (no database, no Flask): date, total, reference, which known contact is named, and a new
contact's email address and tax number."""
import re
from datetime import date
from decimal import Decimal, InvalidOperation

MONTHS = {name: number for number, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")], start=1) for name in names}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
DATE_PATTERNS = (
    re.compile(r"\b(?P<year>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b"),
    re.compile(r"\b(?P<a>\d{1,2})[/.](?P<b>\d{1,2})[/.](?P<year>\d{4})\b"),
    re.compile(r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?[ -]" + _MONTH + r",?[ -](?P<year>\d{4})\b", re.IGNORECASE),
    re.compile(r"\b" + _MONTH + r" (?P<day>\d{1,2})(?:st|nd|rd|th)?,? (?P<year>\d{4})\b", re.IGNORECASE),
)
DATE_LABEL = re.compile(r"\b(invoice date|receipt date|tax point|date of issue|issue date|date)\b", re.IGNORECASE)
NOT_THE_DATE = re.compile(r"\b(due|delivery|order date|period|expires?)\b", re.IGNORECASE)

AMOUNT = re.compile(r"(?<![\d.,])-?(?:[£$€¥]|[A-Z]{3})?\s?(?P<amount>\d{1,3}(?:,\d{3})+(?:\.\d{2})?|\d+\.\d{2}|\d+)"
                    r"(?![\d,]*\.\d)(?!\d)")
DUE_LABEL = re.compile(r"\b(amount due|balance due|total due|amount payable|total payable|grand total)\b",
                       re.IGNORECASE)
TOTAL_LABEL = re.compile(r"\btotal\b", re.IGNORECASE)
NOT_THE_TOTAL = re.compile(r"\b(sub[- ]?total|total (?:vat|tax|gst|net|excl|discount|items?|quantity|qty)|"
                           r"(?:vat|tax|gst|net) total|total before)\b", re.IGNORECASE)

REFERENCE = re.compile(
    r"\b(?:invoice|receipt|bill)\s*(?:no\.?|number|num\.?|#)\s*[:#.]?\s*(?P<ref1>[A-Z0-9][A-Z0-9\-/_.]{0,39})"
    r"|\b(?:inv|ref(?:erence)?)\s*(?:no\.?|#)?\s*[:#.]\s*(?P<ref2>[A-Z0-9][A-Z0-9\-/_.]{0,39})",
    re.IGNORECASE)


def find_date(text: str, *, day_first: bool = True) -> date | None:
    """The document's date: the first date on a line labelled as the date, else the first date in the text."""
    lines = text.splitlines()
    labelled = [line for line in lines if DATE_LABEL.search(line) and not NOT_THE_DATE.search(line)]
    for line in labelled + lines:
        found = _first_date(line, day_first)
        if found:
            return found
    return None


def _first_date(line: str, day_first: bool) -> date | None:
    candidates = []
    for pattern in DATE_PATTERNS:
        for match in pattern.finditer(line):
            value = _to_date(match.groupdict(), day_first)
            if value:
                candidates.append((match.start(), value))
    return min(candidates)[1] if candidates else None


def _to_date(parts: dict, day_first: bool) -> date | None:
    year = int(parts["year"])
    if parts.get("month"):
        month, day = MONTHS[parts["month"].lower()], int(parts["day"])
    elif parts.get("m"):
        month, day = int(parts["m"]), int(parts["d"])
    else:
        a, b = int(parts["a"]), int(parts["b"])
        day, month = (a, b) if day_first else (b, a)
    if not 1990 <= year <= 2100:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_total(text: str) -> Decimal | None:
    """The amount on an "Amount due"/"Balance due" line, else on the last "Total" line (subtotals and tax skipped)."""
    due, totals = [], []
    for line in text.splitlines():
        if NOT_THE_TOTAL.search(line) and not DUE_LABEL.search(line):
            continue
        label = DUE_LABEL.search(line) or TOTAL_LABEL.search(line)
        if not label:
            continue
        amount = _amount_after(line[label.end():])
        if amount is not None:
            (due if DUE_LABEL.search(line) else totals).append(amount)
    if due:
        return due[0]
    return totals[-1] if totals else None


def _amount_after(rest: str) -> Decimal | None:
    for match in AMOUNT.finditer(rest):
        raw = match.group("amount").replace(",", "")
        if "." not in raw and not re.search(r"[£$€¥]|[A-Z]{3}", match.group(0)):
            continue  # a bare whole number is more likely a count or a page number than money
        try:
            return Decimal(raw).quantize(Decimal("0.01"))
        except InvalidOperation:
            continue
    return None


def find_reference(text: str) -> str | None:
    """The invoice or receipt number after "Invoice no", "Invoice #", "Ref:" and the like (it must hold a digit)."""
    for match in REFERENCE.finditer(text):
        value = (match.group("ref1") or match.group("ref2") or "").rstrip(".-/_")
        if re.search(r"\d", value):
            return value
    return None

EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
TAX_NUMBER = re.compile(
    r"\b(?:VAT|GST|HST|ABN|tax)\s*(?:/\s*HST\s*)?(?:reg(?:istration|\.)?\s*)?(?:no\.?|number|num\.?|#|id)?\s*[:#.]?\s*"
    r"(?P<number>(?:[A-Z]{2}\s?)?[0-9][0-9 ]{6,18}[0-9](?:\s?[A-Z]{2}\s?[0-9]{4})?)\b", re.IGNORECASE)


def find_email(text: str, *, not_these: tuple[str, ...] = ()) -> str | None:
    """The first email address in the text that isn't one of `not_these` (the business's own, say)."""
    skip = {address.casefold() for address in not_these}
    return next((match.group() for match in EMAIL.finditer(text) if match.group().casefold() not in skip), None)


def find_tax_number(text: str, *, not_these: tuple[str, ...] = ()) -> str | None:
    """A VAT, GST/HST or ABN number after its label ("VAT Reg No: GB 123 4567 89"), spaces kept as printed; numbers
    equal to one of `not_these` (the organisation's own), spaces ignored, are skipped."""
    skip = {_compact(number) for number in not_these if number}
    for match in TAX_NUMBER.finditer(text):
        number = " ".join(match.group("number").split())
        if _compact(number) not in skip:
            return number
    return None


def _compact(number: str) -> str:
    return re.sub(r"\s", "", number).upper()


def match_contact(text: str, contacts) -> int | None:
    """The id of the contact whose whole name appears in the text (case-insensitive); the longest name wins.

    `contacts`: (id, name) pairs. Two different contacts with equally long names both found: no match."""
    haystack = " ".join(text.split()).casefold()
    found = []
    for contact_id, name in contacts:
        needle = " ".join(name.split()).casefold()
        if len(needle) >= 3 and re.search(r"(?<!\w)" + re.escape(needle) + r"(?!\w)", haystack):
            found.append((len(needle), contact_id))
    if not found:
        return None
    found.sort(reverse=True)
    if len(found) > 1 and found[0][0] == found[1][0] and found[0][1] != found[1][1]:
        return None
    return found[0][1]


def read_fields(text: str, contacts, *, day_first: bool = True) -> dict:
    """Every field found in `text`: a subset of {date, total, reference, contact_id}."""
    fields = {"date": find_date(text, day_first=day_first), "total": find_total(text),
              "reference": find_reference(text), "contact_id": match_contact(text, contacts) if text else None}
    return {name: value for name, value in fields.items() if value is not None}
