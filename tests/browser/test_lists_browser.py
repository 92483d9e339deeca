"""In Chromium: the Lists pages after connecting to the sandbox: search as you type, link a payment method inline."""
import pytest
from playwright.sync_api import expect

from tests import factories
from tests import xero_helpers as xh
from tests.browser.helpers import sign_in
from tests.test_integrations_flow import connect
from tests.test_jobs import _work
from webapp.lists.models import Category, PaymentMethod

pytestmark = pytest.mark.browser


@pytest.fixture
def refreshed(xero_app, admin_client, admin, sandbox):
    connect(admin_client, admin.business_id, organisations=[xh.UK_ORG], sandbox=sandbox)
    admin_client.form(f"/b/{admin.business_id}/integrations/xero/finish")
    _work(xero_app)
    return admin.business_id


def test_search_categories_and_link_a_payment_method(refreshed, live_server, page, admin):
    sign_in(page, live_server.url, admin.user.email, factories.PASSWORD)
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Categories").click()
    expect(page.get_by_role("heading", name="Categories")).to_be_visible()
    table = page.locator("#lists-table")
    expect(table.get_by_role("row", name="200 Sales")).to_be_visible()
    expect(table.get_by_role("row", name="400 Advertising")).to_be_visible()
    expect(table).not_to_contain_text("Trade Show Stands")

    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("Search categories").press_sequentially("advert")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody tr")).to_contain_text("Advertising")
    assert page.evaluate("window.stillTheSamePage") is True  # swapped by htmx, no page load
    assert "q=advert" in page.url  # the filtered view can be bookmarked

    page.get_by_label("Search categories").fill("")
    page.get_by_label("Show archived").check()
    expect(table.get_by_role("row", name="455 Trade Show Stands")).to_contain_text("Archived")
    page.get_by_label("Type").select_option(label="Revenue")
    expect(table.locator("tbody tr").first).to_contain_text("Sales")
    assert page.evaluate("window.stillTheSamePage") is True

    nav.get_by_role("link", name="Payment methods").click()
    expect(page.get_by_role("heading", name="Payment methods")).to_be_visible()
    page.wait_for_load_state()  # htmx set up on the new page: a change before that would send nothing
    card = PaymentMethod.get(PaymentMethod.business == refreshed, PaymentMethod.name == "Company card")
    bank = Category.get(Category.business == refreshed, Category.code == "090")
    row = page.locator(f"#lists-payment-method-{card.id}")
    page.evaluate("window.stillTheSamePage = true")
    with page.expect_response(lambda r: r.request.method == "POST" and "/payment-methods/" in r.url) as saved:
        row.get_by_label("Bank account").select_option(label="Business Bank Account")
    assert saved.value.status == 200
    expect(page.get_by_label(f"Bank account for {card.name}")).to_have_value(str(bank.id))
    swapped = page.locator(f'#lists-payment-method-{card.id} option[value="{bank.id}"]')
    expect(swapped).to_have_attribute("selected", "")  # the row came back from the server
    assert PaymentMethod.get_by_id(card.id).bank_account_id == bank.id
    assert page.evaluate("window.stillTheSamePage") is True


def test_lists_fit_a_phone_screen_and_work_with_the_keyboard(refreshed, live_server, page, admin):
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, live_server.url, admin.user.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/b/{refreshed}/lists/tax-rates")
    expect(page.locator("#lists-table tbody tr").first).to_be_visible()
    wrapper = page.locator("#lists-table .table-scroll")
    assert wrapper.evaluate("el => el.scrollWidth > el.clientWidth")  # the table scrolls inside its wrapper
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # the page itself does not
    page.get_by_label("Search tax rates").focus()
    page.keyboard.type("INPUT2")
    expect(page.locator("#lists-table tbody tr")).to_have_count(1)
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # Show archived
    expect(page.get_by_label("Show archived")).to_be_checked()
    expect(page.locator("#lists-table tbody tr")).to_have_count(1)
