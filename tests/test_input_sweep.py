"""Every route of the app, as every kind of visitor, with random and hostile values in its address, form and query
string: never a 500 or a logged exception, always a page, a redirect or a clear 4xx, and a refused request (4xx)
changes nothing in the database.

Routes come from `app.url_map` and the fields each one reads are recorded while it runs (`RecordingArgs`), so a new
route or a new field is swept without being listed here. Every example starts from the same business: a request
that changed something is undone before the next one."""
import logging
import time
from collections import Counter

from hypothesis import HealthCheck, given, settings, strategies as st
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from tests import factories
from tests.conftest import CSRF_IN_FORM
from tests.email_helpers import post_message
from tests.items_helpers import make_coding, make_contact, make_item
from tests.routes import cases, restore, snapshot, url
from webapp.integrations import xero_access
from webapp.items.fields import FIELDS
from webapp.items.models import LineItem
from webapp.lists.queries import BUILDERS
from webapp.rules.aliases import remember_printed_name
from webapp.rules.models import ContactAlias

EXAMPLES_AS_VISITOR = 3  # per route and method, logged out or from another business: refused at the door
EXAMPLES_PER_PART = 3  # per route and method as a member, for each URL variable and field it reads, and one more
HUGE = "99999999999999999999999"
NUMBERS = ["²", "¹", "٣", "١٢٣", "١٢٣.٤٥", "１２", HUGE, "-" + HUGE, str(2**63), str(2**63 - 1), "0", "-1", "1e309",
           "NaN"]
TEXTS = ["\x00", "a\x00b", "x" * 10_000, "2026-02-30", "31/31/2026", "0000-00-00", " ", "\t\n ", "😀", "%00",
         "<script>alert(1)</script>", "'; DROP TABLE item; --", "../../etc/passwd", ""]
HOSTILE = st.one_of(st.sampled_from(NUMBERS), st.sampled_from(TEXTS), st.integers(-2**70, 2**70).map(str),
                    st.text(st.characters(blacklist_categories=("Cs",)), max_size=30))
WORDS = ["costs", "sales", "yes", "no", "on", "y", "1", "draft", "paid", "awaiting_approval", "purchases", "spend",
         "admin", "standard", "GBP", "2026-03-31", "Acme Fuels Ltd", "-created", "date", "inbox", "details", *FIELDS]
ANSWERED = {200, 204, 286, 302, 303, 308}  # 286: htmx's "stop polling"; 308: werkzeug's to the address without "//"
SILENT = {"/webhooks/xero"}  # answers Xero with an empty body, by Xero's rules
NOT_READY = ("/readyz", 503)  # its answer while no worker runs, as here (test_readiness checks it)
NOT_SWEPT_FIELDS = {"csrf_token"}  # sent right on every request, so the view is reached rather than CSRF's 400

_read: set[str] = set()


class RecordingArgs(ImmutableMultiDict):
    """request.args and request.form that note every key a view (or WTForms) asks for."""

    def get(self, key, default=None, type=None):
        _read.add(key)
        return super().get(key, default, type)

    def __getitem__(self, key):
        _read.add(key)
        return super().__getitem__(key)

    def getlist(self, key, type=None):
        _read.add(key)
        return super().getlist(key, type)

    def __contains__(self, key):
        _read.add(key)
        return super().__contains__(key)


class World:
    """One business (admin who can publish, standard member who can't), another business, their lists and items;
    visitors signed in through the login form; and what the database held before the sweep."""

    def __init__(self, app):
        self.app = app
        admin = factories.make_member(role="admin", can_publish=True)
        standard = factories.make_member(business=admin.business, role="standard", can_publish=False)
        outsider = factories.make_member(role="admin", can_publish=True)
        coding, theirs = make_coding(admin.business), make_coding(outsider.business)
        supplier = make_contact(admin.business, "Acme Fuels Ltd")
        customer = make_contact(admin.business, "Hartley Homes", is_supplier=False, is_customer=True)
        remember_printed_name(admin.business_id, "ACME FUELS", supplier.id)
        items = [make_item(admin.business, contact=supplier, total="120.00"),
                 make_item(admin.business, workspace="sales"), make_item(outsider.business)]
        self.users = {"admin": admin.user, "standard": standard.user, "other business": outsider.user}
        self.clients = {"logged out": self._logged_out()} | {role: self._signed_in(role) for role in self.users}
        self.clients["admin"].hx("POST", f"/b/{admin.business_id}/items/{items[0].id}/lines", target="line-items")
        lines = [line.id for line in LineItem.select()]
        entries = [coding.fuel, coding.bank, coding.vat20, coding.north, coding.card, theirs.fuel, theirs.card,
                   ContactAlias.get()]
        self.url_values = {
            "business_id": [admin.business_id], "item_id": [item.id for item in items],
            "line_id": lines, "contact_id": [supplier.id, customer.id], "payment_method_id": [coding.card.id],
            "membership_id": [admin.id, standard.id, outsider.id], "list_name": list(BUILDERS),
            "workspace": ["costs", "sales"], "name": list(FIELDS), "filename": ["css/docket.css"],
            "message_id": [post_message(app, admin.business_id), post_message(app, outsider.business_id)],
        }
        ids = {str(n) for values in self.url_values.values() for n in values if isinstance(n, int)}
        self.field_values = sorted(ids | {str(entry.id) for entry in entries}) + WORDS
        self.baseline = snapshot()

    def _logged_out(self):
        client = self.app.test_client()
        client.token = CSRF_IN_FORM.search(client.get("/login").text).group(1)
        return client

    def _signed_in(self, role):
        return self.app.test_client().login(self.users[role])

    def undo(self, role: str) -> None:
        """Back to the baseline after a request that changed something; sign the visitor in again if it ended
        their session (logout)."""
        restore(self.baseline)
        client = self.clients[role]
        if role != "logged out" and "/login" in client.get("/").headers.get("Location", ""):
            self.clients[role] = self._signed_in(role)
            self.baseline = snapshot()
        elif role == "logged out":
            self.clients[role] = self._logged_out()


def send(client, method: str, address: str, fields: MultiDict, htmx: bool):
    headers = {"X-CSRFToken": client.token or ""} | ({"HX-Request": "true"} if htmx else {})
    if method == "GET":
        return client.open(address, method=method, query_string=fields, headers=headers)
    data = MultiDict([("csrf_token", client.token or ""), *fields.items(multi=True)])
    return client.open(address, method=method, data=data, headers=headers)


def discover(world: World, swept: list) -> dict:
    """Run each route once as the admin with real ids: the fields each one reads (more are noted as the sweep runs)."""
    read = {}
    for method, rule, variables in swept:
        _read.clear()
        address = url(rule, {name: world.url_values.get(name, ["x"])[0] for name in variables})
        status = send(world.clients["admin"], method, address, MultiDict(), htmx=False).status_code
        assert status < 500 or (rule, status) == NOT_READY, address
        read[(method, rule)] = set(_read)
        if snapshot() != world.baseline:
            world.undo("admin")
    return read


@st.composite
def hostile_request(draw, world: World, variables: list[str], known: list[str]):
    """URL variables and fields with real values (so the view is reached), one part of them hostile (or none), each
    field present or not, some sent several times."""
    target = draw(st.sampled_from([None, *variables, *known]))
    values = {name: draw(HOSTILE if name == target or name not in world.url_values
                         else st.sampled_from(world.url_values[name])) for name in variables}
    fields = MultiDict()
    for key in known:
        if key == target:
            fields.setlist(key, draw(st.lists(HOSTILE, min_size=1, max_size=3)))
        elif draw(st.booleans()):
            fields.add(key, draw(st.sampled_from(world.field_values)))
    return values, fields, draw(st.booleans())


def test_every_route_answers_every_visitor_without_a_500_and_a_refusal_changes_nothing(app, caplog, backend):
    app.request_class = type("RecordingRequest", (app.request_class,), {"parameter_storage_class": RecordingArgs})
    app.config["LOGIN_RATE_LIMIT"] = "100000 per minute"  # the sweep signs visitors in again after a logout
    app.config["XERO_BASE_URL"] = "http://127.0.0.1:9"  # no Xero answers here: a route that calls one must cope
    xero_access.init_app(app)
    world = World(app)
    swept = cases(app)
    read = discover(world, swept)
    started, statuses = time.monotonic(), Counter()
    caplog.set_level(logging.WARNING)

    def one_request(role: str, method: str, rule: str, values: dict, fields: MultiDict, htmx: bool) -> None:
        _read.clear()
        caplog.clear()
        address = url(rule, values)
        response = send(world.clients[role], method, address, fields, htmx)
        read[(method, rule)] |= _read
        statuses[response.status_code] += 1
        where = f"{role} {method} {address[:200]} {dict(fields.lists())!r:.300}"
        assert response.status_code < 500 or (rule, response.status_code) == NOT_READY, where
        assert not [r for r in caplog.records if r.exc_info], where
        assert response.status_code in ANSWERED or 400 <= response.status_code < 500 \
            or (rule, response.status_code) == NOT_READY, where
        if response.status_code >= 400 and not (rule in SILENT or "HX-Redirect" in response.headers):
            assert response.get_data(as_text=True).strip(), f"a {response.status_code} with no message: {where}"
        changed = snapshot() != world.baseline
        if response.status_code >= 400:
            assert not changed, f"refused ({response.status_code}) but the database changed: {where}"
        elif changed:
            world.undo(role)

    for method, rule, variables in swept:
        for role in world.clients:
            known = sorted(read[(method, rule)] - NOT_SWEPT_FIELDS)
            members = role in ("admin", "standard")  # the visitors whose requests get past the access checks
            examples = EXAMPLES_PER_PART * (1 + len(variables) + len(known)) if members else EXAMPLES_AS_VISITOR

            @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
            @given(hostile_request(world, variables, known))
            def sweep(drawn):
                one_request(role, method, rule, *drawn)

            sweep()

    seconds = time.monotonic() - started
    fields = set().union(*read.values())
    print(f"\ninput sweep on {backend}: {len(swept)} routes x {len(world.clients)} visitors, "
          f"{sum(statuses.values())} requests in {seconds:.1f}s; {len(fields)} fields read; statuses {dict(statuses)}")
