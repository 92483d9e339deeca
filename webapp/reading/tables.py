"""The lines of a document's table: below a header row that names its columns (description, quantity, price,
amount), down to the totals."""
import re
from decimal import Decimal

from webapp.reading.model import LineItem
from webapp.reading.money import amounts_in
from webapp.reading.rows import Row

_I = re.IGNORECASE
HEADER_WORDS = re.compile(r"desc|item|product|d[ée]signation|beschreibung|article|particulars|qty|quantity|menge|"
                          r"nombre|qt[ée]|price|rate|unit|p\.\s*u|amount|amt|montant|betrag|preis|total", _I)
END = re.compile(r"total|summe|amount\s*due|balance|item\s*\(?s\)?\s*:|rounding", _I)
PERCENT = re.compile(r"(\d{1,2}(?:[.,]\d{1,2})?)\s?%")
QUANTITY = re.compile(r"^(\d{1,4}(?:[.,]\d{1,3})?)\s*(?:x|pc|pcs|units?|nos?|ea)?$", _I)


def table_lines(rows: list[Row]) -> list[LineItem]:
    items: list[LineItem] = []
    in_table = False
    pending = ""  # a description printed on the line above its figures
    page = 0
    for row in rows:
        if row.line.box.page != page:
            in_table, page = False, row.line.box.page  # a table that goes on overleaf repeats its header
        if is_header(row.text):
            in_table, pending = True, ""
            continue
        if not in_table:
            continue
        if END.search(row.text):
            in_table = False
            continue
        item = _item(row, pending)
        if item is not None:
            items.append(item)
            pending = ""
        elif re.search(r"[A-Za-z]{3}", row.text):
            pending = " ".join(row.text.split())
    return items


def is_header(text: str) -> bool:
    words = {match.group(0).lower()[:4] for match in HEADER_WORDS.finditer(text)}
    return len(words) >= 3 and not any(a.marked for a in amounts_in(text))


def _item(row: Row, pending: str) -> LineItem | None:
    cells = [cell.strip() for cell in re.split(r"\s{2,}", row.text) if cell.strip()]
    money = [a for a in amounts_in(row.text) if a.marked]
    if not money or (len(cells) > 1 and not _only_money(cells[-1].rstrip("*SRZL ").strip())):
        return None  # an amount inside a sentence ("inclusive of a discount of Rs -40.00,"), not a line's amount
    words = [cell for cell in cells if re.search(r"[A-Za-z]{3}", cell) and not _only_money(cell)]
    description = " ".join(words) or pending
    if not description:
        return None
    tax_rate = PERCENT.search(row.text)
    quantities = [Decimal(m.group(1).replace(",", ".")) for cell in cells[:-1] if (m := QUANTITY.match(cell))
                  and "." not in cell[-3:-2] and "," not in cell[-3:-2]]
    amount = money[-1].value
    # Price, tax %, tax, amount: the unit price sits before the tax amount.
    before = -3 if tax_rate and len(money) >= 3 else -2
    unit = money[before].value if len(money) >= -before else None
    quantity = quantities[-1] if quantities else (Decimal(1) if unit is None or unit == amount else None)
    if unit is None and quantity is not None:
        unit = amount / quantity if quantity else None
    return LineItem(description=description, quantity=quantity, unit_amount=unit, amount=amount,
                    tax_rate=Decimal(tax_rate.group(1).replace(",", ".")) if tax_rate else None, box=row.line.box)


def _only_money(cell: str) -> bool:
    return not re.sub(r"RM|Rs\.?|[A-Z]{3}|[\d.,\s$£€₹%()-]", "", cell)
