"""What reading a document gives: its text as lines with boxes, and the fields read from them.

Plain data, no Flask and no database: `flask extract`, the `extract` worker and the benchmark share it."""
from dataclasses import dataclass, field
from decimal import Decimal

# The fields a reading may hold (the keys of Reading.fields), with the type of each value.
FIELDS = {
    "type": str,                 # "receipt" | "invoice" | "credit_note" | "sales_invoice" (issued by the business)
    "supplier": str,             # who issued the document, as printed
    "supplier_tax_number": str,  # VAT / ABN / GST / NZBN / EIN, as printed
    "supplier_email": str,
    "supplier_website": str,
    "customer": str,             # who it is addressed to ("Bill to"), as printed
    "date": "date",
    "due_date": "date",
    "total": Decimal,            # what is paid, tax included
    "tax": Decimal,
    "net": Decimal,
    "currency": str,             # ISO 4217 code
    "number": str,               # the invoice or receipt number
}


class Unreadable(Exception):
    """The document can't be read; `reason` completes "Docket couldn't read this document: …"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Box:
    """Where on the document: the page (1-based) and a rectangle in fractions of the page's width and height,
    measured from the top left corner, so it fits the page however large it is shown."""

    page: int
    left: float
    top: float
    right: float
    bottom: float


@dataclass(frozen=True)
class Line:
    """One line of text as it sits on the page, left to right."""

    text: str
    box: Box
    confidence: float = 1.0  # 1.0 from a text layer; the OCR engine's own for a photo or scan


@dataclass(frozen=True)
class Text:
    """A document's text, top to bottom and page by page."""

    lines: tuple[Line, ...]
    pages: int
    source: str  # "text layer" | "ocr" | "text layer and ocr" (a PDF with scanned pages)


@dataclass(frozen=True)
class Found:
    """One field's value, how sure the reading is (0 to 1) and where it was read."""

    value: object
    confidence: float
    box: Box | None = None


@dataclass(frozen=True)
class LineItem:
    description: str
    quantity: Decimal | None = None
    unit_amount: Decimal | None = None
    amount: Decimal | None = None  # as printed on the line (net or gross, as the document shows it)
    tax_rate: Decimal | None = None  # percent, where the line prints one (an e-invoice always does)
    box: Box | None = None
    tax_category: str | None = None  # an e-invoice's tax category code (UNCL 5305: S, Z, E, AE, K, G, O…)


@dataclass(frozen=True)
class Reading:
    """Everything read from one document."""

    fields: dict[str, Found] = field(default_factory=dict)
    lines: tuple[LineItem, ...] = ()
    source: str = ""  # "text layer" | "ocr" | "text layer and ocr" | "e-invoice"
    pages: int = 0
    notes: tuple[str, ...] = ()  # plain sentences about what couldn't be used ("The e-invoice's XML isn't valid…")

    def value(self, name: str):
        found = self.fields.get(name)
        return found.value if found else None
