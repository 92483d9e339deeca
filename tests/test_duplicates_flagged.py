"""Which costs are flagged as possible duplicates: the same supplier and total on the same date, or with the same
reference; never items without a supplier, nor sales; the message names the oldest match."""
from datetime import date
from decimal import Decimal

import pytest

from tests.items_helpers import make_contact, make_item
from webapp.items.models import Item, ItemHistory


@pytest.fixture
def supplier(admin):
    return make_contact(admin.business, "Acme Fuels Ltd")


def _edit(client, item, name, value):
    response = client.hx("POST", f"/b/{item.business_id}/items/{item.id}/fields/{name}", data={"value": value})
    assert response.status_code == 200, response.text
    return Item.get_by_id(item.id)


def test_costs_without_a_supplier_are_not_duplicates_of_each_other(admin_client, admin):
    make_item(admin.business, date=date(2026, 5, 14), total=Decimal("120.00"))
    second = make_item(admin.business, total=Decimal("120.00"))
    assert not _edit(admin_client, second, "date", "2026-05-14").needs_attention


def test_sales_invoices_are_not_flagged(admin_client, admin):
    customer = make_contact(admin.business, "Bright Homes", is_supplier=False, is_customer=True)
    make_item(admin.business, workspace="sales", contact=customer, date=date(2026, 5, 14), total=Decimal("80.00"))
    second = make_item(admin.business, workspace="sales", contact=customer, total=Decimal("80.00"))
    assert not _edit(admin_client, second, "date", "2026-05-14").needs_attention


def test_without_dates_only_the_same_reference_matches(admin_client, admin, supplier):
    first = make_item(admin.business, contact=supplier, total=Decimal("120.00"), reference="INV-1")
    second = make_item(admin.business, contact=supplier, total=Decimal("120.00"))
    assert not _edit(admin_client, second, "reference", "INV-2").needs_attention
    flagged = _edit(admin_client, second, "reference", "INV-1")
    assert flagged.duplicate_of_id == first.id
    assert flagged.attention_reason == \
        f"Possible duplicate of item {first.id} (same supplier and total, same reference)."


def test_the_same_date_matches_whatever_the_references(admin_client, admin, supplier):
    first = make_item(admin.business, contact=supplier, date=date(2026, 5, 14), total=Decimal("120.00"),
                      reference="INV-1")
    second = make_item(admin.business, contact=supplier, total=Decimal("120.00"), reference="INV-2")
    flagged = _edit(admin_client, second, "date", "2026-05-14")
    assert flagged.duplicate_of_id == first.id
    assert flagged.attention_reason == f"Possible duplicate of item {first.id} (same supplier and total, same date)."


def test_the_oldest_match_is_named(admin_client, admin, supplier):
    oldest = make_item(admin.business, contact=supplier, date=date(2026, 5, 14), total=Decimal("120.00"))
    make_item(admin.business, contact=supplier, date=date(2026, 5, 14), total=Decimal("120.00"))
    Item.update(description="Diesel").where(Item.id == oldest.id).execute()  # PostgreSQL now stores it last
    third = make_item(admin.business, contact=supplier, total=Decimal("120.00"))
    assert _edit(admin_client, third, "date", "2026-05-14").duplicate_of_id == oldest.id


def test_an_archived_item_is_nobodys_original(admin_client, admin, supplier):
    first = make_item(admin.business, contact=supplier, date=date(2026, 5, 14), total=Decimal("120.00"))
    assert admin_client.form(f"/b/{admin.business_id}/items/{first.id}/archive").status_code == 303
    second = make_item(admin.business, contact=supplier, total=Decimal("120.00"))
    assert not _edit(admin_client, second, "date", "2026-05-14").needs_attention


def test_not_a_duplicate_clears_the_flag_and_its_reason_and_records_who_said_so(admin_client, admin, supplier):
    make_item(admin.business, contact=supplier, date=date(2026, 5, 14), total=Decimal("120.00"))
    second = _edit(admin_client, make_item(admin.business, contact=supplier, total=Decimal("120.00")),
                   "date", "2026-05-14")
    assert 'title="Possible duplicate' in admin_client.get(f"/b/{admin.business_id}/inbox/costs").text
    admin_client.form(f"/b/{admin.business_id}/items/{second.id}/not-duplicate")
    cleared = Item.get_by_id(second.id)
    assert not cleared.needs_attention and cleared.duplicate_of_id is None
    assert ' title="' not in admin_client.get(f"/b/{admin.business_id}/inbox/costs").text  # no reason on its badge
    said = ItemHistory.get((ItemHistory.item == second.id) & (ItemHistory.field == "not_duplicate"))
    assert said.user_id == admin.user_id


def _flagged_pair(client, business, supplier):
    make_item(business, contact=supplier, date=date(2026, 5, 14), total=Decimal("120.00"))
    return _edit(client, make_item(business, contact=supplier, total=Decimal("120.00")), "date", "2026-05-14")


def test_a_new_total_clears_the_flag_and_its_reason(admin_client, admin, supplier):
    second = _flagged_pair(admin_client, admin.business, supplier)
    cleared = _edit(admin_client, second, "total", "99.00")
    assert (cleared.needs_attention, cleared.duplicate_of_id, cleared.attention_reason) == (False, None, "")

