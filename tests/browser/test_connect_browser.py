"""In Chromium, as a new admin would: connect Xero, lose the connection, reconnect, disconnect."""
import pytest
import requests
from playwright.sync_api import expect

from tests import factories
from tests import xero_helpers as xh
from tests.browser.helpers import sign_in
from tests.test_jobs import _work

pytestmark = pytest.mark.browser


def consent_at_sandbox(page, organisations, *, log_in=True):
    if log_in:
        page.get_by_label("Email address").fill("demo@xero.example")
        page.get_by_label("Password").fill(xh.SANDBOX_PASSWORD)
        page.get_by_role("button", name="Log in").click()
    page.locator("#consent-form").wait_for()  # .all() below doesn't wait: on the login page it finds no boxes
    for checkbox in page.get_by_role("checkbox").all():
        checkbox.set_checked(False)
    for name in organisations:
        page.get_by_label(name).check()


def test_connect_reconnect_and_disconnect(xero_app, live_server, sandbox, page, admin):
    sign_in(page, live_server.url, admin.user.email, factories.PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Integrations").click()
    page.locator("#software-xero").get_by_role("link", name="Connect").click()
    expect(page.get_by_text("accounting.invoices")).to_be_visible()
    page.get_by_role("button", name="Connect Software").click()

    consent_at_sandbox(page, [xh.UK_ORG, xh.AU_ORG])
    page.get_by_role("button", name="Allow access for 2 organisations").click()
    expect(page.get_by_role("heading", name="Choose an organisation")).to_be_visible()
    page.get_by_label(xh.UK_ORG).check()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Your organisation is connected")).to_be_visible()
    page.get_by_role("button", name="Finish").click()
    expect(page.get_by_role("heading", name=f"Xero · {xh.UK_ORG}")).to_be_visible()
    expect(page.locator(".pill")).to_have_text("Connected")

    requests.post(f"{sandbox.url}/operator/api/tokens/expire", json={}).raise_for_status()
    requests.post(f"{sandbox.url}/operator/api/refresh-tokens/invalidate", json={}).raise_for_status()
    _work(xero_app)  # the refresh queued by Finish meets the dead grant
    page.goto(f"{live_server.url}/b/{admin.business_id}/inbox/costs")
    banner = page.locator("#banners")
    expect(banner).to_contain_text("Connection to Xero needs reconnecting")
    banner.get_by_role("link", name="Reconnect").click()
    page.get_by_role("button", name="Connect Software").click()
    consent_at_sandbox(page, [xh.UK_ORG], log_in=False)
    page.get_by_role("button", name="Continue with 1 organisation").click()
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Finish").click()
    expect(page.locator(".pill")).to_have_text("Connected")
    expect(page.locator("#banners")).not_to_contain_text("needs reconnecting")

    page.get_by_role("link", name="Manage Connection").click()
    expect(page.get_by_role("menuitem", name="Refresh integration data")).to_be_visible()
    page.get_by_role("menuitem", name="Disconnect").click()
    page.get_by_role("button", name="Disconnect").click()
    expect(page.get_by_text(f"no longer connected to {xh.UK_ORG}")).to_be_visible()
    expect(page.locator("#software-xero").get_by_role("link", name="Connect")).to_be_visible()
    assert xh.tenant_ids(sandbox.url) == {}
