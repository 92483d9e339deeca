"""In Chromium: Refresh integration data shows its progress banner, then what changed, without a reload."""
import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import sign_in
from tests.test_integrations_flow import connect
from tests.test_jobs import _work

pytestmark = pytest.mark.browser


def test_refresh_banner_progress_then_result(xero_app, admin_client, live_server, sandbox, page, admin):
    connect(admin_client, admin.business_id, organisations=["Hartley & Moss Joinery Ltd"], sandbox=sandbox)
    sign_in(page, live_server.url, admin.user.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/b/{admin.business_id}/integrations")
    page.get_by_role("link", name="Manage Connection").click()
    page.get_by_role("menuitem", name="Refresh integration data").click()
    banners = page.locator("#banners")
    expect(banners).to_contain_text("Refresh in progress")

    _work(xero_app)  # the worker runs while the page keeps polling its banner
    expect(banners).to_contain_text("Refresh finished at", timeout=8000)
    expect(banners).to_contain_text("Categories:")
    expect(banners).not_to_contain_text("Refresh in progress")
    facts = page.locator("#integrations-facts")  # redrawn when the job ended: no reload
    expect(facts).not_to_contain_text("Not refreshed yet")
    expect(facts).to_contain_text("Categories:")
    banners.get_by_role("button", name="Dismiss").click()
    expect(banners).not_to_contain_text("Refresh finished")
    page.reload()
    expect(page.locator("#banners")).not_to_contain_text("Refresh finished")
