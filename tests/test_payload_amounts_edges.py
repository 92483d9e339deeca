"""Amounts at the edges of a Xero body: converted to the base currency, a line without an amount, the rounding cent
on a line with a quantity, quantities past two places, a net left blank, no category or tax rate."""
from datetime import date
from decimal import Decimal

from tests.test_payload_refusals import GENERAL, VAT20, context, make
from webapp.items.amounts import cents
from webapp.items.models import LineItem
from webapp.lists.models import Organisation
from webapp.publishing import payload
from webapp.publishing.models import PublishingSettings
from webapp.publishing.payload import PublishContext
from webapp.publishing.rates import FixedRates


def line(quantity, unit_amount, tax_amount, **fields):
    return LineItem(quantity=Decimal(quantity), unit_amount=None if unit_amount is None else Decimal(unit_amount),
                    tax_amount=Decimal(tax_amount), tax_rate=VAT20, category=GENERAL, **fields)


def test_a_foreign_item_is_converted_to_the_base_currency_line_by_line():
    rate = FixedRates().rate("USD", "GBP", date(2026, 10, 1))
    base_only = PublishContext(PublishingSettings(), Organisation(base_currency="GBP", multi_currency=False))
    lines = [line("1", "50.00", "10.00"), line("1", "50.00", "10.00")]
    body = payload.build(make(currency="USD"), lines, base_only)
    assert body["CurrencyCode"] == "GBP"
    first = body["LineItems"][0]
    assert (Decimal(str(first["LineAmount"])), Decimal(str(first["TaxAmount"]))) == \
        (cents(Decimal("60.00") * rate) - cents(Decimal("10.00") * rate), cents(Decimal("10.00") * rate))
    sent = sum(Decimal(str(x["LineAmount"])) + Decimal(str(x["TaxAmount"])) for x in body["LineItems"])
    assert sent == cents(Decimal("120.00") * rate)


def test_a_line_without_an_amount_counts_as_nothing():
    body = payload.build(make(), [line("1", "100.00", "20.00"), line("1", None, "0")], context())
    assert [x["LineAmount"] for x in body["LineItems"]] == [100, 0]


def test_a_line_with_a_quantity_keeps_it_when_it_takes_the_rounding_cent():
    body = payload.build(make(total=Decimal("10.81")), [line("2", "4.50", "1.80")], context())
    assert {k: body["LineItems"][0][k] for k in ("Quantity", "UnitAmount", "LineAmount")} == \
        {"Quantity": 2, "UnitAmount": 4.505, "LineAmount": 9.01}


def test_quantities_past_two_places_ask_xero_for_four():
    body = payload.build(make(total=Decimal("10.80")), [line("1.125", "8.00", "1.80")], context())
    assert (body["LineItems"][0]["Quantity"], body["LineItems"][0]["UnitAmount"]) == (1.125, 8)
    assert payload.needs_unitdp4(body)
    assert not payload.needs_unitdp4(payload.build(make(), [], context()))


def test_a_blank_net_is_the_total_less_the_tax():
    assert payload.build(make(net=None), [], context())["LineItems"][0]["LineAmount"] == 100


def test_no_category_under_the_exceptions_policy_and_no_tax_rate_under_no_tax():
    exceptions = payload.build(make(category=None), [], context(tax_policy="docket_with_exceptions"))
    assert exceptions["LineItems"][0]["TaxType"] == "INPUT2" and "AccountCode" not in exceptions["LineItems"][0]
    no_tax = payload.build(make(tax_rate=None), [], context(line_amounts="no_tax"))
    assert "TaxType" not in no_tax["LineItems"][0] and no_tax["LineAmountTypes"] == "NoTax"


def test_a_line_of_quantity_zero_that_takes_the_rounding_cent_goes_as_one_times_the_cent():
    lines = [line("1", "100.00", "20.00"), line("0", "5.00", "0")]
    last = payload.build(make(total=Decimal("120.01")), lines, context())["LineItems"][-1]
    assert (last["Quantity"], last["UnitAmount"], last["LineAmount"]) == (1, 0.01, 0.01)
