"""In Chromium: sign in, switch business, and watch the admin-only Connections entry follow the role."""
import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import expected_errors, sign_in

pytestmark = pytest.mark.browser


def test_switching_business_shows_connections_only_where_admin(page, live_server, admin):
    standard_elsewhere = factories.make_member(user=admin.user, role="standard",
                                               business=factories.make_business(name="Zephyr Joinery Ltd"))
    sign_in(page, live_server.url, admin.user.email, factories.PASSWORD)
    expect(page.get_by_role("heading", name="Your businesses")).to_be_visible()

    page.get_by_role("link", name=admin.business.name).click()
    sidebar = page.get_by_role("navigation", name="Main")
    expect(sidebar.get_by_role("link", name="Integrations")).to_be_visible()
    sidebar.get_by_role("link", name="Integrations").click()
    expect(page.get_by_role("heading", name="Integrations")).to_be_visible()

    page.locator("#business-switcher summary").click()
    page.locator("#business-switcher").get_by_role("link", name="Zephyr Joinery Ltd").click()
    expect(sidebar.locator(".sidebar-business")).to_have_text("Zephyr Joinery Ltd")
    expect(sidebar.get_by_role("link", name="Integrations")).to_have_count(0)
    expect(sidebar.get_by_role("link", name="Categories")).to_be_visible()

    response = page.goto(f"{live_server.url}/b/{standard_elsewhere.business_id}/integrations")
    assert response.status == 403
    expect(page.get_by_text("You don't have permission to do that.")).to_be_visible()
    expected_errors(page, "status of 403")  # Chromium logs the refused page itself


def test_role_change_saves_inline_without_a_page_load(page, live_server, admin, standard):
    sign_in(page, live_server.url, admin.user.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/b/{admin.business_id}/team")
    row = page.locator(f"#team-member-{standard.id}")
    page.evaluate("window.__marker = 'still here'")
    row.get_by_label("Role").select_option("admin")
    expect(page.locator(f"#team-member-{standard.id}").get_by_label("Role")).to_have_value("admin")
    page.wait_for_function("() => window.__marker === 'still here'")
    page.reload()
    expect(page.locator(f"#team-member-{standard.id}").get_by_label("Role")).to_have_value("admin")


def test_sign_out_is_a_post_and_ends_the_session(page, live_server, admin):
    sign_in(page, live_server.url, admin.user.email, factories.PASSWORD)
    page.locator(".user-menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.goto(f"{live_server.url}/b/{admin.business_id}/team")
    expect(page.get_by_role("heading", name="Sign in to Docket")).to_be_visible()
