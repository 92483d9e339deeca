"""The mapping from an item to Xero bodies, on unsaved models (no database): destinations, tax policies, line
amounts, reverse charge, Canada, currencies, rounding, tracking, bank accounts, payments; and the rate sources."""
import json
from datetime import date
from decimal import Decimal

import pytest
import requests

from webapp.config import ConfigError, load_settings
from webapp.items.models import Item, LineItem
from webapp.lists.models import (Category, Contact, Organisation, PaymentMethod, TaxRate, TrackingCategory,
                                 TrackingOption)
from webapp.publishing import payload
from webapp.publishing.models import PublishingSettings
from webapp.publishing.payload import NotPublishable, PublishContext
from webapp.publishing.rates import FixedRates, MissingRate, UrlRates, rate_source

DAY = date(2026, 10, 1)
POLICIES = ["docket", "xero", "docket_with_exceptions"]
LINE_AMOUNTS = ["exclusive", "inclusive", "no_tax"]


def account(code, tax_type, type_="OVERHEADS", currency=""):
    return Category(xero_id=f"acc-{code}", code=code, name=f"Account {code}", type=type_, tax_type=tax_type,
                    currency_code=currency)


def tax_rate(code, percent, report="", components=()):
    return TaxRate(xero_id=code, name=code, effective_rate=Decimal(percent), report_tax_type=report or code,
                   components=json.dumps([{"name": n, "rate": r} for n, r in components]))


GENERAL = account("429", "INPUT2")
BANK_FEES = account("404", "EXEMPTINPUT")  # a category whose default rate is zero-rated
SALES = account("200", "OUTPUT2", "REVENUE")
BANK = account("090", "", "BANK")
USD_BANK = account("091", "", "BANK", currency="USD")
VAT20 = tax_rate("INPUT2", "20", "INPUT")
NO_VAT = tax_rate("NONE", "0")
EXEMPT = tax_rate("EXEMPTINPUT", "0")
DRC20 = tax_rate("DRCHARGESUPPLY20", "20", "DRCHARGESUPPLY")
VAT_INCOME = tax_rate("OUTPUT2", "20", "OUTPUT")
GST_PST = tax_rate("CAN002", "12", components=[("GST", "5"), ("PST", "7")])
GST = tax_rate("CAN001", "5", components=[("GST", "5")])
PST = tax_rate("TAX001", "7", components=[("PST", "7")])
REGION, PROJECT = TrackingCategory(name="Region"), TrackingCategory(name="Project")
NORTH, PROJECT_A = TrackingOption(name="North", category=REGION), TrackingOption(name="Project A", category=PROJECT)
CARD = PaymentMethod(name="Company card", bank_account=BANK)


def make(**fields) -> Item:
    """A ready cost bill: 19.99 with 20% VAT, coded to General, published to purchases as a draft."""
    values = dict(workspace="costs", type="invoice", contact=Contact(xero_id="contact-tp", name="Travis Perkins"),
                  date=DAY, due_date=date(2026, 10, 31), reference="TP-1001", currency="GBP", net=Decimal("16.66"),
                  tax=Decimal("3.33"), total=Decimal("19.99"), category=GENERAL, tax_rate=VAT20, description="",
                  publish_to="purchases", publish_as="draft", payment_method=CARD)
    return Item(**(values | fields))


def line(quantity, unit_amount, tax_amount, *, rate=VAT20, category=GENERAL, **fields) -> LineItem:
    return LineItem(quantity=Decimal(str(quantity)), unit_amount=Decimal(str(unit_amount)),
                    tax_amount=None if tax_amount is None else Decimal(str(tax_amount)), tax_rate=rate,
                    category=category, **fields)


def context(base="GBP", multi_currency=True, **settings) -> PublishContext:
    organisation = Organisation(base_currency=base, multi_currency=multi_currency)
    return PublishContext(PublishingSettings(**settings), organisation,
                          url="https://docket.example/items/7?attempt=3",
                          zero_rated=payload.zero_rated_tax_types([VAT20, NO_VAT, EXEMPT, DRC20]))


def money(value) -> Decimal:
    return Decimal(str(value))


def xero_total(body) -> Decimal:
    """The total Xero computes: lines, plus their tax when amounts are tax exclusive."""
    lines = body["LineItems"]
    total = sum(money(li["LineAmount"]) for li in lines)
    if body["LineAmountTypes"] == "Exclusive":
        total += sum(money(li["TaxAmount"]) for li in lines)
    return total


def assert_lines_multiply(body):
    for li in body["LineItems"]:
        assert (money(li["Quantity"]) * money(li["UnitAmount"])).quantize(Decimal("0.01")) == money(li["LineAmount"])


# --- destinations -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("workspace, type_, publish_to, publish_as, expected", [
    ("costs", "receipt", "purchases", "draft", ("Invoices", "Invoice", "ACCPAY", "DRAFT", False)),
    ("costs", "invoice", "purchases", "awaiting_approval", ("Invoices", "Invoice", "ACCPAY", "SUBMITTED", False)),
    ("costs", "invoice", "purchases", "awaiting_payment", ("Invoices", "Invoice", "ACCPAY", "AUTHORISED", False)),
    ("costs", "receipt", "purchases", "paid", ("Invoices", "Invoice", "ACCPAY", "AUTHORISED", True)),
    ("costs", "receipt", "bank", "", ("BankTransactions", "BankTransaction", "SPEND", "AUTHORISED", False)),
    ("sales", "invoice", "sales", "awaiting_payment", ("Invoices", "Invoice", "ACCREC", "AUTHORISED", False)),
    ("sales", "invoice", "sales", "paid", ("Invoices", "Invoice", "ACCREC", "AUTHORISED", True)),
    ("sales", "invoice", "bank", "", ("BankTransactions", "BankTransaction", "RECEIVE", "AUTHORISED", False)),
    ("costs", "credit_note", "purchases", "draft", ("CreditNotes", "CreditNote", "ACCPAYCREDIT", "DRAFT", False)),
    ("costs", "credit_note", "purchases", "paid", ("CreditNotes", "CreditNote", "ACCPAYCREDIT", "AUTHORISED", True)),
    ("sales", "credit_note", "sales", "awaiting_approval",
     ("CreditNotes", "CreditNote", "ACCRECCREDIT", "SUBMITTED", False)),
    ("costs", "credit_note", "bank", "", ("BankTransactions", "BankTransaction", "RECEIVE", "AUTHORISED", False)),
    ("sales", "credit_note", "bank", "", ("BankTransactions", "BankTransaction", "SPEND", "AUTHORISED", False)),
])
def test_destination_follows_the_publishing_map(workspace, type_, publish_to, publish_as, expected):
    dest = payload.destination(make(workspace=workspace, type=type_, publish_to=publish_to, publish_as=publish_as))
    assert (dest.endpoint, dest.xero_object, dest.type, dest.status, dest.pays) == expected


def test_destination_refuses_a_cost_published_to_sales():
    with pytest.raises(NotPublishable, match="can't be published to “sales”"):
        payload.destination(make(publish_to="sales"))


# --- the document ------------------------------------------------------------------------------------------------

def test_bill_carries_contact_dates_supplier_number_currency_status_url_and_nothing_else():
    body = payload.build(make(publish_as="awaiting_payment"), [], context())
    assert body == {
        "Type": "ACCPAY", "Contact": {"ContactID": "contact-tp"}, "Date": "2026-10-01", "DueDate": "2026-10-31",
        "InvoiceNumber": "TP-1001", "CurrencyCode": "GBP", "Status": "AUTHORISED", "LineAmountTypes": "Exclusive",
        "LineItems": [{"Description": "Invoice TP-1001", "Quantity": 1, "UnitAmount": 16.66, "LineAmount": 16.66,
                       "AccountCode": "429", "TaxType": "INPUT2", "TaxAmount": 3.33}],
        "Url": "https://docket.example/items/7?attempt=3"}


def test_sales_invoice_keeps_its_own_number():
    item = make(workspace="sales", publish_to="sales", category=SALES, tax_rate=VAT_INCOME, description="Wardrobe")
    body = payload.build(item, [], context())
    assert body["Type"] == "ACCREC" and body["InvoiceNumber"] == "TP-1001" and "Reference" not in body
    assert body["LineItems"][0]["Description"] == "Wardrobe"


def test_credit_notes_carry_the_number_the_spec_allows_and_no_url():
    supplier = payload.build(make(type="credit_note"), [], context())
    customer = payload.build(make(type="credit_note", workspace="sales", publish_to="sales", category=SALES,
                                  tax_rate=VAT_INCOME), [], context())
    assert supplier["Type"] == "ACCPAYCREDIT" and supplier["CreditNoteNumber"] == "TP-1001"
    assert customer["Type"] == "ACCRECCREDIT" and customer["CreditNoteNumber"] == "TP-1001"
    assert "Reference" not in supplier and "Reference" not in customer
    assert "Url" not in supplier and "DueDate" not in supplier and "Url" not in customer


def test_bank_transaction_spends_from_the_payment_methods_bank_account():
    body = payload.build(make(type="receipt", publish_to="bank", publish_as="", paid=True), [], context())
    assert body["Type"] == "SPEND" and body["BankAccount"] == {"AccountID": "acc-090"}
    assert body["Reference"] == "TP-1001" and body["Status"] == "AUTHORISED"
    assert "DueDate" not in body and "CurrencyCode" not in body and "InvoiceNumber" not in body
    assert body["Url"] == "https://docket.example/items/7?attempt=3"


def test_bank_transaction_without_a_linked_bank_account_is_refused():
    item = make(publish_to="bank", payment_method=PaymentMethod(name="Cash"))
    with pytest.raises(NotPublishable, match="payment method linked to a Xero bank account"):
        payload.build(item, [], context())


def test_tracking_goes_by_category_and_option_name_on_each_line():
    item = make(tracking_option_1=NORTH, tracking_option_2=PROJECT_A)
    assert payload.build(item, [], context())["LineItems"][0]["Tracking"] == [
        {"Name": "Region", "Option": "North"}, {"Name": "Project", "Option": "Project A"}]
    lines = [line(1, "10.00", "2.00", tracking_option_1=NORTH), line(1, "6.66", "1.33")]
    sent = payload.build(make(), lines, context())["LineItems"]
    assert sent[0]["Tracking"] == [{"Name": "Region", "Option": "North"}] and "Tracking" not in sent[1]


def test_line_items_go_one_for_one_with_their_own_coding():
    lines = [line(2, "5.00", "2.00", description="Paint"), line(1, "6.66", "1.33", rate=NO_VAT, category=BANK_FEES)]
    body = payload.build(make(), lines, context())
    assert [(li["Description"], li["Quantity"], li["UnitAmount"], li["AccountCode"], li["TaxType"], li["TaxAmount"])
            for li in body["LineItems"]] == [("Paint", 2, 5, "429", "INPUT2", 2), ("Invoice TP-1001", 1, 6.66, "404",
                                                                                   "NONE", 1.33)]


def test_a_line_worth_half_a_cent_more_rounds_up():
    lines = [line("2.5", "0.05", "0", rate=NO_VAT), line(1, "10.00", "0", rate=NO_VAT)]  # 2.5 × 0.05 = 0.125
    item = make(tax_rate=NO_VAT, net=Decimal("10.13"), tax=Decimal(0), total=Decimal("10.13"))
    body = payload.build(item, lines, context())
    assert [li["LineAmount"] for li in body["LineItems"]] == [0.13, 10.00]


def test_lines_that_disagree_with_the_total_are_refused_not_forced():
    with pytest.raises(NotPublishable, match="add up to 12.00 but the total is 19.99"):
        payload.build(make(), [line(1, "10.00", "2.00")], context())


# --- tax policies and line amounts -----------------------------------------------------------------------------

def test_docket_policy_sends_our_tax_amount():
    li = payload.build(make(), [], context(tax_policy="docket"))["LineItems"][0]
    assert (li["LineAmount"], li["TaxType"], li["TaxAmount"]) == (16.66, "INPUT2", 3.33)


def test_xero_policy_sends_the_rate_and_a_tax_inclusive_amount_for_xero_to_split():
    body = payload.build(make(), [], context(tax_policy="xero"))
    li = body["LineItems"][0]
    assert body["LineAmountTypes"] == "Inclusive" and li["LineAmount"] == 19.99 and li["TaxType"] == "INPUT2"
    assert "TaxAmount" not in li


def test_exceptions_policy_sends_our_tax_like_docket_when_there_is_some():
    body = payload.build(make(), [], context(tax_policy="docket_with_exceptions"))
    assert body["LineAmountTypes"] == "Exclusive" and body["LineItems"][0]["TaxAmount"] == 3.33


@pytest.mark.parametrize("tax", [None, Decimal(0)])
def test_exceptions_policy_leaves_a_blank_or_zero_tax_to_the_accounts_default(tax):
    item = make(tax=tax, net=None)
    body = payload.build(item, [], context(tax_policy="docket_with_exceptions"))
    li = body["LineItems"][0]
    assert body["LineAmountTypes"] == "Inclusive" and li["LineAmount"] == 19.99
    assert "TaxType" not in li and "TaxAmount" not in li and li["AccountCode"] == "429"


def test_exceptions_policy_sends_a_zero_the_person_chose_with_a_zero_rate():
    item = make(tax_rate=NO_VAT, tax=Decimal(0), net=Decimal("19.99"))
    li = payload.build(item, [], context(tax_policy="docket_with_exceptions"))["LineItems"][0]
    assert (li["TaxType"], li["TaxAmount"], li["LineAmount"]) == ("NONE", 0, 19.99)


def test_exceptions_policy_publishes_no_tax_where_the_categorys_default_is_zero_rated():
    body = payload.build(make(category=BANK_FEES), [], context(tax_policy="docket_with_exceptions"))
    li = body["LineItems"][0]
    assert body["LineAmountTypes"] == "Exclusive"
    assert (li["TaxType"], li["TaxAmount"], li["LineAmount"]) == ("EXEMPTINPUT", 0, 19.99)


def test_inclusive_line_amounts_include_our_tax():
    body = payload.build(make(), [], context(line_amounts="inclusive"))
    li = body["LineItems"][0]
    assert body["LineAmountTypes"] == "Inclusive" and (li["LineAmount"], li["TaxAmount"]) == (19.99, 3.33)


@pytest.mark.parametrize("policy", POLICIES)
def test_no_tax_line_amounts_send_the_total_and_no_tax_whatever_the_policy(policy):
    body = payload.build(make(), [], context(line_amounts="no_tax", tax_policy=policy))
    li = body["LineItems"][0]
    assert body["LineAmountTypes"] == "NoTax" and li["LineAmount"] == 19.99
    assert "TaxType" not in li and "TaxAmount" not in li


# --- reverse charge and Canada ------------------------------------------------------------------------------------

@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("recorded_tax", [Decimal(0), Decimal(240)])
def test_domestic_reverse_charge_puts_no_tax_on_the_document(policy, recorded_tax):
    total = Decimal(1200) + recorded_tax
    item = make(tax_rate=DRC20, net=Decimal(1200), tax=recorded_tax, total=total)
    body = payload.build(item, [], context(tax_policy=policy))
    li = body["LineItems"][0]
    assert (li["TaxType"], li["TaxAmount"], li["LineAmount"]) == ("DRCHARGESUPPLY20", 0, float(total))
    assert xero_total(body) == total


def test_canadian_combined_rate_is_one_line_with_the_whole_gst_and_pst():
    item = make(tax_rate=GST_PST, net=Decimal("100.00"), tax=Decimal("12.00"), total=Decimal("112.00"))
    li, = payload.build(item, [], context(base="CAD"))["LineItems"]
    assert (li["TaxType"], li["LineAmount"], li["TaxAmount"]) == ("CAN002", 100, 12)


def test_canadian_taxes_coded_separately_stay_separate_lines():
    lines = [line(1, "100.00", "5.00", rate=GST), line(1, "40.00", "2.80", rate=PST),
             line(1, "10.00", "0", rate=NO_VAT)]
    body = payload.build(make(total=Decimal("157.80")), lines, context(base="CAD"))
    assert [(li["TaxType"], li["LineAmount"], li["TaxAmount"]) for li in body["LineItems"]] == [
        ("CAN001", 100, 5), ("TAX001", 40, 2.8), ("NONE", 10, 0)]


# --- rounding -------------------------------------------------------------------------------------------------------

def awkward(name, currency="GBP"):
    """An item and its lines with amounts that don't divide evenly."""
    def item(total, **fields):
        return make(total=Decimal(total), tax=None, net=None, currency=currency, **fields)

    if name == "3 × 0.333 at 20%":
        return item("1.20"), [line(3, "0.333", "0.20")]  # 0.999 → 1.00 net
    if name == "19.99 at 20%":
        return make(currency=currency), []
    if name == "7 × 1.43 at 5% + 7%":  # 7 × 0.17 tax on the lines, 1.20 on the receipt
        return item("11.21", tax_rate=GST_PST), [line(1, "1.43", "0.17", rate=GST_PST) for _ in range(7)]
    if name == "quarters, pennies and sevenths":
        return item("22.01"), [line("2.5", "3.3333", "1.67"), line(1, "0.01", "0", rate=NO_VAT),
                               line(7, "1.4286", "2.00")]
    return item("130.00"), [line(1, "100.00", "0", rate=DRC20), line(1, "25.00", "5.00")]


AWKWARD = ["3 × 0.333 at 20%", "19.99 at 20%", "7 × 1.43 at 5% + 7%", "quarters, pennies and sevenths",
           "reverse charge next to VAT"]


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("line_amounts", LINE_AMOUNTS)
@pytest.mark.parametrize("name", AWKWARD)
def test_xeros_total_is_the_item_total_to_the_cent(policy, line_amounts, name):
    item, lines = awkward(name)
    body = payload.build(item, lines, context(tax_policy=policy, line_amounts=line_amounts))
    assert xero_total(body) == item.total
    assert_lines_multiply(body)


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("line_amounts", LINE_AMOUNTS)
@pytest.mark.parametrize("name", AWKWARD)
def test_converted_total_is_the_total_times_the_rate_rounded_once(policy, line_amounts, name):
    item, lines = awkward(name, currency="EUR")
    body = payload.build(item, lines, context(tax_policy=policy, line_amounts=line_amounts, currency_mode="base"))
    rate = FixedRates().rate("EUR", "GBP", DAY)
    assert body["CurrencyCode"] == "GBP" and "CurrencyRate" not in body
    assert xero_total(body) == (item.total * rate).quantize(Decimal("0.01"))
    assert_lines_multiply(body)


def test_the_last_line_takes_the_cent_per_line_rounding_leaves():
    lines = [line(1, "1.43", "0.17", rate=GST_PST) for _ in range(7)]
    body = payload.build(make(tax_rate=GST_PST, total=Decimal("11.21")), lines, context(base="CAD"))
    assert [li["LineAmount"] for li in body["LineItems"]] == [1.43] * 6 + [1.44]
    assert [li["TaxAmount"] for li in body["LineItems"]] == [0.17] * 7


def test_four_decimal_unit_amounts_need_unitdp4():
    thirds = payload.build(make(total=Decimal("1.20")), [line(3, "0.333", "0.20")], context())
    assert thirds["LineItems"][0]["UnitAmount"] == 0.333 and payload.needs_unitdp4(thirds)
    assert not payload.needs_unitdp4(payload.build(make(), [], context()))


def test_an_amount_no_unit_price_reproduces_goes_as_one_of_the_amount():
    body = payload.build(make(total=Decimal("1.21"), tax=None, net=None), [line(3, "0.3367", "0.20")],
                         context(line_amounts="inclusive"))
    li, = body["LineItems"]
    assert (li["Quantity"], li["LineAmount"]) == (3, 1.21) and li["UnitAmount"] == 0.4033
    body = payload.build(make(total=Decimal("1000.01"), tax=None, net=None), [line(1000, "1", "0.01")],
                         context(line_amounts="inclusive"))
    li, = body["LineItems"]
    assert (li["Quantity"], li["UnitAmount"], li["LineAmount"]) == (1, 1000.01, 1000.01)


# --- currency -------------------------------------------------------------------------------------------------------

def test_document_currency_without_our_rate_lets_xero_set_it():
    body = payload.build(make(currency="EUR"), [], context(currency_mode="document", send_rate=False))
    assert body["CurrencyCode"] == "EUR" and "CurrencyRate" not in body and xero_total(body) == Decimal("19.99")


def test_document_currency_with_our_rate_sends_units_of_the_currency_per_unit_of_base():
    body = payload.build(make(currency="EUR"), [], context(currency_mode="document", send_rate=True))
    assert body["CurrencyCode"] == "EUR" and body["CurrencyRate"] == 1.175926  # 1.27 USD per GBP / 1.08 per EUR
    assert xero_total(body) == Decimal("19.99")


def test_organisation_without_multi_currency_always_gets_base_currency():
    body = payload.build(make(currency="EUR"), [], context(multi_currency=False, currency_mode="document",
                                                           send_rate=True))
    assert body["CurrencyCode"] == "GBP" and "CurrencyRate" not in body
    assert xero_total(body) == (Decimal("19.99") * Decimal("0.850394")).quantize(Decimal("0.01"))


def test_bank_transaction_is_in_its_bank_accounts_currency():
    item = make(currency="EUR", publish_to="bank", payment_method=PaymentMethod(name="USD card", bank_account=USD_BANK))
    body = payload.build(item, [], context(send_rate=True))
    rate = FixedRates().rate("EUR", "USD", DAY)
    assert "CurrencyCode" not in body and body["CurrencyRate"] == float(FixedRates().rate("GBP", "USD", DAY))
    assert xero_total(body) == (Decimal("19.99") * rate).quantize(Decimal("0.01"))


def test_a_missing_rate_says_what_to_do():
    with pytest.raises(MissingRate) as raised:
        payload.build(make(currency="SEK", date=date(2026, 3, 12)), [], context(currency_mode="base"))
    assert str(raised.value) == ("No exchange rate for SEK→GBP on 2026-03-12; set EXCHANGE_RATES_URL or publish in "
                                 "the document's currency.")
    with pytest.raises(MissingRate, match="let Xero set the rate"):
        payload.build(make(currency="SEK"), [], context(send_rate=True))


# --- payments --------------------------------------------------------------------------------------------------------

def test_payment_pays_the_bill_in_full_from_the_linked_bank_account():
    body = payload.payment(make(publish_as="paid"), "inv-1", context())
    assert body == {"Invoice": {"InvoiceID": "inv-1"}, "Account": {"AccountID": "acc-090"}, "Date": "2026-10-01",
                    "Amount": 19.99}


def test_payment_refunds_a_paid_credit_note():
    body = payload.payment(make(type="credit_note", publish_as="paid"), "cn-1", context())
    assert body["CreditNote"] == {"CreditNoteID": "cn-1"} and "Invoice" not in body


def test_payment_amount_and_rate_follow_the_documents_currency():
    item = make(currency="EUR", publish_as="paid")
    converted = payload.payment(item, "inv-1", context(currency_mode="base"))
    assert converted["Amount"] == float((Decimal("19.99") * Decimal("0.850394")).quantize(Decimal("0.01")))
    assert "CurrencyRate" not in converted
    foreign = payload.payment(item, "inv-1", context(send_rate=True))
    assert foreign["Amount"] == 19.99 and foreign["CurrencyRate"] == float(FixedRates().rate("GBP", "EUR", DAY))


def test_payment_only_for_items_published_as_paid():
    with pytest.raises(NotPublishable):
        payload.payment(make(publish_as="awaiting_payment"), "inv-1", context())


# --- rate sources and their setting -----------------------------------------------------------------------------------

class FakeResponse:
    def __init__(self, status, data=None):
        self.status_code, self.data = status, data

    def json(self):
        if self.data is None:
            raise ValueError("not JSON")
        return self.data

    def raise_for_status(self):
        if self.status_code >= 400:
            raise requests.HTTPError(f"{self.status_code}")


class FakeGet:
    def __init__(self, *responses):
        self.responses, self.urls = list(responses), []

    def __call__(self, url, **kwargs):
        self.urls.append(url)
        return self.responses.pop(0)


ECB_DAY = {"amount": 1.0, "base": "EUR", "date": "2026-03-12", "rates": {"GBP": 0.8412, "USD": 1.0873}}


def test_fixed_rates_agree_with_the_sandboxs_table():
    from xero_sandbox.accounting import seed, seed_data

    fixed = FixedRates()
    for currency in seed_data.USD_VALUE:
        for base in seed_data.USD_VALUE:
            assert fixed.rate(base, currency, DAY) == seed.fx_rate(currency, base)


def test_url_rates_cross_through_the_base_and_fetch_each_day_once():
    get = FakeGet(FakeResponse(200, ECB_DAY), FakeResponse(200, ECB_DAY | {"rates": {"GBP": 0.85}}))
    rates = UrlRates("https://rates.example/{date}", get=get)
    assert rates.rate("EUR", "GBP", date(2026, 3, 12)) == Decimal("0.841200")
    assert rates.rate("USD", "GBP", date(2026, 3, 12)) == (Decimal("0.8412") / Decimal("1.0873")).quantize(
        Decimal("0.000001"))
    assert rates.rate("GBP", "EUR", date(2026, 3, 13)) == (1 / Decimal("0.85")).quantize(Decimal("0.000001"))
    assert get.urls == ["https://rates.example/2026-03-12", "https://rates.example/2026-03-13"]


@pytest.mark.parametrize("response, message", [
    (FakeResponse(404), "EXCHANGE_RATES_URL has none"),
    (FakeResponse(200, ECB_DAY), "EXCHANGE_RATES_URL has none"),  # no SEK in the table
    (FakeResponse(200, {"rates": "nope"}), "isn't in the documented format"),
    (FakeResponse(200), "isn't in the documented format"),
])
def test_url_rates_without_the_rate_raise_missing_rate(response, message):
    rates = UrlRates("https://rates.example/{date}?base={base}&key=secret", get=FakeGet(response))
    with pytest.raises(MissingRate, match=message) as raised:
        rates.rate("SEK", "GBP", date(2026, 3, 12))
    assert "secret" not in str(raised.value)


def test_url_rates_outage_raises_for_a_retry_and_is_not_remembered():
    get = FakeGet(FakeResponse(503), FakeResponse(200, ECB_DAY))
    rates = UrlRates("https://rates.example/{date}", get=get)
    with pytest.raises(requests.HTTPError):
        rates.rate("EUR", "GBP", DAY)
    assert rates.rate("EUR", "GBP", DAY) == Decimal("0.841200")


def test_exchange_rates_url_setting_picks_the_source():
    base = {"DOCKET_ENV": "test", "SECRET_KEY": "s", "TOKEN_ENCRYPTION_KEYS": "k:" + "A" * 43 + "="}
    assert load_settings(base).exchange_rates_url == ""
    url = load_settings(base | {"EXCHANGE_RATES_URL": " https://api.frankfurter.app/{date} "}).exchange_rates_url
    assert url == "https://api.frankfurter.app/{date}"
    assert isinstance(rate_source(url), UrlRates) and isinstance(rate_source(""), FixedRates)
    with pytest.raises(ConfigError, match="EXCHANGE_RATES_URL must be an http"):
        load_settings(base | {"EXCHANGE_RATES_URL": "frankfurter.app"})
