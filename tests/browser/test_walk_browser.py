"""In Chromium, as an admin of a business connected to the sandbox: every page, and the fragments a person opens
by clicking, at a laptop's size (1366×768) and a phone's (390×844), with no console or page error, no failed
request and no sideways scroll. The GET routes come from app.url_map: one the walk never requested and that isn't
skipped below with its reason fails the test, so a new page can't be left out."""
from datetime import date
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from tests import factories
from tests.browser.helpers import lines_of_text, sign_in
from tests.email_helpers import address_of, message
from tests.items_helpers import image_bytes
from tests.publishing_helpers import coded, uk, work  # noqa: F401
from webapp.inbound import hook
from webapp.items.models import Document, Item
from webapp.items.queries import TABS
from webapp.lists.models import Contact

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SUPPLIERS = ("Travis Perkins", "Jewson Ltd")  # the walk switches the bill between them, in the sandbox's lists
LISTS = ("categories", "suppliers", "customers", "tracking", "payment-methods", "tax-rates")
SKIPPED = {  # GET routes the walk doesn't request, and why
    "integrations.choose": "only between Xero's consent and choosing the organisation: test_connect_browser",
    "integrations.callback": "Xero's redirect back with a one-time code, answered by a redirect: test_connect_browser",
    "integrations.window_start": "the top-level Xero sign-in window of an embedded session: test_embed_browser",
    "integrations.window_status": "polled by the embedded page that opened that window: test_embed_browser",
    "embed.start": "the portal's frame before a session: test_embed_browser",
    "embed.launch_by_address": "a portal's launch link, answered with a redirect: test_embed_browser",
    "embed.ended": "the portal's frame after a session: test_embed_browser",
    "health.health": "JSON for the load balancer, not a page",
    "health.ready": "JSON for the load balancer, not a page",
    "capture.manifest": "fetched by the browser to install the app, not a page: test_snap_browser",
    "capture.service_worker": "fetched by the browser to install the app, not a page: test_snap_browser",
    "inbound.raw": "a download of a received message (message/rfc822), not a page: test_email_in_bad_input",
}


# Each Content-Security-Policy violation with the element it was about (the console names only the script).
CSP_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  var target = event.target && event.target.outerHTML ? event.target.outerHTML.slice(0, 200) : String(event.target);
  window.cspViolations.push(event.violatedDirective + " (" + event.sourceFile + ") on " + target);
});
"""


class Walk:
    """The browser's requests to the app by endpoint, and every problem seen, with where it was seen."""

    def __init__(self, page, app, base_url: str):
        self.page, self.base_url = page, base_url
        self.routes = app.url_map.bind("127.0.0.1")
        self.endpoints: set[str] = set()
        self.problems: list[str] = []
        self.where = "signing in"
        page.on("response", self._response)
        page.context.add_init_script(CSP_VIOLATIONS)
        page.on("requestfailed", self._failed)

    def _failed(self, request):
        # Not the browser's own (its PDF viewer's), nor its tab icon, whose fetch it drops when the walk moves on
        if request.url.startswith(self.base_url) and not (
                request.url.endswith("/favicon.svg") and request.failure == "net::ERR_ABORTED"):
            self.problems.append(f"{self.where}: {request.method} {request.url} failed ({request.failure})")

    def _response(self, response):
        if not response.url.startswith(self.base_url):
            return
        if response.status >= 400:
            self.problems.append(f"{self.where}: {response.request.method} {response.url} answered {response.status}")
        if response.request.method == "GET":
            try:
                endpoint, _ = self.routes.match(urlsplit(response.url).path, method="GET")
            except (HTTPException, RequestRedirect):
                return
            self.endpoints.add(endpoint)

    def at(self, where: str) -> None:
        """Name what comes next (for the problems), after checking what came before."""
        self.check()
        self.where = where

    def visit(self, path: str) -> None:
        self.at(path)
        self.page.goto(self.base_url + path)
        self.page.wait_for_load_state("networkidle")  # the fragments a page loads itself (queue, banners)
        self.check()

    def check(self) -> None:
        """No console error since the last check and no sideways scroll of the page."""
        self.page.wait_for_load_state("networkidle")
        size = self.page.viewport_size
        errors = self.page.console_errors
        self.problems += [f"{self.where} at {size['width']} px: console: {error}" for error in errors]
        errors.clear()  # kept here, with where they happened
        violations = self.page.evaluate("window.cspViolations.splice(0)")
        self.problems += [f"{self.where} at {size['width']} px: CSP: {violation}" for violation in violations]
        width = self.page.evaluate("document.scrollingElement.scrollWidth")
        wide = f"{self.where} at {size['width']} px: scrolls sideways ({width} px wide)"
        if width > size["width"] and wide not in self.problems:
            self.problems.append(wide)


def test_every_page_and_fragment_at_laptop_and_phone_size(page, live_server, xero_app, uk, admin, admin_client):
    items = _items(xero_app, uk, admin_client)
    xero_app.config["OPERATOR_EMAILS"] = frozenset({admin.user.email})  # the Operations page too
    walk = Walk(page, xero_app, live_server.url)
    page.set_viewport_size(LAPTOP)
    sign_in(page, live_server.url, admin.user.email, factories.PASSWORD)
    _upload_a_photo(walk, xero_app, uk)
    _publish(walk, xero_app, uk, items["ready"])
    _refresh(walk, xero_app, uk)
    emailed = _email_a_receipt(xero_app, uk, admin_client)
    for size in (LAPTOP, PHONE):
        page.set_viewport_size(size)
        for path in _pages(uk, items) + [f"/b/{uk}/items/{emailed}", f"/b/{uk}/settings/email"]:
            walk.visit(path)
        _open_fragments(walk, uk, items, phone=size is PHONE)
    walk.check()

    never = {rule.endpoint for rule in xero_app.url_map.iter_rules() if "GET" in rule.methods} - walk.endpoints
    assert never == set(SKIPPED), f"not walked and not skipped: {sorted(never - set(SKIPPED))}; " \
                                  f"skipped but walked: {sorted(set(SKIPPED) - never)}"
    assert not walk.problems, "\n".join(walk.problems)


def _items(app, business_id: int, client) -> dict:
    """A Ready bill to publish, a bill waiting for its category, a credit note, a sales invoice and an archived bill;
    each on its own day (the same supplier, total and day would be a duplicate)."""
    archived = coded(app, business_id, day=date(2026, 5, 5), reference="OLD-1")
    client.form(f"/b/{business_id}/items/{archived.id}/archive")
    return {
        "ready": coded(app, business_id, day=date(2026, 5, 1), reference="INV-READY"),
        "inbox": coded(app, business_id, day=date(2026, 5, 2), category=None, reference="INV-WAITING"),
        "credit": coded(app, business_id, day=date(2026, 5, 3), type="credit_note", reference="CN-1"),
        "sales": coded(app, business_id, workspace="sales", contact="Bramley Homes", code="200", tax="OUTPUT2",
                       publish_to="sales", publish_as="awaiting_payment", day=date(2026, 5, 4)),
        "archived": archived,
    }


def _upload_a_photo(walk, app, business_id):
    walk.visit(f"/b/{business_id}/inbox/costs")
    walk.page.get_by_label("Choose files").set_input_files(
        {"name": "till-receipt.png", "mimeType": "image/png", "buffer": image_bytes("PNG", size=(300, 500))})
    expect(walk.page.locator("#items-upload")).to_contain_text("till-receipt.png")
    photo = Item.get((Item.business == business_id) & (Item.status == "processing"))
    walk.at("Item details while the document is read")
    with walk.page.expect_response(lambda response: "/reading" in response.url, timeout=10_000):
        walk.page.goto(f"{walk.base_url}/b/{business_id}/items/{photo.id}")  # Reading… polls
    work(app)  # reading it: a photo has no text layer to read yet
    expect(walk.page.locator("#item-reading")).to_contain_text("Docket couldn't read this document")


def _email_a_receipt(app, business_id, client) -> int:
    """An HTML e-receipt posted to the email-in hook and read (its body is shown sanitised on Item details), and
    a message from a sender not on the allowed list, set aside (Settings → Email-in lists it)."""
    sales = address_of(client, business_id, "sales")
    client.hx("POST", f"/b/{business_id}/settings/email/senders", data={"senders": "@corner.example"})
    for sender in ("receipts@corner.example", "someone@elsewhere.example"):
        raw = message(sales, sender=sender, subject=f"Receipt from {sender}", text="Total 4.20",
                      html='<h1 style="color:red">Corner Café</h1><img src="https://t.example/p.gif">'
                           '<script>alert(1)</script><table><tr><td>Total</td><td>£4.20</td></tr></table>').as_bytes()
        app.test_client().post("/inbound/email", data=raw, headers={
            "X-Docket-Signature": hook.sign(raw, app.config["INBOUND_EMAIL_SECRET"])})
    work(app)
    return Item.select(Item.id).join(Document).where((Item.business == business_id)
                                                     & (Document.content_type == "message/rfc822")).get().id


def _publish(walk, app, business_id, item):
    walk.visit(f"/b/{business_id}/items/{item.id}")
    walk.page.get_by_label("then open the next item").uncheck()
    walk.page.get_by_role("button", name="Publish", exact=True).click()
    expect(walk.page.locator("#item-publish")).to_contain_text("Publishing…")
    work(app)
    open_in_xero = walk.page.get_by_role("link", name="Open in Xero")
    expect(open_in_xero).to_be_visible()  # the panel polled until published
    assert lines_of_text(open_in_xero) == 1


def _refresh(walk, app, business_id):
    walk.visit(f"/b/{business_id}/integrations")
    walk.page.get_by_role("link", name="Manage Connection").click()
    with walk.page.expect_response(lambda response: "/banners" in response.url, timeout=10_000):
        walk.page.get_by_role("menuitem", name="Refresh integration data").click()  # then the banner polls
    work(app)
    expect(walk.page.locator("#banners")).not_to_contain_text("in progress", timeout=10_000)


def _pages(business_id: int, items: dict) -> list[str]:
    b = f"/b/{business_id}"
    supplier = Contact.get((Contact.business == business_id) & (Contact.name == "Travis Perkins"))
    customer = Contact.get((Contact.business == business_id) & (Contact.name == "Bramley Homes"))
    photo = Item.get((Item.business == business_id) & (Item.reference == "") & (Item.workspace == "costs"))
    details = [f"{b}/items/{item.id}" for item in [*items.values(), photo]]
    tabs = [f"{b}/items/{items['inbox'].id}?tab={tab}" for tab in ("notes", "history")]
    return ["/", "/login", f"{b}/",
            *[f"{b}/inbox/{workspace}?queue={tab}" for workspace in ("costs", "sales") for tab in TABS],
            f"{b}/inbox/costs?q=INV", f"{b}/inbox/costs/bulk?item={items['inbox'].id}&item={items['credit'].id}",
            *details, *tabs,
            f"{b}/integrations", f"{b}/integrations/xero/connect", f"{b}/integrations/xero/connected",
            f"{b}/integrations/xero/disconnect",
            *[f"{b}/lists/{name}" for name in LISTS],
            f"{b}/lists/suppliers/{supplier.id}", f"{b}/lists/customers/{customer.id}",
            f"{b}/settings", f"{b}/settings/publishing", f"{b}/team", "/operations",
            "/snap", f"{b}/snap/costs", f"{b}/snap/sales", "/offline"]


def _open_fragments(walk, business_id: int, items: dict, phone: bool):
    page = walk.page
    b = f"/b/{business_id}"
    if phone:
        walk.visit(f"{b}/inbox/costs")
        walk.at("the Menu button")
        menu = page.get_by_role("button", name="Menu")
        menu.click()
        expect(page.get_by_role("navigation", name="Main")).to_be_visible()
        menu.click()
        expect(page.get_by_role("navigation", name="Main")).to_be_hidden()

    walk.visit(f"{b}/inbox/costs")
    walk.at("the inbox: search, sort, select and edit")
    page.get_by_label("Search", exact=True).fill("INV-WAITING")
    page.wait_for_url("**q=INV-WAITING**")
    page.locator("#items-table").get_by_role("link", name="Total").click()
    page.wait_for_url("**sort=total**")
    if not phone:  # on a phone the rows can't be selected (the columns are few)
        page.get_by_label("Select all on this page").check()
        page.get_by_role("button", name="Edit selected").click()
        expect(page.locator("#bulk-edit")).not_to_be_empty()

    item = items["inbox"]
    walk.visit(f"{b}/items/{item.id}")
    walk.at("Item details: an inline edit, the supplier's choices, a line item")
    reference = page.get_by_label("Reference", exact=True)
    reference.fill(f"INV-WAITING-{page.viewport_size['width']}")
    reference.press("Tab")
    expect(page.locator("#msg-reference")).to_have_text("Saved")
    supplier = page.get_by_label("Supplier", exact=True)
    other = next(name for name in SUPPLIERS if name != supplier.input_value())
    supplier.fill("")
    with page.expect_response(lambda response: "/contact-options" in response.url):
        supplier.press_sequentially(other)
    supplier.press("Tab")
    expect(page.locator("#msg-contact")).to_have_text("Saved")
    rows = page.locator("#line-items tbody tr")
    before = rows.count()  # the phone-size pass finds the laptop pass's line
    page.get_by_role("button", name="Add line").click()
    expect(rows).to_have_count(before + 1)
    walk.at("Item details: the Notes and History tabs")
    page.get_by_role("navigation", name="Item sections").get_by_role("link", name="Notes").click()
    page.get_by_label("Add a note").fill("Asked for the VAT receipt.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#item-notes")).to_contain_text("Asked for the VAT receipt.")
    page.get_by_role("navigation", name="Item sections").get_by_role("link", name="History").click()
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    page.get_by_role("navigation", name="Item sections").get_by_role("link", name="Details").click()
    expect(page.locator("#line-items")).to_be_visible()

    walk.visit(f"{b}/integrations")
    walk.at("Integrations: the Manage Connection dropdown")
    page.get_by_role("link", name="Manage Connection").click()
    expect(page.get_by_role("menuitem", name="Disconnect")).to_be_visible()

    walk.visit(f"{b}/lists/categories")
    walk.at("Categories: search as you type")
    page.get_by_label("Search categories").press_sequentially("advert")
    expect(page.locator("#lists-table tbody tr")).to_have_count(1)
    walk.check()
