"""Who a document is from and to, what kind of document it is, and the supplier's tax number, email and website."""
import re

from rapidfuzz import fuzz

from webapp.reading import countries
from webapp.reading.dates import DUE_LABEL
from webapp.reading.model import Found
from webapp.reading.money import amounts_in
from webapp.reading.rows import Row, field_at
from webapp.reading.totals import CHANGE

_I = re.IGNORECASE

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


def customer_block(rows: list[Row]) -> set[int]:
    """The indexes of the lines addressed to the customer: the labelled line and the three below it."""
    block = set()
    for row in rows:
        if CUSTOMER_LABEL.search(row.text):
            block.update(range(row.index, min(row.index + 4, len(rows))))
    return block


def customer(rows: list[Row]) -> Found | None:
    for row in rows:
        label = CUSTOMER_LABEL.search(row.text)
        if not label:
            continue
        rest = _clean_name(row.text[label.end():])
        if _looks_like_name(rest) and not CUSTOMER_LABEL.search(rest) and not re.search(r"address", rest, _I):
            return field_at(rest, 0.8, row)
        for below in rows[row.index + 1:row.index + 4]:  # the first name below, in the label's column
            if abs(below.line.box.left - row.line.box.left) > 0.08:
                continue
            text = below.text.split("  ")[0]
            inner = CUSTOMER_LABEL.search(text)
            name = _clean_name(text[inner.end():] if inner else text)
            if _looks_like_name(name):
                return field_at(name, 0.7, below)
    return None


def supplier(rows: list[Row], customer_rows: set[int], own_names: tuple[str, ...]) -> Found | None:
    """Who issued the document: a name after "Sold by" and the like, else the letterhead (the name-like line nearest
    the top of the first page, a company's legal form counting for it, lines under the document's title against)."""
    candidates = []
    title = next((row.index for row in rows if DOC_TITLE.fullmatch(_plain_title(row.text))), len(rows))
    for row in rows:
        label = SUPPLIER_LABEL.search(row.text)
        if label:
            name = _clean_name(row.text[label.end():])
            if name:
                candidates.append((0.85, -row.index, name, row, "labelled"))
        if row.index in customer_rows or row.line.box.page != 1 or row.line.box.top > 0.45:
            continue
        name = _clean_name(DOC_TITLE.sub(" ", row.text) if DOC_TITLE.search(row.text) else row.text)
        if not _looks_like_name(name) or NOT_A_NAME.search(row.text):
            continue
        name = _name_lines(rows, row, name)
        score = (0.75 if COMPANY.search(name) else 0.55) + max(0.0, 0.1 - 0.01 * row.index)
        if row.index > title:
            score -= 0.1
        candidates.append((score, -row.index, name, row, "letterhead"))
    if own_names:  # the business's own name is the issuer only as the letterhead; lower down it is the addressee
        first = max((c for c in candidates if c[4] == "letterhead"), key=lambda c: c[1], default=None)
        candidates = [c for c in candidates if c is first or not is_own(c[2], own_names)]
    if not candidates:
        return None
    score, _, name, row, _ = max(candidates)
    return field_at(name, score, row)


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


def is_own(name: str, own_names: tuple[str, ...]) -> bool:
    plain = _comparable(name)
    return any(fuzz.token_set_ratio(plain, _comparable(own)) >= 90 for own in own_names if own.strip())


def _comparable(name: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", name.casefold()).split())


def document_type(rows: list[Row], *, issued_by_us: bool) -> Found | None:
    top = [row for row in rows if row.line.box.page == 1 and row.line.box.top <= 0.45] or rows
    for pattern, kind in ((CREDIT, "credit_note"), (RECEIPT, "receipt"), (INVOICE, "invoice")):
        row = next((r for r in top if pattern.search(r.text)), None)
        if row is None:
            continue
        paid = _paid_at_the_counter(rows)
        if kind == "invoice" and paid:
            return field_at("receipt", 0.75, row)  # a "tax invoice" from a till, paid on the spot
        if kind == "invoice" and issued_by_us:
            kind = "sales_invoice"
        return field_at(kind, 0.9, row)
    # No word says what it is: paid at the counter (cash and change) makes it a receipt, the business's own
    # letterhead a sales invoice to look at; otherwise the workspace's own default stands.
    if rows and _paid_at_the_counter(rows):
        return field_at("receipt", 0.8, rows[0])
    if rows and issued_by_us:
        return field_at("sales_invoice", 0.5, rows[0])
    return None


def _paid_at_the_counter(rows: list[Row]) -> bool:
    change = any(CHANGE.search(row.text) and amounts_in(row.text) for row in rows)
    due = any(DUE_LABEL.search(row.text) for row in rows)
    return change and not due


def tax_number(rows: list[Row], country: str, customer_rows: set[int]) -> Found | None:
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
                best = field_at(number, confidence, row)
    return best


def email(rows: list[Row], customer_rows: set[int]) -> Found | None:
    for row in rows:
        match = EMAIL.search(row.text)
        if match and row.index not in customer_rows:
            return field_at(match.group(0), 0.85, row)
    return None


def website(rows: list[Row]) -> Found | None:
    for row in rows:
        if re.search(r"powered\s*by|generated\s*by|created\s*with", row.text, _I):
            continue
        for match in WEBSITE.finditer(row.text):
            site = match.group(0)
            if "www." in site.lower() or "://" in site or row.text[match.end():match.end() + 1] == "/":
                return field_at(re.sub(r"^https?://", "", site), 0.8, row)
    return None
