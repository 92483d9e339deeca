"""In Chromium, as a practice's client would: the demo portal (http://localhost:…) embeds Docket (http://127.0.0.1:…,
another site, so Docket's cookie is third-party), launches it with a signed token, the item is edited and
published inside the frame, the portal hears Docket's events, and an unlisted origin can't frame Docket."""
import pytest
from playwright.sync_api import expect

from flask import Flask

from portal_demo import create_app as create_portal, sign_launch
from tests import xero_helpers as xh
from tests.browser.helpers import expected_errors
from tests.browser.test_connect_browser import consent_at_sandbox
from tests.conftest import CHROMIUM, CHROMIUM_FLAGS, LiveServer
from tests.items_helpers import make_item
from tests.publishing_helpers import coded, stored_document, uk, work  # noqa: F401
from webapp.embed.portals import Portal
from webapp.embed.session import EMBED_COOKIE
from webapp.integrations.models import Connection
from webapp.items.models import Item

pytestmark = pytest.mark.browser
KEY = "browser-portal-signing-key-0123456789abcdef"


def serve_portal(app, live_server, member, *, listed=True):
    """The demo portal for `member`, served on its own port and reached as localhost (another site)."""
    portal_app = create_portal({"PORTAL_ID": "test-portal", "PORTAL_KEY": KEY, "DOCKET_URL": live_server.url,
                                "LAUNCHES": [{"label": "Alex at the client", "email": member.user.email,
                                              "business": member.business_id, "role": member.role,
                                              "can_publish": member.may_publish}]})
    server = LiveServer(portal_app)
    url = server.url.replace("127.0.0.1", "localhost")
    if listed:
        app.config["EMBED_PORTALS"] = {"test-portal": Portal("test-portal", url, KEY)}
    return server, url


@pytest.fixture
def portal(app, live_server, admin):
    server, url = serve_portal(app, live_server, admin)
    with server:
        yield url


def events(page, kind):
    return page.locator(f"#portal-events li[data-type='{kind}']")


def settled(page):
    """Wait until the portal stopped resizing the frame (docket:height), so a click lands where it aims."""
    page.wait_for_function("""() => new Promise(resolve => {
        const frame = document.getElementById("docket-frame"), before = frame.style.height;
        setTimeout(() => resolve(before !== "" && frame.style.height === before), 300);
    })""")


def test_portal_launches_docket_and_an_item_is_edited_inside_the_frame(page, live_server, portal, admin, app, tmp_path):
    app.config["DOCUMENT_STORAGE_PATH"] = str(tmp_path / "documents")
    item = make_item(admin.business, reference="INV-0042",
                     document=stored_document(app, admin.business_id, "INV-0042"))  # the page shows the file
    page.goto(portal)
    frame = page.frame_locator("#docket-frame")
    nav = frame.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Costs")).to_be_visible(timeout=15_000)  # a cold browser on a busy machine
    expect(frame.locator(".topbar")).to_have_count(0)  # the portal draws the outer chrome
    expect(frame.locator("#sidebar")).to_have_count(0)
    expect(events(page, "docket:ready")).to_have_count(1)

    settled(page)
    frame.locator(f"#items-table a[href$='/items/{item.id}']").first.click()
    expect(frame.get_by_role("heading", name="INV-0042")).to_be_visible()
    settled(page)
    reference = frame.get_by_label("Reference", exact=True)
    reference.fill("INV-0042-A")
    reference.press("Tab")
    expect(frame.locator("#msg-reference")).to_have_text("Saved")
    assert Item.get_by_id(item.id).reference == "INV-0042-A"
    expect(events(page, "docket:height").first).to_contain_text('"height":')
    height = page.evaluate("() => document.getElementById('docket-frame').getBoundingClientRect().height")
    assert height > 320  # the portal sized the frame from docket:height

    cookie = next(c for c in page.context.cookies() if c["name"] == EMBED_COOKIE)
    assert cookie["sameSite"] == "None" and cookie["secure"] and cookie["httpOnly"]
    assert cookie["domain"] == "127.0.0.1" and cookie["path"] == "/"
    assert cookie.get("partitionKey") == "http://localhost"  # CHIPS: kept in the portal's jar only
    assert not [c for c in page.context.cookies() if c["name"] == "session"]  # no top-level session was made


def test_publishing_inside_the_frame_is_announced_to_the_portal(page, live_server, xero_app, uk, admin):  # noqa: F811
    item = coded(xero_app, uk, text="embedded bill", publish_to="purchases", publish_as="awaiting_payment")
    server, url = serve_portal(xero_app, live_server, admin)
    with server:
        page.goto(url)
        frame = page.frame_locator("#docket-frame")
        expect(frame.get_by_role("navigation", name="Main")).to_be_visible()
        settled(page)
        frame.get_by_role("link", name="Ready 1").click()  # coded, it waits in the Ready tab
        settled(page)
        frame.locator(f"#items-table a[href*='/items/{item.id}?']").first.click()
        expect(frame.get_by_role("heading", name=item.reference)).to_be_visible()
        settled(page)
        frame.get_by_role("button", name="Publish", exact=True).click()
        expect(frame.locator("#item-publish")).to_contain_text("Publishing…")
        work(xero_app)
        expect(frame.locator("#item-publish")).to_contain_text("Published to Xero", timeout=10_000)
        published = events(page, "docket:item-published")
        expect(published).to_have_count(1)
        xero_url = Item.get_by_id(item.id).xero_url
        expect(published).to_have_text(f'docket:item-published {{"itemId":{item.id},"xeroUrl":"{xero_url}"}}')


def test_connect_xero_from_the_frame_in_a_top_level_window(page, live_server, xero_app, sandbox, admin):
    server, url = serve_portal(xero_app, live_server, admin)
    with server:
        page.goto(url)
        frame = page.frame_locator("#docket-frame")
        frame.get_by_role("navigation", name="Main").get_by_role("link", name="Integrations").click()
        expect(frame.get_by_role("heading", name="Integrations")).to_be_visible()
        settled(page)
        frame.locator("#software-xero").get_by_role("link", name="Connect").click()
        expect(frame.get_by_text("accounting.invoices")).to_be_visible()
        settled(page)
        frame.get_by_role("button", name="Connect Software").click()
        expect(frame.get_by_role("link", name="Open Xero sign-in")).to_be_visible()
        settled(page)
        with page.expect_popup() as opened:
            frame.get_by_role("link", name="Open Xero sign-in").click()
        popup = opened.value
        consent_at_sandbox(popup, [xh.UK_ORG])
        popup.get_by_role("button", name="Allow access for 1 organisation").click()
        expect(popup.get_by_role("heading", name="Signed in to Xero")).to_be_visible()
        popup.wait_for_event("close", timeout=10_000)  # the window closes itself

        expect(frame.get_by_role("heading", name="Choose an organisation")).to_be_visible()  # by polling
        assert Connection.select().count() == 0  # not until the admin confirms inside the frame
        settled(page)
        frame.get_by_label(xh.UK_ORG).check()
        frame.get_by_role("button", name="Next").click()
        expect(frame.get_by_role("heading", name="Your organisation is connected")).to_be_visible()
        settled(page)
        frame.get_by_role("button", name="Finish").click()
        expect(frame.locator(".pill")).to_have_text("Connected")
        assert Connection.get(Connection.business == admin.business_id).tenant_name == xh.UK_ORG


def test_docket_fits_a_360_px_wide_frame(page, live_server, portal, admin):
    make_item(admin.business, reference="INV-7")
    page.set_viewport_size({"width": 376, "height": 800})
    page.goto(portal)
    frame = page.frame_locator("#docket-frame")
    expect(frame.get_by_role("navigation", name="Main")).to_be_visible()
    settled(page)
    docket = next(f for f in page.frames if f.url.startswith(live_server.url))
    width, content = docket.evaluate("() => [window.innerWidth, document.documentElement.scrollWidth]")
    assert content <= width <= 360, (content, width)  # nothing wider than the frame: no sideways scrolling
    frame.get_by_role("navigation", name="Main").get_by_text("Lists").click()
    expect(frame.get_by_role("link", name="Tax rates")).to_be_visible()


def test_an_unlisted_origin_cannot_frame_docket(page, live_server, app, admin):
    listed_server, listed_url = serve_portal(app, live_server, admin)
    unlisted_server, unlisted_url = serve_portal(app, live_server, admin, listed=False)
    refusals = []
    page.on("console", lambda message: refusals.append(message.text) if "frame-ancestors" in message.text else None)
    with listed_server, unlisted_server:
        page.goto(unlisted_url)
        page.wait_for_timeout(1500)
        docket = page.frame_locator("#docket-frame")
        expect(docket.get_by_role("heading", name="Opening Docket…")).to_have_count(0)
        assert events(page, "docket:ready").count() == 0
        assert any(listed_url in text for text in refusals), refusals  # the policy names only the listed portal
    expected_errors(page, "frame-ancestors")


@pytest.mark.parametrize("partitioned", [True, False])
def test_with_third_party_cookies_blocked_only_the_partitioned_cookie_keeps_the_frame_signed_in(
        browser, live_server, app, admin, monkeypatch, partitioned):
    from webapp.embed.session import EmbedAwareSessionInterface

    if not partitioned:
        monkeypatch.setattr(EmbedAwareSessionInterface, "get_cookie_partitioned", lambda self, app: False)
    strict = browser.browser_type.launch(executable_path=CHROMIUM,
                                         args=CHROMIUM_FLAGS + ["--test-third-party-cookie-phaseout"])
    server, url = serve_portal(app, live_server, admin)
    try:
        page = strict.new_context().new_page()
        with server:
            page.goto(url)
            frame = page.frame_locator("#docket-frame")
            if partitioned:
                frame.get_by_role("navigation", name="Main").get_by_role("link", name="Team").click()
                expect(frame.get_by_role("heading", name="Team")).to_be_visible()
            else:  # an unpartitioned third-party cookie is dropped: the launch can't hold
                expect(frame.get_by_role("heading", name="Sign in to Docket")).to_be_visible()
    finally:
        strict.close()


def test_launch_messages_count_only_from_the_parent_at_the_portal_origin(page, live_server, app, admin):
    """A bare portal page that frames the launch page and lets the test post as the parent, a popup or the frame."""
    bare = Flask("bare_portal")
    bare.add_url_rule("/", "index", lambda: f'<link rel="icon" href="data:,"><iframe id="docket-frame" '
                                          f'name="docket" src="{live_server.url}/embed/start?portal=test-portal">'
                                          '</iframe>')
    server = LiveServer(bare)
    url = server.url.replace("127.0.0.1", "localhost")
    app.config["EMBED_PORTALS"] = {"test-portal": Portal("test-portal", url, KEY)}
    choice = {"email": admin.user.email, "business": admin.business_id, "role": "admin"}
    post = "([token, origin]) => document.getElementById('docket-frame').contentWindow.postMessage(" \
           "{type: 'docket:launch', token}, origin)"
    with server:
        page.goto(url)
        frame = page.frame_locator("#docket-frame")
        expect(frame.get_by_role("heading", name="Opening Docket…")).to_be_visible()
        docket = next(f for f in page.frames if f.url.startswith(live_server.url))
        first, second = sign_launch("test-portal", KEY, choice), sign_launch("test-portal", KEY, choice)

        # Docket's own origin, and a window that isn't the parent: ignored.
        docket.evaluate("(token) => window.postMessage({type: 'docket:launch', token}, '*')", first)
        with page.expect_popup() as opened:
            page.evaluate("(url) => window.open(url)", url + "/?popup")
        popup = opened.value
        popup.evaluate("([token, origin]) => window.opener.frames[0].postMessage({type: 'docket:launch', token}, "
                       "origin)", [second, live_server.url])
        page.wait_for_timeout(700)
        expect(frame.get_by_role("heading", name="Opening Docket…")).to_be_visible()

        # The parent at the portal's origin: the launch goes ahead, with the first token, never used before.
        page.evaluate(post, [first, live_server.url])
        expect(frame.get_by_role("navigation", name="Main")).to_be_visible()
