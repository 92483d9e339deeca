"""The inbox as a queue: tabs (To review, Ready, Published, Archive) with counts, and Previous / Next on Item details
in the tab's own order and filters, ties and items without a date or total included."""
import re
from datetime import date
from decimal import Decimal

import pytest
from playhouse.test_utils import count_queries

from tests.items_helpers import make_coded_item, make_contact, make_item, seed_items
from webapp.items import editing

ROW = re.compile(r'<tr id="items-row-(\d+)">')
STEP = re.compile(r'<a class="button button-small" href="/b/\d+/items/(\d+)[^"]*" rel="(prev|next)"')


def _inbox(client, business_id, query=""):
    return client.get(f"/b/{business_id}/inbox/costs" + (f"?{query}" if query else "")).text


def _steps(client, business_id, item_id, query) -> dict:
    fragment = client.hx("GET", f"/b/{business_id}/items/{item_id}/queue?{query}", target="item-queue").text
    return {rel: int(found) for found, rel in STEP.findall(fragment)}


def test_each_tab_holds_its_statuses_and_every_tab_is_counted(admin_client, admin, coding):
    waiting = make_item(admin.business, reference="WAIT-1")
    ready = make_coded_item(admin.business, reference="READY-1", contact=make_contact(admin.business, "Acme"),
                            date=date(2026, 5, 1), total=Decimal("12.00"), category=coding.office,
                            tax_rate=coding.vat20)
    archived = make_item(admin.business, reference="OLD-1")
    editing.archive(archived, user_id=admin.user_id)
    assert ready.status == "ready"
    page = _inbox(admin_client, admin.business_id)
    tabs = re.findall(r'(To review|Ready|Published|Archive) <span class="count">(\d+)</span>', page)
    assert tabs == [("To review", "1"), ("Ready", "1"), ("Published", "0"), ("Archive", "1")]
    assert ROW.findall(page) == [str(waiting.id)] and 'aria-current="page" class="is-current">To review' in page
    assert ROW.findall(_inbox(admin_client, admin.business_id, "queue=ready")) == [str(ready.id)]
    assert ROW.findall(_inbox(admin_client, admin.business_id, "queue=archive")) == [str(archived.id)]
    assert "Nothing here." in _inbox(admin_client, admin.business_id, "queue=published")
    searched = _inbox(admin_client, admin.business_id, "q=ready")  # the tabs count what the search finds
    tabs = re.findall(r'(To review|Ready|Published|Archive) <span class="count">(\d+)</span>', searched)
    assert tabs == [("To review", "0"), ("Ready", "1"), ("Published", "0"), ("Archive", "0")]


@pytest.mark.parametrize("sort", ["-created", "created", "date", "-date", "total", "-total"])
def test_previous_and_next_walk_the_tab_in_the_inbox_order(admin_client, admin, sort):
    supplier = make_contact(admin.business, "Acme")
    dates = [date(2026, 5, 1), None, date(2026, 5, 1), date(2026, 4, 2), None, date(2026, 6, 9), date(2026, 4, 2)]
    totals = ["5.00", "5.00", None, "7.50", "5.00", None, "1.00"]
    for day, total in zip(dates, totals):
        make_item(admin.business, contact=supplier, date=day, total=Decimal(total) if total else None)
    query = f"sort={sort}"
    order = [int(found) for found in ROW.findall(_inbox(admin_client, admin.business_id, query))]
    assert len(order) == 7
    for position, item_id in enumerate(order):
        expected = {}
        if position > 0:
            expected["prev"] = order[position - 1]
        if position < len(order) - 1:
            expected["next"] = order[position + 1]
        assert _steps(admin_client, admin.business_id, item_id, query) == expected, (sort, position)


def test_the_queue_keeps_the_filters_and_the_inbox_links_carry_them(admin_client, admin):
    acme, bolt = make_contact(admin.business, "Acme"), make_contact(admin.business, "Bolt & Nut Co")
    first = make_item(admin.business, contact=acme, date=date(2026, 5, 1))
    make_item(admin.business, contact=bolt, date=date(2026, 5, 2))
    last = make_item(admin.business, contact=acme, date=date(2026, 5, 3))
    query = f"contact={acme.id}&sort=date"
    page = _inbox(admin_client, admin.business_id, query)
    assert f'href="/b/{admin.business_id}/items/{first.id}?contact={acme.id}&amp;sort=date"' in page
    assert _steps(admin_client, admin.business_id, first.id, query) == {"next": last.id}
    detail = admin_client.get(f"/b/{admin.business_id}/items/{first.id}?{query}").text
    assert f'href="/b/{admin.business_id}/inbox/costs?contact={acme.id}&amp;sort=date">← Costs inbox' in detail
    history = f'href="/b/{admin.business_id}/items/{first.id}?tab=history&amp;contact={acme.id}&amp;sort=date"'
    assert history in detail  # the item's sections keep the inbox view too (their URL is pushed)
    on_history = admin_client.get(f"/b/{admin.business_id}/items/{first.id}?tab=history&{query}").text
    assert f'/b/{admin.business_id}/items/{first.id}/queue?contact={acme.id}&amp;sort=date' in on_history


def test_previous_and_next_cost_two_small_queries_among_ten_thousand_items(admin_client, admin):
    seed_items(admin.business, 10_000, contacts=[make_contact(admin.business, "Acme")])
    middle = make_item(admin.business, date=date(2010, 1, 1), total=Decimal("5000.50"))
    for query in ("sort=-created", "sort=date", "sort=-total&attention=1"):
        with count_queries() as counter:
            steps = _steps(admin_client, admin.business_id, middle.id, query)
        assert counter.count <= 6, (query, counter.count)
        assert steps, query


def test_search_finds_items_by_supplier_reference_description_or_amount_as_it_changes(admin_client, admin):
    acme = make_contact(admin.business, "Acme Fuels Ltd")
    diesel = make_item(admin.business, contact=acme, reference="INV-0042", description="Diesel for the van",
                       total=Decimal("1234.50"))
    other = make_item(admin.business, reference="PO-77", description="Printer paper", total=Decimal("18.00"))
    odd = make_item(admin.business, reference="A*B[1]?", description="50% off")
    found = {
        "acme": [diesel], "FUELS": [diesel], "inv-004": [diesel], "van diesel": [diesel], "1,234.50": [diesel],
        "1234.5": [diesel], "18.00": [other], "paper": [other], "zzz": [], "100%": [], "a_b": [],
        "a*b[1]?": [odd], "50%": [odd], "a?b": [], "a*": [odd], "[1]": [odd], "b[2]": [],  # no wildcards but the words
    }
    for query, items in found.items():
        rows = ROW.findall(admin_client.hx("GET", f"/b/{admin.business_id}/inbox/costs",
                                           query_string={"q": query}, target="items-table").text)
        assert sorted(map(int, rows)) == sorted(item.id for item in items), query
    acme.name = "Brightwell Fuels"
    acme.save()  # a supplier renamed in Xero: the search follows
    edited = admin_client.hx("POST", f"/b/{admin.business_id}/items/{other.id}/fields/reference",
                             data={"value": "BRIGHT-1"})
    assert edited.status_code == 200
    rows = ROW.findall(_inbox(admin_client, admin.business_id, "q=bright"))
    assert sorted(map(int, rows)) == sorted([diesel.id, other.id])
    assert ROW.findall(_inbox(admin_client, admin.business_id, "q=acme")) == []


def test_search_over_ten_thousand_items_stays_within_the_query_budget(admin_client, admin):
    seed_items(admin.business, 10_000, contacts=[make_contact(admin.business, "Acme"),
                                                 make_contact(admin.business, "Bolt & Nut Co")])
    with count_queries() as counter:
        page = admin_client.hx("GET", f"/b/{admin.business_id}/inbox/costs", query_string={"q": "bolt 99"},
                               target="items-table")
    assert counter.count <= 5, counter.count  # the signed-in person, the tab counts, the page of rows
    assert "1–50 of" in page.text and len(ROW.findall(page.text)) == 50
