"""In Chromium: upload a PDF through the inbox's file input, see it in the table (Reading…, then what was read),
open it."""
import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import sign_in
from tests.items_helpers import make_contact, pdf_bytes, read_documents
from webapp.items.models import Item

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def storage(app, tmp_path):
    app.config["DOCUMENT_STORAGE_PATH"] = str(tmp_path / "documents")


def test_upload_a_pdf_and_open_it_from_the_inbox(page, live_server, app, admin):
    make_contact(admin.business, "Acme Supplies Ltd")
    sign_in(page, live_server.url, admin.user.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/b/{admin.business_id}/inbox/costs")
    expect(page.get_by_text("No costs items yet.")).to_be_visible()
    page.evaluate("window.__marker = 'still here'")

    content = pdf_bytes("Acme Supplies Ltd", "Invoice No: INV-0042", "Invoice date: 12 Mar 2026", "Total 120.00")
    page.get_by_label("Choose files").set_input_files(
        {"name": "acme-bill.pdf", "mimeType": "application/pdf", "buffer": content})

    expect(page.locator("#items-upload")).to_contain_text("“acme-bill.pdf” was added to the inbox.")
    row = page.locator("#items-table tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Reading…")
    read_documents(app)  # the row polls and the table reloads once the document is read
    expect(row).to_contain_text("12 Mar 2026")
    expect(row).to_contain_text("Acme Supplies Ltd")
    expect(row).to_contain_text("INV-0042")
    expect(row).to_contain_text("120.00 GBP")
    page.wait_for_function("() => window.__marker === 'still here'")  # no page load: htmx swapped the regions

    row.get_by_role("link", name="12 Mar 2026").click()
    expect(page.get_by_role("heading", name="INV-0042")).to_be_visible()
    item = Item.get()
    expect(page.get_by_alt_text("Page 1 of acme-bill.pdf")).to_be_visible()
    expect(page.get_by_role("link", name="Open acme-bill.pdf")).to_have_attribute(
        "href", f"/b/{admin.business_id}/items/{item.id}/document")
    response = page.request.get(f"{live_server.url}/b/{admin.business_id}/items/{item.id}/document")
    assert response.status == 200 and response.body() == content
    assert response.headers["content-security-policy"].startswith("sandbox")


def test_select_all_on_this_page_counts_the_selection(page, live_server, admin):
    from tests.items_helpers import seed_items

    seed_items(admin.business, 4)  # the first is Ready: three To review
    sign_in(page, live_server.url, admin.user.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/b/{admin.business_id}/inbox/costs")
    page.get_by_label("Select all on this page").check()
    expect(page.locator("[data-selected-count]")).to_have_text("3 selected")
    expect(page.get_by_role("button", name="Edit selected")).to_be_enabled()
