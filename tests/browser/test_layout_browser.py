"""In Chromium, the layout a bookkeeper sees at a laptop's size (1366×768) and on a phone (390×844): the sidebar
behind a Menu button, the inbox's columns, and Item details with its line items and history under the document."""
import hashlib
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import lines_of_text, sign_in
from tests.items_helpers import image_bytes, make_coded_item, make_coding, make_contact, make_item, pdf_bytes
from webapp.items import storage
from webapp.items.models import Document

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def documents(app, tmp_path):
    app.config["DOCUMENT_STORAGE_PATH"] = str(tmp_path / "documents")


@pytest.fixture
def bills(app, admin):
    """A bill waiting for its category and a Ready credit note, each on a stored PDF."""
    coding = make_coding(admin.business)
    supplier = make_contact(admin.business, "Pennine Joinery Supplies")
    coded = {"contact": supplier, "tax_rate": coding.vat20, "total": Decimal("120.00"), "publish_as": "draft"}
    waiting = make_coded_item(admin.business, document=_stored(app, admin, "waiting"), date=date(2026, 4, 12),
                              reference="INV-0042", **coded)
    ready = make_coded_item(admin.business, document=_stored(app, admin, "ready"), date=date(2026, 4, 13),
                            reference="CN-7", type="credit_note", category=coding.office, **coded)
    assert (waiting.status, ready.status) == ("inbox", "ready")
    return waiting, ready


def _stored(app, admin, text: str, photo: bool = False) -> Document:
    content = image_bytes("PNG", size=(300, 500)) if photo else pdf_bytes(text)
    sha256 = hashlib.sha256(content).hexdigest()
    with app.app_context():
        key = storage.save(sha256, content)
    kind = ("image/png", "png") if photo else ("application/pdf", "pdf")
    return Document.create(business=admin.business_id, sha256=sha256, filename=f"{text}.{kind[1]}",
                           content_type=kind[0], size=len(content), page_count=1, storage_key=key)


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth"), page.url


def test_menu_button_opens_and_closes_the_navigation_on_a_phone(page, live_server, admin, bills):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, admin.user.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/b/{admin.business_id}/inbox/costs")
    menu = page.get_by_role("button", name="Menu")
    navigation = page.get_by_role("navigation", name="Main")
    expect(menu).to_have_attribute("aria-controls", "sidebar")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(navigation).to_be_hidden()

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(navigation.get_by_role("link", name="Categories")).to_be_visible()
    menu.click()
    expect(navigation).to_be_hidden()

    menu.focus()
    page.keyboard.press("Enter")
    expect(navigation).to_be_visible()
    navigation.get_by_role("link", name="Costs").focus()
    page.keyboard.press("Escape")
    expect(navigation).to_be_hidden()
    expect(menu).to_be_focused()

    page.evaluate("window.stillTheSamePage = true")
    page.locator("#items-table").get_by_role("link", name="Total").click()  # an htmx swap, no page load
    page.wait_for_url("**sort=total**")
    page.keyboard.press("Escape")  # nothing open: stays closed
    menu.click()
    expect(navigation.get_by_role("link", name="Tax rates")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage") is True
    navigation.get_by_role("link", name="Tax rates").click()
    expect(page.get_by_role("heading", name="Tax rates")).to_be_visible()
    expect(navigation).to_be_hidden()  # closed again on the next page
    _no_sideways_scroll(page)


def test_sidebar_stays_open_without_a_menu_button_on_a_laptop(page, live_server, admin):
    page.set_viewport_size(LAPTOP)
    sign_in(page, live_server.url, admin.user.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/b/{admin.business_id}/inbox/costs")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Sales")).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()


def test_inbox_columns_on_a_laptop_and_on_a_phone(app, page, live_server, admin, bills):
    waiting, ready = bills
    page.set_viewport_size(LAPTOP)
    sign_in(page, live_server.url, admin.user.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/b/{admin.business_id}/inbox/costs")
    table = page.locator("#items-table table")
    headers = table.locator("thead th")
    expect(headers).to_have_text(["", "Type", "Date", "Supplier", "Reference", "Total", "Category", "Status", "Added"])
    row = page.locator(f"#items-row-{waiting.id}")
    expect(row.locator("td").nth(1)).to_have_text("Receipt PDF")
    expect(row.locator("td").nth(7)).to_have_text("Inbox No category")  # why it isn't Ready
    assert lines_of_text(row.get_by_role("link", name="12 Apr 2026")) == 1
    _no_sideways_scroll(page)

    photo = make_item(admin.business, document=_stored(app, admin, "till-receipt", photo=True))
    page.reload()
    link = page.locator(f"#items-row-{photo.id}").get_by_role("link", name="Receipt")
    peek = page.locator("img.document-peek")
    expect(peek).to_have_count(0)  # nothing fetched before a look is asked for
    link.hover()
    expect(peek).to_be_visible()
    expect(peek).to_have_attribute("src", f"/b/{admin.business_id}/items/{photo.id}/document")
    page.wait_for_function("document.querySelector('img.document-peek').naturalWidth === 300")
    page.get_by_role("heading", name="Costs").hover()
    expect(peek).to_be_hidden()
    page.locator(f"#items-row-{waiting.id}").get_by_role("link", name="Receipt").hover()
    expect(peek).to_be_hidden()  # a PDF is marked "PDF" instead
    page.get_by_label("Search", exact=True).fill("INV-0042")  # htmx keeps this page in its history to come back to
    expect(page.locator("#items-table tbody tr")).to_have_count(1)
    page.go_back()  # restored from that history: no inline style to refuse
    expect(page.locator("#items-table tbody tr")).to_have_count(2)

    page.locator("#items-table").get_by_role("link", name="Ready").click()
    row = page.locator(f"#items-row-{ready.id}")
    expect(row.locator("td").nth(1)).to_have_text("Credit note PDF")
    expect(row.locator("td").nth(7)).to_have_text("Ready")  # nothing to explain

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/b/{admin.business_id}/inbox/costs")
    visible = [header.inner_text() for header in headers.all() if header.is_visible()]
    assert visible == ["Type", "Supplier", "Total", "Status"]
    row = page.locator(f"#items-row-{waiting.id}")
    expect(row.get_by_role("link", name="Receipt")).to_be_visible()
    expect(row.get_by_text("No category")).to_be_visible()
    expect(row.get_by_text("120.00 GBP")).to_be_visible()
    assert table.evaluate("el => el.scrollWidth <= el.clientWidth")  # the four columns fit
    _no_sideways_scroll(page)
    row.get_by_role("link", name="Receipt").click()
    expect(page.get_by_role("heading", name="INV-0042")).to_be_visible()


def test_item_details_puts_line_items_and_history_under_document_and_fields(page, live_server, admin, bills):
    waiting, _ = bills
    page.set_viewport_size(LAPTOP)
    sign_in(page, live_server.url, admin.user.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/b/{admin.business_id}/items/{waiting.id}")
    page.get_by_role("button", name="Add line").click()
    expect(page.locator("#line-items tbody tr")).to_have_count(1)
    document, fields, lines = (_box(page, selector) for selector in (".item-document", ".item-fields", "#line-items"))
    assert fields["x"] >= document["x"] + document["width"]  # side by side
    assert lines["y"] >= max(document["y"] + document["height"], fields["y"] + fields["height"])
    assert lines["x"] <= document["x"] and lines["x"] + lines["width"] >= fields["x"] + fields["width"]
    scroller = page.locator("#line-items .table-scroll")
    assert scroller.evaluate("el => el.scrollWidth <= el.clientWidth")  # the line items fit, no sideways scroll
    _no_sideways_scroll(page)

    page.get_by_role("navigation", name="Item sections").get_by_role("link", name="History").click()
    history = page.locator("#item-history")
    expect(history.get_by_role("heading", name="History")).to_be_visible()
    expect(page.locator("#line-items")).to_have_count(0)
    box = _box(page, "#item-history")
    assert box["y"] >= document["y"] + document["height"] and box["x"] <= document["x"]
    assert box["x"] + box["width"] >= fields["x"] + fields["width"]
    assert history.locator(".table-scroll").evaluate("el => el.scrollWidth <= el.clientWidth")  # the table fits
    page.get_by_role("navigation", name="Item sections").get_by_role("link", name="Details").click()
    expect(page.locator("#line-items tbody tr")).to_have_count(1)

    page.set_viewport_size(PHONE)
    page.reload()
    document, fields = _box(page, ".item-document"), _box(page, ".item-fields")
    assert fields["y"] >= document["y"] + document["height"]  # the document, then the fields
    _no_sideways_scroll(page)


def _box(page, selector: str) -> dict:
    return page.locator(selector).bounding_box()


def test_a_turned_photo_stays_turned_through_the_tabs_and_back(app, page, live_server, admin):
    photo = make_item(admin.business, document=_stored(app, admin, "till-receipt", photo=True))
    sign_in(page, live_server.url, admin.user.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/b/{admin.business_id}/items/{photo.id}")
    expect(page.get_by_role("img", name="The uploaded document till-receipt.png")).to_be_visible()
    image = page.locator("[data-document-image]")  # the photo with the regions read on it turns as one
    page.get_by_role("button", name="Rotate").click()
    expect(image).to_have_css("transform", "matrix(0, 1, -1, 0, 0, 0)")  # a quarter turn
    page.get_by_role("navigation", name="Item sections").get_by_role("link", name="Notes").click()
    expect(page.get_by_label("Add a note")).to_be_visible()
    expect(image).to_have_css("transform", "matrix(0, 1, -1, 0, 0, 0)")
    page.go_back()  # htmx puts its copy of the page back: the CSP refuses no inline style (the page fixture checks)
    expect(page.locator("#line-items")).to_be_visible()
