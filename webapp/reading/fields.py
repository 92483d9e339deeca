"""The fields a bookkeeper would type, read from a document's lines: type, supplier, customer, dates, totals,
currency, number, tax number, email, website and the table's lines.

Each field is a Found: its value, how sure the reading is and the box of the line it came from. Confidence:
about 0.95 and over, read after its own label and confirmed by another figure (net + tax = total, cash − change =
total); about 0.8-0.9, read after its own label; 0.5-0.7, inferred (the first date on the page, a name at the top);
0.3 or less, a guess (the largest amount). OCR's own confidence in the line scales it down. A check that fails
(net + tax ≠ total, the lines don't add up) lowers the confidence and adds a note; nothing is silently corrected."""
import re

from webapp.reading.dates import document_date, due_date
from webapp.reading.model import Found, Reading, Text
from webapp.reading.money import amounts_in, currency_in
from webapp.reading.parties import (customer, customer_block, document_type, email, is_own, supplier, tax_number,
                                    website)
from webapp.reading.rows import Row, field_at, rows_of
from webapp.reading.tables import table_lines
from webapp.reading.totals import check_lines, totals

_I = re.IGNORECASE

# The document's number, after its label.
NUMBER_LABEL = re.compile(
    r"(?P<kind>invoice|inv|receipt|rcpt|bill|document|doc|tax\s*invoice|transaction|trans|facture|rechnungs?|"
    r"booking|ref(?:erence)?|cs|order|cash\s*bill)\s*[-.]?\s*"
    r"(?:no\b|no\.|num(?:ber)?|nr|n°|#|nummer|id|number)\.?", _I)
NUMBER_KIND_RANK = {"order": 0.55, "booking": 0.7, "ref": 0.7, "reference": 0.7, "transaction": 0.7, "trans": 0.7}
VALUE = re.compile(r"[A-Z0-9][A-Za-z0-9\-/_.]*")


def read_fields(text: Text, *, country: str, own_names: tuple[str, ...] = (), base_currency: str = "") -> Reading:
    """Every field that can be read from the document's lines, for a business in `country` (ISO 3166 alpha-2)
    whose own names are `own_names` and whose currency is `base_currency`."""
    rows = rows_of(text.lines)
    fields: dict[str, Found] = {}
    notes: list[str] = []
    addressee = customer_block(rows)
    issuer = supplier(rows, addressee, own_names)
    issued_by_us = bool(issuer and is_own(issuer.value, own_names))
    issued = document_date(rows, country)
    fields.update(totals(rows, notes))
    for name, value in (
            ("supplier", issuer), ("customer", customer(rows)),
            ("type", document_type(rows, issued_by_us=issued_by_us)),
            ("date", issued), ("due_date", due_date(rows, country, issued)),
            ("currency", _currency(rows, country, base_currency)), ("number", _number(rows)),
            ("supplier_tax_number", tax_number(rows, country, addressee)),
            ("supplier_email", email(rows, addressee)), ("supplier_website", website(rows))):
        if value is not None and value.value not in (None, ""):
            fields[name] = value
    items = table_lines(rows)
    check_lines(items, fields, notes)
    return Reading(fields=fields, lines=tuple(items), source=text.source, pages=text.pages, notes=tuple(notes))


def _currency(rows: list[Row], country: str, base_currency: str) -> Found | None:
    code, confidence = currency_in([row.text for row in rows], country)
    if code:
        row = next((r for r in rows if code in r.text), None) or next(
            (r for r in rows if any(a.marked for a in amounts_in(r.text))), rows[0])
        return Found(code, confidence, row.line.box)
    # Nothing printed says otherwise: the business's own currency, as a bookkeeper would assume; no Check for it.
    return Found(base_currency.upper(), 0.8, None) if base_currency else None


def _number(rows: list[Row]) -> Found | None:
    candidates = []
    for row in rows:
        for label in NUMBER_LABEL.finditer(row.text):
            kind = label.group("kind").lower()
            value = _value_after(row.text[label.end():])
            source = row
            if value is None and row.index + 1 < len(rows):
                source = rows[row.index + 1]
                value = _value_after(source.text)
            if value:
                rank = NUMBER_KIND_RANK.get(kind, 0.9)
                candidates.append((rank, -row.index, value, source))
        hashed = re.search(r"(?:^|\s)#\s*([A-Za-z0-9][\w\-/]*\d)\b", row.text)
        if hashed and row.line.box.top < 0.3:
            candidates.append((0.5, -row.index, hashed.group(1), row))
    if not candidates:
        return None
    rank, _, value, row = max(candidates)
    return field_at(value, rank, row)


def _value_after(rest: str) -> str | None:
    """The reference printed after a label: it holds a digit; a run of capitals and digits glued to the next word
    by OCR ("IBZY2087CashatHotel") ends at its last digit."""
    rest = rest.lstrip(" :#.-").lstrip()
    match = VALUE.match(rest)
    if not match:
        return None
    value = match.group(0).rstrip("./-_")
    glued = re.match(r"([A-Z0-9\-/_.]*\d)[A-Z]*[a-z]", value)
    if glued:
        value = glued.group(1)
    if not re.search(r"\d", value) or len(value) < 3 or _looks_like_a_date(value):
        return None
    return value


def _looks_like_a_date(value: str) -> bool:
    return bool(re.fullmatch(r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}", value))
