"""In Chromium: publish a bill, a paid bill, a spend money, a sales invoice and a supplier credit note to the
sandbox from their Item details pages, then open each in the sandbox's operator pages with its attachment."""
from datetime import date

import pytest
from playwright.sync_api import expect

from tests import factories, xero_helpers as xh
from tests.browser.helpers import sign_in
from tests.publishing_helpers import coded, sandbox_documents, uk, work  # noqa: F401
from webapp.integrations.models import Connection
from webapp.integrations.xero_access import xero
from webapp.items.models import Item
from webapp.lists.models import PaymentMethod

pytestmark = pytest.mark.browser

DESTINATIONS = [
    ("bill", {"publish_to": "purchases", "publish_as": "awaiting_payment"}, "ACCPAY", "AUTHORISED"),
    ("paid bill", {"publish_to": "purchases", "publish_as": "paid", "paid": True}, "ACCPAY", "PAID"),
    ("spend money", {"publish_to": "bank", "publish_as": "", "paid": True}, "SPEND", "AUTHORISED"),
    ("sales invoice", {"workspace": "sales", "contact": "Bramley Homes", "code": "200", "tax": "OUTPUT2",
                       "publish_to": "sales", "publish_as": "awaiting_payment"}, "ACCREC", "AUTHORISED"),
    ("supplier credit note", {"type": "credit_note", "publish_to": "purchases", "publish_as": "awaiting_payment"},
     "ACCPAYCREDIT", "AUTHORISED"),
]


def test_publish_every_destination_and_open_it_in_xero(page, live_server, xero_app, uk, admin):
    card = PaymentMethod.get(PaymentMethod.business == uk)
    items = [(name, coded(xero_app, uk, payment_method=card, text=f"{name} receipt", day=date(2026, 5, 10 + number),
                          **fields), xero_type, status)  # a day each: the same supplier, total and day is a duplicate
             for number, (name, fields, xero_type, status) in enumerate(DESTINATIONS)]
    sign_in(page, live_server.url, admin.user.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/b/{uk}/items/{items[0][1].id}")
    page.get_by_label("then open the next item").uncheck()  # stay on each page to watch it publish
    for name, item, xero_type, status in items:
        page.goto(f"{live_server.url}/b/{uk}/items/{item.id}")
        expect(page.get_by_label("then open the next item")).not_to_be_checked()  # remembered in this browser
        page.get_by_role("button", name="Publish", exact=True).click()
        expect(page.locator("#item-publish")).to_contain_text("Publishing…")
        work(xero_app)
        expect(page.locator("#item-publish")).to_contain_text("Published to Xero", timeout=10_000)
        link = page.get_by_role("link", name="Open in Xero")
        href = link.get_attribute("href")
        page.goto(href)
        row = page.locator(f"#document-{Item.get_by_id(item.id).xero_id}")
        expect(row).to_contain_text(xero_type)
        expect(row).to_contain_text(status)
        expect(row).to_contain_text("GBP 120.00")
        attachment = row.get_by_role("link", name=item.document.filename)
        expect(attachment).to_be_visible()
        download = page.request.get(attachment.get_attribute("href") if attachment.get_attribute("href").startswith(
            "http") else href.split("/operator")[0] + attachment.get_attribute("href"))
        assert download.status == 200 and download.body().startswith(b"%PDF"), name


def test_code_an_item_inline_and_publish_it_without_reloading(page, live_server, xero_app, uk, admin, sandbox):
    item = coded(xero_app, uk, category=None)  # everything but the category
    sign_in(page, live_server.url, admin.user.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/b/{uk}/items/{item.id}")
    publish = page.get_by_role("button", name="Publish", exact=True)
    expect(page.locator("#item-status")).to_have_text("Inbox")
    expect(publish).to_be_disabled()
    page.get_by_label("Category", exact=True).select_option(label="429 – General Expenses")
    expect(page.locator("#item-status")).to_have_text("Ready")
    expect(publish).to_be_enabled()
    publish.click()
    expect(page.locator("#item-publish")).to_contain_text("Publishing…")
    work(xero_app)
    expect(page.locator("#item-publish")).to_contain_text("Published to Xero")
    [document] = sandbox_documents(sandbox, xh.tenant_ids(sandbox.url)[xh.UK_ORG])
    assert (document["type"], document["contact"], document["total"]) == ("ACCPAY", "Travis Perkins", "120.00")


def test_publish_moves_on_to_the_next_item_to_review(page, live_server, xero_app, uk, admin):
    first = coded(xero_app, uk, day=date(2026, 5, 1), text="first", reference="INV-A")
    second = coded(xero_app, uk, day=date(2026, 5, 2), text="second", reference="INV-B")
    sign_in(page, live_server.url, admin.user.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/b/{uk}/inbox/costs?queue=ready")
    page.locator("#items-table").get_by_role("link", name="02 May 2026").click()
    expect(page.get_by_role("heading", name="INV-B")).to_be_visible()
    page.wait_for_load_state()  # the page's keys are listened for
    page.keyboard.press("p")
    expect(page.get_by_role("heading", name="INV-A")).to_be_visible()  # the next one in the Ready tab
    expect(page.get_by_text("Publishing INV-B in the background")).to_be_visible()
    assert page.url.endswith(f"/items/{first.id}?queue=ready")
    assert Item.get_by_id(second.id).status == "publishing"


def test_a_brand_new_supplier_is_created_in_xero_once_and_both_bills_point_at_it(page, live_server, xero_app, uk,
                                                                                  admin, sandbox):
    name = "Brightwell Office Supplies Ltd"
    first = coded(xero_app, uk, day=date(2026, 5, 1), text="first bill")
    second = coded(xero_app, uk, day=date(2026, 5, 2), text="second bill")
    sign_in(page, live_server.url, admin.user.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/b/{uk}/items/{first.id}")
    page.get_by_label("then open the next item").uncheck()
    for item in (first, second):  # both named before either is published: the name is new to Xero for both
        page.goto(f"{live_server.url}/b/{uk}/items/{item.id}")
        supplier = page.get_by_label("Supplier", exact=True)
        supplier.fill(name)
        supplier.press("Tab")
        expect(page.locator("#field-contact")).to_contain_text("New supplier — created in Xero when published")
        expect(page.locator("#item-status")).to_have_text("Ready")
    for item in (first, second):
        page.goto(f"{live_server.url}/b/{uk}/items/{item.id}")
        page.get_by_role("button", name="Publish", exact=True).click()
        expect(page.locator("#item-publish")).to_contain_text("Publishing…")  # queued before the worker runs
        work(xero_app)
        expect(page.locator("#item-publish")).to_contain_text("Published to Xero", timeout=10_000)
        page.reload()
        expect(page.get_by_label("Supplier", exact=True)).to_have_value(name)
        expect(page.locator("#field-contact")).not_to_contain_text("New supplier")
    documents = sandbox_documents(sandbox, xh.tenant_ids(sandbox.url)[xh.UK_ORG])
    assert [d["contact"] for d in documents] == [name, name]
    with xero_app.app_context():
        client = xero().client_for(Connection.for_business(uk))
        assert len(client.get("Contacts", params={"where": f'Name=="{name}"'})["Contacts"]) == 1
