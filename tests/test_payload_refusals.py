"""What publishing refuses to send to Xero, in the words the bookkeeper reads, and the small defaults of a body:
a draft when nothing says otherwise, due on the document's date, a category without a code sent by its id."""
from datetime import date
from decimal import Decimal

import pytest

from webapp.items.models import Item, LineItem
from webapp.lists.models import Category, Contact, Organisation, PaymentMethod, TaxRate
from webapp.publishing import payload
from webapp.publishing.models import PublishingSettings
from webapp.publishing.payload import NotPublishable, PublishContext
from webapp.publishing.rates import FixedRates, MissingRate

GENERAL = Category(xero_id="acc-429", code="429", name="General", type="OVERHEADS", tax_type="INPUT2")
VAT20 = TaxRate(xero_id="INPUT2", name="20%", effective_rate=Decimal("20"), report_tax_type="INPUT")
BANK = Category(xero_id="acc-090", code="090", name="Bank", type="BANK", tax_type="")


def make(**fields) -> Item:
    values = dict(workspace="costs", type="invoice", contact=Contact(xero_id="contact-1", name="Acme"),
                  date=date(2026, 10, 1), reference="A-1", currency="GBP", net=Decimal("100.00"),
                  tax=Decimal("20.00"), total=Decimal("120.00"), category=GENERAL, tax_rate=VAT20, description="",
                  publish_to="purchases", publish_as="draft", payment_method=PaymentMethod(name="Card",
                                                                                           bank_account=BANK))
    return Item(**(values | fields))


def context(**settings) -> PublishContext:
    return PublishContext(PublishingSettings(**settings), Organisation(base_currency="GBP", multi_currency=True))


@pytest.mark.parametrize("fields, refusal", [
    ({"total": None}, "Enter the total."),
    ({"contact": None}, "Choose the supplier or customer."),
    ({"publish_to": "bank", "payment_method": None}, "Choose a payment method linked to a Xero bank account."),
    ({"publish_to": "bank", "payment_method": PaymentMethod(name="Cash", bank_account=None)},
     "Choose a payment method linked to a Xero bank account."),
    ({"publish_as": "gift"}, "Unknown way to publish: “gift”."),
])
def test_an_item_missing_what_xero_needs_is_refused_saying_what_to_do(fields, refusal):
    with pytest.raises(NotPublishable) as refused:
        payload.build(make(**fields), [], context())
    assert str(refused.value) == refusal


def test_only_a_paid_item_gets_a_payment():
    with pytest.raises(NotPublishable) as refused:
        payload.payment(make(publish_as="awaiting_payment"), "inv-1", context())
    assert str(refused.value) == "Only an item published as paid gets a payment."


def _line(unit_amount, tax_amount):
    return LineItem(quantity=Decimal(1), unit_amount=Decimal(unit_amount), tax_amount=Decimal(tax_amount),
                    tax_rate=VAT20, category=GENERAL)


def test_lines_a_cent_each_from_the_total_are_rounding_more_is_a_refusal():
    lines = [_line("50.00", "10.00"), _line("50.01", "10.01")]  # 120.02: two lines, two cents
    assert payload.build(make(), lines, context())["LineItems"][-1]["LineAmount"] == 49.99
    with pytest.raises(NotPublishable) as refused:
        payload.build(make(), [_line("50.00", "10.00"), _line("50.02", "10.01")], context())
    assert str(refused.value) == "The line items add up to 120.03 but the total is 120.00: change a line or the total."


def test_without_publish_as_an_item_goes_as_a_draft():
    assert payload.build(make(publish_as=None), [], context())["Status"] == "DRAFT"


def test_without_a_due_date_a_bill_is_due_on_its_date():
    assert payload.build(make(due_date=None), [], context())["DueDate"] == "2026-10-01"


def test_a_category_without_a_code_is_sent_by_its_id():
    no_code = Category(xero_id="acc-x", code="", name="Imported", type="OVERHEADS", tax_type="INPUT2")
    line = payload.build(make(category=no_code), [], context())["LineItems"][0]
    assert line["AccountID"] == "acc-x" and "AccountCode" not in line


def test_a_rate_docket_cannot_find_says_what_to_set():
    class NoRates(FixedRates):
        def rate(self, from_code, to_code, day):
            if from_code != to_code and from_code == "GBP":
                raise MissingRate(from_code, to_code, day)
            return Decimal(1)

    settings = PublishingSettings(send_rate=True)
    usd = PublishContext(settings, Organisation(base_currency="GBP", multi_currency=True), rates=NoRates())
    with pytest.raises(MissingRate) as missing:
        payload.build(make(currency="USD"), [], usd)
    assert str(missing.value) == ("No exchange rate for GBP→USD on 2026-10-01; set EXCHANGE_RATES_URL or let Xero "
                                  "set the rate.")
