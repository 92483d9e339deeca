"""Canadian two-tax rates: an item or line coded GST + PST shows each tax's amount under its Tax, each editable;
the tax is their sum and the totals check adds them. Other organisations and one-tax rates keep one Tax box."""
import html
import json
import re
from datetime import date
from decimal import Decimal

import pytest

from tests.items_helpers import make_coding, make_contact, make_item
from webapp.items import tax_components
from webapp.items.models import Item, ItemHistory, LineItem
from webapp.lists.models import Category, Currency, Organisation, TaxRate
from webapp.publishing import payload
from webapp.publishing.models import PublishingSettings

GST, PST = {"name": "GST", "rate": "5"}, {"name": "PST", "rate": "7"}
GST_PST = [GST | {"is_compound": False, "is_non_recoverable": False},
           PST | {"is_compound": False, "is_non_recoverable": True}]


class Canadian:
    """The sandbox's Canadian rates that matter here, as a refresh stores them."""

    def __init__(self, business_id):
        def rate(tax_type, name, parts):
            total = sum(Decimal(part[1]) for part in parts)
            components = [{"name": part[0], "rate": part[1], "is_compound": False, "is_non_recoverable": False}
                          for part in parts]
            return TaxRate.create(business=business_id, xero_id=tax_type, name=name, effective_rate=total,
                                  display_rate=total, can_apply_to="EXPENSES",
                                  components=json.dumps(components, sort_keys=True))

        Organisation.create(business=business_id, tenant_id=f"tenant-{business_id}",
                            name="Maple Ridge Outfitters Inc.", base_currency="CAD", country_code="CA")
        Currency.create(business=business_id, xero_id="CAD", description="Canadian Dollar")
        self.supplies = Category.create(business=business_id, xero_id=f"acc-453-{business_id}", code="453",
                                        name="Office Expenses", type="OVERHEADS", account_class="EXPENSE")
        self.gst_pst = rate("CAN002", "BC - GST/PST on Purchases", [("GST", "5"), ("PST", "7")])
        self.gst_qst = rate("CAN027", "QC - GST/QST on Purchases", [("GST", "5"), ("QST", "9.975")])
        self.hst = rate("CAN007", "ON - HST on Purchases", [("HST", "13")])


@pytest.fixture
def canada(admin):
    return Canadian(admin.business_id)


@pytest.fixture
def item(admin, canada):
    supplier = make_contact(admin.business, "Canadian Tire")
    return make_item(admin.business, contact=supplier, date=date(2026, 5, 14), total=Decimal("112.00"),
                     currency="CAD", category=canada.supplies)


def _url(item, suffix=""):
    return f"/b/{item.business_id}/items/{item.id}{suffix}"


def _edit(client, item, name, value):
    return client.hx("POST", _url(item, f"/fields/{name}"), data={"value": value})


def _component(client, item, name, value):
    return client.hx("POST", _url(item, "/tax-components"), data={"component": name, "value": value})


def _fresh(item) -> Item:
    return Item.get_by_id(item.id)


def _said(response) -> str:
    return html.unescape(response.text)


def _input(page: str, input_id: str) -> str:
    return re.search(rf'<input[^>]*id="{input_id}"[^>]*>', page, re.S).group(0)


# The arithmetic


def test_each_component_is_worked_out_from_the_net_at_its_rate():
    found = tax_components.of(GST_PST, Decimal("100.00"), {})
    assert [(part.label, part.amount, part.typed) for part in found] == [("GST 5%", Decimal("5.00"), False),
                                                                         ("PST 7%", Decimal("7.00"), False)]
    assert tax_components.total_of(found) == Decimal("12.00")


def test_components_round_half_up_to_the_cent_each():
    # 10.10 × 5% = 0.505 and × 7% = 0.707: half-up gives 0.51 (banker's rounding would give 0.50)
    found = tax_components.of(GST_PST, Decimal("10.10"), {})
    assert [part.amount for part in found] == [Decimal("0.51"), Decimal("0.71")]


def test_a_compound_component_applies_on_the_net_and_the_others():
    old_quebec = [GST | {"is_compound": False}, {"name": "QST", "rate": "9.5", "is_compound": True}]
    found = tax_components.of(old_quebec, Decimal("100.00"), {})
    assert [part.amount for part in found] == [Decimal("5.00"), Decimal("9.98")]  # 9.5% of 105.00 = 9.975
    assert tax_components.split_total(Decimal("114.98"), old_quebec, {})[0] == Decimal("100.00")
    # Xero's effective rate: 5 + 9.5 × 1.05 = 14.975%, so 11,497.50 is 10,000.00 and its tax
    assert tax_components.split_total(Decimal("11497.50"), old_quebec, {})[0] == Decimal("10000.00")


def test_a_typed_amount_is_kept_and_no_net_leaves_the_others_blank():
    typed = {"PST": Decimal("7.10")}
    assert [part.amount for part in tax_components.of(GST_PST, Decimal("100.00"), typed)] == [Decimal("5.00"),
                                                                                             Decimal("7.10")]
    unknown = tax_components.of(GST_PST, None, typed)
    assert [part.amount for part in unknown] == [None, Decimal("7.10")] and tax_components.total_of(unknown) is None
    both = tax_components.of(GST_PST, None, typed | {"GST": Decimal("5.00")})
    assert tax_components.total_of(both) == Decimal("12.10")  # no net needed when every amount is typed


def test_a_total_splits_so_that_the_rounded_components_add_up():
    # 10.01 at 12% gives a net of 8.94 (tax 1.07), but 8.94's GST 0.45 and PST 0.63 make 10.02: the net is 8.93
    net, found = tax_components.split_total(Decimal("10.01"), GST_PST, {})
    assert (net, [part.amount for part in found]) == (Decimal("8.93"), [Decimal("0.45"), Decimal("0.63")])
    net, found = tax_components.split_total(Decimal("112.10"), GST_PST, {"PST": Decimal("7.10")})
    assert (net, [part.amount for part in found]) == (Decimal("100.00"), [Decimal("5.00"), Decimal("7.10")])
    # 10.13 gives a net of 9.04 (GST 0.45, PST 0.63: 10.12): the net is a cent more, 9.05
    net, found = tax_components.split_total(Decimal("10.13"), GST_PST, {})
    assert (net, [part.amount for part in found]) == (Decimal("9.05"), [Decimal("0.45"), Decimal("0.63")])


def test_a_total_with_every_component_typed_leaves_the_rest_as_the_net():
    typed = {"GST": Decimal("5.05"), "PST": Decimal("7.10")}
    net, found = tax_components.split_total(Decimal("113.15"), GST_PST, typed)
    assert (net, [part.amount for part in found]) == (Decimal("101.00"), [Decimal("5.05"), Decimal("7.10")])


def test_only_a_canadian_organisations_rates_with_several_components_are_shown_apart(admin, canada):
    class Lists:
        organisation = Organisation.get(Organisation.business == admin.business_id)

    assert [part["name"] for part in tax_components.parts(canada.gst_pst, Lists)] == ["GST", "PST"]
    assert tax_components.parts(canada.hst, Lists) == []
    Lists.organisation.country_code = "US"
    assert tax_components.parts(canada.gst_pst, Lists) == []


# The item


def test_choosing_a_gst_pst_rate_shows_each_tax_under_the_tax(admin_client, item, canada):
    before = admin_client.get(_url(item))  # no rate yet: one Tax box
    assert before.status_code == 200 and "input-tax-1" not in before.text
    response = _edit(admin_client, item, "tax_rate", str(canada.gst_pst.id))
    assert response.status_code == 200
    fresh = _fresh(item)
    assert (fresh.net, fresh.tax, fresh.status) == (Decimal("100.00"), Decimal("12.00"), "ready")
    said = _said(response)
    assert 'id="field-tax" hx-swap-oob="true"' in response.text
    assert "GST 5%" in said and "PST 7%" in said
    assert 'value="5.00"' in _input(response.text, "input-tax-1") and 'value="7.00"' in _input(response.text,
                                                                                            "input-tax-2")
    assert "readonly" in _input(response.text, "input-tax")  # the tax is their sum
    page = _said(admin_client.get(_url(item)))
    assert '<label for="input-tax-2">PST 7%</label>' in page


def test_editing_pst_makes_the_tax_the_sum_and_the_totals_check_adds_them(admin_client, admin, item, canada):
    _edit(admin_client, item, "tax_rate", str(canada.gst_pst.id))
    response = _component(admin_client, item, "PST", "7.10")
    assert response.status_code == 200
    fresh = _fresh(item)
    assert (fresh.net, fresh.tax, fresh.total, fresh.status) == (Decimal("100.00"), Decimal("12.10"),
                                                                 Decimal("112.00"), "inbox")
    said = _said(response)
    assert 'value="12.10"' in _input(response.text, "input-tax") and "Saved" in said
    assert "Net 100.00 + tax 12.10 doesn't equal the total 112.00" in said  # the checks, out of band
    assert '<span id="item-status" class="badge badge-inbox" hx-swap-oob="true">' in response.text
    change = ItemHistory.get((ItemHistory.item == item.id) & (ItemHistory.field == "PST"))
    assert (change.old, change.new, change.source, change.user_id) == ("7.00 (calculated)", "7.10", "edit",
                                                                       admin.user_id)
    assert ItemHistory.get((ItemHistory.item == item.id) & (ItemHistory.field == "tax")
                           & (ItemHistory.new == "12.10")).source == "calculated"
    history = _said(admin_client.get(_url(item), query_string={"tab": "history"}))
    assert "<td>PST</td>" in history

    _edit(admin_client, item, "total", "112.10")  # as the document says: the typed PST stays
    fresh = _fresh(item)
    assert (fresh.net, fresh.tax, fresh.status) == (Decimal("100.00"), Decimal("12.10"), "ready")


def test_xero_gets_the_components_sum_as_the_lines_tax(admin_client, item, canada):
    _edit(admin_client, item, "tax_rate", str(canada.gst_pst.id))
    _component(admin_client, item, "PST", "7.10")
    _edit(admin_client, item, "total", "112.10")
    organisation = Organisation.get(Organisation.business == item.business_id)
    body = payload.build(_fresh(item), [], payload.PublishContext(PublishingSettings(), organisation))
    [line] = body["LineItems"]
    assert (line["TaxType"], Decimal(str(line["LineAmount"])), Decimal(str(line["TaxAmount"]))) == (
        "CAN002", Decimal("100.00"), Decimal("12.10"))


def test_a_component_post_without_its_name_is_a_bad_request(admin_client, item, canada):
    _edit(admin_client, item, "tax_rate", str(canada.gst_pst.id))
    assert _component(admin_client, item, "", "7.00").status_code == 400


def test_a_total_no_split_adds_up_to_keeps_the_nearest_net_and_the_totals_check_says_so(admin_client, item,
                                                                                        canada):
    # nets 8.92, 8.93 and 8.94 make 9.99, 10.01 and 10.02 with their rounded GST and PST: none makes 10.00
    _edit(admin_client, item, "tax_rate", str(canada.gst_pst.id))
    response = _edit(admin_client, item, "total", "10.00")
    fresh = _fresh(item)
    assert (fresh.net, fresh.tax, fresh.status) == (Decimal("8.93"), Decimal("1.08"), "inbox")
    assert 'value="0.45"' in _input(response.text, "input-tax-1") and 'value="0.63"' in _input(response.text,
                                                                                             "input-tax-2")
    assert "Net 8.93 + tax 1.08 doesn't equal the total 10.00" in _said(response)


def test_a_component_typed_before_there_is_a_net_is_recorded_from_blank(admin_client, admin, canada):
    item = make_item(admin.business, contact=make_contact(admin.business, "Canadian Tire"), currency="CAD",
                     category=canada.supplies, date=date(2026, 5, 14))
    _edit(admin_client, item, "tax_rate", str(canada.gst_pst.id))
    assert _component(admin_client, item, "PST", "7.00").status_code == 200
    change = ItemHistory.get((ItemHistory.item == item.id) & (ItemHistory.field == "PST"))
    assert (change.old, change.new) == ("", "7.00")
    assert _fresh(item).tax is None  # GST waits for the net


def test_typing_the_net_recomputes_the_components_not_typed(admin_client, item, canada):
    _edit(admin_client, item, "tax_rate", str(canada.gst_pst.id))
    _component(admin_client, item, "PST", "7.10")
    response = _edit(admin_client, item, "net", "90.00")
    assert 'value="4.50"' in _input(response.text, "input-tax-1")
    assert 'value="7.10"' in _input(response.text, "input-tax-2")
    assert _fresh(item).tax == Decimal("11.60")


def test_a_blank_component_goes_back_to_the_calculated_amount(admin_client, item, canada):
    _edit(admin_client, item, "tax_rate", str(canada.gst_pst.id))
    _component(admin_client, item, "PST", "7.10")
    response = _component(admin_client, item, "PST", "")
    assert response.status_code == 200
    fresh = _fresh(item)
    assert (fresh.tax, fresh.tax_components, fresh.status) == (Decimal("12.00"), "", "ready")
    assert ItemHistory.select().where((ItemHistory.item == item.id) & (ItemHistory.field == "PST")
                                      & (ItemHistory.new == "7.00 (calculated)")).exists()


@pytest.mark.parametrize("value, message", [
    ("seven", "Enter an amount in numbers, like 1234.50."),
    ("-7.00", "Enter the amount without a minus sign"),
    ("7.001", "Use at most 2 decimal places."),
])
def test_a_bad_component_gets_its_message_beside_it_and_loses_nothing(admin_client, item, canada, value, message):
    _edit(admin_client, item, "tax_rate", str(canada.gst_pst.id))
    before = ItemHistory.select().where(ItemHistory.item == item.id).count()
    response = _component(admin_client, item, "PST", value)
    assert response.status_code == 422
    assert message in _said(response)
    assert f'value="{value}"' in _input(response.text, "input-tax-2")
    assert 'aria-invalid="true"' in _input(response.text, "input-tax-2")
    assert 'aria-invalid' not in _input(response.text, "input-tax")
    fresh = _fresh(item)
    assert (fresh.tax, fresh.tax_components) == (Decimal("12.00"), "")
    assert ItemHistory.select().where(ItemHistory.item == item.id).count() == before


def test_a_component_the_rate_lacks_and_typing_the_tax_are_refused_with_a_message(admin_client, item, canada):
    _edit(admin_client, item, "tax_rate", str(canada.gst_pst.id))
    response = _component(admin_client, item, "QST", "9.00")
    assert response.status_code == 422 and "The tax rate has no QST" in _said(response)
    response = _edit(admin_client, item, "tax", "12.50")
    assert response.status_code == 422 and "The tax is GST and PST added up" in _said(response)
    assert _fresh(item).tax == Decimal("12.00")


def test_a_rate_of_three_components_names_them_all(admin_client, item, canada):
    three = [{"name": name, "rate": rate, "is_compound": False, "is_non_recoverable": False}
             for name, rate in (("GST", "5"), ("PST", "7"), ("Levy", "1"))]
    rate = TaxRate.create(business=item.business_id, xero_id="TAX042", name="GST/PST and levy", effective_rate=13,
                          display_rate=13, can_apply_to="EXPENSES", components=json.dumps(three, sort_keys=True))
    _edit(admin_client, item, "tax_rate", str(rate.id))
    response = _edit(admin_client, item, "tax", "12.50")
    assert response.status_code == 422
    assert "The tax is GST, PST and Levy added up: change those amounts instead." in _said(response)


def test_a_new_rate_keeps_the_components_it_has_and_forgets_the_others(admin_client, item, canada):
    _edit(admin_client, item, "tax_rate", str(canada.gst_pst.id))
    _component(admin_client, item, "GST", "5.05")
    _component(admin_client, item, "PST", "7.10")
    response = _edit(admin_client, item, "tax_rate", str(canada.gst_qst.id))
    assert "QST 9.975%" in _said(response) and 'value="5.05"' in _input(response.text, "input-tax-1")
    assert json.loads(_fresh(item).tax_components) == {"GST": "5.05"}
    forgotten = ItemHistory.get((ItemHistory.item == item.id) & (ItemHistory.field == "PST")
                                & (ItemHistory.source == "calculated"))
    assert (forgotten.old, forgotten.new) == ("7.10", "")
    response = _edit(admin_client, item, "tax_rate", str(canada.hst.id))  # one tax: one Tax box
    assert "input-tax-1" not in response.text and "readonly" not in _input(response.text, "input-tax")
    fresh = _fresh(item)
    assert (fresh.net, fresh.tax, fresh.tax_components) == (Decimal("99.12"), Decimal("12.88"), "")


def test_other_organisations_keep_one_tax_box(admin_client, admin):
    coding = make_coding(admin.business)
    coding.vat20.components = json.dumps(GST_PST)  # even a rate with several components, outside Canada
    coding.vat20.save()
    item = make_item(admin.business, total=Decimal("120.00"), category=coding.office)
    response = _edit(admin_client, item, "tax_rate", str(coding.vat20.id))
    assert "input-tax-1" not in response.text and "tax-component" not in response.text
    assert "readonly" not in _input(response.text, "input-tax")
    assert _fresh(item).tax == Decimal("20.00")


# A line


def _line(client, item, line, field, value):
    return client.hx("POST", _url(item, f"/lines/{line.id}"), target=f"items-line-{line.id}",
                     data={"field": field, "value": value})


def _line_component(client, item, line, name, value):
    return client.hx("POST", _url(item, f"/lines/{line.id}/tax-components"), target=f"items-line-{line.id}",
                     data={"component": name, "value": value})


@pytest.fixture
def line(admin_client, item, canada):
    _edit(admin_client, item, "tax_rate", str(canada.gst_pst.id))
    admin_client.hx("POST", _url(item, "/lines"), target="line-items")
    added = LineItem.get(LineItem.item == item.id)
    _line(admin_client, item, added, "unit_amount", "100.00")
    return added


def test_a_lines_components_show_under_its_tax_amount_and_are_editable(admin_client, admin, item, line):
    assert LineItem.get_by_id(line.id).tax_amount == Decimal("12.00")
    response = _line_component(admin_client, item, line, "PST", "7.10")
    assert response.status_code == 200
    said = _said(response)
    assert f'<label for="line-{line.id}-tax-2">PST 7%<span class="visually-hidden">, line 1</span></label>' in said
    assert 'value="12.10"' in _input(response.text, f"line-{line.id}-tax_amount")
    assert "readonly" in _input(response.text, f"line-{line.id}-tax_amount")
    assert "The line items add up to 112.10 but the total is 112.00" in said
    fresh = LineItem.get_by_id(line.id)
    assert (fresh.tax_amount, json.loads(fresh.tax_components)) == (Decimal("12.10"), {"PST": "7.10"})
    change = ItemHistory.select().where((ItemHistory.item == item.id) & (ItemHistory.field == "line 1")).order_by(
        ItemHistory.id.desc()).first()
    assert (change.old, change.new, change.user_id) == ("PST 7.00 (calculated)", "PST 7.10 (tax 12.10)",
                                                        admin.user_id)

    _line(admin_client, item, line, "unit_amount", "90.00")  # GST follows the price; the typed PST stays
    fresh = LineItem.get_by_id(line.id)
    assert (fresh.tax_amount, fresh.tax_amount_typed) == (Decimal("11.60"), False)


def test_a_bad_line_component_is_refused_beside_it(admin_client, item, line):
    response = _line_component(admin_client, item, line, "GST", "five")
    assert response.status_code == 422
    assert "Enter an amount in numbers, like 1234.50." in _said(response)
    assert 'value="five"' in _input(response.text, f"line-{line.id}-tax-1")
    response = _line(admin_client, item, line, "tax_amount", "12.50")
    assert response.status_code == 422 and "The tax is GST and PST added up" in _said(response)
    assert LineItem.get_by_id(line.id).tax_amount == Decimal("12.00")


def test_a_discount_lines_components_may_be_negative(admin_client, item, line):
    _line(admin_client, item, line, "unit_amount", "-10.00")
    assert LineItem.get_by_id(line.id).tax_amount == Decimal("-1.20")
    assert _line_component(admin_client, item, line, "PST", "-0.71").status_code == 200
    assert LineItem.get_by_id(line.id).tax_amount == Decimal("-1.21")


def test_a_line_moved_to_a_one_tax_rate_has_one_tax_amount_again(admin_client, item, line, canada):
    _line_component(admin_client, item, line, "PST", "7.10")
    response = _line(admin_client, item, line, "tax_rate", str(canada.hst.id))
    assert f"line-{line.id}-tax-1" not in response.text
    assert "readonly" not in _input(response.text, f"line-{line.id}-tax_amount")
    fresh = LineItem.get_by_id(line.id)
    assert (fresh.tax_amount, fresh.tax_components) == (Decimal("13.00"), "")
