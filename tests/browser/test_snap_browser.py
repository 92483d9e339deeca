"""In Chromium as a phone (390 px, touch): Docket installs (manifest, service worker), Snap keeps photos taken
offline on the phone and sends each of them exactly once when the connection returns (from one of two open tabs);
opened offline, the app still takes photos; refusals, an ended session and a slow upload are shown on the photo."""
import random
import re
from decimal import Decimal

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests import factories
from tests.browser.helpers import expected_errors, sign_in
from tests.conftest import checked_page
from tests.items_helpers import RECEIPT, encoded, read_documents, receipt_image
from webapp.items.models import Document, Item

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}


@pytest.fixture
def page(browser):
    """The checked page (no console errors) on a phone."""
    yield from checked_page(browser, **PHONE)


@pytest.fixture(autouse=True)
def storage(app, tmp_path):
    app.config["DOCUMENT_STORAGE_PATH"] = str(tmp_path / "documents")


def photo(number: int) -> dict:
    image = receipt_image(lines=RECEIPT[:-2] + [f"TOTAL          1{number}.34", RECEIPT[-1]])
    return {"name": "image.jpg", "mimeType": "image/jpeg", "buffer": encoded(image, "JPEG")}


def open_snap(page, live_server, admin) -> None:
    """Sign in and open Snap as the home screen icon does; the service worker is then in charge of the page."""
    sign_in(page, live_server.url, admin.user.email, factories.PASSWORD)
    page.goto(f"{live_server.url}/snap")
    expect(page).to_have_url(f"{live_server.url}/b/{admin.business_id}/snap/costs")
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def uploads_answered(page) -> list:
    """The uploads Docket answered from now on (an attempt lost on the way, sent again, isn't one)."""
    answered = []
    page.context.on("response", lambda response: answered.append(response.status)
                    if response.request.method == "POST" and response.url.endswith("/inbox/costs/upload") else None)
    return answered


def test_installs_and_sends_photos_taken_offline_once_each(page, live_server, app, admin):
    open_snap(page, live_server, admin)
    manifest = page.evaluate("""async () => {
        const response = await fetch(document.querySelector('link[rel=manifest]').href);
        const manifest = await response.json();
        const icons = await Promise.all(manifest.icons.map(icon => fetch(icon.src).then(r => r.status)));
        return {type: response.headers.get('content-type'), manifest, icons};
    }""")
    assert manifest["type"] == "application/manifest+json"
    assert manifest["manifest"]["start_url"] == "/snap" and manifest["manifest"]["display"] == "standalone"
    assert manifest["icons"] == [200, 200, 200]
    assert page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)") == f"{live_server.url}/"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone
    take = page.locator("label", has_text="Take photo")
    box = take.bounding_box()
    assert box["y"] + box["height"] > 844 - 100 and box["height"] >= 48  # a big button under the thumb
    sent = uploads_answered(page)

    page.context.set_offline(True)
    page.get_by_label("Take photo").set_input_files([photo(1), photo(2), photo(3)])
    expect(page.locator(".snap-status")).to_contain_text("3 photos waiting to send. You're offline")
    expect(page.locator(".snap-photo img")).to_have_count(3)
    expect(page.locator(".snap-photo")).to_contain_text(["Waiting to send"] * 3)
    page.reload()  # kept on the phone, not in the page
    expect(page.locator(".snap-status")).to_contain_text("3 photos waiting to send")
    assert Item.select().count() == 0 and sent == []

    page.context.set_offline(False)
    expect(page.locator(".snap-photo")).to_contain_text(["Sent Open"] * 3)
    expect(page.locator(".snap-status")).to_contain_text("All sent")
    assert sent == [200, 200, 200]
    assert Item.select().count() == 3 and Document.select().count() == 3

    page.reload()  # nothing is left on the phone to send again
    expect(page.locator(".snap-status")).not_to_contain_text("waiting")
    expect(page.locator(".snap-photo")).to_have_count(0)
    assert len(sent) == 3 and Item.select().count() == 3

    page.get_by_role("link", name="Costs inbox").click()
    rows = page.locator("#items-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows).to_contain_text(["Reading…"] * 3)
    read_documents(app)
    expect(rows.filter(has_text="Reading…")).to_have_count(0)
    assert sorted(item.total for item in Item.select()) == [Decimal("11.34"), Decimal("12.34"), Decimal("13.34")]


def test_opened_offline_the_app_still_takes_photos_and_sends_them_later(page, live_server, admin):
    open_snap(page, live_server, admin)
    sent = uploads_answered(page)

    page.context.set_offline(True)
    page.goto(f"{live_server.url}/snap")  # the home screen icon with no connection: the kept offline page
    expect(page.get_by_role("heading", name="You're offline")).to_be_visible()
    expect(page.locator(".snap-status")).to_contain_text(f"sent to Costs · {admin.business.name}")
    page.get_by_label("Take photo").set_input_files([photo(7)])
    expect(page.locator(".snap-status")).to_contain_text("1 photo waiting to send")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.context.set_offline(False)  # the page it stood in for opens, and sends the photo
    expect(page).to_have_url(f"{live_server.url}/b/{admin.business_id}/snap/costs")
    expect(page.locator(".snap-photo")).to_contain_text(["Sent Open"])
    assert len(sent) == 1 and Item.select().count() == 1


def test_a_refused_file_says_why_and_a_signed_out_phone_keeps_its_photos(page, live_server, admin):
    open_snap(page, live_server, admin)
    page.get_by_label("Choose photos").set_input_files(
        [{"name": "notes.jpg", "mimeType": "image/jpeg", "buffer": b"not a photo"}, photo(1)])
    tiles = page.locator(".snap-photo")
    expect(tiles.filter(has_text="“notes.jpg” isn't a file type we accept")).to_have_count(1)
    expect(tiles.filter(has_text="Sent")).to_have_count(1)
    expect(page.locator(".snap-status")).to_contain_text("All sent. 1 photo couldn't be sent.")
    page.get_by_label("Choose photos").set_input_files([photo(1)])  # the same photo again
    expect(tiles.filter(has_text="Already in Docket")).to_have_count(1)
    assert Item.select().count() == 1

    page.reload()  # a refused photo stays on the phone, saying why, until removed
    expect(tiles).to_have_count(1)
    tiles.get_by_role("button", name="Remove").click()
    expect(tiles).to_have_count(0)
    page.reload()
    expect(tiles).to_have_count(0)

    page.context.clear_cookies()  # signed out meanwhile (the session ended)
    page.get_by_label("Take photo").set_input_files([photo(2)])
    expect(page.locator(".snap-status")).to_contain_text(
        "1 photo waiting to send. This page has expired or you were signed out")
    expected_errors(page, "status of 400")  # the upload refused for want of the session's CSRF token
    page.get_by_role("link", name="Reload").click()
    page.get_by_label("Email").fill(admin.user.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/b/{admin.business_id}/snap/costs")
    expect(tiles).to_contain_text(["Sent Open"])
    assert Item.select().count() == 2


def test_two_open_tabs_send_each_photo_once(page, live_server, admin):
    open_snap(page, live_server, admin)
    other = page.context.new_page()
    other.goto(f"{live_server.url}/snap")
    sent = uploads_answered(page)

    page.context.set_offline(True)
    page.get_by_label("Take photo").set_input_files([photo(1), photo(2), photo(3)])
    expect(page.locator(".snap-status")).to_contain_text("3 photos waiting to send")
    page.context.set_offline(False)  # both tabs hear that the connection is back; one of them sends

    expect(page.locator(".snap-status")).not_to_contain_text("waiting", timeout=15_000)
    expect(other.locator(".snap-status")).not_to_contain_text("waiting", timeout=15_000)
    assert sent == [200, 200, 200]
    assert Item.select().count() == 3
    for tab in (page, other):
        expect(tab.locator(".snap-photo").filter(has_text="Already in Docket")).to_have_count(0)


def test_a_photo_on_a_slow_connection_shows_how_far_it_got(page, live_server, admin):
    open_snap(page, live_server, admin)
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    network.send("Network.emulateNetworkConditions", {"offline": False, "latency": 20, "downloadThroughput": -1,
                                                      "uploadThroughput": 200_000})  # bytes a second
    noise = Image.frombytes("RGB", (600, 600), random.Random(1).randbytes(600 * 600 * 3))  # ~420 kB as a JPEG
    page.get_by_label("Take photo").set_input_files(
        [{"name": "image.jpg", "mimeType": "image/jpeg", "buffer": encoded(noise, "JPEG", quality=95)}])
    expect(page.locator(".snap-photo")).to_contain_text([re.compile(r"Sending [1-9]\d?%")])
    expect(page.locator(".snap-photo")).to_contain_text(["Sent Open"], timeout=20_000)
    assert Item.select().count() == 1
