"""In Chromium: upload a PDF bill from a supplier Xero doesn't have yet, watch "Reading…" become filled fields with
the regions read marked on the page (no reload), confirm the date the reading wasn't sure of, and publish."""
import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import sign_in
from tests.einvoice_helpers import UBL_LINES, ubl_document
from tests.items_helpers import encoded, pdf_bytes, read_documents, receipt_image
from tests.publishing_helpers import uk, work  # noqa: F401
from webapp.lists.models import Category, Contact, TaxRate

pytestmark = pytest.mark.browser


def publish(page, xero_app) -> None:
    """Publish the Ready item on its page, as a person would, and see it land in Xero."""
    expect(page.locator("#item-status")).to_have_text("Ready")
    page.get_by_label("then open the next item").uncheck()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator("#item-publish")).to_contain_text("Publishing…")
    work(xero_app)
    expect(page.get_by_role("link", name="Open in Xero")).to_be_visible(timeout=10_000)


def test_upload_see_it_read_confirm_and_publish(page, live_server, xero_app, uk, admin):
    sign_in(page, live_server.url, admin.user.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/b/{uk}/inbox/costs")
    content = pdf_bytes("Hartfield Timber Ltd", "VAT reg GB 287 1193 40", "Invoice No: HT-2291",
                        "14 May 2026", "Subtotal 250.00", "VAT 50.00", "Total £300.00")
    page.get_by_label("Choose files").set_input_files(
        {"name": "hartfield.pdf", "mimeType": "application/pdf", "buffer": content})
    row = page.locator("#items-table tbody tr").filter(has_text="Reading…")
    expect(row).to_have_count(1)
    row.get_by_role("link").first.click()
    expect(page.locator("#item-reading")).to_contain_text("Reading…")
    expect(page.get_by_label("Total", exact=True)).to_be_disabled()
    page.evaluate("window.notReloaded = true")

    read_documents(xero_app)
    expect(page.get_by_label("Total", exact=True)).to_have_value("300.00", timeout=10_000)
    assert page.evaluate("window.notReloaded") is True  # redrawn in place
    expect(page.get_by_label("Reference", exact=True)).to_have_value("HT-2291")
    expect(page.get_by_label("Supplier", exact=True)).to_have_value("Hartfield Timber Ltd")
    expect(page.locator("#item-status")).to_have_text("Inbox")
    expect(page.locator("#item-reading")).to_contain_text("Read again")

    total_mark = page.locator('.read-mark[data-field="total"]')
    expect(total_mark).to_be_visible()
    expect(page.locator(".read-mark")).not_to_have_count(0)
    page.get_by_label("Total", exact=True).focus()
    expect(total_mark).to_have_class("read-mark is-active")
    mark, image = total_mark.bounding_box(), page.get_by_alt_text("Page 1 of hartfield.pdf").bounding_box()
    assert image["y"] < mark["y"] < image["y"] + image["height"] / 2  # near the top of the page, where it is

    expect(page.locator("#item-checks")).to_contain_text("Check the date")  # printed without a label
    category = Category.get((Category.business == uk) & (Category.code == "429"))
    rate = TaxRate.get((TaxRate.business == uk) & (TaxRate.xero_id == "INPUT2"))
    page.get_by_label("Category", exact=True).select_option(str(category.id))
    expect(page.locator("#msg-category")).to_have_text("Saved")
    page.get_by_label("Tax rate", exact=True).select_option(str(rate.id))
    expect(page.locator("#msg-tax_rate")).to_have_text("Saved")
    expect(page.locator("#item-status")).to_have_text("Inbox")  # the date still waits for its check

    date_mark = page.locator('.read-mark[data-field="date"]')
    expect(date_mark).to_have_class("read-mark read-mark-check")
    page.locator("#field-date").get_by_role("button", name="Confirm").click()
    expect(page.locator("#check-date")).to_have_count(0)
    expect(date_mark).to_have_class("read-mark")  # no longer marked for checking, without a reload
    publish(page, xero_app)
    supplier = Contact.get((Contact.business == uk) & (Contact.name == "Hartfield Timber Ltd"))
    assert supplier.in_xero and supplier.tax_number == "GB 287 1193 40"


def test_a_photographed_receipt_is_read_marked_on_the_photo_and_published(page, live_server, xero_app, uk, admin):
    sign_in(page, live_server.url, admin.user.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/b/{uk}/inbox/costs")
    photo = encoded(receipt_image().rotate(2, expand=True, fillcolor="white"), "JPEG", quality=85)
    page.get_by_label("Choose files").set_input_files({"name": "till.jpg", "mimeType": "image/jpeg", "buffer": photo})
    row = page.locator("#items-table tbody tr").filter(has_text="Reading…")
    expect(row).to_have_count(1)
    read_documents(xero_app)
    expect(row).to_have_count(0, timeout=10_000)  # the inbox row updates itself
    page.locator("#items-table tbody tr").filter(has_text="12.34").get_by_role("link").first.click()

    expect(page.get_by_label("Total", exact=True)).to_have_value("12.34")
    expect(page.get_by_label("Date", exact=True)).to_have_value("2024-11-05")
    expect(page.get_by_label("Supplier", exact=True)).to_have_value("CORNER CAFE LTD")
    total_mark = page.locator('[data-document-image] .read-mark[data-field="total"]')
    expect(total_mark).to_be_visible()
    mark, image = total_mark.bounding_box(), page.get_by_alt_text("The uploaded document till.jpg").bounding_box()
    assert image["y"] + image["height"] / 2 < mark["y"] < image["y"] + image["height"]  # TOTAL is low on the slip

    category = Category.get((Category.business == uk) & (Category.code == "429"))
    page.get_by_label("Category", exact=True).select_option(str(category.id))
    expect(page.locator("#msg-category")).to_have_text("Saved")
    rate = TaxRate.get((TaxRate.business == uk) & (TaxRate.xero_id == "INPUT2"))
    page.get_by_label("Tax rate", exact=True).select_option(str(rate.id))
    expect(page.locator("#msg-tax_rate")).to_have_text("Saved")
    for check in page.locator(".check-mark").all():  # whatever OCR was unsure of, a person confirms
        name = check.get_attribute("id").removeprefix("check-")
        page.locator(f"#field-{name}").get_by_role("button", name="Confirm").click()
        expect(page.locator(f"#check-{name}")).to_have_count(0)
    publish(page, xero_app)


def test_an_einvoices_lines_arrive_with_the_xero_tax_rate_each_prints(page, live_server, xero_app, uk, admin):
    sign_in(page, live_server.url, admin.user.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/b/{uk}/inbox/costs")
    lines = ({**UBL_LINES[0], "percent": "20"}, UBL_LINES[1])  # 3 × 40.00 at 20 % (S), 250.00 zero rated (Z)
    page.get_by_label("Choose files").set_input_files(
        {"name": "tulip.xml", "mimeType": "application/xml", "buffer": ubl_document(payable="394.00", lines=lines)})
    row = page.locator("#items-table tbody tr").filter(has_text="Reading…")
    expect(row).to_have_count(1)
    row.get_by_role("link").first.click()
    read_documents(xero_app)
    expect(page.get_by_label("Total", exact=True)).to_have_value("394.00", timeout=10_000)
    rates = {rate.xero_id: rate for rate in TaxRate.select().where(TaxRate.business == uk)}
    first, second = (page.get_by_label(f"Tax rate, line {number}", exact=True) for number in (1, 2))
    expect(first).to_have_value(str(rates["INPUT2"].id))
    expect(second).to_have_value(str(rates["ZERORATEDINPUT"].id))
    expect(page.locator("#line-items")).to_contain_text("24.00")  # the first line's tax at 20 %
