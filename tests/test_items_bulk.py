"""Bulk edit from the Inbox: category, tax rate, tracking and "Publish as" on many items at once."""
import html
from decimal import Decimal

from tests.items_helpers import make_coding, make_item
from webapp.items.models import Item, ItemHistory


def _url(membership, workspace="costs"):
    return f"/b/{membership.business_id}/inbox/{workspace}/bulk"


def test_edit_selected_opens_the_form_for_the_chosen_items(admin_client, admin):
    make_coding(admin.business)
    chosen = [make_item(admin.business).id for _ in range(3)]
    response = admin_client.hx("GET", _url(admin) + "?" + "&".join(f"item={n}" for n in chosen), target="bulk-edit")
    assert "<html" not in response.text and "Edit 3 selected items" in response.text
    assert "449 – Motor Vehicle Expenses" in response.text and "Region" in response.text


def test_bulk_edit_sets_the_chosen_fields_and_leaves_the_rest(admin_client, admin):
    coding = make_coding(admin.business)
    items = [make_item(admin.business, total=Decimal("12.00"), reference=f"R{n}") for n in range(3)]
    published = make_item(admin.business)
    Item.update(status="published").where(Item.id == published.id).execute()
    response = admin_client.hx("POST", _url(admin), target="bulk-edit", data={
        "item": [item.id for item in items] + [published.id], "category": coding.fuel.id,
        "tax_rate": coding.vat20.id, "tracking_option_2": coding.north.id, "publish_as": ""})
    assert response.status_code == 200 and "items-changed" in response.headers["HX-Trigger"]
    assert "Items updated: 3. Left as they were (publishing, published or archived): 1." in html.unescape(response.text)
    for item in items:
        saved = Item.get_by_id(item.id)
        assert (saved.category_id, saved.tax_rate_id, saved.tracking_option_2_id) == \
            (coding.fuel.id, coding.vat20.id, coding.north.id)
        assert (saved.tax, saved.reference, saved.publish_as) == (Decimal("2.00"), item.reference, "draft")
    assert Item.get_by_id(published.id).category_id is None
    assert ItemHistory.select().where(ItemHistory.source == "bulk edit").count() == 9


def test_a_bad_value_saves_nothing_and_says_why(admin_client, admin, outsider):
    make_coding(admin.business)
    theirs = make_coding(outsider.business)
    item = make_item(admin.business)
    response = admin_client.hx("POST", _url(admin), target="bulk-edit",
                               data={"item": [item.id], "category": theirs.fuel.id})
    assert response.status_code == 422 and "Category: Choose a category from the list." in response.text
    assert Item.get_by_id(item.id).category_id is None


def test_nothing_chosen_or_nothing_to_change(admin_client, admin):
    item = make_item(admin.business)
    assert "Select at least one item." in admin_client.hx("POST", _url(admin), target="bulk-edit",
                                                          data={"category": "1"}).text
    assert "Choose at least one thing to change." in admin_client.hx("POST", _url(admin), target="bulk-edit",
                                                                     data={"item": [item.id]}).text


def test_another_business_items_are_ignored(admin_client, admin, outsider):
    coding = make_coding(admin.business)
    foreign = make_item(outsider.business)
    response = admin_client.hx("POST", _url(admin), target="bulk-edit",
                               data={"item": [foreign.id], "category": coding.fuel.id})
    assert "Select at least one item." in response.text and Item.get_by_id(foreign.id).category_id is None
    assert admin_client.hx("POST", _url(outsider), data={"item": [foreign.id]}).status_code == 404


def test_without_javascript_the_bulk_edit_redirects_to_the_inbox(admin_client, admin):
    item = make_item(admin.business)
    response = admin_client.form(_url(admin), {"item": [item.id], "publish_as": "awaiting_approval"})
    assert response.status_code == 303
    assert "Items updated: 1." in admin_client.get(response.headers["Location"]).text
    assert Item.get_by_id(item.id).publish_as == "awaiting_approval"
