"""Who may use each route, swept from app.url_map: every route declares its access, at least what the product's rules
ask of its area, and each kind of visitor gets the refusal that access promises, with nothing changed. A new route
is swept without being listed here; one that declares nothing fails. Then the sidebar by role."""
import re
import time
from html import unescape
from urllib.parse import urlsplit

from tests import factories
from tests.routes import VISITORS, Visits, restore, snapshot
from tests.test_integrations_flow import connect
from webapp.accounts.access import ADMIN, LEVELS, MEMBER, OPERATOR, PUBLIC, PUBLISHER, SIGNED_IN, access_of

# The product's rules by area and purpose, read from a route's address and method alone (never from its view).
PUBLIC_AREAS = re.compile(r"/(login$|manifest\.webmanifest$|sw\.js$|offline$|healthz$|readyz$|metrics$|static/|"
                          r"webhooks/|inbound/email$|embed/|integrations/xero/(callback$|window/))")
ADMIN_AREAS = re.compile(r"(settings|integrations)(/|$)")  # every page and action of Settings and Integrations
ADMIN_ACTIONS = re.compile(r"(team|housekeeping|lists/payment-methods/|lists/[^/]+/[^/]+/rule)")  # changes to these
PUBLISHING_ACTIONS = re.compile(r"/(publish|reopen|clear-publishing)$")  # sending to Xero, or undoing what was sent
BUSINESS = "/b/<int:business_id>/"
OBJECT_IDS = {"item_id", "line_id", "contact_id", "payment_method_id", "membership_id", "message_id"}
LEAST_LET_IN = {MEMBER: "standard, no Can publish", PUBLISHER: "standard, can publish", ADMIN: "admin"}


def required(rule, method: str) -> str:
    """The least access the product's rules ask of a route: public only for signing in and what proves itself
    (webhooks, email-in's signed hook, portal launches, Xero's sign-in window); a signed-in person elsewhere;
    membership of the business for anything under /b/<id>/; an admin for its settings, integrations, team, rules
    and payment methods; Can publish for publishing."""
    if PUBLIC_AREAS.match(rule.rule):
        return PUBLIC
    if not rule.rule.startswith(BUSINESS):
        return SIGNED_IN
    area, changes = rule.rule.removeprefix(BUSINESS), method != "GET"
    if ADMIN_AREAS.match(area) or (changes and ADMIN_ACTIONS.match(area)):
        return ADMIN
    if changes and PUBLISHING_ACTIONS.search(area):
        return PUBLISHER
    return MEMBER


def refusal(level: str, visitor: str):
    """What a visitor gets from a route of this level when refused: "login", 404 or 403; None when let in."""
    if level == PUBLIC:
        return None
    if visitor == "logged out":
        return "login"
    if level == SIGNED_IN:
        return None
    if visitor == "other business" or level == OPERATOR:  # none of the visitors is an operator
        return 404
    if (level == ADMIN and visitor != "admin") or (level == PUBLISHER and visitor == "standard, no Can publish"):
        return 403
    return None


def answer(response):
    """The status, or "login" for the way to the login page."""
    if response.status_code == 302 and urlsplit(response.location).path == "/login":
        return "login"
    return response.status_code


def routes(app):
    """(method, rule, the access its view declares) for every rule and method of the app."""
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, rule, access_of(app.view_functions[rule.endpoint])


def test_every_route_declares_at_least_the_access_its_area_needs(app):
    for method, rule, declared in routes(app):
        assert declared in LEVELS, f"{method} {rule} declares no access: decorate its view (webapp/accounts/access.py)"
        needed = required(rule, method)
        assert LEVELS.index(declared) >= LEVELS.index(needed), f"{method} {rule} is {declared}, its area needs {needed}"


def test_every_route_refuses_each_visitor_as_its_access_promises_and_changes_nothing(xero_app, sandbox, backend):
    visits = Visits(xero_app)
    connect(visits.clients["admin"], visits.ours["business_id"], sandbox=sandbox)  # so its pages have something
    baseline, started, requests = snapshot(), time.monotonic(), 0
    for method, rule, declared in routes(xero_app):
        level = max(declared or PUBLIC, required(rule, method), key=LEVELS.index)  # the stricter: a lost check shows
        if level == PUBLIC:
            continue
        for visitor in VISITORS:
            expected = refusal(level, visitor)
            if expected is not None:
                response = visits.send(visitor, method, rule)
                assert answer(response) == expected, f"{visitor}: {method} {rule} ({level})"
                if expected == 403:
                    assert "Ask an admin of this business" in unescape(response.text)
                if expected == 404 and level != OPERATOR:  # the same answer as a business that doesn't exist
                    assert visits.business_name not in response.text
                requests += 1
        for name in sorted(set(rule.arguments) & OBJECT_IDS):
            response = visits.send("admin", method, rule, {name: visits.theirs[name]})
            assert response.status_code == 404, f"admin, {name} of another business: {method} {rule}"
            requests += 1
        assert snapshot() == baseline, f"refused, but the database changed: {method} {rule}"
        if level in LEAST_LET_IN:  # and the least it lets in is let in: the refusals above are its own
            visitor = LEAST_LET_IN[level]
            assert answer(visits.send(visitor, method, rule)) not in ("login", 401, 403, 404), (visitor, method, rule)
            requests += 1
            if snapshot() != baseline:
                restore(baseline)
    print(f"\naccess sweep on {backend}: {requests} requests in {time.monotonic() - started:.1f}s")


def test_sidebar_shows_connections_to_admins_only(admin_client, standard_client, admin):
    admin_page = admin_client.get(f"/b/{admin.business_id}/inbox/costs").text
    standard_page = standard_client.get(f"/b/{admin.business_id}/inbox/costs").text
    assert "Integrations" in admin_page and "Connections" in admin_page
    assert "Integrations" not in standard_page and "Connections" not in standard_page
    for label in ("Costs", "Sales", "Categories", "Suppliers", "Customers", "Tracking", "Payment methods",
                  "Tax rates", "Team"):
        assert label in standard_page


def test_every_sidebar_link_works(admin_client, admin):
    import re

    page = admin_client.get(f"/b/{admin.business_id}/inbox/costs").text
    sidebar = page.split('id="sidebar"')[1].split("</nav>")[0]
    links = re.findall(r'href="([^"]+)"', sidebar)
    assert len(links) == 12
    for link in links:
        assert admin_client.get(link).status_code == 200, link


def test_practice_overview_lists_every_business_and_switches(app, admin):
    second = factories.make_member(user=admin.user, role="standard")
    client = app.test_client().login(admin.user)
    overview = client.get("/")
    assert overview.status_code == 200
    assert admin.business.name in overview.text and second.business.name in overview.text
    switched = client.get(f"/b/{second.business_id}/", follow_redirects=True)
    assert f'<p class="sidebar-business">{second.business.name}</p>' in switched.text
    assert "Integrations" not in switched.text  # standard in this business, admin in the other
