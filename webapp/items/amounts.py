"""Money arithmetic for items and line items: tax inside a total, line amounts, and whether totals add up."""
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
REVERSE_CHARGE_REPORT_TYPES = {"REVERSECHARGES", "DRCHARGESUPPLY", "DRCHARGE"}


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def is_reverse_charge(tax_rate) -> bool:
    """The buyer accounts for the tax (UK domestic reverse charge, reverse charge expenses): none is on the document."""
    return tax_rate.report_tax_type in REVERSE_CHARGE_REPORT_TYPES or tax_rate.xero_id.startswith("DRCHARGE")


def tax_in_total(total: Decimal, tax_rate) -> Decimal:
    """The tax included in a tax-inclusive total at this rate (compound rates use Xero's effective rate)."""
    if is_reverse_charge(tax_rate):
        return Decimal("0.00")
    rate = Decimal(tax_rate.effective_rate)
    return cents(total * rate / (100 + rate))


def tax_on_net(net: Decimal, tax_rate) -> Decimal:
    if is_reverse_charge(tax_rate):
        return Decimal("0.00")
    return cents(net * Decimal(tax_rate.effective_rate) / 100)


def line_net(line) -> Decimal | None:
    if line.unit_amount is None:
        return None
    return cents(Decimal(line.quantity) * Decimal(line.unit_amount))


def lines_total(lines) -> tuple[Decimal, Decimal]:
    """(net, tax) of all lines; a line without an amount counts as nothing."""
    net = sum((line_net(line) or Decimal(0) for line in lines), Decimal(0))
    tax = sum((Decimal(line.tax_amount or 0) for line in lines), Decimal(0))
    return cents(net), cents(tax)
