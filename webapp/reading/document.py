"""Reading one document through its PDF text layer: pypdf's text with where each line sits, and the fields the
upload's finders (webapp.items.prefill) read reliably, each with how sure the reading is and the line it came from.

Photos and scans have no text layer, so they are Unreadable here; OCR and e-invoices read them elsewhere."""
import io
import math
import re
from decimal import Decimal, InvalidOperation

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from webapp.items import prefill
from webapp.reading.model import Box, Found, Line, Reading, Text, Unreadable

PAGES = 3  # fields sit on the first pages; reading more only costs time
SURE, LIKELY, GUESS = 0.95, 0.85, 0.6
CHAR_WIDTH = 0.5  # of the font size: Helvetica's average, enough to mark where a line ends
SYMBOLS = {"£": "GBP", "€": "EUR", "¥": "JPY"}
DOLLARS = {"US": "USD", "CA": "CAD", "AU": "AUD", "NZ": "NZD", "SG": "SGD", "HK": "HKD"}
CODE = re.compile(r"\b(GBP|EUR|USD|CAD|AUD|NZD|CHF|JPY|SEK|NOK|DKK|ZAR|SGD|HKD|INR)\b")
TAX_LINE = re.compile(r"^\s*(?:total\s+)?(?:vat|tax|gst|hst|sales tax)\b(?!\s*(?:reg|no|number|#|id)\b)", re.I)
NET_LINE = re.compile(r"^\s*(?:sub[- ]?total|net(?: total| amount)?|total (?:net|excl\.?(?:uding)? (?:vat|tax)))\b",
                      re.I)
DUE_LINE = re.compile(r"\b(?:due date|payment due|due by|due on|pay by)\b", re.I)
LABEL = re.compile(r"\b(invoice|receipt|credit note|date|total|bill to|ship to|page \d|tax|vat|statement)\b", re.I)


def read_document(data: bytes, content_type: str, *, country: str, own_names: tuple[str, ...] = (),
                  base_currency: str = "") -> Reading:
    """Every field this document's text layer gives; Unreadable(reason) when it has none to read."""
    if content_type != "application/pdf":
        raise Unreadable("it is a photo or scan without a text layer, which Docket can't read yet; "
                         "enter its details by hand")
    text = text_layer(data)
    if not any(line.text.strip() for line in text.lines):
        raise Unreadable("the PDF has no text layer (it is a scanned page), which Docket can't read yet; "
                         "enter its details by hand")
    return Reading(fields=_fields(text.lines, country, own_names, base_currency), source=text.source,
                   pages=text.pages)


def text_layer(data: bytes) -> Text:
    """The first pages' text as lines, top to bottom, each with the box it sits in (estimated from the font)."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise Unreadable("the PDF is password-protected")
        lines = []
        for number, page in enumerate(reader.pages[:PAGES], 1):
            lines += _page_lines(page, number)
        return Text(tuple(lines), len(reader.pages), "text layer")
    except (PyPdfError, OSError, ValueError, KeyError, IndexError, TypeError, AttributeError, AssertionError,
            RecursionError, ZeroDivisionError, NotImplementedError):  # a damaged PDF fails in any of these ways
        raise Unreadable("the PDF is damaged") from None


def _page_lines(page, number: int) -> list[Line]:
    width, height = float(page.mediabox.width) or 1.0, float(page.mediabox.height) or 1.0
    left, bottom = float(page.mediabox.left), float(page.mediabox.bottom)
    pieces: list[tuple[float, float, float, str]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            scale = math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3]) or 1.0
            pieces.extend((x, y, (size or 10) * scale, part) for part in text.split("\n") if part.strip())

    plain = page.extract_text(visitor_text=visit) or ""
    if not pieces:  # positions not given: whole-page boxes, the text still counts
        whole = Box(number, 0.0, 0.0, 1.0, 1.0)
        return [Line(" ".join(part.split()), whole) for part in plain.splitlines() if part.strip()]
    rows: dict[int, list] = {}
    for x, y, size, part in pieces:
        rows.setdefault(round(y), []).append((x, size, part))
    found = []
    for y in sorted(rows, reverse=True):  # PDF y grows upwards
        row = sorted(rows[y])
        size = max(piece[1] for piece in row)
        text = " ".join(" ".join(piece[2].split()) for piece in row)
        x0, x1 = row[0][0], row[-1][0] + CHAR_WIDTH * row[-1][1] * len(row[-1][2].strip())
        found.append(Line(text, Box(number, _fraction(x0 - left, width), _fraction(height - (y - bottom) - size, height),
                                    _fraction(x1 - left, width), _fraction(height - (y - bottom) + size / 4, height))))
    return found


def _fraction(value: float, whole: float) -> float:
    return round(min(1.0, max(0.0, value / whole)), 4)


def _fields(lines: tuple[Line, ...], country: str, own_names: tuple[str, ...], base_currency: str) -> dict:
    day_first = country != "US"
    text = "\n".join(line.text for line in lines)
    found: dict[str, Found] = {}

    def put(name, value, finder, confidence):
        if value is not None and value != "":
            line = next((line for line in lines if finder(line.text) == value), None)
            sure = confidence(line.text) if line and callable(confidence) else confidence
            found[name] = Found(value, sure, line.box if line else None)

    put("date", prefill.find_date(text, day_first=day_first), lambda t: prefill.find_date(t, day_first=day_first),
        lambda t: SURE if prefill.DATE_LABEL.search(t) and not prefill.NOT_THE_DATE.search(t) else GUESS)
    put("due_date", _due_date(lines, day_first), lambda t: _due_date([Line(t, None)], day_first), LIKELY)
    put("total", prefill.find_total(text), prefill.find_total,
        lambda t: SURE if prefill.DUE_LABEL.search(t) else LIKELY)
    put("number", prefill.find_reference(text), prefill.find_reference, SURE)
    put("supplier_tax_number", prefill.find_tax_number(text), prefill.find_tax_number, SURE)
    put("supplier_email", prefill.find_email(text), prefill.find_email, SURE)
    put("tax", _labelled_amount(lines, TAX_LINE), lambda t: _labelled_amount([Line(t, None)], TAX_LINE), LIKELY)
    put("net", _labelled_amount(lines, NET_LINE), lambda t: _labelled_amount([Line(t, None)], NET_LINE), LIKELY)
    issuer = _issuer(lines, own_names)
    if issuer:
        found["supplier"] = Found(issuer.text, GUESS, issuer.box)
    if _own(lines[0].text, own_names):
        found["type"] = Found("sales_invoice", LIKELY, lines[0].box)
        found["customer"] = found.pop("supplier") if "supplier" in found else None
        found = {name: value for name, value in found.items() if value is not None}
    else:
        put("type", _type(text), _type, LIKELY)
    put("currency", _currency(text, country, base_currency), lambda t: _currency(t, country, base_currency), LIKELY)
    return found


def _due_date(lines, day_first: bool):
    return next((day for line in lines if DUE_LINE.search(line.text)
                 and (day := prefill.find_date(line.text, day_first=day_first))), None)


def _labelled_amount(lines, label: re.Pattern) -> Decimal | None:
    for line in lines:
        if label.search(line.text):
            amounts = prefill.AMOUNT.findall(line.text[label.search(line.text).end():])
            money = [amount for amount in amounts if "." in amount]
            if money:
                try:
                    return Decimal(money[-1].replace(",", "")).quantize(Decimal("0.01"))
                except InvalidOperation:
                    return None
    return None


def _issuer(lines, own_names) -> Line | None:
    """Who issued the document, as printed: its first line with letters that is neither a label nor the business
    itself (headers start with the issuer's name far more often than not; hence only a guess)."""
    for line in lines[:6]:
        words = line.text.strip()
        if (re.search(r"[A-Za-z]{2}", words) and not LABEL.search(words) and not prefill.EMAIL.search(words)
                and not _own(words, own_names) and len(words) <= 100):
            return line
    return None


def _own(text: str, own_names) -> bool:
    printed = " ".join(text.split()).casefold()
    return any(name and " ".join(name.split()).casefold() in printed for name in own_names)


def _type(text: str) -> str | None:
    lowered = text.casefold()
    if "credit note" in lowered:
        return "credit_note"
    if "invoice" in lowered:
        return "invoice"
    if "receipt" in lowered:
        return "receipt"
    return None


def _currency(text: str, country: str, base_currency: str) -> str | None:
    code = CODE.search(text)
    if code:
        return code.group(1)
    symbol = next((SYMBOLS[char] for char in text if char in SYMBOLS), None)
    if symbol:
        return symbol
    if "$" in text:
        return base_currency if base_currency.endswith("D") else DOLLARS.get(country)
    return None
