"""The inbox's Type column and its short "why not ready" for each item still to review: the first thing the item's
checks would name, read from the row itself (no query per row), or the failed publish's message, shortened."""
import re
from datetime import date
from decimal import Decimal

from playhouse.test_utils import count_queries

from tests.items_helpers import make_coded_item, make_coding, make_contact, make_item
from tests.test_publishing_jobs import Books, books  # noqa: F401
from webapp.items.reasons import SHORT, shortened

ARCHIVED_CATEGORY = ("Account code '420' has been archived or has been deleted. Each line item must reference a "
                     "valid account.")


def _rows(client, business_id, query="") -> dict[int, str]:
    """Each row's Type and Status cells, as text, by item id."""
    page = client.get(f"/b/{business_id}/inbox/costs{query}").text
    rows = re.findall(r'<tr id="items-row-(\d+)">(.*?)</tr>', page, re.S)
    return {int(item_id): _cells(row) for item_id, row in rows}


def _cells(row: str) -> str:
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    return " | ".join(" ".join(re.sub(r"<[^>]+>", " ", cells[index]).split()) for index in (1, 7))


def test_each_item_to_review_says_what_stops_it(admin_client, admin):
    coding = make_coding(admin.business)
    supplier = make_contact(admin.business, "Acme Fuels Ltd")
    coded = {"contact": supplier, "category": coding.fuel, "tax_rate": coding.vat20, "total": Decimal("120.00")}
    no_supplier = make_item(admin.business, date=date(2026, 5, 1), total=Decimal("10.00"))
    no_date = make_coded_item(admin.business, **(coded | {"total": Decimal("11.00")}))
    no_category = make_coded_item(admin.business, date=date(2026, 5, 2), **(coded | {"category": None}))
    credit_note = make_coded_item(admin.business, date=date(2026, 5, 3), type="credit_note",
                                  **(coded | {"publish_as": ""}))
    original = make_coded_item(admin.business, date=date(2026, 5, 4), **coded)
    duplicate = make_coded_item(admin.business, date=date(2026, 5, 4), **coded)
    with_lines = make_coded_item(admin.business, date=date(2026, 5, 5), **(coded | {"category": None}))
    admin_client.hx("POST", f"/b/{admin.business_id}/items/{with_lines.id}/lines", target="line-items")

    rows = _rows(admin_client, admin.business_id)
    assert rows[no_supplier.id] == "Receipt PDF | Inbox No supplier"
    assert rows[no_date.id] == "Receipt PDF | Inbox No date"
    assert rows[no_category.id] == "Receipt PDF | Inbox No category"
    assert rows[credit_note.id] == "Credit note PDF | Inbox No “Publish as”"
    assert rows[duplicate.id] == "Receipt PDF | Needs attention Possible duplicate"
    assert rows[with_lines.id] == "Receipt PDF | Inbox Line items incomplete"  # its category is on the lines now
    assert original.id not in rows  # Ready: in the Ready tab, with nothing to explain
    assert _rows(admin_client, admin.business_id, "?queue=ready")[original.id] == "Receipt PDF | Ready"


def test_a_failed_publish_shows_the_first_sentence_of_its_message(admin_client, books):  # noqa: F811
    item = books.item()
    books.publish(item)
    books.xero.answers += [(200, {"Content-Type": "application/json"}, {"Invoices": [
        {"ValidationErrors": [{"Message": ARCHIVED_CATEGORY}], "StatusAttributeString": "ERROR"}]})]
    books.work()
    row = _rows(admin_client, books.business_id)[item.id]
    assert row == "Receipt PDF | Failed Category 420 is archived or deleted in Xero"


def test_a_long_message_is_cut_to_fit_the_row():
    assert shortened("Xero said it won't. Do this.") == "Xero said it won't"
    long = shortened("Xero said “" + "very " * 40 + "long”. Then what to do.")
    assert len(long) <= SHORT and long.endswith("…")


def test_the_reasons_cost_no_query_per_row(admin_client, admin):
    supplier = make_contact(admin.business, "Acme Fuels Ltd")
    make_item(admin.business, contact=supplier)
    with count_queries() as one:
        assert "No date" in admin_client.get(f"/b/{admin.business_id}/inbox/costs").text
    for _ in range(20):
        item = make_item(admin.business, contact=supplier)
        admin_client.hx("POST", f"/b/{admin.business_id}/items/{item.id}/lines", target="line-items")
    with count_queries() as twenty_one:
        assert "No date" in admin_client.get(f"/b/{admin.business_id}/inbox/costs").text
    assert twenty_one.count == one.count
