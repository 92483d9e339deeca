"""Embedded in a practice portal: signed launch tokens, the embedded session and its cookie, framing per
endpoint, events for the portal, and connecting Xero from inside the iframe through a top-level window."""
import json
import time
import uuid
from html import unescape
from urllib.parse import urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey

from tests import factories
from tests import xero_helpers as xh
from tests.conftest import CSRF_IN_FORM, CSRF_IN_PAGE
from tests.items_helpers import make_item
from tests.publishing_helpers import coded, uk, work  # noqa: F401
from webapp.accounts.models import UserSession
from webapp.config import ConfigError, load_settings
from webapp.embed.portals import Portal, parse_portals
from webapp.embed.session import EMBED_COOKIE
from webapp.integrations import window
from webapp.integrations.models import Connection
from webapp.items.models import Item

KEY = "test-portal-signing-key-0123456789abcdef"
PORTAL = Portal("test-portal", "https://portal.example", KEY)
OTHER = Portal("other-portal", "https://clients.example", "other-portal-signing-key-0123456789abcdef")


@pytest.fixture(autouse=True)
def portals(app):
    app.config["EMBED_PORTALS"] = {PORTAL.id: PORTAL, OTHER.id: OTHER}


def launch_token(member, *, key=KEY, ago=0, lifetime=60, **claims):
    """A launch token as the portal's server signs it `ago` seconds ago; `claims` override or add (None removes)."""
    issued = int(time.time()) - ago
    values = {"iss": PORTAL.id, "aud": "docket", "email": member.user.email, "business": member.business_id,
              "role": member.role, "iat": issued, "exp": issued + lifetime, "jti": uuid.uuid4().hex} | claims
    values = {name: value for name, value in values.items() if value is not None}
    return jwt.encode({"alg": "HS256", "typ": "JWT"}, values, OctKey.import_key(key))


def launch(client, token):
    return client.post("/embed/launch", data={"token": token})


def launched(app, member, **claims):
    """A client signed in through a launch, holding the page's CSRF token like embed.js's page would."""
    client = app.test_client()
    response = launch(client, launch_token(member, **claims))
    assert response.status_code == 303, response.text
    client.token = CSRF_IN_PAGE.search(client.get(response.headers["Location"], follow_redirects=True).text).group(1)
    return client


def set_cookie(response, name):
    return next((value for value in response.headers.getlist("Set-Cookie") if value.startswith(name + "=")), None)


def session_token(client):
    with client.session_transaction() as session:
        return session.get("_user_id")


def frame_ancestors(response):
    policy = dict(part.strip().partition(" ")[::2] for part in response.headers["Content-Security-Policy"].split(";"))
    return policy["frame-ancestors"]


def test_token_from_a_portal_clock_a_little_ahead_is_accepted(client, admin):
    assert launch(client, launch_token(admin, ago=-20)).status_code == 303


def test_valid_launch_starts_an_embedded_session_for_the_business(app, client, admin):
    response = launch(client, launch_token(admin))

    assert response.status_code == 303
    assert response.headers["Location"] == f"/b/{admin.business_id}/"
    cookie = set_cookie(response, EMBED_COOKIE)
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert attributes == {"secure", "httponly", "path", "samesite", "partitioned"}
    assert "; SameSite=None" in cookie and "; Path=/" in cookie and len(cookie) < 4096
    assert set_cookie(response, "session") is None  # the top-level cookie is left alone
    page = client.get(f"/b/{admin.business_id}/", follow_redirects=True)
    assert page.status_code == 200
    assert 'class="embedded" data-portal-origin="https://portal.example"' in page.text
    assert 'id="embed-nav"' in page.text and 'id="sidebar"' not in page.text and 'class="topbar"' not in page.text
    assert "js/embed.js" in page.text
    live = UserSession.select().where((UserSession.user == admin.user) & UserSession.revoked_at.is_null())
    assert [row.token for row in live] == [session_token(client)]


def test_password_login_keeps_the_lax_top_level_cookie(app, admin):
    client = app.test_client()
    form = client.get("/login").text
    response = client.post("/login", data={"email": admin.user.email, "password": factories.PASSWORD,
                                           "csrf_token": CSRF_IN_FORM.search(form).group(1)})
    cookie = set_cookie(response, "session")
    assert "SameSite=Lax" in cookie and "Partitioned" not in cookie and set_cookie(response, EMBED_COOKIE) is None
    page = client.get(f"/b/{admin.business_id}/team")
    assert 'class="embedded"' not in page.text and 'id="sidebar"' in page.text


def refused(client, response, status, message):
    assert response.status_code == status
    text = unescape(response.text)
    assert "Docket couldn't sign you in" in text and message in text
    assert set_cookie(response, EMBED_COOKIE) is None
    assert session_token(client) is None  # at most a CSRF token in a top-level cookie, never a signed-in session
    assert client.get("/").status_code == 302  # still nobody signed in


@pytest.mark.parametrize("claims, status, message", [
    ({"ago": 61}, 401, "has expired"),
    ({"ago": 60}, 401, "has expired"),  # expiry is exact: no leeway after exp
    ({"lifetime": 61}, 401, "longer than 60 seconds"),
    ({"ago": -120}, 401, "longer than 60 seconds"),  # issued in the future beyond the clock skew
    ({"key": "someone-elses-signing-key-0123456789abcdef"}, 401, "wasn't signed with your portal's key"),
    ({"key": OTHER.key}, 401, "wasn't signed with your portal's key"),  # another portal's key, our iss
    ({"iss": "unknown-portal"}, 401, "a portal Docket doesn't know"),
    ({"iss": None}, 401, "a portal Docket doesn't know"),
    ({"aud": "another-app"}, 401, "meant for another app"),
    ({"aud": None}, 401, "meant for another app"),
    ({"email": "nobody@example.com"}, 403, "nobody@example.com isn't a member of that business"),
    ({"jti": None}, 400, "couldn't read this launch token"),
    ({"jti": "short"}, 400, "couldn't read this launch token"),
    ({"business": None}, 400, "couldn't read this launch token"),
    ({"business": "1"}, 400, "couldn't read this launch token"),
    ({"role": "owner"}, 400, "couldn't read this launch token"),
    ({"exp": None}, 400, "couldn't read this launch token"),
    ({"iat": "now"}, 400, "couldn't read this launch token"),
    ({"can_publish": "yes"}, 400, "couldn't read this launch token"),
])
def test_launch_token_is_refused(client, admin, claims, status, message):
    refused(client, launch(client, launch_token(admin, **claims)), status, message)
    assert not UserSession.select().exists()


def test_token_for_another_business_is_refused(client, admin, outsider):
    refused(client, launch(client, launch_token(admin, business=outsider.business_id)), 403,
            f"{admin.user.email} isn't a member of that business")


def test_role_higher_than_the_membership_is_refused(client, standard):
    refused(client, launch(client, launch_token(standard, role="admin")), 403,
            f"Your portal asked for admin access, but {standard.user.email} is a standard member")


def test_publishing_beyond_the_membership_is_refused(client, standard):
    refused(client, launch(client, launch_token(standard, can_publish=True)), 403,
            f"Your portal asked for publishing to Xero, but {standard.user.email} can't publish")


def test_launch_without_can_publish_cannot_publish_even_for_an_admin(xero_app, uk, admin):  # noqa: F811
    item = coded(xero_app, uk)
    client = launched(xero_app, admin)  # an admin with Can publish, but the token doesn't grant publishing
    page = client.get(f"/b/{uk}/items/{item.id}").text
    assert "Ask an admin to publish this item" in page and ">Publish</button>" not in page
    assert client.form(f"/b/{uk}/items/{item.id}/publish").status_code == 403
    work(xero_app)
    assert Item.get_by_id(item.id).status == "ready"


def test_launch_with_can_publish_publishes_for_a_member_who_can(xero_app, uk, admin):  # noqa: F811
    publisher = factories.make_member(business=admin.business, role="standard", can_publish=True)
    item = coded(xero_app, uk)
    client = launched(xero_app, publisher, can_publish=True)
    assert ">Publish</button>" in client.get(f"/b/{uk}/items/{item.id}").text
    assert client.form(f"/b/{uk}/items/{item.id}/publish").status_code == 303
    work(xero_app)
    assert Item.get_by_id(item.id).status == "published"


def test_reused_token_is_refused(app, admin):
    token = launch_token(admin)
    assert launch(app.test_client(), token).status_code == 303
    other = app.test_client()
    refused(other, launch(other, token), 401, "was already used")
    assert UserSession.select().count() == 1


NONE_ALG = "eyJhbGciOiJub25lIn0"  # {"alg":"none"}


@pytest.mark.parametrize("token, status, message", [
    ("", 400, "couldn't read this launch token"),
    ("not-a-token", 400, "couldn't read this launch token"),
    ("a.b.c", 400, "couldn't read this launch token"),
    ("a.b", 400, "couldn't read this launch token"),
    ("x" * 5000, 400, "couldn't read this launch token"),
    ("e30.W10.e30", 400, "couldn't read this launch token"),  # the claims are a list, not an object
    ("e30.e30.e30", 401, "a portal Docket doesn't know"),  # no iss
    (f"{NONE_ALG}.eyJpc3MiOiJ0ZXN0LXBvcnRhbCJ9.", 400, "couldn't read this launch token"),  # alg none
])
def test_malformed_token_is_refused(client, token, status, message):
    refused(client, launch(client, token), status, message)


def test_token_with_a_forged_or_missing_signature_is_refused(client, admin):
    header, payload, _ = launch_token(admin).split(".")
    refused(client, launch(client, f"{NONE_ALG}.{payload}."), 400, "couldn't read this launch token")
    refused(client, launch(client, f"{header}.{payload}.{'A' * 43}"), 401, "wasn't signed with your portal's key")
    assert not UserSession.select().exists()


def test_token_in_the_query_string_is_never_read(client, admin):
    token = launch_token(admin)
    refused(client, client.post(f"/embed/launch?token={token}", data={"token": token}), 400,
            "only in the body of a POST")
    response = client.get(f"/embed/launch?token={token}")
    refused(client, response, 405, "never in a web address")
    assert response.headers["Allow"] == "POST"
    assert launch(client, token).status_code == 303  # never read, so never used up


def test_session_id_after_launch_differs_from_every_earlier_one(app, admin):
    client = app.test_client().login(admin.user)
    earlier = session_token(client)
    first = launch(client, launch_token(admin))
    assert first.status_code == 303
    launched_once = session_token(client)
    assert launch(client, launch_token(admin)).status_code == 303
    launched_twice = session_token(client)
    assert len({earlier, launched_once, launched_twice}) == 3
    revoked = UserSession.get(UserSession.token == launched_once).revoked_at
    assert revoked is not None  # a relaunch in the same frame retires the session it replaces
    assert UserSession.get(UserSession.token == earlier).revoked_at is None  # the top-level one is another cookie


def test_embedded_session_stays_in_the_launched_business(app, admin):
    elsewhere = factories.make_member(user=admin.user, role="admin")
    client = launched(app, admin)
    assert client.get(f"/b/{elsewhere.business_id}/inbox/costs").status_code == 404
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"] == f"/b/{admin.business_id}/"
    assert elsewhere.business.name not in client.get(f"/b/{admin.business_id}/inbox/costs").text


def test_launch_as_standard_caps_an_admin(app, admin):
    client = launched(app, admin, role="standard")
    assert client.get(f"/b/{admin.business_id}/integrations").status_code == 403
    page = client.get(f"/b/{admin.business_id}/team").text
    assert "Integrations" not in page and "Settings" not in page


def test_standard_launch_of_a_standard_member_works(app, standard):
    client = launched(app, standard)
    assert client.get(f"/b/{standard.business_id}/inbox/costs").status_code == 200


def test_ended_session_inside_the_frame_asks_the_portal_not_for_a_password(app, admin):
    client = launched(app, admin)
    UserSession.update(revoked_at=UserSession.created_at).execute()
    page = client.get(f"/b/{admin.business_id}/team")
    assert page.status_code == 302 and page.headers["Location"] == "/embed/ended"
    hx = client.hx("GET", f"/b/{admin.business_id}/team")
    assert hx.headers["HX-Redirect"] == "/embed/ended"
    ended = client.get("/embed/ended")
    assert ended.status_code == 401 and "Open Docket again from your portal" in ended.text
    login = client.get("/login")
    assert login.headers["Location"] == "/embed/ended"


def test_signing_out_inside_the_frame_never_offers_a_password_form(app, admin):
    client = launched(app, admin)
    token = session_token(client)
    signed_out = client.form("/logout")
    assert signed_out.status_code == 302 and signed_out.headers["Location"] == "/login"
    assert UserSession.get(UserSession.token == token).revoked_at is not None
    login = client.get("/login")
    assert login.status_code == 302 and login.headers["Location"] == "/embed/ended"
    assert "Expires=Thu, 01 Jan 1970" in set_cookie(login, EMBED_COOKIE)  # the frame's cookie is dropped


def test_removing_the_portal_ends_its_sessions(app, admin):
    client = launched(app, admin)
    token = session_token(client)
    app.config["EMBED_PORTALS"] = {OTHER.id: OTHER}
    response = client.get(f"/b/{admin.business_id}/team")
    assert response.status_code == 302 and response.headers["Location"] == "/embed/ended"
    assert UserSession.get(UserSession.token == token).revoked_at is not None


def test_forms_inside_the_frame_still_need_the_csrf_token(app, admin, standard):
    client = launched(app, admin)
    without = client.post(f"/b/{admin.business_id}/team/{standard.id}", data={"role": "admin"})
    assert without.status_code == 400
    with_token = client.hx("POST", f"/b/{admin.business_id}/team/{standard.id}", target=f"team-member-{standard.id}",
                           data={"role": "admin"})
    assert with_token.status_code == 200 and type(standard).get_by_id(standard.id).is_admin


def test_frame_ancestors_per_endpoint(app, admin, client):
    assert frame_ancestors(client.get("/login")) == "'self' https://portal.example https://clients.example"
    start = client.get("/embed/start?portal=test-portal")
    assert start.status_code == 200
    assert frame_ancestors(start) == "'self' https://portal.example https://clients.example"
    assert 'data-portal-origin="https://portal.example"' in start.text and "data-embed-launch" in start.text
    assert client.get("/embed/start?portal=nope").status_code == 404
    assert frame_ancestors(client.get("/integrations/xero/callback?state=x")) == "'none'"
    assert frame_ancestors(client.get("/integrations/xero/window/unknown")) == "'none'"

    embedded = launched(app, admin)
    for path in (f"/b/{admin.business_id}/inbox/costs", f"/b/{admin.business_id}/team", "/embed/ended",
                 f"/b/{admin.business_id}/nothing-here"):
        response = embedded.get(path)
        assert frame_ancestors(response) == "'self' https://portal.example", path  # only its own portal
        assert "X-Frame-Options" not in response.headers


def test_documents_shown_in_an_embedded_page_may_be_framed_through_the_portal(app, admin, tmp_path):
    from tests.publishing_helpers import stored_document

    app.config["DOCUMENT_STORAGE_PATH"] = str(tmp_path / "documents")
    item = make_item(admin.business, document=stored_document(app, admin.business_id, "Acme bill 120.00"))
    response = launched(app, admin).get(f"/b/{admin.business_id}/items/{item.id}/document")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"].startswith("sandbox; default-src 'none'")
    assert frame_ancestors(response) == "'self' https://portal.example"  # every ancestor is checked


def test_without_portals_pages_keep_refusing_to_be_framed(app, admin_client, admin):
    app.config["EMBED_PORTALS"] = {}
    assert frame_ancestors(admin_client.get(f"/b/{admin.business_id}/team")) == "'self'"
    assert admin_client.get("/embed/start?portal=test-portal").status_code == 404


def test_publish_outcome_is_announced_to_the_portal(app, admin):
    published = make_item(admin.business, xero_id="inv-1",
                          xero_url="https://go.xero.com/AccountsPayable/View.aspx?InvoiceID=inv-1")
    failed = make_item(admin.business, publish_message="Xero's lock date is 31 Mar 2026.")
    Item.update(status="published").where(Item.id == published.id).execute()  # as the publishing job leaves them
    Item.update(status="failed").where(Item.id == failed.id).execute()
    client = launched(app, admin)
    answer = client.hx("GET", f"/b/{admin.business_id}/items/{published.id}/publish?was=publishing",
                       target="item-publish")
    assert answer.headers["HX-Refresh"] == "true"
    assert json.loads(answer.headers["HX-Trigger"]) == {"docket-event": {
        "type": "docket:item-published", "itemId": published.id, "xeroUrl": published.xero_url}}
    answer = client.hx("GET", f"/b/{admin.business_id}/items/{failed.id}/publish?was=publishing",
                       target="item-publish")
    assert json.loads(answer.headers["HX-Trigger"]) == {"docket-event": {
        "type": "docket:publish-failed", "itemId": failed.id, "message": "Xero's lock date is 31 Mar 2026."}}

    top_level = app.test_client().login(admin.user)
    answer = top_level.hx("GET", f"/b/{admin.business_id}/items/{published.id}/publish?was=publishing",
                          target="item-publish")
    assert answer.headers["HX-Refresh"] == "true" and "HX-Trigger" not in answer.headers


def test_needs_reconnect_is_marked_for_the_portal(app, admin):
    Connection.create(business=admin.business_id, tenant_id="tenant-1", tenant_name="Hartley", status="needs_reconnect")
    client = launched(app, admin)
    page = client.get(f"/b/{admin.business_id}/inbox/costs").text
    assert f'data-docket-needs-reconnect="{admin.business_id}"' in page
    region = client.hx("GET", f"/b/{admin.business_id}/banners", target="banners").text
    assert f'data-docket-needs-reconnect="{admin.business_id}"' in region and "<html" not in region
    top_level = app.test_client().login(admin.user).get(f"/b/{admin.business_id}/inbox/costs").text
    assert "needs reconnecting" in top_level and "data-docket-needs-reconnect" not in top_level


def test_embedded_pages_have_the_compact_navigation_at_every_role(app, admin, standard):
    admin_page = launched(app, admin).get(f"/b/{admin.business_id}/team").text
    assert "Integrations" in admin_page and 'aria-label="Main"' in admin_page
    standard_page = launched(app, standard).get(f"/b/{admin.business_id}/team").text
    assert "Integrations" not in standard_page and "Costs" in standard_page


# Connecting Xero from inside the iframe: a one-time record, a first-party window, confirmation in the iframe.

def open_window(client, business_id):
    fragment = client.hx("POST", f"/b/{business_id}/integrations/xero/window", target="integrations-window")
    assert fragment.status_code == 200 and "<html" not in fragment.text
    pending_id = fragment.text.split("/integrations/xero/window/", 1)[1].split('"', 1)[0]
    return fragment, pending_id


def test_connect_from_the_iframe_through_a_top_level_window(xero_app, admin, sandbox):
    client = launched(xero_app, admin)
    summary = client.get(f"/b/{admin.business_id}/integrations/xero/connect").text
    assert 'id="integrations-window"' in summary and f"/b/{admin.business_id}/integrations/xero/window" in summary
    fragment, pending_id = open_window(client, admin.business_id)
    assert 'target="_blank"' in fragment.text and "Open Xero sign-in" in fragment.text
    poll = client.hx("GET", f"/b/{admin.business_id}/integrations/xero/window/{pending_id}",
                     target="integrations-window")
    assert poll.status_code == 200 and "Waiting for you to finish at Xero" in poll.text

    top_window = xero_app.test_client()  # a new top-level window: the iframe's partitioned cookie isn't there
    started = top_window.get(f"/integrations/xero/window/{pending_id}")
    assert started.status_code == 303 and started.headers["Location"].startswith(sandbox.url)
    assert frame_ancestors(started) == "'none'"
    state_cookie = set_cookie(started, window.STATE_COOKIE)
    assert "Secure" in state_cookie and "HttpOnly" in state_cookie and "SameSite=Lax" in state_cookie
    again = xero_app.test_client().get(f"/integrations/xero/window/{pending_id}")
    assert again.status_code == 410 and "expired or was already used" in again.text  # single use

    callback = xh.consent(started.headers["Location"], [xh.UK_ORG])
    done = top_window.get(urlsplit(callback)._replace(scheme="", netloc="").geturl())
    assert done.status_code == 200 and "Signed in to Xero" in done.text
    assert frame_ancestors(done) == "'none'"
    assert Connection.select().count() == 0  # nothing is connected until the admin confirms in the iframe

    poll = client.hx("GET", f"/b/{admin.business_id}/integrations/xero/window/{pending_id}",
                     target="integrations-window")
    assert poll.headers["HX-Redirect"] == f"/b/{admin.business_id}/integrations/xero/choose"
    choose = client.get(poll.headers["HX-Redirect"])
    assert "Choose an organisation" in choose.text and xh.UK_ORG in unescape(choose.text)
    tenants = xh.tenant_ids(sandbox.url)
    response = client.form(f"/b/{admin.business_id}/integrations/xero/choose", {"tenant_id": tenants[xh.UK_ORG]})
    assert response.headers["Location"] == f"/b/{admin.business_id}/integrations/xero/connected"
    assert Connection.get(Connection.business == admin.business_id).tenant_name == xh.UK_ORG


def test_cancelled_window_tells_the_iframe(xero_app, admin, sandbox):
    client = launched(xero_app, admin)
    _, pending_id = open_window(client, admin.business_id)
    top_window = xero_app.test_client()
    started = top_window.get(f"/integrations/xero/window/{pending_id}")
    callback = xh.consent(started.headers["Location"], [xh.UK_ORG], allow=False)
    done = top_window.get(urlsplit(callback)._replace(scheme="", netloc="").geturl())
    assert "You cancelled at Xero" in unescape(done.text)
    poll = client.hx("GET", f"/b/{admin.business_id}/integrations/xero/window/{pending_id}",
                     target="integrations-window")
    assert poll.status_code == 286 and "You cancelled at Xero" in unescape(poll.text)
    assert "Connect Software" in poll.text and Connection.select().count() == 0


def test_window_records_belong_to_their_admin_and_expire(xero_app, admin, sandbox):
    client = launched(xero_app, admin)
    _, pending_id = open_window(client, admin.business_id)
    other_admin = factories.make_member(business=admin.business, role="admin")
    other = launched(xero_app, other_admin)
    poll = other.hx("GET", f"/b/{admin.business_id}/integrations/xero/window/{pending_id}",
                    target="integrations-window")
    assert poll.status_code == 286 and "wasn't finished in time" in unescape(poll.text)
    xero_app.extensions["redis"].delete(f"docket:xero-window:{pending_id}")
    assert xero_app.test_client().get(f"/integrations/xero/window/{pending_id}").status_code == 410


def test_callback_without_the_window_cookie_still_needs_a_login(xero_app, client):
    response = client.get("/integrations/xero/callback?state=abc&code=def")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


# The demo portal's side

def test_demo_portal_signs_tokens_docket_accepts(app, admin):
    from portal_demo import create_app as create_portal, sign_launch

    choice = {"label": "Alex", "email": admin.user.email, "business": admin.business_id, "role": "admin",
              "can_publish": True}
    portal = create_portal({"PORTAL_ID": PORTAL.id, "PORTAL_KEY": KEY, "DOCKET_URL": "http://127.0.0.1:8000",
                            "LAUNCHES": [choice]}).test_client()
    assert portal.post("/launch-token", data={"launch": "0"}).status_code == 400  # JSON only: no cross-site forms
    assert portal.post("/launch-token", json={"launch": 1}).status_code == 400
    token = portal.post("/launch-token", json={"launch": 0}).get_json()["token"]
    page = portal.get("/").text
    assert 'src="http://127.0.0.1:8000/embed/start?portal=test-portal"' in page and "<script>" not in page
    assert jwt.decode(token, OctKey.import_key(KEY)).claims["can_publish"] is True
    assert launch(app.test_client(), token).status_code == 303
    assert launch(app.test_client(), sign_launch(PORTAL.id, KEY, choice)).status_code == 303


# Configuration

def test_embed_portals_from_json_or_a_file(tmp_path):
    text = json.dumps({"acme": {"origin": "HTTPS://Portal.Example:443", "key": KEY}})
    assert parse_portals(text) == {"acme": Portal("acme", "https://portal.example", KEY)}
    path = tmp_path / "portals.json"
    path.write_text(text)
    assert parse_portals(str(path))["acme"].origin == "https://portal.example"
    assert parse_portals("") == {}
    assert KEY not in repr(parse_portals(text))


@pytest.mark.parametrize("value, message", [
    ('{"acme": {"origin": "https://portal.example/path", "key": "%s"}}' % KEY, "origin must be scheme://host"),
    ('{"acme": {"origin": "https://portal.example", "key": "short"}}', "at least 32 characters"),
    ('{"acme": "https://portal.example"}', "must be an object with origin and key"),
    ('{"bad id!": {"origin": "https://portal.example", "key": "%s"}}' % KEY, "not a usable portal id"),
    ("{not json", "must be a JSON object"),
    ("/nonexistent/portals.json", "can't be read"),
])
def test_bad_embed_portals_stop_the_start(value, message):
    with pytest.raises(ConfigError, match=message):
        load_settings({"DOCKET_ENV": "test", "EMBED_PORTALS": value, "SECRET_KEY": "x",
                       "TOKEN_ENCRYPTION_KEYS": "k"})


def test_embed_js_posts_to_the_portal_origin_only(app, admin):
    response = launched(app, admin).get("/static/js/embed.js")
    assert response.status_code == 200
    assert "postMessage(message, portalOrigin)" in response.text and '"*")' not in response.text
    response.close()
