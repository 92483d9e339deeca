"""E-invoices read exactly: every field and line of a Peppol UBL invoice or credit note, a CII invoice and a
Factur-X PDF, with confidence 1; broken, schema-invalid and entity-declaring XML refused with a plain reason."""
import io
import time
from datetime import date
from decimal import Decimal

import facturx
import pytest
from pypdf import PdfWriter

from tests.einvoice_helpers import UBL_LINES, cii_document, facturx_pdf, plain_pdf, ubl_document
from tests.items_helpers import pdf_bytes
from webapp.reading import read_document
from webapp.reading.einvoice import find_einvoice, is_einvoice_xml, read_einvoice
from webapp.reading.model import LineItem, Unreadable

UBL_FIELDS = {"type": "invoice", "number": "INV-2024-0042", "date": date(2024, 3, 15), "due_date": date(2024, 4, 14),
              "currency": "EUR", "supplier": "Tulip Trading B.V.", "supplier_tax_number": "NL123456789B01",
              "supplier_email": "billing@tulip.example", "customer": "Fjord Bikes AB", "total": Decimal("395.20"),
              "net": Decimal("370.00"), "tax": Decimal("25.20")}
UBL_LINE_ITEMS = (
    LineItem("Consulting hours", quantity=Decimal("3"), unit_amount=Decimal("40.00"), amount=Decimal("120.00"),
             tax_rate=Decimal("21"), tax_category="S"),
    LineItem("Printed manuals", quantity=Decimal("100"), unit_amount=Decimal("2.50"), amount=Decimal("250.00"),
             tax_rate=Decimal("0"), tax_category="Z"),
)
CII_FIELDS = {"type": "invoice", "number": "FX-2024-17", "date": date(2024, 3, 1), "due_date": date(2024, 3, 31),
              "currency": "EUR", "supplier": "Boulangerie Martin SARL", "supplier_tax_number": "FR32123456789",
              "supplier_email": "factures@martin.example", "customer": "Café du Coin", "total": Decimal("60.00"),
              "net": Decimal("50.00"), "tax": Decimal("10.00")}
CII_LINE_ITEMS = (LineItem("Croissants (box)", quantity=Decimal("4"), unit_amount=Decimal("12.50"),
                           amount=Decimal("50.00"), tax_rate=Decimal("20"), tax_category="S"),)
SECRET = "root:x:0:0"  # what /etc/passwd starts with: no reason may ever carry it


def _values(reading) -> dict:
    return {name: found.value for name, found in reading.fields.items()}


def _assert_exact(reading, fields: dict, lines: tuple) -> None:
    assert _values(reading) == fields
    assert {found.confidence for found in reading.fields.values()} == {1.0}
    assert all(found.box is None for found in reading.fields.values())
    assert reading.lines == lines
    assert reading.source == "e-invoice"
    for name in ("total", "net", "tax"):
        assert reading.value(name).as_tuple().exponent == -2  # two decimals, as Xero takes them


def test_peppol_ubl_invoice_gives_every_field_and_line():
    _assert_exact(read_einvoice(ubl_document()), UBL_FIELDS, UBL_LINE_ITEMS)


def test_ubl_credit_note_is_a_credit_note_with_its_due_date_from_payment_means():
    reading = read_einvoice(ubl_document("CreditNote"))
    _assert_exact(reading, {**UBL_FIELDS, "type": "credit_note"}, UBL_LINE_ITEMS)


def test_ubl_invoice_with_type_code_381_is_a_credit_note():
    assert read_einvoice(ubl_document(type_code="381")).value("type") == "credit_note"


def test_tax_is_the_total_in_the_document_currency_when_a_tax_currency_total_comes_first():
    reading = read_einvoice(ubl_document(tax_currency_total="290.00"))
    assert reading.value("tax") == Decimal("25.20")
    assert reading.value("currency") == "EUR"


def test_cii_invoice_gives_every_field_and_line():
    _assert_exact(read_einvoice(cii_document()), CII_FIELDS, CII_LINE_ITEMS)


def test_cii_type_code_381_is_a_credit_note():
    assert read_einvoice(cii_document(type_code="381")).value("type") == "credit_note"


def test_factur_x_pdf_gives_its_embedded_xml_and_the_same_reading():
    xml = find_einvoice(facturx_pdf())
    assert xml == cii_document()
    _assert_exact(read_einvoice(xml), CII_FIELDS, CII_LINE_ITEMS)


@pytest.mark.parametrize("make", [ubl_document, lambda: ubl_document("CreditNote"), cii_document],
                         ids=["ubl invoice", "ubl credit note", "cii"])
def test_an_xml_e_invoice_is_found_as_itself(make):
    assert find_einvoice(make()) == make()


@pytest.mark.parametrize("data", [
    plain_pdf(),  # a PDF with nothing embedded
    facturx_pdf()[:2000],  # cut short
    b"%PDF-1.7\n" + b"\x00garbage" * 200,
    b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>',
    b'<?xml version="1.0"?><Invoice><cbc:ID>1</cbc:ID></Invoice>',  # an Invoice, but in no UBL namespace
    b"\x89PNG\r\n\x1a\n",
    b"",
], ids=["plain pdf", "truncated pdf", "garbage pdf", "xhtml", "no namespace", "png", "empty"])
def test_no_e_invoice_is_none(data):
    assert find_einvoice(data) is None


def test_a_pdf_embedding_another_xml_file_gives_none():
    with_other = facturx.generate_from_binary(plain_pdf(), cii_document(), attachments={
        "notes.xml": {"filedata": b"<notes/>", "description": "notes"}})
    assert find_einvoice(with_other) == cii_document()  # the Factur-X file is taken, not the other one
    assert find_einvoice(plain_pdf()) is None


def test_malformed_xml_is_unreadable_with_the_line_where_it_breaks():
    broken = ubl_document().replace(b"</cac:LegalMonetaryTotal>", b"</cac:LegalMonetary>")
    with pytest.raises(Unreadable) as refused:
        read_einvoice(broken)
    assert refused.value.reason.startswith("the e-invoice's XML is broken (line ")
    assert "can't be read" in refused.value.reason


def test_ubl_without_payable_amount_is_schema_invalid_in_plain_words():
    with pytest.raises(Unreadable) as refused:
        read_einvoice(ubl_document(payable=None))
    assert refused.value.reason == "the e-invoice's XML isn't valid UBL: it has no payable amount"


@pytest.mark.parametrize("change, reason", [
    ((b"<cbc:IssueDate>2024-03-15", b"<cbc:IssueDate>2024-02-30"),
     "the e-invoice's XML isn't valid UBL: its issue date “2024-02-30” isn't a valid date"),
    ((b">395.20</cbc:PayableAmount>", b">three hundred</cbc:PayableAmount>"),
     "the e-invoice's XML isn't valid UBL: its payable amount “three hundred” isn't a number"),
    ((b">120.00</cbc:LineExtensionAmount>", b">1e3</cbc:LineExtensionAmount>"),
     "the e-invoice's XML isn't valid UBL: its line 1's amount “1e3” isn't a number"),
    ((b"<cbc:ID>INV-2024-0042</cbc:ID>", b""), "the e-invoice's XML isn't valid UBL: it has no invoice number"),
    ((b"<cbc:DocumentCurrencyCode>EUR", b"<cbc:DocumentCurrencyCode>Euro"),
     "the e-invoice's XML isn't valid UBL: its currency code “Euro” isn't an ISO 4217 code"),
    ((b">395.20</cbc:PayableAmount>", b">" + b"9" * 40 + b"</cbc:PayableAmount>"),
     f"the e-invoice's XML isn't valid UBL: its payable amount “{'9' * 40}” isn't a number"),
], ids=["impossible date", "amount in words", "amount in exponent form", "no number", "currency in words",
        "forty digits"])
def test_ubl_with_a_bad_value_names_it(change, reason):
    with pytest.raises(Unreadable) as refused:
        read_einvoice(ubl_document().replace(*change))
    assert refused.value.reason == reason


def test_ubl_without_lines_is_invalid():
    with pytest.raises(Unreadable) as refused:
        read_einvoice(ubl_document(lines=()))
    assert refused.value.reason == "the e-invoice's XML isn't valid UBL: it has no invoice lines"


def test_ubl_with_an_element_the_schema_doesnt_allow_is_refused_by_the_schema():
    out_of_place = ubl_document().replace(b"<cbc:BuyerReference>PO-77</cbc:BuyerReference>",
                                          b"<cbc:Colour>blue</cbc:Colour>")
    with pytest.raises(Unreadable) as refused:
        read_einvoice(out_of_place)
    assert refused.value.reason == ("the e-invoice's XML isn't valid UBL (line 13: Element 'Colour': "
                                    "This element is not expected)")


def test_cii_with_a_bad_date_names_it():
    with pytest.raises(Unreadable) as refused:
        read_einvoice(cii_document().replace(b">20240301<", b">2024-03-01<"))
    assert refused.value.reason == "the e-invoice's XML isn't valid CII: its issue date “2024-03-01” isn't a valid date"


def test_cii_without_payable_amount_is_refused():
    with pytest.raises(Unreadable) as refused:
        read_einvoice(cii_document(payable=""))
    assert refused.value.reason == "the e-invoice's XML isn't valid CII: it has no payable amount"


def test_xml_of_another_kind_is_unreadable():
    with pytest.raises(Unreadable) as refused:
        read_einvoice(b'<?xml version="1.0"?><Order xmlns="urn:example:order"><ID>1</ID></Order>')
    assert "isn't an e-invoice Docket reads" in refused.value.reason


XXE = ubl_document().replace(
    b'<?xml version="1.0" encoding="UTF-8"?>',
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
).replace(b"<cbc:Name>Consulting hours</cbc:Name>", b"<cbc:Name>&e;</cbc:Name>")


def _billion_laughs() -> bytes:
    entities = "".join(f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10))
    return ubl_document().replace(
        b'<?xml version="1.0" encoding="UTF-8"?>',
        f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE Invoice [<!ENTITY lol0 "lol">{entities}]>'.encode()
    ).replace(b"<cbc:Name>Consulting hours</cbc:Name>", b"<cbc:Name>&lol9;</cbc:Name>")


@pytest.mark.parametrize("payload", [XXE, _billion_laughs(), XXE.decode().encode("utf-16")],
                         ids=["xxe", "billion laughs", "xxe in utf-16"])
def test_entities_are_refused_without_expanding_anything(payload):
    assert is_einvoice_xml(payload)  # recognised as an e-invoice, so the reason reaches the item
    started = time.monotonic()
    with pytest.raises(Unreadable) as refused:
        read_einvoice(payload)
    assert time.monotonic() - started < 1
    assert refused.value.reason == ("the e-invoice's XML declares entities (a DOCTYPE), which Docket doesn't read, "
                                    "for safety")
    assert SECRET not in refused.value.reason and "lol" not in refused.value.reason


def _pdf_embedding(name: str, xml: bytes) -> bytes:
    """A PDF carrying `xml` as the named file, embedded as is (the factur-x library won't embed XML it can't parse)."""
    writer = PdfWriter(clone_from=io.BytesIO(plain_pdf()))
    writer.add_attachment(name, xml)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("payload", [XXE, _billion_laughs()], ids=["xxe", "billion laughs"])
def test_a_pdf_carrying_an_entity_payload_gives_no_e_invoice_and_expands_nothing(payload):
    """The PDF is then read as a PDF: its embedded XML is never used."""
    pdf = _pdf_embedding("factur-x.xml", payload.replace(b"Invoice", b"CrossIndustryInvoice"))
    started = time.monotonic()
    assert find_einvoice(_pdf_embedding("xrechnung.xml", payload)) is None
    assert find_einvoice(pdf) is None
    assert time.monotonic() - started < 2


def test_an_embedded_ubl_invoice_is_found_by_its_xrechnung_name():
    assert find_einvoice(_pdf_embedding("xrechnung.xml", ubl_document())) == ubl_document()


def test_unit_price_keeps_four_decimals_where_the_document_prices_that_finely():
    fine = ({**UBL_LINES[0], "quantity": "1000", "price": "0.1234", "amount": "123.40", "per": None},)
    reading = read_einvoice(ubl_document(lines=fine).replace(b">120.00<", b">123.40<"))
    assert reading.lines[0].unit_amount == Decimal("0.1234")


def test_a_pdf_whose_e_invoice_is_invalid_is_read_from_its_text_with_a_note():
    invalid = cii_document(payable="lots")
    pdf = facturx.generate_from_binary(pdf_bytes("Moulin Rouge SARL", "FACTURE", "Invoice No: F-2024-17",
                                                 "Date: 15/03/2024", "Total EUR 60.00"), invalid, check_xsd=False)
    assert find_einvoice(pdf) == invalid
    reading = read_document(pdf, "application/pdf", country="FR", base_currency="EUR")
    assert reading.source == "text layer"
    assert (reading.value("number"), reading.value("total")) == ("F-2024-17", Decimal("60.00"))
    assert reading.notes[0].startswith("The e-invoice inside the PDF couldn't be used (")
    assert reading.notes[0].endswith("), so the PDF was read instead.")


def test_an_xml_e_invoice_that_is_invalid_is_unreadable_with_its_reason():
    with pytest.raises(Unreadable, match="payable amount"):
        read_document(ubl_document(payable=None), "application/xml", country="GB")
