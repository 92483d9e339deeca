"""The line items editor: add, edit (tax follows the rate until typed), delete, running totals, Ready only when the
lines reconcile, split into a new item of the same document; who may do it, and what one edit costs in queries."""
import re
from datetime import date
from decimal import Decimal

import pytest
from playhouse.test_utils import count_queries

from tests.items_helpers import make_contact, make_item
from webapp.items.models import Item, ItemHistory, LineItem

TOTALS = re.compile(r'<p id="line-totals"[^>]*>([^<]*)</p>')


@pytest.fixture
def item(admin, coding):
    """A fuel receipt ready in every way but its lines: 120.00 = net 100.00 + VAT 20.00."""
    return make_item(admin.business, contact=make_contact(admin.business, "Shell UK"), date=date(2026, 4, 2),
                     reference="R-1001", total=Decimal("120.00"), net=Decimal("100.00"), tax=Decimal("20.00"),
                     category=coding.fuel, tax_rate=coding.vat20, tracking_option_2=coding.north,
                     payment_method=coding.card, paid=True, publish_as="paid", description="Fuel and parking")


def add_line(item, coding, unit, *, quantity="1", description=""):
    """A fuel line at 20% VAT, last on the item."""
    net = Decimal(quantity) * Decimal(unit)
    return LineItem.create(item=item, position=LineItem.select().where(LineItem.item == item).count() + 1,
                           description=description, category=coding.fuel, tax_rate=coding.vat20,
                           quantity=Decimal(quantity), unit_amount=Decimal(unit), tax_amount=net / 5)


def url(item, *rest) -> str:
    return f"/b/{item.business_id}/items/{item.id}/lines" + "".join(f"/{part}" for part in rest)


def edit(client, item, line, field, value):
    return client.hx("POST", url(item, line.id), target=f"items-line-{line.id}", data={"field": field, "value": value})


def history(item) -> list[tuple[str, str, str]]:
    rows = ItemHistory.select().where(ItemHistory.item == item.id).order_by(ItemHistory.id)
    return [(row.field, row.old, row.new) for row in rows]


def totals_text(response) -> str:
    return TOTALS.search(response.text).group(1)


def test_item_page_shows_the_line_items_editor(admin_client, item, coding):
    line = add_line(item, coding, "50.00", description="Diesel")
    response = admin_client.get(f"/b/{item.business_id}/items/{item.id}")
    assert response.status_code == 200
    assert 'id="line-items"' in response.text and f'id="items-line-{line.id}"' in response.text
    assert "Diesel" in response.text and "Add line" in response.text
    assert "Split selected lines into a new item" not in response.text  # one line: nothing to split
    assert ">Project</th>" in response.text and ">Region</th>" in response.text
    assert 'aria-label="Delete line 1"' in response.text and "Quantity, line 1</label>" in response.text
    assert totals_text(response) == "Lines: net 50.00 + tax 10.00 = 60.00; item total 120.00; 60.00 left to allocate."


def test_add_line_is_coded_like_the_item(admin_client, item, coding):
    response = admin_client.hx("POST", url(item), target="line-items")
    assert response.status_code == 200 and "<html" not in response.text
    assert 'id="line-items"' in response.text and "HX-Request" in response.headers["Vary"]
    line = LineItem.get(LineItem.item == item.id)
    assert (line.position, line.quantity, line.unit_amount) == (1, 1, None)
    assert (line.category_id, line.tax_rate_id, line.tracking_option_2_id) == (coding.fuel.id, coding.vat20.id,
                                                                               coding.north.id)
    assert f'id="items-line-{line.id}"' in response.text
    admin_client.hx("POST", url(item), target="line-items")
    assert [line.position for line in LineItem.select().order_by(LineItem.position)] == [1, 2]
    assert history(item)[-2:] == [("line 1", "", "Added"), ("line 2", "", "Added")]


def test_add_line_without_htmx_redirects_to_the_item(admin_client, item):
    response = admin_client.form(url(item))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/items/{item.id}#line-items")
    assert LineItem.select().where(LineItem.item == item.id).count() == 1
    assert "Line added." in admin_client.get(response.headers["Location"]).text


def test_editing_the_price_recalculates_tax_from_the_rate(admin_client, item, coding):
    line = add_line(item, coding, "10.00", quantity="2")
    response = edit(admin_client, item, line, "unit_amount", "12.50")
    assert response.status_code == 200 and "<html" not in response.text
    assert response.text.lstrip().startswith(f'<tr id="items-line-{line.id}">')
    assert "HX-Request" in response.headers["Vary"]
    line = LineItem.get_by_id(line.id)
    assert (line.unit_amount, line.tax_amount, line.tax_amount_typed) == (Decimal("12.5"), Decimal("5"), False)
    assert 'value="12.50"' in response.text and ">25.00</td>" in response.text
    assert history(item)[-1] == ("line 1", "Unit price 10.00", "Unit price 12.50 (tax 5.00)")


def test_typed_tax_is_kept_until_cleared(admin_client, item, coding):
    line = add_line(item, coding, "10.00")
    assert edit(admin_client, item, line, "tax_amount", "1.99").status_code == 200
    assert LineItem.get_by_id(line.id).tax_amount_typed is True
    response = edit(admin_client, item, line, "quantity", "3")
    assert 'value="1.99"' in response.text and "typed" in response.text
    assert LineItem.get_by_id(line.id).tax_amount == Decimal("1.99")
    edit(admin_client, item, line, "tax_amount", "")
    line = LineItem.get_by_id(line.id)
    assert (line.tax_amount, line.tax_amount_typed) == (Decimal("6.00"), False)
    assert history(item)[-1] == ("line 1", "Tax amount 1.99", "Tax amount 6.00 (calculated)")


def test_reverse_charge_line_has_no_tax(admin_client, item, coding):
    line = add_line(item, coding, "100.00")
    response = edit(admin_client, item, line, "tax_rate", str(coding.drc20.id))
    assert response.status_code == 200
    assert LineItem.get_by_id(line.id).tax_amount == Decimal("0")
    assert history(item)[-1] == ("line 1", "Tax rate 20% (VAT on Expenses)",
                                 "Tax rate Domestic Reverse Charge @ 20% (VAT on Expenses) (tax 0.00)")


def test_prices_may_have_four_places_and_a_discount_is_negative(admin_client, item, coding):
    fuel = add_line(item, coding, "1.00", quantity="40")
    response = edit(admin_client, item, fuel, "unit_amount", "1.459")
    assert 'value="1.459"' in response.text and ">58.36</td>" in response.text
    discount = add_line(item, coding, "1.00", description="Loyalty discount")
    edit(admin_client, item, discount, "unit_amount", "-5")
    discount = LineItem.get_by_id(discount.id)
    assert (discount.unit_amount, discount.tax_amount) == (Decimal("-5"), Decimal("-1"))


def test_text_and_list_fields_save_with_history(admin_client, item, coding):
    line = add_line(item, coding, "10.00")
    for field, value in (("description", "Car park"), ("category", str(coding.office.id)),
                         ("tracking_option_1", str(coding.project_a.id)), ("tracking_option_2", str(coding.south.id)),
                         ("tracking_option_2", "")):
        assert edit(admin_client, item, line, field, value).status_code == 200
    line = LineItem.get_by_id(line.id)
    assert (line.description, line.category_id, line.tracking_option_1_id, line.tracking_option_2_id) == \
        ("Car park", coding.office.id, coding.project_a.id, None)
    assert [new for _, _, new in history(item)[-5:]] == ["Description Car park", "Category 453 – Office Expenses",
                                                          "Project Project A", "Region South", "Region cleared"]


@pytest.mark.parametrize("field, value, message", [
    ("quantity", "two", "Enter a quantity in numbers, like 1 or 2.5."),
    ("quantity", "0", "Enter a quantity greater than 0."),
    ("unit_amount", "12.5.0", "Enter an amount in numbers, like 1234.50."),
    ("tax_amount", "2.345", "Use at most 2 decimal places."),
    ("category", "999999", "Choose a category from the list."),
    ("tax_rate", "abc", "Choose a tax rate from the list."),
])
def test_bad_value_is_refused_and_kept_to_correct(admin_client, item, coding, field, value, message):
    line = add_line(item, coding, "10.00")
    before = history(item)
    response = edit(admin_client, item, line, field, value)
    assert response.status_code == 422
    assert message in response.text and 'aria-invalid="true"' in response.text
    if field not in ("category", "tax_rate"):
        assert f'value="{value}"' in response.text
    saved = LineItem.get_by_id(line.id)
    assert (saved.quantity, saved.unit_amount, saved.tax_amount, saved.category_id, saved.tax_rate_id) == \
        (1, Decimal("10"), Decimal("2"), coding.fuel.id, coding.vat20.id)
    assert history(item) == before


def test_archived_category_is_refused(admin_client, item, coding):
    line = add_line(item, coding, "10.00")
    coding.office.status = "ARCHIVED"
    coding.office.save()
    response = edit(admin_client, item, line, "category", str(coding.office.id))
    assert response.status_code == 422
    assert "is archived in Xero. Choose another." in response.text
    assert LineItem.get_by_id(line.id).category_id == coding.fuel.id


def test_bad_value_without_htmx_redirects_with_the_message(admin_client, item, coding):
    line = add_line(item, coding, "10.00")
    response = admin_client.form(url(item, line.id), {"field": "quantity", "value": "lots"})
    assert response.status_code == 303
    assert "Enter a quantity in numbers" in admin_client.get(response.headers["Location"]).text
    assert LineItem.get_by_id(line.id).quantity == 1
    saved = admin_client.form(url(item, line.id), {"field": "quantity", "value": "2"})
    assert saved.status_code == 303 and LineItem.get_by_id(line.id).quantity == 2
    assert "Line 1 saved." in admin_client.get(saved.headers["Location"]).text


def test_unknown_field_is_a_bad_request(admin_client, item, coding):
    line = add_line(item, coding, "10.00")
    assert edit(admin_client, item, line, "item", "7").status_code == 400


def test_totals_message_follows_the_lines(admin_client, item, coding):
    first = add_line(item, coding, "50.00")
    second = add_line(item, coding, "30.00")
    response = edit(admin_client, item, second, "unit_amount", "40")
    assert '<p id="line-totals"' in response.text and 'hx-swap-oob="true"' in response.text
    assert totals_text(response) == "Lines: net 90.00 + tax 18.00 = 108.00; item total 120.00; 12.00 left to allocate."
    response = edit(admin_client, item, first, "unit_amount", "70")
    assert totals_text(response) == "Lines: net 110.00 + tax 22.00 = 132.00; item total 120.00; 12.00 more than the " \
                                    "item total."
    response = edit(admin_client, item, first, "unit_amount", "60")
    assert totals_text(response) == "Lines: net 100.00 + tax 20.00 = 120.00. Lines add up to the item total."


def test_item_is_ready_only_when_its_lines_reconcile(admin_client, item, coding):
    line = add_line(item, coding, "90.00")
    response = edit(admin_client, item, line, "description", "Diesel")
    assert Item.get_by_id(item.id).status == "inbox"
    assert "The line items add up to 108.00 but the total is 120.00" in response.text
    response = edit(admin_client, item, line, "unit_amount", "100")
    assert Item.get_by_id(item.id).status == "ready"
    assert '<span id="item-status" class="badge badge-ready" hx-swap-oob="true">Ready</span>' in response.text
    assert 'id="item-checks"' in response.text and "Ready to publish" in response.text
    response = admin_client.hx("POST", url(item), target="line-items")
    assert Item.get_by_id(item.id).status == "inbox"
    assert "Line 2 needs a unit price." in response.text
    assert history(item)[-2:] == [("line 2", "", "Added"), ("status", "Ready", "Inbox")]


def test_delete_line_records_history(admin_client, item, coding):
    add_line(item, coding, "50.00", description="Diesel")
    parking = add_line(item, coding, "5.00", description="Parking")
    response = admin_client.hx("POST", url(item, parking.id, "delete"), target="line-items")
    assert response.status_code == 200 and 'id="line-items"' in response.text
    assert "Parking" not in response.text and "Diesel" in response.text
    assert LineItem.get_or_none(LineItem.id == parking.id) is None
    assert history(item)[-1] == ("line 2", "Parking 5.00", "Deleted")
    plain = admin_client.form(url(item, LineItem.get(LineItem.item == item.id).id, "delete"))
    assert plain.status_code == 303 and LineItem.select().where(LineItem.item == item.id).count() == 0
    assert "Line 1 deleted." in admin_client.get(plain.headers["Location"]).text


@pytest.fixture
def three_lines(item, coding):
    """Diesel 50 + 10, parking 30 + 6, car wash 20 + 4: exactly the receipt's 120.00."""
    return [add_line(item, coding, "50.00", description="Diesel"),
            add_line(item, coding, "30.00", description="Parking"),
            add_line(item, coding, "20.00", description="Car wash")]


def test_split_moves_lines_and_amounts_to_a_new_item_of_the_same_document(admin_client, item, three_lines):
    moved = [three_lines[1].id, three_lines[2].id]
    response = admin_client.hx("POST", url(item, "split"), target="line-items", data={"line_ids": moved})
    new = Item.select().where(Item.id != item.id).get()
    assert response.status_code == 200 and response.headers["HX-Redirect"] == f"/b/{item.business_id}/items/{new.id}"
    assert new.document_id == item.document_id
    copied = ("type", "date", "due_date", "contact", "reference", "currency", "publish_to", "publish_as",
              "payment_method", "paid", "description", "workspace")
    original = Item.get_by_id(item.id)
    assert {name: new.__data__[name] for name in copied} == {name: original.__data__[name] for name in copied}
    assert (new.net, new.tax, new.total) == (Decimal("50"), Decimal("10"), Decimal("60"))
    assert (original.net, original.tax, original.total) == (Decimal("50"), Decimal("10"), Decimal("60"))
    assert [line.id for line in LineItem.select().where(LineItem.item == new.id).order_by(LineItem.position)] == moved
    assert [line.id for line in LineItem.select().where(LineItem.item == item.id)] == [three_lines[0].id]
    assert ("split", "", f"Moved 2 lines to new item {new.id}") in history(item)
    assert ("total", "120.00", "60.00") in history(item)
    assert ("split", "", f"Split from item {item.id} with 2 lines") in history(new)
    assert original.status == "ready" and new.status == "ready"  # both add up, so both can be published
    page = admin_client.get(response.headers["HX-Redirect"])
    assert "Split into a new item with 2 lines." in page.text and "Car wash" in page.text


def test_split_without_htmx_redirects_to_the_new_item(admin_client, item, three_lines):
    response = admin_client.form(url(item, "split"), {"line_ids": [three_lines[0].id]})
    new = Item.select().where(Item.id != item.id).get()
    assert response.status_code == 303 and response.headers["Location"] == f"/b/{item.business_id}/items/{new.id}"
    assert "Split into a new item with 1 line." in admin_client.get(response.headers["Location"]).text


@pytest.mark.parametrize("choose, message", [
    (lambda lines: [], "Tick the lines to move to the new item first."),
    (lambda lines: [line.id for line in lines],
     "Leave at least one line on this item: a split needs lines on both items."),
])
def test_split_refuses_to_move_none_or_all(admin_client, item, three_lines, choose, message):
    response = admin_client.hx("POST", url(item, "split"), target="line-items", data={"line_ids": choose(three_lines)})
    assert response.status_code == 422 and message in response.text and 'id="line-items"' in response.text
    assert Item.select().count() == 1 and LineItem.select().where(LineItem.item == item.id).count() == 3
    plain = admin_client.form(url(item, "split"), {"line_ids": choose(three_lines)})
    assert plain.status_code == 303 and message in admin_client.get(plain.headers["Location"]).text
    assert Item.select().count() == 1


def test_line_of_another_item_is_not_found(admin_client, admin, item, coding):
    other = make_item(admin.business)
    stranger = add_line(other, coding, "5.00")
    add_line(item, coding, "10.00")
    assert edit(admin_client, item, stranger, "quantity", "2").status_code == 404
    assert admin_client.hx("POST", url(item, stranger.id, "delete"), target="line-items").status_code == 404
    split = admin_client.hx("POST", url(item, "split"), target="line-items", data={"line_ids": [stranger.id]})
    assert split.status_code == 404
    assert LineItem.get_by_id(stranger.id).quantity == 1 and LineItem.get_by_id(stranger.id).item_id == other.id


def test_lines_of_a_published_item_cannot_change(admin_client, item, three_lines):
    Item.update(status="published").where(Item.id == item.id).execute()
    before = history(item)
    line = three_lines[0]
    responses = [admin_client.hx("POST", url(item), target="line-items"),
                 edit(admin_client, item, line, "quantity", "3"),
                 admin_client.hx("POST", url(item, line.id, "delete"), target="line-items"),
                 admin_client.hx("POST", url(item, "split"), target="line-items", data={"line_ids": [line.id]})]
    for response in responses:
        assert response.status_code == 409
        assert "so its line items can&#39;t be changed" in response.text and response.headers["HX-Retarget"] == "#flash"
    assert LineItem.select().where(LineItem.item == item.id).count() == 3 and Item.select().count() == 1
    assert LineItem.get_by_id(line.id).quantity == 1 and history(item) == before
    page = admin_client.get(f"/b/{item.business_id}/items/{item.id}")
    assert "Add line" not in page.text and f'action="{url(item, line.id)}"' not in page.text


def test_outsider_gets_not_found_on_every_line_route(app, outsider, item, three_lines):
    client = app.test_client().login(outsider.user)
    line = three_lines[0]
    requests = [(url(item), {}), (url(item, line.id), {"field": "quantity", "value": "9"}),
                (url(item, line.id, "delete"), {}), (url(item, "split"), {"line_ids": [line.id]})]
    for path, data in requests:
        assert client.form(path, data).status_code == 404
        assert client.hx("POST", path, target="line-items", data=data).status_code == 404
    assert LineItem.select().count() == 3 and LineItem.get_by_id(line.id).quantity == 1 and Item.select().count() == 1


def test_standard_member_can_edit_lines(standard_client, item, coding):
    line = add_line(item, coding, "10.00")
    response = edit(standard_client, item, line, "quantity", "4")
    assert response.status_code == 200 and ">40.00</td>" in response.text
    assert LineItem.get_by_id(line.id).quantity == 4


def test_one_line_edit_stays_within_its_query_budget(admin_client, item, three_lines):
    with count_queries() as counter:
        response = edit(admin_client, item, three_lines[0], "unit_amount", "55")
    assert response.status_code == 200 and Item.get_by_id(item.id).status == "inbox"
    assert counter.count <= 10, [query.msg[0][:60] for query in counter.get_queries()]
    with count_queries() as flipping:
        edit(admin_client, item, three_lines[0], "unit_amount", "50")
    assert Item.get_by_id(item.id).status == "ready"
    assert flipping.count <= 10, [query.msg[0][:60] for query in flipping.get_queries()]


@pytest.mark.browser
def test_editing_lines_in_chromium_at_360_px(live_server, page, admin, item, three_lines, app, tmp_path):
    from playwright.sync_api import expect

    from tests import factories
    from tests.browser.helpers import sign_in
    from tests.items_helpers import store_file

    page.set_viewport_size({"width": 360, "height": 740})
    app.config["DOCUMENT_STORAGE_PATH"] = str(tmp_path / "documents")
    store_file(app, item.document)  # the page shows the receipt
    sign_in(page, live_server.url, admin.user.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/b/{item.business_id}/items/{item.id}")
    expect(page.locator("#line-totals")).to_have_text(
        "Lines: net 100.00 + tax 20.00 = 120.00. Lines add up to the item total.")
    scroller = page.locator("#line-items .table-scroll")
    assert scroller.evaluate("el => el.scrollWidth > el.clientWidth")  # the table scrolls, not the page
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("Quantity, line 3").fill("2")
    page.get_by_label("Quantity, line 3").press("Tab")
    row = page.locator(f"#items-line-{three_lines[2].id}")
    expect(row.locator(".line-net")).to_have_text("40.00")
    expect(page.get_by_label("Tax amount, line 3")).to_have_value("8.00")
    expect(page.locator("#line-totals")).to_have_text(
        "Lines: net 120.00 + tax 24.00 = 144.00; item total 120.00; 24.00 more than the item total.")
    expect(page.locator("#item-checks")).to_contain_text("The line items add up to 144.00")
    page.get_by_label("Quantity, line 3").fill("two")
    page.get_by_label("Quantity, line 3").press("Tab")
    expect(row).to_contain_text("Enter a quantity in numbers, like 1 or 2.5.")
    expect(page.get_by_label("Quantity, line 3")).to_have_value("two")
    page.get_by_role("button", name="Add line").click()
    expect(page.locator("#line-items tbody tr")).to_have_count(4)
    assert page.evaluate("window.stillTheSamePage") is True

    page.get_by_label("Move line 2 to a new item").check()
    page.get_by_role("button", name="Split selected lines into a new item").click()
    expect(page.locator("#flash")).to_contain_text("Split into a new item with 1 line.")
    expect(page.locator("#line-items tbody tr")).to_have_count(1)
    expect(page.get_by_label("Description, line 1")).to_have_value("Parking")
