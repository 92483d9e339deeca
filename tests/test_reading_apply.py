"""Applying a reading to an item: the printed supplier matched to the business's Xero contacts (tax number, email
domain, then a close enough name), amounts and currency as printed, line items, and the confidence kept."""
from datetime import date
from decimal import Decimal

import pytest

from tests.items_helpers import make_coding, make_contact, make_item
from webapp.items import extracted, matching
from webapp.items.models import Item, LineItem, ReadField
from webapp.reading.model import Box, Found, LineItem as ReadLine, Reading


def _reading(**fields) -> Reading:
    return Reading(fields={name: value if isinstance(value, Found) else Found(value, 0.95)
                           for name, value in fields.items()}, source="text layer", pages=1)


@pytest.mark.parametrize("printed, known, same", [
    ("ACME SUPPLIES LTD", "Acme Supplies Limited", True),  # case and company suffix don't count
    ("Jewsons Ltd", "Jewson Ltd", True),  # one letter misread
    ("Travis Perklns", "Travis Perkins", True),
    ("Acme Fuels", "Acme Foods", False),  # two firms sharing a word
    ("Screwfix Direct", "Screwfix", False),
    ("Blue Ltd", "Gold Ltd", False),
])
def test_a_printed_name_matches_a_contact_only_when_close_enough(admin, printed, known, same):
    contact = make_contact(admin.business, known)
    match = matching.find(admin.business_id, "costs", name=printed)
    assert (match.contact.id if match else None) == (contact.id if same else None)
    assert (matching.name_score(printed, known) >= matching.NAME_THRESHOLD) == same


def test_two_equally_close_contacts_are_not_guessed_between(admin):
    make_contact(admin.business, "Acme Supplies North")
    make_contact(admin.business, "Acme Supplies Nort")
    assert matching.find(admin.business_id, "costs", name="Acme Supplies Nor") is None


def test_the_tax_number_then_the_email_domain_win_over_the_name(admin):
    by_number = make_contact(admin.business, "Northern Timber", tax_number="GB 123 4567 89")
    by_mail = make_contact(admin.business, "N. Timber Sales", email="accounts@ntimber.co.uk")
    make_contact(admin.business, "Timber Direct")
    assert matching.find(admin.business_id, "costs", name="Timber Direct", tax_number="GB123456789").contact == \
        by_number
    match = matching.find(admin.business_id, "costs", name="Timber Direct", email="sales@ntimber.co.uk")
    assert (match.contact, match.by) == (by_mail, "email")
    assert matching.find(admin.business_id, "costs", name="Timber Direct", email="me@gmail.com").by == "name"


def test_a_reading_sets_fields_contact_currency_and_lines_with_their_confidence(admin):
    supplier = make_contact(admin.business, "Bolt & Nut Co", tax_number="GB999")
    item = make_item(admin.business, currency="GBP")
    box = Box(1, 0.1, 0.2, 0.5, 0.25)
    reading = Reading(fields={"total": Found(Decimal("36.00"), 0.7, box), "currency": Found("EUR", 0.9),
                              "date": Found(date(2026, 2, 3), 0.99), "supplier": Found("Bolt and Nut", 0.5),
                              "supplier_tax_number": Found("GB999", 0.95)},
                      lines=(ReadLine("Bolts", Decimal(2), Decimal("10.00")), ReadLine("Nuts", amount=Decimal("16"))))
    outcome = extracted.apply(item, reading)
    item = Item.get_by_id(item.id)
    assert (item.total, item.currency, item.date, item.contact_id) == (Decimal("36.00"), "EUR", date(2026, 2, 3),
                                                                       supplier.id)
    assert item.to_check_fields == ["total"] and "total" in outcome.to_check  # 0.7 is under 0.8
    lines = list(LineItem.select().where(LineItem.item == item.id).order_by(LineItem.position))
    assert [(line.description, line.quantity, line.unit_amount) for line in lines] == \
        [("Bolts", Decimal(2), Decimal("10.00")), ("Nuts", Decimal(1), Decimal("16.00"))]
    total = ReadField.get((ReadField.item == item.id) & (ReadField.field == "total"))
    assert (total.confidence, total.page, total.left, total.top, total.right, total.bottom) == \
        (70, 1, 1000, 2000, 5000, 2500)


def test_the_customer_is_matched_in_the_sales_workspace(admin):
    customer = make_contact(admin.business, "Bramley Homes", is_supplier=False, is_customer=True)
    make_contact(admin.business, "Bramley Homes Supplies")  # a supplier, not a customer
    item = make_item(admin.business, workspace="sales")
    extracted.apply(item, _reading(customer="BRAMLEY HOMES LTD", type="sales_invoice", total=Decimal("10")))
    item = Item.get_by_id(item.id)
    assert (item.contact_id, item.type, item.to_check) == (customer.id, "invoice", "")


def test_a_name_without_evidence_isnt_proposed_as_a_new_supplier(admin):
    item = make_item(admin.business)
    extracted.apply(item, _reading(supplier=Found("Hello", 0.6)))
    assert Item.get_by_id(item.id).contact_id is None


def test_an_archived_contact_of_that_name_isnt_proposed_again(admin):
    make_contact(admin.business, "Old Supplier Ltd", status="ARCHIVED")
    item = make_item(admin.business)
    extracted.apply(item, _reading(supplier="Old Supplier Ltd", supplier_email="a@old.example"))
    assert Item.get_by_id(item.id).contact_id is None


def test_impossible_values_are_left_out(admin):
    item = make_item(admin.business, currency="GBP")
    extracted.apply(item, _reading(total=Decimal("-5"), currency="pounds", date=date(1850, 1, 1)))
    item = Item.get_by_id(item.id)
    assert (item.total, item.currency, item.date) == (None, "GBP", None)


def test_an_einvoices_line_taxes_pick_the_one_xero_rate_each_fits(admin):
    coding = make_coding(admin.business)
    item = make_item(admin.business, currency="GBP")
    extracted.apply(item, Reading(
        fields={"total": Found(Decimal("170.00"), 1.0)}, source="e-invoice", pages=1, lines=(
            ReadLine("Timber", Decimal(1), Decimal("100.00"), Decimal("100.00"), tax_rate=Decimal(20), tax_category="S"),
            ReadLine("Labour", Decimal(1), Decimal("50.00"), Decimal("50.00"), tax_rate=Decimal(0), tax_category="AE"),
            ReadLine("Postage", Decimal(1), Decimal("20.00"), Decimal("20.00"), tax_rate=Decimal(0), tax_category="O"),
            ReadLine("Gift", Decimal(1), Decimal("5.00"), Decimal("5.00"), tax_rate=Decimal(5), tax_category="S"))))
    lines = list(LineItem.select().where(LineItem.item == item.id).order_by(LineItem.position))
    assert [(line.tax_rate_id, line.tax_amount) for line in lines] == [
        (coding.vat20.id, Decimal("20.00")), (coding.drc20.id, Decimal("0.00")), (coding.no_vat.id, Decimal("0.00")),
        (None, None)]  # no 5% rate on the expenses side: a person chooses


def test_a_rate_the_item_already_has_stands_over_the_printed_ones(admin):
    coding = make_coding(admin.business)
    item = make_item(admin.business, currency="GBP", tax_rate=coding.no_vat)
    extracted.apply(item, Reading(fields={}, source="e-invoice", pages=1, lines=(
        ReadLine("Timber", Decimal(1), Decimal("100.00"), Decimal("100.00"), tax_rate=Decimal(20), tax_category="S"),)))
    assert LineItem.get(LineItem.item == item.id).tax_rate_id == coding.no_vat.id
