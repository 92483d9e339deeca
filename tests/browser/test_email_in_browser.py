"""In Chromium, as an admin: Settings → Email-in lists the allowed senders, issues a new address and releases a
message set aside for its sender, each in place (HTMX, no page load); the inbox shows the address to forward to."""
import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import sign_in
from tests.email_helpers import post_message, process_email
from tests.items_helpers import image_bytes
from webapp.inbound import addresses
from webapp.items.models import Item

pytestmark = pytest.mark.browser


def test_an_admin_manages_email_in_without_a_page_load(page, live_server, app, admin):
    with app.app_context():
        old = addresses.shown(admin.business_id, "costs")
    sign_in(page, live_server.url, admin.user.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/b/{admin.business_id}/inbox/costs")
    expect(page.locator(".email-in-line")).to_contain_text(f"Forward bills and receipts to {old}")
    page.get_by_role("link", name="Manage email-in").click()
    expect(page.get_by_role("heading", name="Email-in", exact=True)).to_be_visible()
    page.evaluate("window.__marker = 'still here'")

    page.get_by_label("Accept mail only from").fill("bills@supplier.test")
    page.get_by_role("button", name="Save allowed senders").click()
    expect(page.locator("#email-senders")).to_contain_text("Allowed senders saved")

    post_message(app, admin.business_id, sender="someone@elsewhere.test", subject="Unlisted bill",
                 attachments=[("bill.png", image_bytes("PNG"), "image", "png")])
    process_email(app)
    page.reload()
    page.evaluate("window.__marker = 'still here'")
    row = page.locator("#email-messages tr", has_text="Unlisted bill")
    expect(row).to_contain_text("who isn't on the allowed senders list")
    row.get_by_role("button", name="Release").click()
    expect(page.locator("#email-messages")).to_contain_text("Released")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Issue a new Costs address").click()
    expect(page.locator("#email-addresses")).to_contain_text("New address issued")
    expect(page.locator("#email-addresses")).not_to_contain_text(old)
    assert page.evaluate("window.__marker") == "still here"
    process_email(app)
    assert [item.document.filename for item in Item.select().where(Item.business == admin.business_id)] == [
        "bill.png"]
    page.reload()
    expect(page.locator("#email-messages")).not_to_contain_text("Unlisted bill")  # done: nothing to look at
