"""Reading dates, totals, references and contacts from a document's text: only what is there, reliably."""
from datetime import date
from decimal import Decimal

import pytest

from webapp.items import prefill

RECEIPT = """ACME SUPPLIES LTD
12 High Street, Leeds
VAT reg GB123456789
Invoice No: INV-0042
Invoice date: 12 Mar 2026
Due date: 11 Apr 2026
Widgets x 2        100.00
Subtotal           100.00
VAT 20%             20.00
Total             £120.00
Page 1 of 1
"""


@pytest.mark.parametrize("text, expected", [
    ("Date: 12/03/2026", date(2026, 3, 12)),
    ("Invoice date 12 Mar 2026", date(2026, 3, 12)),
    ("Date: 12 March 2026", date(2026, 3, 12)),
    ("Issued 2026-03-12", date(2026, 3, 12)),
    ("Date: March 12, 2026", date(2026, 3, 12)),
    ("Date: 1st Feb 2026", date(2026, 2, 1)),
    ("12.03.2026", date(2026, 3, 12)),
    ("Due date: 30/04/2026\nInvoice date: 01/04/2026", date(2026, 4, 1)),
    ("Date: 31/02/2026", None),
    ("no date here, only 12/2026 and 2026", None),
    ("Date: 12/03/1850", None),
])
def test_find_date_reads_common_formats_day_first(text, expected):
    assert prefill.find_date(text) == expected


def test_find_date_month_first_for_us_businesses():
    assert prefill.find_date("Date: 03/12/2026", day_first=False) == date(2026, 3, 12)
    assert prefill.find_date("Date: 03/12/2026") == date(2026, 12, 3)


@pytest.mark.parametrize("text, expected", [
    ("Total £120.00", Decimal("120.00")),
    ("Subtotal 100.00\nVAT 20.00\nTotal 120.00", Decimal("120.00")),
    ("TOTAL: 1,234.50", Decimal("1234.50")),
    ("Total GBP 99.90", Decimal("99.90")),
    ("Total $45", Decimal("45.00")),
    ("Total 120.00\nAmount due 80.00", Decimal("80.00")),
    ("Balance due: €15.20", Decimal("15.20")),
    ("Total VAT 20.00\nSubtotal 100.00", None),
    ("Total items 3", None),
    ("Nothing to see", None),
])
def test_find_total_reads_the_amount_due_or_the_last_total(text, expected):
    assert prefill.find_total(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Invoice No: INV-0042", "INV-0042"),
    ("Invoice #1234", "1234"),
    ("Invoice number 2026/17", "2026/17"),
    ("Receipt no. R-99.", "R-99"),
    ("Ref: PO12345", "PO12345"),
    ("Reference: ABC-7", "ABC-7"),
    ("Invoice No: PENDING", None),
    ("Thank you for your invoice", None),
])
def test_find_reference_needs_a_label_and_a_digit(text, expected):
    assert prefill.find_reference(text) == expected


def test_match_contact_finds_the_whole_name_case_insensitively():
    contacts = [(1, "Acme Supplies Ltd"), (2, "Acme"), (3, "Bolt & Nut Co")]
    assert prefill.match_contact(RECEIPT, contacts) == 1  # the longest name found wins over "Acme"
    assert prefill.match_contact("paid to bolt &  nut co today", contacts) == 3
    assert prefill.match_contact("Acmeville Hardware", contacts) is None  # part of a word is no match
    assert prefill.match_contact("", contacts) is None


def test_match_contact_gives_up_when_two_names_tie():
    assert prefill.match_contact("From Blue Ltd and Gold Ltd", [(1, "Blue Ltd"), (2, "Gold Ltd")]) is None


def test_read_fields_returns_only_what_was_found():
    fields = prefill.read_fields(RECEIPT, [(7, "Acme Supplies Ltd")])
    assert fields == {"date": date(2026, 3, 12), "total": Decimal("120.00"), "reference": "INV-0042",
                      "contact_id": 7}
    assert prefill.read_fields("A photo with no words we understand", [(7, "Acme Supplies Ltd")]) == {}


@pytest.mark.parametrize("text, expected", [
    (RECEIPT, "GB123456789"),
    ("VAT Reg No: GB 123 4567 89\nTotal 120.00", "GB 123 4567 89"),
    ("GST/HST No: 123456789 RT0001", "123456789 RT0001"),
    ("ABN 51 824 753 556", "51 824 753 556"),
    ("VAT 20%  20.00\nTotal 120.00", None),  # a VAT amount is not a VAT number
    ("Tax invoice 2026-03-12", None),
])
def test_find_tax_number_needs_its_label(text, expected):
    assert prefill.find_tax_number(text) == expected


def test_the_business_s_own_tax_number_and_email_are_skipped():
    text = "From: accounts@acme.example VAT No GB 999 9999 73\nBill to: Hartley, books@hartley.example VAT GB123456789"
    assert prefill.find_tax_number(text, not_these=("GB999999973",)) == "GB123456789"
    assert prefill.find_email(text, not_these=("ACCOUNTS@acme.example",)) == "books@hartley.example"
    assert prefill.find_email("no address here, just @ signs and a@b") is None
