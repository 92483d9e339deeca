"""Bodies built by the payload mapping match Xero's OpenAPI spec, and the sandbox accepts them with the item's total."""
import json
from datetime import date
from decimal import Decimal

import pytest

from tests.sandbox.accounting_helpers import CA, UK, acc_app, make_api, seeded_db_template  # noqa: F401
from tests.sandbox.test_contract import openapi, spec_request  # noqa: F401
from webapp.items.models import Item, LineItem
from webapp.lists.models import (Category, Contact, Organisation, PaymentMethod, TaxRate, TrackingCategory,
                                 TrackingOption)
from webapp.publishing import payload
from webapp.publishing.models import PublishingSettings
from webapp.publishing.payload import PublishContext
from webapp.publishing.rates import FixedRates
from xero_sandbox.accounting import seed

# openapi-core can't check the spec's oauth2 security scheme and warns (as in tests/sandbox/test_contract.py).
pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type:UserWarning")

DAY = date(2026, 10, 1)  # after every demo organisation's lock dates
POLICIES = ["docket", "xero", "docket_with_exceptions"]
LINE_AMOUNTS = ["exclusive", "inclusive", "no_tax"]


class Org:
    """One demo organisation's lists as Docket mirrors them, with the sandbox's seeded ids."""

    def __init__(self, key, base):
        self.key, self.base = key, base
        self.regions = {}

    def account(self, code, tax_type, type_="OVERHEADS"):
        return Category(xero_id=seed.account_id(self.key, code), code=code, name=code, type=type_, tax_type=tax_type)

    def contact(self, name):
        return Contact(xero_id=seed.contact_id(self.key, name), name=name)

    def card(self):
        return PaymentMethod(name="Card", bank_account=self.account("090", "", "BANK"))

    def context(self, **settings):
        organisation = Organisation(base_currency=self.base, multi_currency=True)
        return PublishContext(PublishingSettings(**settings), organisation,
                              url="https://docket.example/items/1?attempt=1",
                              zero_rated=frozenset({"NONE", "EXEMPTINPUT", "ZERORATEDINPUT", "EXEMPTEXPENSES"}))


UK_ORG, CA_ORG = Org("uk", "GBP"), Org("ca", "CAD")


def rate(code, percent, report=""):
    return TaxRate(xero_id=code, name=code, effective_rate=Decimal(percent), report_tax_type=report or code)


VAT20, DRC20 = rate("INPUT2", "20", "INPUT"), rate("DRCHARGESUPPLY20", "20", "DRCHARGESUPPLY")
GST_PST, GST = rate("CAN002", "12"), rate("CAN001", "5")
MIDLANDS = TrackingOption(name="Midlands", category=TrackingCategory(name="Region"))
WORKSHOP = TrackingOption(name="Workshop", category=TrackingCategory(name="Department"))


def bill(org=UK_ORG, supplier="Travis Perkins", **fields) -> Item:
    values = dict(workspace="costs", type="invoice", contact=org.contact(supplier), date=DAY, reference="TP-77",
                  currency=org.base, total=Decimal("19.99"), net=Decimal("16.66"), tax=Decimal("3.33"),
                  category=org.account("429", "INPUT2"), tax_rate=VAT20, publish_to="purchases",
                  publish_as="awaiting_payment", payment_method=org.card())
    return Item(**(values | fields))


def line(quantity, unit_amount, tax_amount, rate_=VAT20, category=None, **fields) -> LineItem:
    return LineItem(quantity=Decimal(str(quantity)), unit_amount=Decimal(str(unit_amount)),
                    tax_amount=None if tax_amount is None else Decimal(str(tax_amount)), tax_rate=rate_,
                    category=category or UK_ORG.account("429", "INPUT2"), **fields)


def awkward_uk_lines():
    """3 × 0.333, a 19.99 line split by tracking, and subcontracting under the domestic reverse charge."""
    return [line(3, "0.333", "0.20", description="Screws"),
            line(1, "16.66", "3.33", description="Oak trim", tracking_option_1=MIDLANDS, tracking_option_2=WORKSHOP),
            line(1, "100.00", "0", DRC20, UK_ORG.account("320", "INPUT2", "DIRECTCOSTS"), description="Fitting")]


def put(api, endpoint, body):
    """PUT one element as the publishing job does; the created element (asserting it was accepted)."""
    params = {"summarizeErrors": "false"} | ({"unitdp": "4"} if payload.needs_unitdp4(body) else {})
    response = api.put(f"/{endpoint}", {endpoint: [body]}, **params)
    element = response.get_json()[endpoint][0]
    assert response.status_code == 200 and element["StatusAttributeString"] == "OK", response.get_data(as_text=True)
    return element


def total(element) -> Decimal:
    return Decimal(str(element["Total"]))


@pytest.fixture
def uk(acc_app):  # noqa: F811
    return make_api(acc_app, UK)


@pytest.fixture
def ca(acc_app):  # noqa: F811
    return make_api(acc_app, CA)


def test_built_bodies_match_xeros_spec(openapi):  # noqa: F811
    context = UK_ORG.context(send_rate=True)
    cases = [
        ("/Invoices", "Invoices", payload.build(bill(currency="EUR", total=Decimal("121.19"), tax=None, net=None),
                                                awkward_uk_lines(), context)),
        ("/Invoices", "Invoices", payload.build(sale(), [], context)),
        ("/CreditNotes", "CreditNotes", payload.build(bill(type="credit_note"), [], context)),
        ("/BankTransactions", "BankTransactions", payload.build(bill(publish_to="bank"), [], context)),
        ("/Payments", "Payments", payload.payment(bill(publish_as="paid", currency="EUR"), seed.stable_id("x"),
                                                  context)),
    ]
    for path, key, body in cases:
        query = {"summarizeErrors": "false"} | ({"unitdp": "4"} if payload.needs_unitdp4(body) else {})
        openapi.validate_request(spec_request("PUT", path, {key: [body]}, query=query))


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("line_amounts", LINE_AMOUNTS)
def test_sandbox_bill_total_is_the_item_total_for_every_setting(uk, policy, line_amounts):
    item = bill(total=Decimal("121.19"), tax=None, net=None)
    body = payload.build(item, awkward_uk_lines(), UK_ORG.context(tax_policy=policy, line_amounts=line_amounts))
    created = put(uk, "Invoices", body)
    assert total(created) == Decimal("121.19") and created["Status"] == "AUTHORISED"
    assert created["LineItems"][1]["Tracking"][0]["Option"] == "Midlands"


def test_sandbox_exceptions_leave_blank_tax_to_the_account_and_drop_tax_on_zero_rated_categories(uk):
    lines = [line(1, "50.00", None, description="Tax not shown"),
             line(1, "10.00", "2.00", category=UK_ORG.account("404", "EXEMPTINPUT"), description="Bank charge")]
    item = bill(total=Decimal("62.00"), tax=None, net=None)
    created = put(uk, "Invoices", payload.build(item, lines, UK_ORG.context(tax_policy="docket_with_exceptions")))
    assert total(created) == Decimal("62.00") and created["LineAmountTypes"] == "Inclusive"
    assert [(li["TaxType"], Decimal(str(li["TaxAmount"]))) for li in created["LineItems"]] == [
        ("INPUT2", Decimal("8.33")), ("EXEMPTINPUT", Decimal("0"))]


@pytest.mark.parametrize("policy", POLICIES)
def test_sandbox_canadian_combined_rate_lines_keep_the_receipts_total(ca, policy):
    category = CA_ORG.account("429", "CAN007")
    lines = [line(1, "1.43", "0.17", GST_PST, category) for _ in range(7)]
    item = bill(CA_ORG, "Canadian Tire", total=Decimal("11.21"), tax=None, net=None, tax_rate=GST_PST,
                category=category)
    created = put(ca, "Invoices", payload.build(item, lines, CA_ORG.context(tax_policy=policy)))
    assert total(created) == Decimal("11.21")
    assert {li["TaxType"] for li in created["LineItems"]} == {"CAN002"}


def test_sandbox_canadian_taxes_coded_separately_stay_separate(ca):
    category = CA_ORG.account("429", "CAN007")
    lines = [line(1, "100.00", "12.00", GST_PST, category), line(1, "40.00", "2.00", GST, category),
             line(1, "10.00", "0", rate("NONE", "0"), category)]
    item = bill(CA_ORG, "Canadian Tire", total=Decimal("164.00"), tax=None, net=None, category=category)
    created = put(ca, "Invoices", payload.build(item, lines, CA_ORG.context()))
    assert total(created) == Decimal("164.00")
    assert [li["TaxType"] for li in created["LineItems"]] == ["CAN002", "CAN001", "NONE"]


def sale(**fields) -> Item:
    values = dict(workspace="sales", publish_to="sales", contact=UK_ORG.contact("Ashworth Developments"),
                  tax_rate=rate("OUTPUT2", "20"), category=UK_ORG.account("200", "OUTPUT2"), reference="PO-9")
    return bill(**(values | fields))


def test_sandbox_spend_receive_sale_and_credit_note_totals(uk):
    created = {
        "spend": put(uk, "BankTransactions", payload.build(bill(publish_to="bank"), [], UK_ORG.context())),
        "receive": put(uk, "BankTransactions", payload.build(sale(publish_to="bank"), [], UK_ORG.context())),
        "sale": put(uk, "Invoices", payload.build(sale(), [], UK_ORG.context())),
        "credit": put(uk, "CreditNotes", payload.build(bill(type="credit_note"), [], UK_ORG.context())),
    }
    assert {name: total(element) for name, element in created.items()} == dict.fromkeys(created, Decimal("19.99"))
    assert created["spend"]["Type"] == "SPEND" and created["receive"]["Type"] == "RECEIVE"
    assert created["sale"]["InvoiceNumber"] == "PO-9" and created["credit"]["Type"] == "ACCPAYCREDIT"


def test_sandbox_paid_bill_is_paid_in_full_by_the_payment(uk):
    item = bill(publish_as="paid", currency="EUR")
    context = UK_ORG.context(send_rate=True)
    created = put(uk, "Invoices", payload.build(item, [], context))
    put(uk, "Payments", payload.payment(item, created["InvoiceID"], context))
    invoice = uk.get(f"/Invoices/{created['InvoiceID']}").get_json()["Invoices"][0]
    assert invoice["Status"] == "PAID" and invoice["AmountDue"] == 0 and invoice["CurrencyCode"] == "EUR"


def test_sandbox_currency_rate_ours_theirs_and_converted(uk):
    ours = put(uk, "Invoices", payload.build(bill(currency="EUR"), [], UK_ORG.context(send_rate=True)))
    theirs = put(uk, "Invoices", payload.build(bill(currency="EUR"), [], UK_ORG.context(send_rate=False)))
    converted = put(uk, "Invoices", payload.build(bill(currency="EUR"), [], UK_ORG.context(currency_mode="base")))
    fixed = FixedRates().rate("GBP", "EUR", DAY)
    assert (ours["CurrencyCode"], total(ours), Decimal(str(ours["CurrencyRate"]))) == ("EUR", Decimal("19.99"), fixed)
    assert Decimal(str(theirs["CurrencyRate"])) == fixed  # the fixed table is the sandbox's own
    converted_total = (Decimal("19.99") * FixedRates().rate("EUR", "GBP", DAY)).quantize(Decimal("0.01"))
    assert (converted["CurrencyCode"], total(converted)) == ("GBP", converted_total)


def test_request_bodies_are_plain_json():
    body = payload.build(bill(total=Decimal("121.19"), tax=None, net=None), awkward_uk_lines(), UK_ORG.context())
    assert json.loads(json.dumps(body)) == body
