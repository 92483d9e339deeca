"""The inbox: paged, sorted and filtered in a fixed handful of queries (also over 10,000 items); fragment and page."""
import re
from datetime import date

import pytest
from playhouse.test_utils import count_queries

from tests.items_helpers import make_contact, seed_items
from webapp.items.models import Item

ROW = re.compile(r'<tr id="items-row-(\d+)">')


SEEDED = 260  # every 5th seeded item is Ready: To review (the default tab) holds the other 208, four pages and a part
REVIEW = Item.status.in_(("processing", "inbox", "failed"))


def _seed(admin, count: int):
    """`count` cost items: item n is dated 2000-01-01 + n days, totals n + 1, contacts alternating."""
    contacts = [make_contact(admin.business, "Acme Supplies Ltd"), make_contact(admin.business, "Bolt & Nut Co")]
    seed_items(admin.business, count, contacts=contacts, user=admin.user)
    return contacts


@pytest.fixture
def big_inbox(admin):
    return _seed(admin, SEEDED)


def _ids(response) -> list[int]:
    return [int(found) for found in ROW.findall(response.text)]


def _url(admin, query=""):
    return f"/b/{admin.business_id}/inbox/costs" + (f"?{query}" if query else "")


def test_inbox_renders(admin_client, admin):
    assert admin_client.get(_url(admin)).status_code == 200


def test_empty_inbox_shows_the_upload_area(admin_client, admin):
    response = admin_client.get(_url(admin))
    assert 'id="items-upload"' in response.text and 'name="files"' in response.text
    assert 'enctype="multipart/form-data"' in response.text
    assert "No costs items yet." in response.text
    assert 'src="/static/js/upload.js"' in response.text


def test_first_page_is_the_newest_fifty(admin_client, admin, big_inbox):
    response = admin_client.get(_url(admin))
    assert response.status_code == 200
    assert "1–50 of 208 items" in response.text
    newest = [item.id for item in Item.select(Item.id).where(REVIEW)
              .order_by(Item.created_at.desc(), Item.id.desc()).limit(50)]
    assert _ids(response) == newest
    assert "Acme Supplies Ltd" in response.text and "Needs attention" in response.text


def test_last_page_and_out_of_range_pages(admin_client, admin, big_inbox):
    last = admin_client.get(_url(admin, "page=5"))
    assert "201–208 of 208 items" in last.text and len(_ids(last)) == 8
    beyond = admin_client.get(_url(admin, "page=999"))
    assert _ids(beyond) == _ids(last)
    nonsense = admin_client.get(_url(admin, "page=abc&sort=nope&queue=nope"))
    assert "1–50 of 208" in nonsense.text


@pytest.mark.parametrize("sort, key, reverse", [
    ("date", lambda item: (item.date, item.id), False),
    ("-date", lambda item: (item.date, item.id), True),
    ("total", lambda item: (item.total, item.id), False),
    ("-total", lambda item: (item.total, item.id), True),
    ("created", lambda item: (item.created_at, item.id), False),
])
def test_sorting_orders_the_whole_inbox(admin_client, admin, big_inbox, sort, key, reverse):
    response = admin_client.get(_url(admin, f"sort={sort}&page=2"))
    expected = sorted(Item.select().where(REVIEW), key=key, reverse=reverse)[50:100]
    assert _ids(response) == [item.id for item in expected]
    direction = "descending" if sort.startswith("-") else "ascending"
    assert f'aria-sort="{direction}"' in response.text


def test_filters_narrow_the_count(admin_client, admin, big_inbox):
    acme = big_inbox[0]
    cases = {
        "status=ready": Item.status == "ready",
        f"contact={acme.id}": Item.contact == acme.id,
        "attention=1": Item.needs_attention == True,
        "from=2000-03-01&to=2000-05-31": (Item.date >= date(2000, 3, 1)) & (Item.date <= date(2000, 5, 31)),
        f"status=inbox&contact={acme.id}&attention=1": (Item.status == "inbox") & (Item.contact == acme.id)
                                                        & (Item.needs_attention == True),
    }
    for query, where in cases.items():
        expected = Item.select().where(where if "status=" in query else where & REVIEW).count()  # a status picks its tab
        assert 0 < expected < SEEDED, query
        response = admin_client.get(_url(admin, query))
        assert f"of {expected} items" in response.text, query
        shown = Item.select().where(Item.id.in_(_ids(response)))
        assert shown.where(~where).count() == 0 and len(_ids(response)) == min(expected, 50), query


def test_archived_items_are_hidden_unless_asked_for(admin_client, admin, big_inbox):
    Item.update(status="archived").where(Item.id.in_(Item.select(Item.id).where(REVIEW).limit(10))).execute()
    assert "of 198 items" in admin_client.get(_url(admin)).text
    assert "1–10 of 10 items" in admin_client.get(_url(admin, "status=archived")).text
    assert "1–10 of 10 items" in admin_client.get(_url(admin, "queue=archive")).text


def test_filters_with_no_match_say_so(admin_client, admin, big_inbox):
    response = admin_client.get(_url(admin, "from=2099-01-01"))
    assert "No items match these filters." in response.text and _ids(response) == []


def test_other_workspace_and_other_business_items_stay_out(app, admin_client, admin, outsider, big_inbox):
    seed_items(outsider.business, 5, workspace="sales")  # the workspace looked at: only the business filter stops them
    response = admin_client.get(f"/b/{admin.business_id}/inbox/sales")
    assert "No sales items yet." in response.text and _ids(response) == []


def test_inbox_query_budget_with_ten_thousand_items(admin_client, admin):
    contacts = _seed(admin, 10_000)
    with count_queries() as counter:
        response = admin_client.get(_url(admin, f"contact={contacts[0].id}&sort=-total&page=3"))
    assert response.status_code == 200 and len(_ids(response)) == 50
    assert counter.count <= 10, counter.count
    with count_queries() as fragment_counter:
        admin_client.hx("GET", _url(admin, "page=4"), target="items-table")
    assert fragment_counter.count <= 10, fragment_counter.count


def test_no_query_per_row(admin_client, admin):
    contact = make_contact(admin.business, "Acme Supplies Ltd")
    seed_items(admin.business, 1, contacts=[contact])
    with count_queries() as one:
        admin_client.get(_url(admin))
    Item.delete().execute()
    seed_items(admin.business, 50, contacts=[contact])
    with count_queries() as fifty:
        admin_client.get(_url(admin))
    assert fifty.count == one.count


def test_table_fragment_for_htmx_and_whole_page_otherwise(admin_client, admin, big_inbox):
    fragment = admin_client.hx("GET", _url(admin, "status=ready"), target="items-table")
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert 'id="items-table"' in fragment.text and 'id="items-upload"' not in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]
    assert "of 52 items" in fragment.text
    page = admin_client.get(_url(admin, "status=ready"))
    assert "<html" in page.text and 'id="items-table"' in page.text and 'id="items-filters"' in page.text
    assert "HX-Request" in page.headers["Vary"]
    assert '<option value="ready" selected>' in page.text


def test_boosted_or_other_targets_get_the_page(admin_client, admin):
    response = admin_client.hx("GET", _url(admin), target="main")
    assert "<html" in response.text


def test_page_links_keep_the_filters(admin_client, admin, big_inbox):
    response = admin_client.get(_url(admin, "status=ready&sort=date"))
    assert f'href="/b/{admin.business_id}/inbox/costs?status=ready&amp;sort=date&amp;page=2"' in response.text


def test_bulk_selection_column_with_edit_and_publish_for_publishers(admin_client, admin, standard_client, standard,
                                                                     big_inbox):
    response = admin_client.get(_url(admin))
    assert 'aria-label="Select all on this page"' in response.text
    assert response.text.count('name="item" value=') == 50
    assert ">Edit selected</button>" in response.text and ">Publish</button>" in response.text
    seed_items(standard.business, 2)
    theirs = standard_client.get(_url(standard)).text
    assert ">Edit selected</button>" in theirs and ">Publish</button>" not in theirs


def test_unknown_workspace_is_404(admin_client, admin):
    response = admin_client.get(f"/b/{admin.business_id}/inbox/payroll")
    assert response.status_code == 404 and "We couldn" in response.text
