"""The pure mapping from an item to the Xero request bodies that publish it, for every destination (bills, spend
and receive money, sales invoices, credit notes).

No Flask and no queries: callers pass the item with what it links to already loaded (contact, category, tax rate,
tracking options and their categories, payment method and its bank account), its line items in order, and a
PublishContext. Amounts go out as JSON numbers made from exact Decimals.

Totals: whatever the settings, the total Xero computes from a body is the item's total (or, converted, the total
times the rate, rounded once). Lines are rounded one at a time and the last line takes the cent or two that
per-line rounding leaves over or under.

Tax policies (product research §1.6):
- docket: each line's TaxType and Docket's TaxAmount.
- xero: TaxType without TaxAmount, with tax-inclusive amounts, so Xero's tax comes out of the total, not on top.
- docket_with_exceptions: as docket, except that a line whose category's default tax rate is zero-rated publishes
  no tax (that rate, TaxAmount 0, the tax left in the amount), and a line whose tax is blank or 0 under a rate
  that isn't zero leaves the tax to Xero (no TaxType or TaxAmount: the account's default applies), which makes
  the document tax inclusive. A 0 under a zero rate the person chose is an answer, not a blank, so it is sent.
- line_amounts "no_tax" overrides the policy: NoTax, gross amounts, no TaxType or TaxAmount.
Reverse charge (UK domestic reverse charge, reverse charge expenses): the buyer accounts for the VAT, so the
document carries none: the rate's TaxType, TaxAmount 0, the gross amount.

Canada: a combined rate (GST 5% + PST 7%, e.g. CAN002) is one TaxType. A line coded with it goes as one line
with the whole tax (GST + PST) as its TaxAmount, and Xero apportions it over the rate's components; Xero's API has
no per-component tax amount on a line. Taxes coded separately (GST on some goods and PST or liquor tax on others,
taxable next to tax-free goods) are separate line items in Docket, as Dext advises (research §1.7). Each one goes
as its own Xero line with its own TaxType and TaxAmount. Lines are never merged or split.
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from webapp.items import amounts
from webapp.items.amounts import CENT, cents
from webapp.items.models import TYPES
from webapp.publishing.rates import FixedRates, MissingRate, RateSource

STATUSES = {"draft": "DRAFT", "awaiting_approval": "SUBMITTED", "awaiting_payment": "AUTHORISED", "paid": "AUTHORISED"}
UNIT_PLACES = Decimal("0.0001")
DESCRIPTION_LIMIT, REFERENCE_LIMIT = 4000, 255


class NotPublishable(ValueError):
    """The item lacks something no Xero body can do without (the checks before publishing normally say so first)."""


@dataclass(frozen=True)
class Destination:
    endpoint: str  # Invoices | BankTransactions | CreditNotes
    xero_object: str  # Invoice | BankTransaction | CreditNote
    type: str  # ACCPAY | ACCREC | SPEND | RECEIVE | ACCPAYCREDIT | ACCRECCREDIT
    status: str  # DRAFT | SUBMITTED | AUTHORISED
    pays: bool  # a Payment follows the create

    @property
    def id_key(self) -> str:
        return f"{self.xero_object}ID"


@dataclass(frozen=True)
class PublishContext:
    settings: object  # PublishingSettings: tax_policy, line_amounts, currency_mode, send_rate
    organisation: object  # lists.Organisation: base_currency, multi_currency
    url: str = ""  # the document's Url in Xero: marks this attempt, so a look-up can find what it created
    rates: RateSource = field(default_factory=FixedRates)
    zero_rated: frozenset = frozenset()  # TaxTypes that are zero-rated (zero_rated_tax_types), for the exceptions


def zero_rated_tax_types(tax_rates) -> frozenset:
    """The business's TaxTypes at 0% (reverse charge aside), for PublishContext.zero_rated."""
    return frozenset(rate.xero_id for rate in tax_rates if _is_zero_rate(rate))


def destination(item) -> Destination:
    """Which Xero object the item becomes, of which type and status, and whether a payment follows."""
    sales, credit = item.workspace == "sales", item.type == "credit_note"
    if item.publish_to == "bank":
        # Money in for a sale and out for a cost; a credit note is the refund of one, so the other way round.
        money_in = sales != credit
        return Destination("BankTransactions", "BankTransaction", "RECEIVE" if money_in else "SPEND", "AUTHORISED",
                           False)
    if item.publish_to != ("sales" if sales else "purchases"):
        raise NotPublishable(f"A {item.workspace} item can't be published to “{item.publish_to}”.")
    status = STATUSES.get(item.publish_as or "draft")
    if status is None:
        raise NotPublishable(f"Unknown way to publish: “{item.publish_as}”.")
    pays = item.publish_as == "paid"
    if credit:
        return Destination("CreditNotes", "CreditNote", "ACCRECCREDIT" if sales else "ACCPAYCREDIT", status, pays)
    return Destination("Invoices", "Invoice", "ACCREC" if sales else "ACCPAY", status, pays)


def build(item, lines, context: PublishContext) -> dict:
    """One element for the destination's endpoint (no envelope); raises NotPublishable or MissingRate."""
    dest = destination(item)
    if item.contact is None:
        raise NotPublishable("Choose the supplier or customer.")
    money = _money(item, dest, context)
    sources = _sources(item, lines)
    taxes = [_tax(source, context) for source in sources]
    line_amount_types = _line_amount_types(context.settings, taxes)
    grosses, tax_amounts = _document_amounts(sources, taxes, money, Decimal(item.total))
    body = {"Type": dest.type, "Contact": {"ContactID": item.contact.xero_id}}
    if item.date:
        body["Date"] = item.date.isoformat()
    if dest.endpoint == "Invoices" and (item.due_date or item.date):
        body["DueDate"] = (item.due_date or item.date).isoformat()  # no due date: due on the document's date
    if item.reference.strip():
        body[_reference_key(dest)] = item.reference.strip()[:REFERENCE_LIMIT]
    if dest.endpoint == "BankTransactions":
        body["BankAccount"] = {"AccountID": _bank_account(item).xero_id}  # its currency is the transaction's
    else:
        body["CurrencyCode"] = money.currency
    if money.rate is not None:
        body["CurrencyRate"] = money.rate
    body["Status"] = dest.status
    body["LineAmountTypes"] = line_amount_types
    body["LineItems"] = [_line_item(source, tax, gross, tax_amount, line_amount_types)
                         for source, tax, gross, tax_amount in zip(sources, taxes, grosses, tax_amounts)]
    if context.url and dest.endpoint != "CreditNotes":  # Xero's CreditNote has no Url
        body["Url"] = context.url
    return _wire(body)


def payment(item, xero_id: str, context: PublishContext) -> dict:
    """The Payments element that pays (or, for a credit note, refunds) the published document in full."""
    dest = destination(item)
    if not dest.pays:
        raise NotPublishable("Only an item published as paid gets a payment.")
    money = _money(item, dest, context)
    body = {dest.xero_object: {dest.id_key: xero_id}, "Account": {"AccountID": _bank_account(item).xero_id}}
    if item.date:
        body["Date"] = item.date.isoformat()
    body["Amount"] = money.total
    if money.rate is not None:
        body["CurrencyRate"] = money.rate
    return _wire(body)


def needs_unitdp4(body: dict) -> bool:
    """Xero rounds unit amounts to 2 places unless the call says `unitdp=4`."""
    return any(_places(line.get(key)) > 2 for line in body.get("LineItems", ()) for key in ("UnitAmount", "Quantity"))


@dataclass(frozen=True)
class _Money:
    currency: str  # the document's currency in Xero
    conversion: Decimal  # item amount × conversion = document amount
    total: Decimal  # the document's total, in its currency
    rate: Decimal | None  # CurrencyRate to send (units of the currency per unit of base); None: Xero sets it


def _money(item, dest: Destination, context: PublishContext) -> _Money:
    """Document mode keeps the item's currency where the organisation has multi-currency; otherwise amounts are
    converted to the base currency. A bank transaction is always in its bank account's currency."""
    if item.total is None:
        raise NotPublishable("Enter the total.")
    base, settings = context.organisation.base_currency, context.settings
    if dest.endpoint == "BankTransactions":
        currency = _bank_account(item).currency_code or base
    elif context.organisation.multi_currency and settings.currency_mode == "document":
        currency = item.currency or base
    else:
        currency = base
    day = item.date or date.today()
    conversion = context.rates.rate(item.currency or currency, currency, day)
    rate = None
    if settings.send_rate and currency != base:
        try:
            rate = context.rates.rate(base, currency, day)
        except MissingRate as missing:
            raise MissingRate(base, currency, day, "set EXCHANGE_RATES_URL or let Xero set the rate") from missing
    return _Money(currency, conversion, cents(Decimal(item.total) * conversion), rate)


@dataclass(frozen=True)
class _Source:
    """One line to publish, in the item's currency: a line item, or the whole item when it has none."""

    description: str
    quantity: Decimal
    unit_amount: Decimal | None
    net: Decimal
    tax: Decimal | None  # None: blank
    category: object
    tax_rate: object
    tracking: tuple

    @property
    def gross(self) -> Decimal:
        return self.net + (self.tax or 0)


def _sources(item, lines) -> list[_Source]:
    fallback = item.description.strip() or f"{TYPES.get(item.type, '')} {item.reference.strip()}".strip()
    if lines:
        return [_Source((line.description or "").strip() or fallback, Decimal(line.quantity),
                        _decimal(line.unit_amount), amounts.line_net(line) or Decimal(0), _decimal(line.tax_amount),
                        line.category, line.tax_rate, (line.tracking_option_1, line.tracking_option_2))
                for line in lines]
    total, tax = Decimal(item.total), _decimal(item.tax)
    net = Decimal(item.net) if item.net is not None else total - (tax or 0)
    return [_Source(fallback, Decimal(1), net, net, tax, item.category, item.tax_rate,
                    (item.tracking_option_1, item.tracking_option_2))]


@dataclass(frozen=True)
class _Tax:
    tax_type: str | None  # None: not sent, the account's default applies
    amount: Decimal | None  # None: not sent, Xero calculates


def _tax(source: _Source, context: PublishContext) -> _Tax:
    settings, rate = context.settings, source.tax_rate
    tax_type = rate.xero_id if rate is not None else None
    if settings.line_amounts == "no_tax":
        return _Tax(None, None)
    if rate is not None and amounts.is_reverse_charge(rate):
        return _Tax(tax_type, Decimal(0))
    if settings.tax_policy == "xero":
        return _Tax(tax_type, None)
    if settings.tax_policy == "docket_with_exceptions":
        account_default = source.category.tax_type if source.category is not None else ""
        if account_default in context.zero_rated:
            return _Tax(account_default, Decimal(0))
        if not source.tax and not _is_zero_rate(rate):
            return _Tax(None, None)
    return _Tax(tax_type, source.tax or Decimal(0))


def _line_amount_types(settings, taxes: list[_Tax]) -> str:
    if settings.line_amounts == "no_tax":
        return "NoTax"
    if settings.line_amounts == "inclusive" or any(tax.amount is None for tax in taxes):
        return "Inclusive"  # tax Xero calculates must come out of the amounts, or the total would grow
    return "Exclusive"


def _document_amounts(sources: list[_Source], taxes: list[_Tax], money: _Money, item_total: Decimal):
    """(gross, tax amount) per line in the document's currency; the last gross takes the rounding left over.
    More than a cent a line apart is not rounding: the lines and the total disagree."""
    lines_total = sum((source.gross for source in sources), Decimal(0))
    if abs(item_total - lines_total) > CENT * len(sources):
        raise NotPublishable(f"The line items add up to {lines_total:.2f} but the total is {item_total:.2f}: "
                             "change a line or the total.")
    grosses = [cents(source.gross * money.conversion) for source in sources]
    grosses[-1] += money.total - sum(grosses)
    tax_amounts = [None if tax.amount is None else cents(tax.amount * money.conversion) for tax in taxes]
    return grosses, tax_amounts


def _line_item(source: _Source, tax: _Tax, gross: Decimal, tax_amount: Decimal | None, line_amount_types: str):
    line_amount = gross - tax_amount if line_amount_types == "Exclusive" else gross
    quantity, unit_amount = _quantity_and_unit(source, line_amount)
    line = {"Description": source.description[:DESCRIPTION_LIMIT], "Quantity": quantity, "UnitAmount": unit_amount,
            "LineAmount": line_amount}
    category = source.category
    if category is not None:
        line |= {"AccountCode": category.code} if category.code else {"AccountID": category.xero_id}
    if tax.tax_type:
        line["TaxType"] = tax.tax_type
    if tax_amount is not None:
        line["TaxAmount"] = tax_amount
    tracking = [{"Name": option.category.name, "Option": option.name} for option in source.tracking if option]
    if tracking:
        line["Tracking"] = tracking
    return line


def _quantity_and_unit(source: _Source, line_amount: Decimal) -> tuple[Decimal, Decimal]:
    """Xero checks LineAmount = Quantity × UnitAmount to the cent: keep the line's own figures when they still
    give the amount, else a unit amount (4 places) that does, else 1 × the amount."""
    quantity, unit_amount = source.quantity, source.unit_amount
    if unit_amount is not None and cents(quantity * unit_amount) == line_amount:
        return quantity, unit_amount
    if quantity not in (0, 1):
        unit_amount = (line_amount / quantity).quantize(UNIT_PLACES)
        if cents(quantity * unit_amount) == line_amount:
            return quantity, unit_amount
    return Decimal(1), line_amount


def _reference_key(dest: Destination) -> str:
    """Invoices and credit notes carry the document's own number (a supplier's, or the business's own on a sales
    invoice, which Xero would otherwise number INV-…); bank transactions have only a reference."""
    return {"ACCPAY": "InvoiceNumber", "ACCREC": "InvoiceNumber", "ACCPAYCREDIT": "CreditNoteNumber",
            "ACCRECCREDIT": "CreditNoteNumber"}.get(dest.type, "Reference")


def _bank_account(item):
    method = item.payment_method
    account = method.bank_account if method is not None else None
    if account is None:
        raise NotPublishable("Choose a payment method linked to a Xero bank account.")
    return account


def _is_zero_rate(rate) -> bool:
    return rate is not None and Decimal(rate.effective_rate) == 0 and not amounts.is_reverse_charge(rate)


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def _places(value) -> int:
    if value is None:
        return 0
    exponent = Decimal(str(value)).normalize().as_tuple().exponent
    return max(0, -exponent)


def _wire(value):
    """Decimals as JSON numbers (whole ones as ints) all through a body."""
    if isinstance(value, dict):
        return {key: _wire(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_wire(item) for item in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value
