"""The fields read from a document's lines: what kind of document it is, who issued it, its dates, totals, currency,
number, tax number and table, each with a confidence and the box it was read from; a total that doesn't add up is
noted, not corrected."""
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webapp.reading.fields import read_fields
from webapp.reading.model import FIELDS, Box, Line, Text


def document(*rows, confidence: float = 1.0, source: str = "text layer") -> Text:
    """A one-page document whose lines sit one under another from the top; a row may be (text, confidence)."""
    lines = []
    for number, row in enumerate(rows):
        text, sureness = row if isinstance(row, tuple) else (row, confidence)
        top = 0.03 + number * 0.025
        lines.append(Line(text, Box(1, 0.1, top, 0.9, top + 0.02), sureness))
    return Text(tuple(lines), 1, source)


def read(*rows, country="GB", **options):
    return read_fields(document(*rows), country=country, **options)


BILL = ("Bright Paper Ltd", "12 Mill Lane, Leeds LS1 4AB", "INVOICE", "Invoice No: INV-0042", "Date: 03/04/2025",
        "Bill to:", "Docket Demo Ltd", "Description  Qty  Unit price  Amount",
        "A4 paper, 5 reams  2  10.00  20.00", "Toner cartridge  1  80.00  80.00", "Subtotal  100.00",
        "VAT 20%  20.00", "Total Due  £120.00")


# Type ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("title, expected", [
    ("INVOICE", "invoice"), ("TAX INVOICE", "invoice"), ("CREDIT NOTE", "credit_note"), ("RECEIPT", "receipt"),
])
def test_the_title_tells_the_kind_of_document(title, expected):
    reading = read("Bright Paper Ltd", title, "Date: 03/04/2025", "Total  12.00")
    assert reading.value("type") == expected
    assert reading.fields["type"].confidence >= 0.8


def test_no_word_for_the_kind_leaves_the_type_to_the_workspace_unless_it_was_paid_at_the_counter():
    assert read("Bright Paper Ltd", "Date: 03/04/2025", "Total  12.00").value("type") is None
    assert read("Corner Shop", "Total  9.00", "Cash  10.00", "Change  1.00").value("type") == "receipt"


def test_a_till_receipt_titled_tax_invoice_paid_on_the_spot_is_a_receipt():
    reading = read("Kedai Runcit Sdn Bhd", "SIMPLIFIED TAX INVOICE", "Total  9.00", "Cash  10.00", "Change  1.00")
    assert reading.value("type") == "receipt"


def test_a_document_issued_by_the_business_itself_is_a_sales_invoice():
    reading = read("Docket Demo Ltd", "INVOICE", "Bill to:", "Harbour Cafe", "Total Due  50.00",
                   own_names=("Docket Demo Limited", "Docket Demo Ltd"))
    assert reading.value("type") == "sales_invoice"
    assert reading.value("customer") == "Harbour Cafe"


def test_a_bill_addressed_to_the_business_is_a_bill_from_the_supplier():
    reading = read(*BILL, own_names=("Docket Demo Ltd",))
    assert reading.value("type") == "invoice"
    assert reading.value("supplier") == "Bright Paper Ltd"
    assert reading.value("customer") == "Docket Demo Ltd"


def test_the_business_named_under_a_suppliers_letterhead_is_the_addressee_not_the_issuer():
    reading = read("Bright Paper", "12 Mill Lane, Leeds", "INVOICE", "Docket Demo Limited", "Total Due  50.00",
                   own_names=("Docket Demo Limited",))
    assert reading.value("supplier") == "Bright Paper"
    assert reading.value("type") == "invoice"


# Dates --------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("country, expected", [
    ("GB", date(2025, 4, 3)), ("AU", date(2025, 4, 3)), ("NZ", date(2025, 4, 3)), ("MY", date(2025, 4, 3)),
    ("US", date(2025, 3, 4)), ("CA", date(2025, 3, 4)),
])
def test_a_numeric_date_is_read_the_way_the_country_writes_dates(country, expected):
    reading = read("Bright Paper Ltd", "Invoice date: 03/04/2025", "Total  1.00", country=country)
    assert reading.value("date") == expected
    assert reading.fields["date"].confidence < 0.9  # either way round was possible


def test_a_day_over_twelve_decides_the_order_whatever_the_country():
    assert read("Shop", "Date: 25/12/2018", country="US").value("date") == date(2018, 12, 25)
    assert read("Shop", "Date: 12/25/2018", country="GB").value("date") == date(2018, 12, 25)
    assert read("Shop", "Date: 25/12/2018", country="US").fields["date"].confidence > 0.9


@pytest.mark.parametrize("line, country, expected", [
    ("Date: 25/12/20188:13:39PM", "GB", date(2018, 12, 25)),  # OCR dropped the space before the time
    ("Rechnungsdatum  7. Mai 2014", "DE", date(2014, 5, 7)),
    ("Invoice Date:  August 3 , 2014", "US", date(2014, 8, 3)),
    ("DATE:27MAR2018", "MY", date(2018, 3, 27)),
    ("Date 2018-03-23", "US", date(2018, 3, 23)),
    ("Date  17-03-18", "GB", date(2018, 3, 17)),
])
def test_dates_as_printed_and_as_ocr_reads_them(line, country, expected):
    assert read("Shop", line, country=country).value("date") == expected


@pytest.mark.parametrize("line", ["01:34PM  568017  05 02-18", "01:34PM  568017  0502-18"])
def test_a_date_whose_first_separator_ocr_lost_is_read(line):
    assert read("Speed Mart", line, "Total  RM 141.50", country="MY").value("date") == date(2018, 2, 5)


def test_two_amounts_side_by_side_are_not_a_date_with_a_lost_separator():
    assert read("Shop", "Soap  4 X 2.30 11.20", "Total  11.20", country="MY").value("date") is None


@pytest.mark.parametrize("country, expected", [("GB", date(2018, 3, 5)), ("US", date(2018, 5, 3))])
def test_a_date_printed_as_one_run_of_digits_is_read_when_no_other_date_is_printed(country, expected):
    reading = read("Stationery Shop", "GST ID:002139201536", "05032018  No.CS-20242", "Total  12.00",
                   country=country)
    assert reading.value("date") == expected
    assert reading.fields["date"].confidence <= 0.5


def test_a_run_of_digits_loses_to_a_date_printed_with_separators():
    reading = read("Stationery Shop", "05032018  No.CS-20242", "Date: 07/03/2018", "Total  12.00")
    assert reading.value("date") == date(2018, 3, 7)


def test_a_reference_number_is_not_a_run_together_date():
    assert read("Shop", "Invoice No: 05032018", "Total  12.00").value("date") is None


def test_the_order_date_is_not_the_documents_date():
    reading = read("Shop", "Order Date: 15-10-2015", "Invoice Date: 20-10-2015", country="IN")
    assert reading.value("date") == date(2015, 10, 20)


def test_a_date_glued_to_a_product_code_loses_to_a_date_on_its_own():
    reading = read("Shop", "HC03-7-15  1X8.02  8.02", "12-01-19 21:13 T4 R000027830", "Total  8.02")
    assert reading.value("date") == date(2019, 1, 12)


def test_the_date_remembers_the_line_it_was_read_from():
    reading = read(*BILL)
    assert reading.fields["date"].box == Box(1, 0.1, 0.03 + 4 * 0.025, 0.9, 0.03 + 4 * 0.025 + 0.02)


@pytest.mark.parametrize("line, country, expected", [
    ("Due date: 17/04/2025", "GB", date(2025, 4, 17)),
    ("Payment due 30 April 2025", "GB", date(2025, 4, 30)),
    ("Due Date: 05/01/2025", "US", date(2025, 5, 1)),
])
def test_the_due_date_after_its_label(line, country, expected):
    reading = read("Bright Paper Ltd", "Invoice date: 03/04/2025", line, "Total  1.00", country=country)
    assert reading.value("due_date") == expected
    assert reading.value("date") == (date(2025, 4, 3) if country == "GB" else date(2025, 3, 4))


def test_payment_terms_give_a_due_date_counted_from_the_date_with_less_confidence():
    reading = read("Bright Paper Ltd", "Date: 03/04/2025", "Terms: Net 30", "Total  1.00")
    assert reading.value("due_date") == date(2025, 5, 3)
    assert reading.fields["due_date"].confidence < reading.fields["date"].confidence


# Totals -------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("label", ["Total Due", "Amount Due", "Balance Due", "Grand Total", "TOTAL", "Total (RM):"])
def test_the_total_after_its_label_not_the_subtotal_or_tax(label):
    reading = read("Bright Paper Ltd", "Subtotal  250.00", "Tax  25.00", "Total items  3", f"{label}  275.00",
                   "Thank you")
    assert reading.value("total") == Decimal("275.00")


def test_a_later_subtotal_or_vat_total_is_not_taken_as_the_total():
    reading = read("Bright Paper Ltd", "Total  120.00", "Sub-total  100.00", "VAT total  20.00")
    assert reading.value("total") == Decimal("120.00")


@pytest.mark.parametrize("printed, expected", [
    ("1,234.56", Decimal("1234.56")), ("1.234,56", Decimal("1234.56")), ("1 234,56 €", Decimal("1234.56")),
    ("$12,000.00", Decimal("12000.00")), ("RM9.00", Decimal("9.00")),
])
def test_thousands_separators_either_way(printed, expected):
    assert read("Shop", f"Grand Total  {printed}").value("total") == expected


def test_a_receipts_total_is_the_amount_after_the_rounding_adjustment():
    reading = read("MR D.I.Y. (M) SDN BHD", "-INVOICE-", "TOTAL  RM33.92", "ROUNDING ADJUSTMENT  -RM0.02",
                   "TOTAL ROUNDED  RM33.90", "CASH  RM50.00", "CHANGE  RM16.10", country="MY")
    assert reading.value("total") == Decimal("33.90")
    assert reading.fields["total"].confidence >= 0.95  # cash less change confirms it


def test_the_total_after_a_rounding_adjustment_wins_over_the_one_before_it():
    reading = read("Banh Mi Cafe", "Total (Inclusive of GST):  23.26", "Rounding Adj:  -0.01", "TOTAL :  23.25",
                   country="MY")
    assert reading.value("total") == Decimal("23.25")


def test_a_total_printed_under_its_label_is_read():
    reading = read("Shop", "SUB-TOTAL", "144.68", "TOTAL TAX", "8.68", "ROUNDING", "-0.01", "TOTAL", "153.35",
                   "CASH", "153.35", "CHANGE", "0.00", "TOTAL:  144.68  8.68")
    assert reading.value("total") == Decimal("153.35")
    assert reading.value("tax") == Decimal("8.68")
    assert reading.value("net") == Decimal("144.68")


def test_net_tax_and_total_that_agree_are_all_near_certain():
    reading = read(*BILL)
    assert (reading.value("net"), reading.value("tax"), reading.value("total")) == (
        Decimal("100.00"), Decimal("20.00"), Decimal("120.00"))
    assert all(reading.fields[name].confidence >= 0.95 for name in ("net", "tax", "total"))
    assert reading.notes == ()


def test_a_total_that_isnt_net_plus_tax_is_noted_and_less_sure_not_corrected():
    rows = [row if not row.startswith("Total Due") else "Total Due  £125.00" for row in BILL]
    reading = read(*rows)
    assert reading.value("total") == Decimal("125.00")
    assert reading.fields["total"].confidence < 0.6
    assert any("isn't the net (100.00) plus tax (20.00)" in note for note in reading.notes)


def test_total_labels_ocr_misread_by_a_letter_are_still_labels():
    reading = read("Corner Cafe", "Latte  $4.20", "Muffin  $3.10", "Totel Amount: $7.30", "GST @6%: $0.41",
                   "CASH  $10.00", "Chenge  $2.70", "GST Summary  Amount($)", "SR=GST 6%  6.89  0.41", country="MY")
    assert reading.value("total") == Decimal("7.30")
    assert reading.fields["total"].confidence >= 0.95  # cash less change, read after its misspelt label, agrees


def test_a_real_word_one_letter_from_a_label_is_not_taken_for_it():
    reading = read("Harbour Hotel", "Room  100.00", "Service Charge  10.00", "Total  110.00", "Cash  120.00")
    assert reading.value("total") == Decimal("110.00")
    assert reading.fields["total"].confidence < 0.9  # no change line, so cash less change confirms nothing


def test_a_zero_read_as_a_letter_in_the_cents_is_a_zero():
    reading = read("Hardware Shop", "Stretch film  15.00", "TOTAL  15.U0", "Thank you", country="MY")
    assert reading.value("total") == Decimal("15.00")
    assert reading.fields["total"].confidence >= 0.8  # read after its label, not guessed from the largest amount


def test_a_dollar_sign_read_as_a_leading_five_is_dropped_when_the_slip_prints_that_total():
    reading = read("Rice Shop", "1 Meat + 3 Vege  $7.10", "Total Amount: $7.10", "GST @6%: $0.40",
                   "Net Total. 57.10", "Thank you", country="MY")
    assert reading.value("total") == Decimal("7.10")


def test_a_leading_five_that_the_slip_backs_up_is_kept():
    reading = read("Rice Shop", "Family set  $57.10", "Total Amount: $57.10", "Net Total. 57.10", country="MY")
    assert reading.value("total") == Decimal("57.10")


def test_a_total_whose_decimal_point_ocr_lost_is_read_with_it_when_the_slip_prints_it():
    reading = read("Petrol Station", "Total  RM  86.00", "Visa  RM 86.00", "6.00%GST  RM  4.87",
                   "Total Gross RM 8600", "Loyalty Card", country="MY")
    assert reading.value("total") == Decimal("86.00")


def test_a_subtotal_labelled_with_its_tax_is_not_the_tax():
    reading = read("Hardware Shop", "SUB-TOTAL (GST) 15.00", "TOTAL  15.00", "CASH  15.00", "CHANGE  0.00",
                   country="MY")
    assert reading.value("tax") is None
    assert reading.value("total") == Decimal("15.00")
    assert reading.notes == ()


def test_a_guess_from_the_largest_amount_is_marked_as_a_guess():
    reading = read("Shop", "Coffee  3.50", "Cake  4.20")
    assert reading.value("total") == Decimal("4.20")
    assert reading.fields["total"].confidence <= 0.3


def test_ocrs_doubt_about_a_line_lowers_the_fields_confidence():
    sure = read_fields(document("Shop", ("Grand Total  42.00", 1.0)), country="GB")
    doubtful = read_fields(document("Shop", ("Grand Total  42.00", 0.6)), country="GB")
    assert doubtful.value("total") == sure.value("total")
    assert doubtful.fields["total"].confidence < sure.fields["total"].confidence * 0.7


# Currency -----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("line, country, expected", [
    ("Total  $120.00", "AU", "AUD"), ("Total  $120.00", "US", "USD"), ("Total  $120.00", "NZ", "NZD"),
    ("Total  $120.00", "CA", "CAD"), ("Total  £120.00", "AU", "GBP"), ("Total  120,00 €", "GB", "EUR"),
    ("Total  RM120.00", "GB", "MYR"), ("Total  USD 120.00", "AU", "USD"), ("Total EUR  34,73", "US", "EUR"),
])
def test_the_currency_by_iso_code_or_by_symbol_and_country(line, country, expected):
    reading = read("Shop", line, country=country, base_currency="XXX")
    assert reading.value("currency") == expected
    assert reading.fields["currency"].confidence >= 0.7


def test_a_document_that_names_no_currency_is_in_the_base_currency_without_a_check():
    reading = read("Shop", "Total  120.00", base_currency="NZD", country="NZ")
    assert reading.value("currency") == "NZD"
    assert reading.fields["currency"].confidence == 0.8 and reading.fields["currency"].box is None


# Number -------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("line, expected", [
    ("Invoice No: INV-0042", "INV-0042"), ("Invoice Number:  42183017", "42183017"),
    ("Receipt #: CS00031663", "CS00031663"), ("Facture n° 2022089083", "2022089083"),
    ("Rechnungsnr.  30064443  Kundennr.  47774", "30064443"), ("DocumentNo:TD01167104", "TD01167104"),
    ("Invoice No : # BLR_WFLD20151000982590", "BLR_WFLD20151000982590"),
])
def test_the_document_number_after_its_label(line, expected):
    reading = read("Shop", "Date: 03/04/2025", line)
    assert reading.value("number") == expected


def test_an_invoice_number_wins_over_an_order_number_and_a_label_above_its_value_is_read():
    assert read("Shop", "Order No: 5555", "Invoice No: 7777").value("number") == "7777"
    assert read("Shop", "Booking ID  Payment Mode", "IBZY2087CashatHotel").value("number") == "IBZY2087"


# Who ----------------------------------------------------------------------------------------------------------------

def test_the_supplier_is_the_letterhead_not_the_title_or_the_customer():
    reading = read("TAX INVOICE", "Harbour Roasters Pty Ltd", "ABN 51 824 753 556", "Bill to:", "Docket Demo Ltd",
                   "Total  10.00", country="AU")
    assert reading.value("supplier") == "Harbour Roasters Pty Ltd"
    assert reading.value("customer") == "Docket Demo Ltd"
    assert reading.fields["supplier"].box.top == pytest.approx(0.055)


def test_a_handwritten_note_above_the_letterhead_is_not_the_supplier():
    reading = read("tan woon yann", "INDAH GIFT & HOME DECO", "27, JALAN DEDAP 13", country="MY")
    assert reading.value("supplier") == "INDAH GIFT & HOME DECO"


def test_a_supplier_name_over_two_lines_and_its_registration_number_dropped():
    reading = read("AIK HUAT HARDWARE", "ENTERPRISE (SETIA", "ALAM) SDN BHD", "822737-X", "NO. 17-G, JALAN SETIA",
                   country="MY")
    assert reading.value("supplier") == "AIK HUAT HARDWARE ENTERPRISE (SETIA ALAM) SDN BHD"
    assert read("AEON CO.(M) BHD (126926-H)", "3RD FLR, AEON TAMAN MALURI SC").value("supplier") == "AEON CO.(M) BHD"


def test_a_labelled_seller_beats_the_name_at_the_top():
    reading = read("Retail Invoices/Bill", "Sold By :  WS Retail Services Pvt. Ltd.,", "Anushrut Singh", country="IN")
    assert reading.value("supplier") == "WS Retail Services Pvt. Ltd"


@pytest.mark.parametrize("line, country, expected, valid", [
    ("VAT Reg No: GB 980 7806 84", "GB", "GB 980 7806 84", True),
    ("VAT Reg No: GB 123 4567 89", "GB", "GB 123 4567 89", False),
    ("ABN 51 824 753 556", "AU", "51 824 753 556", True),
    ("GST No: 49-091-850", "NZ", "49-091-850", True),
    ("EIN: 04-2103594", "US", "04-2103594", True),
    ("UStId DE 136 695 976", "DE", "DE 136 695 976", True),
    ("GST ID: 000849813504", "MY", "000849813504", None),
])
def test_the_suppliers_tax_number_as_printed_checked_by_the_countrys_rules(line, country, expected, valid):
    reading = read("Shop", line, "Total  1.00", country=country)
    assert reading.value("supplier_tax_number") == expected
    confidence = reading.fields["supplier_tax_number"].confidence
    assert confidence >= 0.95 if valid else confidence < 0.8


def test_a_tax_amount_is_not_a_tax_number_and_the_customers_number_is_not_the_suppliers():
    reading = read("Shop", "Bill to:", "Docket Demo Ltd", "VAT No: GB 980 7806 84", "VAT 20%  20.00", "Total  120.00")
    assert reading.value("supplier_tax_number") is None


def test_the_suppliers_email_and_website():
    reading = read("Bright Paper Ltd", "accounts@brightpaper.co.uk  www.brightpaper.co.uk", "Bill to:",
                   "Docket Demo Ltd", "Total  1.00")
    assert reading.value("supplier_email") == "accounts@brightpaper.co.uk"
    assert reading.value("supplier_website") == "www.brightpaper.co.uk"


# Lines --------------------------------------------------------------------------------------------------------------

def test_the_tables_lines_with_quantity_unit_price_amount_and_tax_rate():
    reading = read("Bright Paper Ltd", "Description  Qty  Unit price  Tax  Amount",
                   "A4 paper, 5 reams  2  10.00  20%  20.00", "Toner cartridge  1  80.00  20%  80.00",
                   "Subtotal  100.00", "VAT  20.00", "Total  120.00")
    assert [(item.description, item.quantity, item.unit_amount, item.amount, item.tax_rate)
            for item in reading.lines] == [
        ("A4 paper, 5 reams", Decimal(2), Decimal("10.00"), Decimal("20.00"), Decimal(20)),
        ("Toner cartridge", Decimal(1), Decimal("80.00"), Decimal("80.00"), Decimal(20)),
    ]
    assert reading.notes == ()


def test_lines_that_dont_add_up_to_the_net_are_noted():
    rows = [row.replace("80.00  80.00", "80.00  85.00") for row in BILL]
    reading = read(*rows)
    assert [item.amount for item in reading.lines] == [Decimal("20.00"), Decimal("85.00")]
    assert any("The lines add up to 105.00" in note for note in reading.notes)


def test_a_document_without_a_table_has_no_lines_and_an_empty_document_no_fields():
    assert read("Shop", "Total  5.00").lines == ()
    empty = read_fields(Text((), 1, "ocr"), country="GB", base_currency="GBP")
    assert set(empty.fields) == {"currency"} and empty.source == "ocr" and empty.pages == 1


def spaced_out(text: str) -> str:
    """How a PDF that places every character on its own comes out of its text layer."""
    return "  ".join(text)


def test_a_text_layer_that_places_every_letter_apart_is_read_joined_up():
    reading = read(spaced_out("SammyMaystone"), spaced_out("Date:Jan12022"), spaced_out("BalanceDue:$127.50"),
                   country="US")
    assert reading.value("supplier") == "SammyMaystone"
    assert reading.value("date") == date(2022, 1, 1)
    assert reading.value("total") == Decimal("127.50")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("Total Due:$£€RM0123456789.,-/ ()%#@abcINVOICEDate\n")),
                        max_size=40), max_size=12),
       st.sampled_from(["GB", "US", "CA", "AU", "DE", "MY", "IN", ""]))
def test_any_text_reads_without_failing_and_every_confidence_is_between_0_and_1(rows, country):
    reading = read_fields(document(*rows), country=country, base_currency="GBP")
    assert all(0 <= found.confidence <= 1 for found in reading.fields.values())
    assert set(reading.fields) <= set(FIELDS)


def test_a_lone_labelled_total_needs_no_check_but_two_different_totals_do():
    alone = read("Bright Paper Ltd", "INVOICE", "Date: 03/04/2025", "Total  £120.00")
    assert alone.value("total") == Decimal("120.00") and alone.fields["total"].confidence >= 0.8
    rivals = read("Bright Paper Ltd", "INVOICE", "Date: 03/04/2025", "Total  £120.00", "Total  £95.00")
    assert rivals.fields["total"].confidence < 0.8


@pytest.mark.parametrize("lines, tax", [
    (("Canadian Tire", "Receipt date: 12 May 2026", "GST 5.00", "PST 7.00", "Total 112.00"), Decimal("12.00")),
    (("Maple Books", "GST Reg No 123456789RT0001", "Subtotal 100.00", "GST 5% 5.00", "QST 9.975% 9.98",
      "Total 114.98"), Decimal("14.98")),
    (("Ontario Shop", "Subtotal 50.00", "HST 13% 6.50", "Total 56.50"), Decimal("6.50")),
])
def test_canadian_sales_taxes_printed_apart_add_up_to_the_tax(lines, tax):
    reading = read(*lines, country="CA")
    assert reading.value("tax") == tax
    assert reading.fields["tax"].confidence >= 0.8  # labelled, and nothing printed contradicts it


def test_a_tax_that_disagrees_with_the_net_and_total_is_unsure_and_one_that_cant_be_checked_is_not():
    disagrees = read("Bright Paper Ltd", "Subtotal 100.00", "VAT 25.00", "Total 120.00")
    assert disagrees.fields["tax"].confidence < 0.8 and disagrees.fields["net"].confidence < 0.8
    unchecked = read("Bright Paper Ltd", "VAT 20.00", "Total 120.00")
    assert unchecked.value("tax") == Decimal("20.00") and unchecked.fields["tax"].confidence >= 0.8
