"""The fields a bookkeeper would type, read from a document's lines: type, supplier, customer, dates, totals,
currency, number, tax number, email, website and the table's lines.

Each field is a Found: its value, how sure the reading is and the box of the line it came from. Confidence:
about 0.95 and over, read after its own label and confirmed by another figure (net + tax = total, cash − change =
total); about 0.8-0.9, read after its own label; 0.5-0.7, inferred (the first date on the page, a name at the top);
0.3 or less, a guess (the largest amount). OCR's own confidence in the line scales it down. A check that fails
(net + tax ≠ total, the lines don't add up) lowers the confidence and adds a note; nothing is silently corrected."""
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from rapidfuzz import fuzz

from webapp.reading import countries
from webapp.reading.dates import dates_in
from webapp.reading.model import Found, Reading, Text
from webapp.reading.money import amounts_in, currency_in
from webapp.reading.rows import Row, rows_of
from webapp.reading.tables import is_header, table_lines

_I = re.IGNORECASE

# Totals. OCR often drops the spaces between words ("TotalSales(InclusiveofGST)"), so labels allow none.
STRONG_TOTAL = re.compile(r"am(?:oun)?t\s*due|balance\s*due|total\s*due|total\s*payable|amount\s*payable|grand\s*total|"
                          r"total\s*amount|total\s*amt|total\s*rounded|round\w*\s*total|total\s*(?:\w+\s*)?\(?\s*incl|"
                          r"nett?\s*total|total\s*ttc|gesamtbetrag|rechnungsbetrag|net\s*à\s*payer|"
                          r"total\s*for\s*this\s*invoice|invoice\s*total|total\s*to\s*pay", _I)
TOTAL = re.compile(r"total|amount|nett?\s*amt|balance|montant|summe|betrag|\bt(?:o?t)?l\b", _I)
NOT_TOTAL = re.compile(r"sub\s*-?\s*total|total\s*(?:qty|quantity|items?|disc|saving|tax|gst|vat|sst|excl|before|"
                       r"ht\b|net\b|weight|point|units?|pcs)|excl|includes|(?:tax|gst|vat|sst)\s*total|zwischensumme|"
                       r"\bqty|nombre|balance\s*\(?if|b/?f|brought|previous|last\s*(?:bill|invoice)", _I)
ROUNDING = re.compile(r"round|rour\s?ding|rounddtotal|\badj\b|adjust", _I)
CASH = re.compile(r"cash|tender|received|paid|payment|visa|master|card", _I)
CHANGE = re.compile(r"change|kembali", _I)
TAX = re.compile(r"\b(?:tax|vat|gst|sst|tva|mwst|ust|iva|btw)|tax\b|(?:tax|vat|gst|sst)\s*(?:\d|\(|:|amt|amount)", _I)
NOT_TAX = re.compile(r"invoice|\bid\b|id\s*:|reg|no\s*[.:]|number|summary|code|incl|excl|included|exempt|"
                     r"before|rate\s*$|%\s*$|\bsr\b|statement", _I)
NET = re.compile(r"sub\s*-?\s*total|total\s*(?:sales\s*)?\(?excl|\bexcl|total\s*ht|montant\s*ht|nettobetrag|"
                 r"zwischensumme|before\s*tax|net\s*amount|total\s*net|net\s*total(?!\s*incl)", _I)

# Dates.
DATE_LABEL = re.compile(r"dat(?:e|um)|tarikh|issued", _I)
NOT_THE_DATE = re.compile(r"due|order\s*dat|deliver|ship|check|period|expir|birth|from|until|valid|zahlungsziel|"
                          r"échéance|print|lieferdatum|leistungs", _I)
DUE_LABEL = re.compile(r"due|pay\s*by|payable\s*by|zahlungsziel|fällig|échéance|date\s*limite|vencimiento", _I)
TERMS = re.compile(r"\bnet\s*(\d{1,3})\b|(\d{1,3})\s*(?:days|tage|jours)\s*(?:net|netto)?", _I)

# Numbers.
NUMBER_LABEL = re.compile(
    r"(?P<kind>invoice|inv|receipt|rcpt|bill|document|doc|tax\s*invoice|transaction|trans|facture|rechnungs?|"
    r"booking|ref(?:erence)?|cs|order|cash\s*bill)\s*[-.]?\s*"
    r"(?:no\b|no\.|num(?:ber)?|nr|n°|#|nummer|id|number)\.?", _I)
NUMBER_KIND_RANK = {"order": 0.55, "booking": 0.7, "ref": 0.7, "reference": 0.7, "transaction": 0.7, "trans": 0.7}
VALUE = re.compile(r"[A-Z0-9][A-Za-z0-9\-/_.]*")

# Who.
DOC_TITLE = re.compile(r"(?:simplified\s*)?(?:tax\s*)?invoices?(?:\s*/\s*bill)?|receipt|credit\s*note|cash\s*bill|"
                       r"bill|rechnung|facture|factura|fattura|quittung|payment|retail|statement|official", _I)
CREDIT = re.compile(r"credit\s*(?:note|memo)|gutschrift|\bavoir\b|nota\s*de\s*cr[eé]dito", _I)
RECEIPT = re.compile(r"receipt|cash\s*bill|cash\s*sale|quittung|kassenbon|\breçu\b|ticket", _I)
INVOICE = re.compile(r"invoice|rechnung|facture|factura|fattura|factuur|\bbill\b", _I)
SUPPLIER_LABEL = re.compile(r"sold\s*by|supplier|vendor|seller|issued\s*by|titulaire\s*du\s*compte|payable\s*to|"
                            r"account\s*name|from\s*:", _I)
CUSTOMER_LABEL = re.compile(r"bill(?:ed)?\s*to|sold\s*to|invoice\s*to|ship\s*to|customer\s*(?:name)?\s*:|attn|"
                            r"billing\s*address|client\s*:|kunde\s*:", _I)
LEGAL = re.compile(r"sdn\.?\s*bhd|bhd\b|\bs/b\b|\bltd\b|limited|\binc\b|\bllc\b|gmbh|\bag\b|\bpty\b|\bplc\b|"
                   r"\bpvt\b|s\.?a\.?r\.?l|\bsas\b|\bcorp|\bco\.|company", _I)
COMPANY = re.compile(LEGAL.pattern + r"|enterprise|trading|perniagaan|kedai|restoran", _I)
REGISTRATION = re.compile(r"\s*[(\[{（]?\s*[A-Z0-9]*\d{4,}[\dA-Z\-]*\s*[)\]}）]?.*$")
NOT_A_NAME = re.compile(r"co\.?\s*no|tel\s*[:.\d]|fax\s*[:.\d]|phone|www|\.com|@|jalan|street|road\b|\bno\.\s*\d|"
                        r"(?:gst|vat|sst)\s*(?:id|no|reg|:|\d)|reg\s*(?:no|\.|:)|page|seite|date|cashier|thank|"
                        r"\btq\b|:", _I)
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
WEBSITE = re.compile(r"(?<![@\w.])(?:https?://)?(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\."
                     r"(?:com|net|org|io|co\.uk|com\.au|co\.nz|com\.my|my|de|fr|in|ca|uk|eu|nz|au)(?![\w@])", _I)
TAX_NUMBER_VALUE = re.compile(r"(?P<v>\d{2}[A-Z]{5}\d{4}[A-Z]\d[A-Z\d]{2}|(?:[A-Z]{1,3}\s?)?\d[\d \-]{5,20}\d"
                              r"(?:\s?RT\s?\d{4})?)")


def read_fields(text: Text, *, country: str, own_names: tuple[str, ...] = (), base_currency: str = "") -> Reading:
    """Every field that can be read from the document's lines, for a business in `country` (ISO 3166 alpha-2)
    whose own names are `own_names` and whose currency is `base_currency`."""
    rows = rows_of(text.lines)
    fields: dict[str, Found] = {}
    notes: list[str] = []
    customer_rows = _customer_block(rows)
    _put(fields, "customer", _customer(rows))
    supplier = _supplier(rows, customer_rows, own_names)
    _put(fields, "supplier", supplier)
    _put(fields, "type", _document_type(rows, issued_by_us=bool(supplier and _is_own(supplier.value, own_names))))
    date_found = _date(rows, country)
    _put(fields, "date", date_found)
    _put(fields, "due_date", _due_date(rows, country, date_found))
    totals = _totals(rows, notes)
    fields.update(totals)
    _put(fields, "currency", _currency(rows, country, base_currency))
    _put(fields, "number", _number(rows))
    _put(fields, "supplier_tax_number", _tax_number(rows, country, customer_rows))
    _put(fields, "supplier_email", _email(rows, customer_rows))
    _put(fields, "supplier_website", _website(rows))
    items = table_lines(rows)
    _check_lines(items, fields, notes)
    return Reading(fields=fields, lines=tuple(items), source=text.source, pages=text.pages, notes=tuple(notes))


def _put(fields: dict, name: str, found: Found | None) -> None:
    if found is not None and found.value not in (None, ""):
        fields[name] = found


def _found(value, confidence: float, row: Row) -> Found:
    return Found(value, round(min(0.99, confidence) * row.line.confidence, 2), row.line.box)


# Totals -------------------------------------------------------------------------------------------------------------

@dataclass
class _Candidate:
    amount: Decimal
    row: Row
    score: float


def _totals(rows: list[Row], notes: list[str]) -> dict[str, Found]:
    net, tax = _labelled_amount(rows, NET), _tax(rows)
    candidates = _total_candidates(rows)
    checks = _cross_checks(rows, net, tax)
    for amount, row in checks:
        if not any(c.amount == amount for c in candidates):
            candidates.append(_Candidate(amount, row, 0.55))  # worked out from other figures, printed unlabelled
    for candidate in candidates:
        candidate.score += 0.2 * min(2, sum(amount == candidate.amount for amount, _ in checks))
    cash = _payment(rows, CASH)
    if not candidates and cash and not _payment(rows, CHANGE):
        candidates.append(_Candidate(cash.amount, cash.row, 0.45))  # paid the exact amount, no total printed
    fields = {}
    best = max(candidates, key=lambda c: (c.score, c.row.index), default=None)
    if best:
        confidence = best.score
        if net and tax and not _adds_up(net.amount + tax.amount, best.amount, rows):
            confidence *= 0.6
            notes.append(f"The total ({best.amount}) isn't the net ({net.amount}) plus tax ({tax.amount}): "
                         f"{net.amount + tax.amount}.")
        fields["total"] = _found(best.amount, confidence, best.row)
    agrees = bool(best and net and tax and _adds_up(net.amount + tax.amount, best.amount, rows))
    if net:
        fields["net"] = _found(net.amount, 0.95 if agrees else 0.75, net.row)
    if tax:
        fields["tax"] = _found(tax.amount, 0.95 if agrees else 0.75, tax.row)
    return fields


def _cross_checks(rows: list[Row], net: "_Candidate | None", tax: "_Candidate | None") -> list[tuple[Decimal, Row]]:
    """What the total should be by the document's other figures: cash less change, net plus tax (and any rounding)."""
    checks = []
    cash, change = _payment(rows, CASH), _payment(rows, CHANGE)
    if cash and change and abs(cash.amount) - change.amount > 0:
        checks.append((abs(cash.amount) - change.amount, cash.row))
    if net and tax:
        checks.append((net.amount + tax.amount, tax.row))
        rounding = _labelled_amount(rows, ROUNDING)
        if rounding and rounding.amount and abs(rounding.amount) < 1:
            checks.append((net.amount + tax.amount + rounding.amount, rounding.row))
    return checks


def _adds_up(expected: Decimal, total: Decimal, rows: list[Row]) -> bool:
    """Equal, or apart by no more than a rounding adjustment the document prints (cash rounding to 5 cents)."""
    if expected == total:
        return True
    return abs(expected - total) <= Decimal("0.04") and any(ROUNDING.search(row.text) for row in rows)


def _total_candidates(rows: list[Row]) -> list[_Candidate]:
    found = []
    for row in rows:
        if NOT_TOTAL.search(row.text) or (ROUNDING.search(row.text) and not re.search("total", row.text, _I)):
            continue
        if CASH.search(row.text) and not re.search("total", row.text, _I) or CHANGE.search(row.text):
            continue
        label = STRONG_TOTAL.search(row.text) or TOTAL.search(row.text)
        if label and not is_header(row.text):
            amount = _money_after(rows, row, label.end())
            if amount is not None:
                strength = 0.85 if STRONG_TOTAL.search(row.text) else 0.7
                if sum(a.marked for a in amounts_in(row.text[label.end():])) > 1:
                    strength -= 0.2  # a table's or a tax summary's total row
                if any(ROUNDING.search(r.text) and not TOTAL.search(r.text) for r in rows[:row.index]):
                    strength += 0.2  # what is paid: the total after the rounding adjustment
                found.append(_Candidate(amount[0], amount[1], strength))
        elif row.index > 0 and ROUNDING.search(rows[row.index - 1].text) and _bare_amount(row):
            found.append(_Candidate(_bare_amount(row), row, 0.7))  # the rounded total printed under the adjustment
    if not found:
        money = [(a.value, row) for row in rows for a in amounts_in(row.text) if a.marked and a.value > 0
                 and not (CASH.search(row.text) or CHANGE.search(row.text))]
        if money:
            value, row = max(money, key=lambda pair: pair[0])
            found.append(_Candidate(value, row, 0.3))
    return found


def _money_after(rows: list[Row], row: Row, start: int):
    """The last amount after a label (its position `start` in the row), else the amount on the line below: the
    amount and the row it was read from."""
    money = [a for a in amounts_in(row.text[start:]) if a.marked]
    if money:
        return money[-1].value, row
    return _amount_below(rows, row)


def _amount_below(rows: list[Row], row: Row):
    """The amount on the next line when the label's own line has none (a label above its figure)."""
    if row.index + 1 < len(rows):
        below = rows[row.index + 1]
        value = _bare_amount(below)
        if value is not None:
            return value, below
    return None


def _bare_amount(row: Row) -> Decimal | None:
    """The amount of a line that holds nothing but an amount (and maybe a currency mark)."""
    if re.search(r"[A-Za-z]{4,}", row.text):
        return None
    money = [a for a in amounts_in(row.text) if a.marked]
    return money[-1].value if len(money) == 1 else None


def _labelled_amount(rows: list[Row], label: re.Pattern) -> _Candidate | None:
    for row in rows:
        match = label.search(row.text)
        if match:
            found = _money_after(rows, row, match.end())
            if found:
                return _Candidate(found[0], found[1], 0.8)
    return None


def _tax(rows: list[Row]) -> _Candidate | None:
    candidates = []
    for row in rows:
        match = TAX.search(row.text)
        if not match or NOT_TAX.search(row.text) or STRONG_TOTAL.search(row.text):
            continue
        found = _money_after(rows, row, match.end())
        if found:
            candidates.append(_Candidate(found[0], found[1], 0.9 if re.search("total", row.text, _I) else 0.8))
    return max(candidates, key=lambda c: (c.score, -c.row.index), default=None)


def _payment(rows: list[Row], label: re.Pattern) -> _Candidate | None:
    """The first amount after a cash (or change) label, on its line or the line below."""
    for row in rows:
        match = label.search(row.text)
        if match and not (label is CASH and (CHANGE.search(row.text) or re.search("total", row.text, _I))):
            found = _money_after(rows, row, match.end())
            if found:
                return _Candidate(found[0], found[1], 0.8)
    return None


# Dates --------------------------------------------------------------------------------------------------------------

def _date(rows: list[Row], country: str) -> Found | None:
    """The first date after a date label; else the first date on its own (not glued to a code such as "HC03-7-15")."""
    unlabelled = []
    for row in rows:
        found = dates_in(row.text, country)
        if not found or NOT_THE_DATE.search(row.text[:found[0][0]]):
            continue
        start, value, ambiguous = found[0]
        sureness = 0.85 if ambiguous else 1.0
        if DATE_LABEL.search(row.text[:start]):
            return _found(value, 0.92 * sureness, row)
        glued = start > 0 and row.text[start - 1].isalnum()
        unlabelled.append((glued, row.index, _found(value, (0.4 if glued else 0.65) * sureness, row)))
    return min(unlabelled, key=lambda c: c[:2])[2] if unlabelled else None


def _due_date(rows: list[Row], country: str, issued: Found | None) -> Found | None:
    for row in rows:
        label = DUE_LABEL.search(row.text)
        if not label:
            continue
        found = [d for d in dates_in(row.text, country) if d[0] >= label.start()]
        if found:
            return _found(found[0][1], 0.9 * (0.85 if found[0][2] else 1.0), row)
    if issued is None:
        return None
    for row in rows:
        terms = TERMS.search(row.text)
        if terms and re.search(r"net|terms|netto|zahlungs|payment|conditions", row.text, _I):
            days = int(terms.group(1) or terms.group(2))
            return _found(issued.value + timedelta(days=days), 0.6 * issued.confidence, row)
    return None


# Who, what and which ------------------------------------------------------------------------------------------------

def _customer_block(rows: list[Row]) -> set[int]:
    """The indexes of the lines addressed to the customer: the labelled line and the three below it."""
    block = set()
    for row in rows:
        if CUSTOMER_LABEL.search(row.text):
            block.update(range(row.index, min(row.index + 4, len(rows))))
    return block


def _customer(rows: list[Row]) -> Found | None:
    for row in rows:
        label = CUSTOMER_LABEL.search(row.text)
        if not label:
            continue
        rest = _clean_name(row.text[label.end():])
        if _looks_like_name(rest) and not CUSTOMER_LABEL.search(rest) and not re.search(r"address", rest, _I):
            return _found(rest, 0.8, row)
        for below in rows[row.index + 1:row.index + 4]:  # the first name below, in the label's column
            if abs(below.line.box.left - row.line.box.left) > 0.08:
                continue
            text = below.text.split("  ")[0]
            inner = CUSTOMER_LABEL.search(text)
            name = _clean_name(text[inner.end():] if inner else text)
            if _looks_like_name(name):
                return _found(name, 0.7, below)
    return None


def _supplier(rows: list[Row], customer_rows: set[int], own_names: tuple[str, ...]) -> Found | None:
    """Who issued the document: a name after "Sold by" and the like, else the letterhead (the name-like line nearest
    the top of the first page, a company's legal form counting for it, lines under the document's title against)."""
    candidates = []
    title = next((row.index for row in rows if DOC_TITLE.fullmatch(_plain_title(row.text))), len(rows))
    for row in rows:
        label = SUPPLIER_LABEL.search(row.text)
        if label:
            name = _clean_name(row.text[label.end():])
            if name:
                candidates.append((0.85, -row.index, name, row))
        if row.index in customer_rows or row.line.box.page != 1 or row.line.box.top > 0.45:
            continue
        name = _clean_name(DOC_TITLE.sub(" ", row.text) if DOC_TITLE.search(row.text) else row.text)
        if not _looks_like_name(name) or NOT_A_NAME.search(row.text):
            continue
        if own_names and _is_own(name, own_names) and row.index in customer_rows:
            continue
        name = _name_lines(rows, row, name)
        score = (0.75 if COMPANY.search(name) else 0.55) + max(0.0, 0.1 - 0.01 * row.index)
        if row.index > title:
            score -= 0.1
        candidates.append((score, -row.index, name, row))
    if not candidates:
        return None
    score, _, name, row = max(candidates)
    return _found(name, score, row)


def _plain_title(text: str) -> str:
    return re.sub(r"[^A-Za-z/ ]", "", text).strip()


def _name_lines(rows: list[Row], row: Row, name: str) -> str:
    """A name that goes on over the next lines: it ends in "&" or an open bracket, or the line below starts with its
    legal form ("AIK HUAT HARDWARE / ENTERPRISE (SETIA / ALAM) SDN BHD")."""
    following = rows[row.index + 1:row.index + 3]
    for below in following:
        if re.search(r"\d", below.text) or below.line.box.page != row.line.box.page:
            break
        goes_on = re.match(r"[)）]|\s*(?:enterprise|trading|sdn|bhd|s/b|ltd|limited|co\b)", below.text, _I) or (
            LEGAL.search(below.text) and not LEGAL.search(name) and len(below.text.split()) <= 3)
        if not (name.endswith("&") or name.count("(") > name.count(")") or goes_on):
            break
        name = f"{name} {_clean_name(below.text)}".strip()
    return name


def _looks_like_name(name: str) -> bool:
    letters = sum(ch.isalpha() for ch in name)
    if letters < 3 or letters < len(name.replace(" ", "")) * 0.6 or NOT_A_NAME.search(name):
        return False
    return not name.islower()  # a name written in lower case at the top is a handwritten note, not a letterhead


def _clean_name(text: str) -> str:
    text = REGISTRATION.sub("", text) if REGISTRATION.search(text) and REGISTRATION.search(text).start() > 2 else text
    text = re.split(r"\s+-\s+(?=.*\d)|\s{2,}", text.strip(" :,-"))[0] if text.strip() else ""
    return " ".join(text.split()).strip(" :,.;-#*")


def _is_own(name: str, own_names: tuple[str, ...]) -> bool:
    plain = _comparable(name)
    return any(fuzz.token_set_ratio(plain, _comparable(own)) >= 90 for own in own_names if own.strip())


def _comparable(name: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", name.casefold()).split())


def _document_type(rows: list[Row], *, issued_by_us: bool) -> Found | None:
    top = [row for row in rows if row.line.box.page == 1 and row.line.box.top <= 0.45] or rows
    for pattern, kind in ((CREDIT, "credit_note"), (RECEIPT, "receipt"), (INVOICE, "invoice")):
        row = next((r for r in top if pattern.search(r.text)), None)
        if row is None:
            continue
        paid = _paid_at_the_counter(rows)
        if kind == "invoice" and paid:
            return _found("receipt", 0.75, row)  # a "tax invoice" from a till, paid on the spot
        if kind == "invoice" and issued_by_us:
            kind = "sales_invoice"
        return _found(kind, 0.9, row)
    if not rows:
        return None
    kind = "receipt" if _paid_at_the_counter(rows) else "sales_invoice" if issued_by_us else "invoice"
    return _found(kind, 0.5, rows[0])


def _paid_at_the_counter(rows: list[Row]) -> bool:
    change = any(CHANGE.search(row.text) and amounts_in(row.text) for row in rows)
    due = any(DUE_LABEL.search(row.text) for row in rows)
    return change and not due


def _currency(rows: list[Row], country: str, base_currency: str) -> Found | None:
    code, confidence = currency_in([row.text for row in rows], country)
    if code:
        row = next((r for r in rows if code in r.text), None) or next(
            (r for r in rows if any(a.marked for a in amounts_in(r.text))), rows[0])
        return Found(code, confidence, row.line.box)
    return Found(base_currency.upper(), 0.5, None) if base_currency else None


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
    return _found(value, rank, row)


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
    if not re.search(r"\d", value) or len(value) < 3 or dates_like(value):
        return None
    return value


def dates_like(value: str) -> bool:
    return bool(re.fullmatch(r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}", value))


def _tax_number(rows: list[Row], country: str, customer_rows: set[int]) -> Found | None:
    labels = "|".join(filter(None, {countries.TAX_LABELS[""], countries.TAX_LABELS.get(country.upper(), "")}))
    pattern = re.compile(rf"(?:{labels})[\w/\-]*(?:\s*(?:Id(?:Nr)?|Reg(?:istration)?|No|Nr|Number|Num|#|ID)\.?)*"
                         rf"\s*[:#.]?\s*", _I)
    best = None
    for row in rows:
        if row.index in customer_rows:
            continue
        for label in pattern.finditer(row.text):
            value = TAX_NUMBER_VALUE.match(row.text[label.end():])
            if not value or sum(ch.isdigit() for ch in value.group("v")) < 6:
                continue
            number = " ".join(value.group("v").split())
            valid = countries.tax_number_valid(number, country)
            confidence = 0.95 if valid else 0.75 if valid is None else 0.6
            if best is None or confidence > best.confidence:
                best = _found(number, confidence, row)
    return best


def _email(rows: list[Row], customer_rows: set[int]) -> Found | None:
    for row in rows:
        match = EMAIL.search(row.text)
        if match and row.index not in customer_rows:
            return _found(match.group(0), 0.85, row)
    return None


def _website(rows: list[Row]) -> Found | None:
    for row in rows:
        if re.search(r"powered\s*by|generated\s*by|created\s*with", row.text, _I):
            continue
        for match in WEBSITE.finditer(row.text):
            site = match.group(0)
            if "www." in site.lower() or "://" in site or row.text[match.end():match.end() + 1] == "/":
                return _found(re.sub(r"^https?://", "", site), 0.8, row)
    return None


def _check_lines(items, fields: dict[str, Found], notes: list[str]) -> None:
    amounts = [item.amount for item in items if item.amount is not None]
    if len(amounts) < 2:
        return
    added = sum(amounts)
    targets = [fields[name].value for name in ("net", "total") if name in fields]
    if targets and added not in targets:
        notes.append(f"The lines add up to {added}, not the document's "
                     f"{'net' if 'net' in fields else 'total'} ({targets[0]}).")
