"""Money to the cent: the tax inside a total when a tax rate is picked, tax on a net, line amounts and the totals of
lines, always rounded half up as on a paper receipt; reverse charge rates put no tax on the document."""
from decimal import Decimal
from types import SimpleNamespace

import pytest

from webapp.items import amounts


def rate(percent: str, code: str = "INPUT2", report: str = "INPUT"):
    return SimpleNamespace(effective_rate=Decimal(percent), xero_id=code, report_tax_type=report)


def line(quantity, unit_amount, tax_amount=None):
    return SimpleNamespace(quantity=quantity, unit_amount=None if unit_amount is None else Decimal(unit_amount),
                           tax_amount=None if tax_amount is None else Decimal(tax_amount))


@pytest.mark.parametrize("total, percent, tax", [
    ("10.00", "20", "1.67"),      # UK VAT inside £10
    ("120.00", "20", "20.00"),
    ("114.98", "14.975", "14.98"),  # a compound rate (GST + QST) at Xero's effective rate
    ("50.00", "0", "0.00"),
])
def test_the_tax_inside_a_total(total, percent, tax):
    assert amounts.tax_in_total(Decimal(total), rate(percent)) == Decimal(tax)


@pytest.mark.parametrize("code, report", [
    ("RRINPUT", "REVERSECHARGES"), ("DRCHARGESUPPLY20", "DRCHARGESUPPLY"), ("DRCHARGE20", "DRCHARGE"),
    ("DRCHARGE5", "INPUT"),
])
def test_reverse_charge_rates_put_no_tax_on_the_document(code, report):
    reverse = rate("20", code, report)
    assert amounts.is_reverse_charge(reverse)
    assert amounts.tax_in_total(Decimal("120.00"), reverse) == Decimal("0.00")
    assert amounts.tax_on_net(Decimal("100.00"), reverse) == Decimal("0.00")


def test_an_ordinary_rate_is_not_reverse_charge():
    assert not amounts.is_reverse_charge(rate("20", "INPUT2", "INPUT"))
    assert not amounts.is_reverse_charge(rate("20", "INPUTDRCHARGE", "OUTPUT"))


@pytest.mark.parametrize("net, percent, tax", [
    ("100.00", "20", "20.00"),
    ("0.25", "10", "0.03"),   # 0.025: half up, not to the even cent
    ("19.99", "5", "1.00"),
])
def test_tax_on_a_net_amount(net, percent, tax):
    assert amounts.tax_on_net(Decimal(net), rate(percent)) == Decimal(tax)


@pytest.mark.parametrize("quantity, unit, net", [
    (3, "1.115", "3.35"), (Decimal("0.5"), "0.25", "0.13"), (2, "4.50", "9.00"), (1, "-5.00", "-5.00"),
])
def test_a_line_amount_is_quantity_times_unit_amount_to_the_cent(quantity, unit, net):
    assert amounts.line_net(line(quantity, unit)) == Decimal(net)


def test_a_line_without_a_unit_amount_has_no_amount():
    assert amounts.line_net(line(2, None)) is None


def test_lines_add_up_and_lines_without_amounts_count_as_nothing():
    lines = [line(3, "1.115", "0.66"), line(1, None, None), line(Decimal("0.5"), "0.25", "0.025"), line(2, "4.50")]
    assert amounts.lines_total(lines) == (Decimal("12.48"), Decimal("0.69"))
    assert amounts.lines_total([]) == (Decimal("0.00"), Decimal("0.00"))
