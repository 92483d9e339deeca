"""The total, the net and the tax of a document, and the checks between them: net + tax = total, cash less change
= total, the table's lines add up. A check that fails is noted and lowers the confidence; nothing is corrected."""
import re
from dataclasses import dataclass, replace
from decimal import Decimal

from rapidfuzz.distance import Hamming

from webapp.reading.model import Found
from webapp.reading.money import amounts_in
from webapp.reading.rows import Row, field_at
from webapp.reading.tables import is_header

_I = re.IGNORECASE

# OCR often drops the spaces between words ("TotalSales(InclusiveofGST)"), so labels allow none.
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
TAX = re.compile(r"\b(?:tax|vat|gst|hst|pst|qst|sst|tva|mwst|ust|iva|btw)|tax\b|(?:tax|vat|gst|sst)\s*(?:\d|\(|:|amt|amount)", _I)
COMPONENT = re.compile(r"\b(gst|hst|pst|qst|rst)\b", _I)
NOT_TAX = re.compile(r"invoice|\bid\b|id\s*:|reg|no\s*[.:]|number|summary|code|incl|excl|included|exempt|"
                     r"before|rate\s*$|%\s*$|\bsr\b|statement", _I)
NET = re.compile(r"sub\s*-?\s*total|total\s*(?:sales\s*)?\(?excl|\bexcl|total\s*ht|montant\s*ht|nettobetrag|"
                 r"zwischensumme|before\s*tax|net\s*amount|total\s*net|net\s*total(?!\s*incl)", _I)

# The words the labels above are made of, as OCR misreads one letter of them ("Totel Amount", "Tetal Amourl",
# "Chenge", "Raunding"); a real word one letter away from one of them is left alone.
LABEL_WORDS = ("total", "amount", "change", "rounding", "payable", "balance", "subtotal", "inclusive")
REAL_WORDS = {"charge", "chance", "founding", "sounding", "bounding"}
WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")  # "NetTotal" is two words, "TOTAL" one
# A zero read as a letter inside an amount's cents ("15.U0", "9.5O").
CENTS_LETTER = re.compile(r"(?<=\d[.,])[OoU](?=\d)|(?<=\d[.,]\d)[OoU](?![A-Za-z0-9])")
SYMBOL_MARKS = 2  # amounts printed with "$" before a "$" misread as a leading 5 or 6 is suspected


@dataclass
class _Candidate:
    amount: Decimal
    row: Row
    score: float


def totals(rows: list[Row], notes: list[str]) -> dict[str, Found]:
    rows = [replace(row, text=respelled(row.text)) for row in rows]
    net, tax = _labelled_amount(rows, NET), _tax(rows)
    candidates = _total_candidates(rows)
    checks = _cross_checks(rows, net, tax)
    _drop_misreadings(rows, candidates, checks)
    for amount, _ in checks:
        printed = next((row for row in rows if any(a.value == amount for a in amounts_in(row.text))), None)
        if printed and not any(c.amount == amount for c in candidates):
            # worked out from other figures and printed unlabelled; a figure printed nowhere is never the total
            candidates.append(_Candidate(amount, printed, 0.55))
    for candidate in candidates:
        candidate.score += 0.2 * min(2, sum(amount == candidate.amount for amount, _ in checks))
    cash = _payment(rows, CASH)
    if not candidates and cash and not _payment(rows, CHANGE):
        candidates.append(_Candidate(cash.amount, cash.row, 0.45))  # paid the exact amount, no total printed
    fields = {}
    best = max(candidates, key=lambda c: (c.score, c.row.index), default=None)
    if best:
        confidence = best.score
        if confidence >= 0.7 and all(c.amount == best.amount for c in candidates):
            confidence = max(confidence, 0.8)  # labelled, and nothing else on the page claims to be the total
        if net and tax and not _adds_up(net.amount + tax.amount, best.amount, rows):
            confidence *= 0.6
            notes.append(f"The total ({best.amount}) isn't the net ({net.amount}) plus tax ({tax.amount}): "
                         f"{net.amount + tax.amount}.")
        fields["total"] = field_at(best.amount, confidence, best.row)
    checked = bool(best and net and tax)  # all three printed: they either add up or they don't
    agrees = checked and _adds_up(net.amount + tax.amount, best.amount, rows)
    sure = 0.95 if agrees else 0.75 if checked else 0.85
    if net:
        fields["net"] = field_at(net.amount, sure, net.row)
    if tax:
        fields["tax"] = field_at(tax.amount, sure, tax.row)
    return fields


def respelled(text: str) -> str:
    """A line with a label word OCR misread by one letter spelled right, and a zero read as a letter inside an
    amount's cents made a zero again."""
    def spelled(match: re.Match) -> str:
        word = match.group(0)
        if word.lower() in REAL_WORDS:
            return word
        label = next((label for label in LABEL_WORDS if len(label) == len(word) and
                      Hamming.distance(label, word.lower()) == 1), None)
        if label is None:
            return word
        return label.upper() if word.isupper() else label.capitalize() if word[0].isupper() else label
    return CENTS_LETTER.sub("0", WORD.sub(spelled, text))


def _drop_misreadings(rows: list[Row], candidates: list[_Candidate], checks: list) -> None:
    """A total OCR misread, put right when the right reading is a figure the document gives elsewhere: a "$" read
    as a leading 5 or 6 on a slip whose amounts carry "$" ("Net Total 57.10" under "Total Amount: $7.10"), or a
    lost decimal point ("Total RM 8600" beside "Total RM 86.00")."""
    dollars = sum(len(re.findall(r"\$\s?\d", row.text)) for row in rows) >= SYMBOL_MARKS
    figures = {c.amount for c in candidates} | {amount for amount, _ in checks}
    for candidate in candidates:
        for amount in amounts_in(candidate.row.text):
            printed = candidate.row.text[amount.start:amount.end].strip()
            if amount.value != candidate.amount:
                continue
            digits = re.search(r"\d[\d.,]*", printed).group(0)
            if dollars and re.fullmatch(r"[56]\d+[.,]\d\d", printed):
                readings = [Decimal(digits[1:].replace(",", "."))]
            elif re.fullmatch(r"\d{3,}", digits):
                readings = [(Decimal(digits) / 100).quantize(Decimal("0.01"))]
            else:
                continue
            right = [value for value in readings if value in figures and value != candidate.amount]
            if right:
                candidate.amount = right[0]


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
    if components := _tax_components(rows):
        return components
    candidates = []
    for row in rows:
        match = TAX.search(row.text)
        if not match or NOT_TAX.search(row.text) or STRONG_TOTAL.search(row.text) or NET.search(row.text):
            continue
        found = _money_after(rows, row, match.end())
        if found:
            candidates.append(_Candidate(found[0], found[1], 0.9 if re.search("total", row.text, _I) else 0.8))
    return max(candidates, key=lambda c: (c.score, -c.row.index), default=None)


def _tax_components(rows: list[Row]) -> _Candidate | None:
    """Canada's GST with PST, QST or RST, each printed on a line of its own: the tax is what they add up to."""
    found = {}
    for row in rows:
        match = COMPONENT.search(row.text)
        if match and not NOT_TAX.search(row.text) and not TOTAL.search(row.text):
            amount = _money_after(rows, row, match.end())
            if amount:
                found.setdefault(match.group(1).upper(), amount)
    if len(found) < 2:
        return None
    first = min((row for _, row in found.values()), key=lambda row: row.index)
    return _Candidate(sum(amount for amount, _ in found.values()), first, 0.85)


def _payment(rows: list[Row], label: re.Pattern) -> _Candidate | None:
    """The first amount after a cash (or change) label, on its line or the line below."""
    for row in rows:
        match = label.search(row.text)
        if match and not (label is CASH and (CHANGE.search(row.text) or re.search("total", row.text, _I))):
            found = _money_after(rows, row, match.end())
            if found:
                return _Candidate(found[0], found[1], 0.8)
    return None


def check_lines(items, fields: dict[str, Found], notes: list[str]) -> None:
    amounts = [item.amount for item in items if item.amount is not None]
    if len(amounts) < 2:
        return
    added = sum(amounts)
    targets = [fields[name].value for name in ("net", "total") if name in fields]
    if targets and added not in targets:
        notes.append(f"The lines add up to {added}, not the document's "
                     f"{'net' if 'net' in fields else 'total'} ({targets[0]}).")
