"""In Chromium, on a business connected to the sandbox's Canadian organisation: a new receipt is in CAD, its
GST/PST rate shows GST and PST under Tax, and typing the PST printed on the receipt updates the tax and the checks
without a reload."""
import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import sign_in
from tests.items_helpers import pdf_bytes, read_documents
from tests.test_integrations_flow import connect
from tests.test_lists_refresh import refresh
from webapp.items.models import Item

pytestmark = pytest.mark.browser
CA_ORG = "Maple Ridge Outfitters Inc."
TOTALS_CHECK = "Net 100.00 + tax 12.10 doesn't equal the total 112.00"


@pytest.fixture
def canada(xero_app, admin_client, admin, sandbox, tmp_path):
    xero_app.config["DOCUMENT_STORAGE_PATH"] = str(tmp_path / "documents")
    connect(admin_client, admin.business_id, organisations=[CA_ORG], choose=CA_ORG, sandbox=sandbox)
    refresh(xero_app, admin.business_id)
    return admin.business_id


def test_a_canadian_receipt_shows_gst_and_pst_and_pst_can_be_typed(page, live_server, xero_app, admin, canada):
    sign_in(page, live_server.url, admin.user.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/b/{canada}/inbox/costs")
    content = pdf_bytes("Canadian Tire", "Receipt No: CT-5521", "Receipt date: 12 May 2026", "GST 5.00",
                        "PST 7.00", "Total 112.00")
    page.get_by_label("Choose files").set_input_files(
        {"name": "canadian-tire.pdf", "mimeType": "application/pdf", "buffer": content})
    expect(page.locator("#items-table tbody tr").filter(has_text="Reading…")).to_have_count(1)
    read_documents(xero_app)
    page.locator("#items-table").get_by_role("link", name="12 May 2026").click()
    expect(page.get_by_role("heading", name="CT-5521")).to_be_visible()
    page.wait_for_load_state()  # htmx has taken the fields over
    page.evaluate("window.notReloaded = true")

    expect(page.get_by_label("Currency", exact=True)).to_have_value("CAD")
    expect(page.get_by_label("Total", exact=True)).to_have_value("112.00")
    expect(page.get_by_label("Supplier", exact=True)).to_have_value("Canadian Tire")  # read from the receipt
    page.get_by_label("Category", exact=True).select_option(label="453 – Office Expenses")
    expect(page.locator("#msg-category")).to_have_text("Saved")
    expect(page.get_by_label("GST 5%")).to_have_count(0)
    page.get_by_label("Tax rate", exact=True).select_option(label="BC - GST/PST on Purchases")
    expect(page.get_by_label("GST 5%")).to_have_value("5.00")
    expect(page.get_by_label("PST 7%")).to_have_value("7.00")
    expect(page.get_by_label("Tax", exact=True)).to_have_value("12.00")
    expect(page.get_by_label("Net", exact=True)).to_have_value("100.00")
    checks = page.locator("#item-checks")
    expect(checks).to_contain_text("Ready to publish")

    pst = page.get_by_label("PST 7%")
    pst.fill("7.10")
    pst.press("Tab")
    expect(page.locator("#msg-tax-2")).to_have_text("Saved")
    expect(page.get_by_label("Tax", exact=True)).to_have_value("12.10")
    expect(checks).to_contain_text(TOTALS_CHECK)
    expect(page.locator("#item-status")).to_have_text("Inbox")

    pst = page.get_by_label("PST 7%")
    pst.fill("7.001")
    pst.press("Tab")
    expect(page.locator("#msg-tax-2")).to_have_text("Use at most 2 decimal places.")
    expect(page.get_by_label("PST 7%")).to_have_value("7.001")  # kept to correct

    pst = page.get_by_label("PST 7%")
    pst.fill("7.00")
    pst.press("Tab")
    expect(page.get_by_label("Tax", exact=True)).to_have_value("12.00")
    expect(checks).to_contain_text("Ready to publish")
    expect(page.locator("#item-status")).to_have_text("Ready")
    assert page.evaluate("window.notReloaded") is True
    item = Item.get(Item.business == canada)
    assert (item.currency, item.net, item.tax, item.total) == ("CAD", 100, 12, 112)
