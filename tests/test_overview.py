"""The practice overview: every client business with its Xero health and the items waiting or failed."""
from datetime import datetime

from tests import factories
from tests.items_helpers import seed_items
from webapp.integrations.models import Connection
from webapp.items.models import Item


def test_overview_shows_each_business_health_and_item_counts(app, admin):
    other = factories.make_member(user=admin.user, role="admin")
    Connection.create(business=admin.business, tenant_id="t-1", tenant_name="Hartley & Moss Joinery Ltd",
                      status="needs_reconnect")
    seed_items(admin.business, 12)
    seed_items(admin.business, 3, workspace="sales")
    Item.update(status="failed").where(Item.id.in_(
        Item.select(Item.id).where(Item.business == admin.business).limit(2))).execute()
    Item.update(status="published", published_at=datetime(2026, 11, 20, 9, 30)).where(Item.id.in_(
        Item.select(Item.id).where((Item.business == admin.business) & (Item.status == "inbox")).limit(1))).execute()
    table = app.test_client().login(admin.user).get("/").text.split("<tbody>")[1]
    first_row = table.split(admin.business.name)[1].split("</tr>")[0]
    assert "Hartley &amp; Moss Joinery Ltd" in first_row and "Needs reconnect" in first_row
    assert ">12</a>" in first_row  # 15 items: 2 failed, 1 published
    assert "status=failed" in first_row and ">2</a>" in first_row
    assert "20 Nov 2026 09:30" in first_row
    second_row = table.split(other.business.name)[1].split("</tr>")[0]
    assert "Not connected" in second_row and ">0</a>" in second_row


def test_overview_counts_cost_a_fixed_number_of_queries(app, admin):
    from playhouse.test_utils import count_queries

    for _ in range(5):
        member = factories.make_member(user=admin.user, role="standard")
        seed_items(member.business, 3)
    client = app.test_client().login(admin.user)
    with count_queries() as counter:
        assert client.get("/").status_code == 200
    assert counter.count <= 8
