"""An item's status follows its checks whatever lifted or raised a problem: Refresh integration data (a lock date
moved or a category archived in Xero), an edit or bulk edit after a failed publish, a possible duplicate. A failed
item shows its failure, never "Ready to publish"; a possible duplicate needs "Not a duplicate" before Publish."""
from datetime import date

import requests

from tests import xero_helpers as xh
from tests.publishing_helpers import coded, uk, work  # noqa: F401
from tests.test_lists_refresh import refresh
from webapp.items.models import Item, ItemHistory
from webapp.lists.models import Category, Contact

READY_TEXT = "Ready to publish: nothing here that Xero would reject."
PUBLISH_BLOCKED = 'disabled aria-describedby="publish-why"'


def _fresh(item):
    return Item.get_by_id(item.id)


def _page(client, item) -> str:
    return client.get(f"/b/{item.business_id}/items/{item.id}").text.replace("&#39;", "'")


def _lock_dates(sandbox, **dates):
    tenant = xh.tenant_ids(sandbox.url)[xh.UK_ORG]
    answer = requests.put(f"{sandbox.url}/operator/api/organisations/{tenant}/lock-dates", json=dates, timeout=10)
    answer.raise_for_status()


def _account_status(sandbox, business_id, code, status):
    account = Category.get((Category.business == business_id) & (Category.code == code))
    answer = requests.put(f"{sandbox.url}/operator/api/accounts/{account.xero_id}/status", json={"status": status},
                          timeout=10)
    answer.raise_for_status()


def _failed_on_lock_date(xero_app, admin_client, business_id, sandbox):
    """An item Docket found nothing wrong with, refused by Xero: the period was locked after the last refresh."""
    item = coded(xero_app, business_id, publish_as="awaiting_payment")
    assert _fresh(item).status == "ready"
    _lock_dates(sandbox, periodLockDate="2026-06-30")
    admin_client.form(f"/b/{business_id}/items/{item.id}/publish")
    work(xero_app)
    failed = _fresh(item)
    assert failed.status == "failed" and "lock date" in failed.publish_message
    return failed


def test_a_lock_date_lifted_in_xero_makes_the_item_ready_after_refresh_without_an_edit(xero_app, admin_client, uk,
                                                                                          sandbox):
    item = coded(xero_app, uk, day=date(2026, 3, 20), publish_as="awaiting_payment")
    assert _fresh(item).status == "inbox"
    _lock_dates(sandbox)  # cleared in Xero
    refresh(xero_app, uk, steps=["organisation"])
    assert _fresh(item).status == "ready"
    page = _page(admin_client, item)
    assert READY_TEXT in page and PUBLISH_BLOCKED not in page and "period lock date" not in page
    [moved] = ItemHistory.select().where((ItemHistory.item == item.id) & (ItemHistory.field == "status")
                                         & (ItemHistory.new == "Ready") & (ItemHistory.source == "checks"))
    assert moved.user_id is None


def test_a_category_archived_in_xero_sends_a_ready_item_back_to_the_inbox_after_refresh(xero_app, admin_client, uk,
                                                                                        sandbox):
    item = coded(xero_app, uk, code="429")
    other = coded(xero_app, uk, code="425", day=date(2026, 5, 15))
    _account_status(sandbox, uk, "429", "ARCHIVED")
    refresh(xero_app, uk, steps=["categories"])
    assert (_fresh(item).status, _fresh(other).status) == ("inbox", "ready")
    assert "is archived in Xero" in _page(admin_client, item)
    _account_status(sandbox, uk, "429", "ACTIVE")
    refresh(xero_app, uk, steps=["categories"])
    assert _fresh(item).status == "ready"


def test_a_supplier_archived_in_xero_sends_its_items_back_to_the_inbox_when_the_webhook_arrives(xero_app, uk,
                                                                                                 sandbox):
    from jobs.webhooks import refresh_contacts
    item = coded(xero_app, uk, contact="Travis Perkins")
    supplier = Contact.get((Contact.business == uk) & (Contact.name == "Travis Perkins"))
    answer = requests.put(f"{sandbox.url}/operator/api/contacts/{supplier.xero_id}/status",
                          json={"status": "ARCHIVED"}, timeout=10)
    answer.raise_for_status()
    with xero_app.app_context():
        refresh_contacts(uk, contact_ids=[supplier.xero_id])
    assert _fresh(item).status == "inbox"


def test_a_failed_item_shows_its_failure_not_ready(xero_app, admin_client, uk, sandbox):
    item = _failed_on_lock_date(xero_app, admin_client, uk, sandbox)
    page = _page(admin_client, item)
    assert "Not published." in page and "lock date" in page
    assert READY_TEXT not in page and "Xero's answer above says what to fix" in page
    assert ">Publish</button>" in page and PUBLISH_BLOCKED not in page  # Xero's lock may be lifted meanwhile


def test_after_refresh_a_failed_item_lists_the_lock_date_and_an_edit_that_fixes_it_makes_it_ready(
        xero_app, admin_client, uk, sandbox):
    item = _failed_on_lock_date(xero_app, admin_client, uk, sandbox)
    refresh(xero_app, uk, steps=["organisation"])
    assert _fresh(item).status == "failed"  # a refresh explains the failure; it doesn't hide it
    page = _page(admin_client, item)
    assert "period lock date 30 Jun 2026: publish as Draft or Awaiting approval" in page and PUBLISH_BLOCKED in page
    edited = admin_client.hx("POST", f"/b/{uk}/items/{item.id}/fields/publish_as", data={"value": "draft"})
    assert edited.status_code == 200
    assert _fresh(item).status == "ready"
    assert PUBLISH_BLOCKED not in edited.text and READY_TEXT in edited.text
    admin_client.form(f"/b/{uk}/items/{item.id}/publish")
    work(xero_app)
    assert _fresh(item).status == "published"


def test_a_bulk_edit_that_replaces_an_archived_category_makes_a_failed_item_ready(xero_app, admin_client, uk,
                                                                                   sandbox):
    item = coded(xero_app, uk, code="429")
    _account_status(sandbox, uk, "429", "ARCHIVED")
    admin_client.form(f"/b/{uk}/items/{item.id}/publish")
    work(xero_app)
    assert _fresh(item).status == "failed"
    replacement = Category.get((Category.business == uk) & (Category.code == "425"))
    response = admin_client.form(f"/b/{uk}/inbox/costs/bulk", data={"item": [item.id],
                                                                    "category": replacement.id})
    assert response.status_code == 303
    fixed = _fresh(item)
    assert (fixed.status, fixed.category_id) == ("ready", replacement.id)


def test_a_possible_duplicate_needs_not_a_duplicate_before_publish(xero_app, admin_client, uk, sandbox):
    first = coded(xero_app, uk, reference="INV-77", text="first")
    second = coded(xero_app, uk, reference="INV-77", text="second")
    assert _fresh(second).duplicate_of_id == first.id and _fresh(second).status == "inbox"
    page = _page(admin_client, second)
    assert f"This may be a duplicate of item {first.id}" in page and PUBLISH_BLOCKED in page
    refused = admin_client.form(f"/b/{uk}/items/{second.id}/publish", follow_redirects=True)
    assert f"This may be a duplicate of item {first.id}" in refused.text
    assert _fresh(second).status == "inbox"
    admin_client.form(f"/b/{uk}/items/{second.id}/not-duplicate")
    assert _fresh(second).status == "ready"
    assert "This may be a duplicate" not in _page(admin_client, second)
    admin_client.form(f"/b/{uk}/items/{second.id}/publish")
    work(xero_app)
    assert _fresh(second).status == "published"


def test_an_edit_that_makes_an_item_a_duplicate_shows_the_notice_and_blocks_publish(xero_app, admin_client, uk):
    first = coded(xero_app, uk, reference="INV-78")
    second = coded(xero_app, uk, reference="INV-79", day=date(2026, 5, 15))
    assert _fresh(second).status == "ready"
    edited = admin_client.hx("POST", f"/b/{uk}/items/{second.id}/fields/reference", data={"value": "INV-78"})
    assert f'id="field-duplicate" hx-swap-oob="true"' in edited.text
    assert "Not a duplicate" in edited.text and PUBLISH_BLOCKED in edited.text
    assert _fresh(second).status == "inbox" and _fresh(second).duplicate_of_id == first.id

