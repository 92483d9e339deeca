"""Benchmark for issue 6 (items): server time and SQL queries of the Items list, Item details and an inline edit.

Per backend, on a fresh database: one business with an admin, a small UK chart (tests.items_helpers.make_coding),
200 suppliers, 9,999 cost items spread over them (tests.items_helpers.seed_items) and one detail item with a
supplier, category, tax rate, both trackings and 3 line items (10,000 in the list); then ANALYZE.
Signed in through the real login form with Flask's test client, it times these requests in-process (no network),
round robin, after a warm-up:

  baseline        GET /healthz (the trivial endpoint; it runs "SELECT 1" on the request's database connection,
                  opened for the request on SQLite, taken from the pool on PostgreSQL, like every request's)
  list            GET /b/<id>/inbox/costs?page=3&sort=-total (whole page, 50 rows)
  list fragment   the same with HX-Request and HX-Target: items-table (the table only, as HTMX swaps it)
  details         GET /b/<id>/items/<item_id> (the details tab, with its line items and checks)
  inline edit     POST /b/<id>/items/<item_id>/fields/tax_rate (HTMX), value alternating between two tax rates;
                  each response must be 200 and the item's tax rate must have changed
  search          GET /b/<id>/inbox/costs?q=supplier+137&sort=-total (HTMX, the table only): the inbox search as
                  typed, through the trigram index (pg_trgm on PostgreSQL, FTS5 on SQLite): supplier 137's items and
                  those whose total holds 137, about 800
  next/previous   GET /b/<id>/items/<item_id>/queue?sort=-total (HTMX): Previous and Next on Item details in the
                  To review tab's order; both must be there

The SQL query count per request comes from one further request per endpoint, outside the timed loop, under
playhouse.test_utils.count_queries.

    .venv/bin/python -m bench.items_pages [--backends sqlite,postgres] [--items 10000] [--requests 200]
                                          [--warmup 20] [--no-analyze] [--profile N]
"""
import argparse
import cProfile
import io
import logging
import math
import os
import pstats
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from bench import common
from bench.common import REDIS_URL

PASSWORD = "correct horse battery staple"
SUPPLIERS = 200
PAGE, SORT, PAGE_SIZE = 3, "-total", 50
TARGET_READ_MS = 50.0   # p95, list and details
TARGET_EDIT_MS = 25.0   # p95, inline edit
TARGET_QUERIES = 10     # per request
ROW = re.compile(r'<tr id="items-row-(\d+)"')


# --- the endpoints --------------------------------------------------------------------------------

@dataclass
class Endpoint:
    name: str
    request: str            # as shown in the report
    target_ms: float | None  # p95 target; None for the baseline
    send: object             # () -> response
    check: object            # (response) -> problem text or ""
    times: list = field(default_factory=list)  # seconds
    queries: int | None = None
    problems: list = field(default_factory=list)  # wrong results (not missed targets)

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile in ms."""
        ordered = sorted(self.times)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000

    @property
    def p50(self) -> float:
        return self.percentile(50)

    @property
    def p95(self) -> float:
        return self.percentile(95)

    @property
    def max(self) -> float:
        return max(self.times) * 1000

    def missed(self) -> list[str]:
        said = []
        if self.target_ms is not None and self.p95 >= self.target_ms:
            said.append(f"p95 {self.p95:.1f} ms >= {self.target_ms:.0f} ms")
        if self.target_ms is not None and self.queries is not None and self.queries > TARGET_QUERIES:
            said.append(f"{self.queries} queries > {TARGET_QUERIES}")
        return said


def timed(send):
    start = time.perf_counter()
    response = send()
    response.get_data()  # already rendered; read inside the timing all the same
    return response, time.perf_counter() - start


# --- Docket ---------------------------------------------------------------------------------------

def _docket_app(database_url: str):
    from webapp import create_app, migrations
    from webapp.db import database

    app = create_app({"DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "RATELIMIT_STORAGE_URI": REDIS_URL})
    with database.connection_context():
        migrations.upgrade(database.obj)
    return app


@dataclass
class Seeded:
    business_id: int
    email: str
    item_id: int
    rates: tuple  # the two tax rate ids the edit alternates between
    reference: str


def _seed(items: int, password_hash: str) -> Seeded:
    from tests.items_helpers import make_coding, make_contact, make_item, seed_items
    from webapp.accounts.models import Business, Membership, User
    from webapp.db import database
    from webapp.items.models import LineItem

    with database.connection_context(), database.atomic():
        business = Business.create(name="Hartley & Moss Joinery Ltd")
        user = User.create(email="bench.admin@example.com", name="Bench Admin", password_hash=password_hash)
        Membership.create(business=business, user=user, role="admin", can_publish=True)
        coding = make_coding(business)
        suppliers = [make_contact(business, f"Supplier {n:03d} Ltd") for n in range(1, SUPPLIERS + 1)]
        seed_items(business, items - 1, contacts=suppliers, user=user)  # with the detail item: `items` in all
        reference = "BENCH-DETAIL-1"
        item = make_item(business, contact=suppliers[0], date=date(2026, 4, 2), reference=reference,
                         total=Decimal("120.00"), net=Decimal("100.00"), tax=Decimal("20.00"), category=coding.fuel,
                         tax_rate=coding.vat20, tracking_option_1=coding.project_a, tracking_option_2=coding.north,
                         payment_method=coding.card, paid=True, publish_as="paid", description="Fuel and parking",
                         created_by=user)
        for position, (text, unit) in enumerate((("Diesel", "60.00"), ("Parking", "25.00"), ("Screen wash", "15.00")),
                                                start=1):
            LineItem.create(item=item, position=position, description=text, category=coding.fuel,
                            tax_rate=coding.vat20, tracking_option_1=coding.project_a,
                            tracking_option_2=coding.north, quantity=Decimal("1"), unit_amount=Decimal(unit),
                            tax_amount=Decimal(unit) * Decimal("0.2"))
    return Seeded(business.id, user.email, item.id, (coding.no_vat.id, coding.vat20.id), reference)


def _analyze() -> None:
    """Planner statistics for the freshly seeded tables, as production gathers them: autovacuum on PostgreSQL (it is
    off on the CI/bench server, conf.d/90-ci.conf, so without this the planner believes every table is empty), the
    workers' hourly ANALYZE on SQLite (jobs.maintenance.refresh_statistics)."""
    from webapp.db import database, gather_statistics

    if not gather_statistics():
        with database.connection_context():
            database.execute_sql("ANALYZE")


def _sign_in(app, email: str):
    """The real login form, then the CSRF token HTMX sends, from <body hx-headers>."""
    client = app.test_client()
    page = client.get("/login")
    response = client.post("/login", data={"email": email, "password": PASSWORD,
                                           "csrf_token": common.CSRF_IN_FORM.search(page.text).group(1)})
    if response.status_code != 302:
        raise SystemExit(f"WRONG: login answered {response.status_code}, expected 302")
    token = common.CSRF_IN_PAGE.search(client.get("/", follow_redirects=True).text)
    if token is None:
        raise SystemExit("WRONG: no X-CSRFToken in the signed-in page's <body hx-headers>")
    return client, token.group(1)


def _endpoints(client, token: str, seeded: Seeded, items: int) -> list[Endpoint]:
    from webapp.db import database
    from webapp.items.models import Item
    from webapp.items.queries import DEFAULT_TAB, TABS

    b, item_id = seeded.business_id, seeded.item_id
    list_url = f"/b/{b}/inbox/costs?page={PAGE}&sort={SORT}"
    item_url = f"/b/{b}/items/{item_id}"
    edit_url = f"{item_url}/fields/tax_rate"
    hx = {"HX-Request": "true", "X-CSRFToken": token}
    first = (PAGE - 1) * PAGE_SIZE + 1
    search_url = f"/b/{b}/inbox/costs?q=supplier+137&sort={SORT}"
    queue_url = f"{item_url}/queue?sort={SORT}"
    edits = {"n": 0, "sent": None, "before": seeded.rates[1]}  # before: the item's tax rate when the edit is sent

    def ok(response) -> str:
        return "" if response.status_code == 200 else f"answered {response.status_code}"

    def check_health(response) -> str:
        return ok(response) or ("" if response.is_json and response.json.get("status") == "ok"
                                else f"unexpected body {response.text[:80]!r}")

    def check_list(response) -> str:
        with database.connection_context():  # To review, the default tab; the edited item moves in and out of it
            review = Item.select().where(Item.status.in_(TABS[DEFAULT_TAB][1])).count()
        showing = f"{first}–{min(review, PAGE * PAGE_SIZE)} of {review} items"
        rows = len(ROW.findall(response.text))
        return ok(response) or ("" if rows == min(PAGE_SIZE, max(0, review - first + 1))
                                and showing in response.text
                                else f"{rows} rows, {showing!r} expected, page says "
                                     f"{re.findall(r'[0-9]+–[0-9]+ of [0-9]+ items', response.text)}")

    def check_page(response) -> str:
        return check_list(response) or ("" if "<html" in response.text else "not a whole page")

    def check_fragment(response) -> str:
        return check_list(response) or ("" if "<html" not in response.text else "a whole page, not the fragment")

    def check_detail(response) -> str:
        lines = response.text.count('id="items-line-')
        return ok(response) or ("" if seeded.reference in response.text and lines >= 3
                                else f"reference {'shown' if seeded.reference in response.text else 'missing'}, "
                                     f"{lines} line rows")

    def check_search(response) -> str:
        rows = len(ROW.findall(response.text))
        # every word must be in one of an item's fields: "137" also finds other suppliers' totals (1137.00 ...)
        return ok(response) or ("" if rows and "Supplier 137 Ltd" in response.text
                                else f"{rows} rows for the search")

    def check_queue(response) -> str:
        return ok(response) or ("" if 'rel="prev"' in response.text and 'rel="next"' in response.text
                                else "Previous or Next missing")

    def send_edit():
        edits["sent"] = seeded.rates[edits["n"] % 2]  # the other rate each time, starting with rates[0]
        edits["n"] += 1
        return client.post(edit_url, data={"value": str(edits["sent"])}, headers=hx)

    def check_edit(response) -> str:
        if problem := ok(response):
            return problem
        with database.connection_context():
            now = Item.select(Item.tax_rate).where(Item.id == item_id).scalar()
        before, edits["before"] = edits["before"], now
        if before == edits["sent"]:
            return f"sent tax rate {edits['sent']}, which the item already had (nothing to change)"
        return "" if now == edits["sent"] else f"tax rate is {now}, expected {edits['sent']} (not changed)"

    return [
        Endpoint("baseline", "GET /healthz", None, lambda: client.get("/healthz"), check_health),
        Endpoint("list", f"GET {list_url}", TARGET_READ_MS, lambda: client.get(list_url), check_page),
        Endpoint("list fragment", "  same, HX-Target: items-table", TARGET_READ_MS,
                 lambda: client.get(list_url, headers=hx | {"HX-Target": "items-table"}), check_fragment),
        Endpoint("details", f"GET {item_url}", TARGET_READ_MS, lambda: client.get(item_url), check_detail),
        Endpoint("inline edit", f"POST {edit_url}", TARGET_EDIT_MS, send_edit, check_edit),
        Endpoint("search", f"GET {search_url}", TARGET_READ_MS,
                 lambda: client.get(search_url, headers=hx | {"HX-Target": "items-table"}), check_search),
        Endpoint("next/previous", f"GET {queue_url}", TARGET_READ_MS,
                 lambda: client.get(queue_url, headers=hx | {"HX-Target": "item-queue"}), check_queue),
    ]


def _measure(endpoints: list[Endpoint], requests: int, warmup: int) -> None:
    from playhouse.test_utils import count_queries

    for _ in range(warmup):
        for endpoint in endpoints:
            response = endpoint.send()
            if problem := endpoint.check(response):
                endpoint.problems.append(f"warm-up: {problem}")
    for _ in range(requests):  # round robin: every endpoint sees the same machine conditions
        for endpoint in endpoints:
            response, seconds = timed(endpoint.send)
            endpoint.times.append(seconds)
            if (problem := endpoint.check(response)) and len(endpoint.problems) < 5:
                endpoint.problems.append(problem)
    for endpoint in endpoints:  # one further request each, outside the timing, counting SQL queries
        with count_queries() as counted:
            response = endpoint.send()
        endpoint.queries = counted.count
        if problem := endpoint.check(response):
            endpoint.problems.append(f"counted request: {problem}")


def _profile(endpoints: list[Endpoint], requests: int, top: int, backend: str) -> str:
    text = ""
    for endpoint in endpoints:
        profile = cProfile.Profile()
        start = time.perf_counter()
        for _ in range(requests):
            profile.runcall(endpoint.send)
        wall = time.perf_counter() - start
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(top)
        text += (f"cProfile of {requests} further {backend} {endpoint.name} requests (profiled: "
                 f"{wall / requests * 1000:.1f} ms each), by own time:\n{out.getvalue().strip()}\n\n")
    return text


def bench_backend(backend: str, args, directory: str, password_hash: str) -> tuple[list[Endpoint], str]:
    from webapp.db import database

    app = _docket_app(common.database_url(backend, directory, "docket-items-bench.db"))
    seeded = _seed(args.items, password_hash)
    if args.analyze:
        _analyze()
    client, token = _sign_in(app, seeded.email)
    endpoints = _endpoints(client, token, seeded, args.items)
    _measure(endpoints, args.requests, args.warmup)
    profile_text = _profile(endpoints, args.requests, args.profile, backend) if args.profile else ""
    database.close()
    return endpoints, profile_text


# --- report ---------------------------------------------------------------------------------------

COLUMNS = ("endpoint", "p50 ms", "p95 ms", "max ms", "p95/base", "queries", "target p95", "max queries", "result")


def _row(e: Endpoint, base: Endpoint) -> tuple:
    verdict = "WRONG" if e.problems else ("-" if e.target_ms is None else ("MISSED" if e.missed() else "OK"))
    targeted = e.target_ms is not None
    return (e.name, f"{e.p50:.1f}", f"{e.p95:.1f}", f"{e.max:.1f}", f"{e.p95 / base.p95:.1f}x", str(e.queries),
            f"< {e.target_ms:.0f} ms" if targeted else "-", str(TARGET_QUERIES) if targeted else "-", verdict)


def table(endpoints: list[Endpoint]) -> str:
    """One backend's table; the first endpoint is the baseline."""
    rows = [COLUMNS] + [_row(e, endpoints[0]) for e in endpoints]
    return common.text_table(rows, numeric=set(range(1, 6)))


def report(results: dict[str, list[Endpoint]], args) -> str:
    endpoints = next(iter(results.values()))
    lines = [
        f"Items pages benchmark (issue 6), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {common.machine()}",
        (f"Data (per backend, fresh database): 1 business, {SUPPLIERS} suppliers, {args.items} cost items: "
         f"{args.items - 1} from seed_items and 1 detail item with supplier, category, tax rate, 2 trackings and "
         f"3 line items"),
        (f"Server time = wall time of the in-process Flask test-client request (no network); {args.requests} "
         f"requests per endpoint, round robin, after {args.warmup} warm-up rounds; p50/p95 nearest rank"),
        ("Baseline: GET /healthz (runs SELECT 1 on the request's database connection, opened per request on SQLite, "
         "pooled on PostgreSQL, like every request's; no Redis); p95/base = p95 / the baseline's p95 in the same run"),
        ("ANALYZE after seeding, as production gathers statistics (PostgreSQL's autovacuum, off on this server; "
         "SQLite: the workers' hourly ANALYZE)" if args.analyze else
         "no ANALYZE after seeding (--no-analyze): no planner statistics"),
        "Queries: SQL statements of one further request per endpoint (playhouse.test_utils.count_queries)",
        "Requests:",
        *(f"  {e.name:<14} {e.request}" for e in endpoints),
    ]
    for backend, found in results.items():
        lines += ["", f"{backend}:", table(found)]
    lines.append("")
    for backend, found in results.items():
        for e in found:
            lines += [f"WRONG  {backend} {e.name}: {problem}" for problem in e.problems]
            lines += [f"MISSED {backend} {e.name}: {missed}" for missed in e.missed()]
    if all(not e.problems and not e.missed() for found in results.values() for e in found):
        lines.append(f"All targets met (p95 < {TARGET_READ_MS:.0f} ms list and details, < {TARGET_EDIT_MS:.0f} ms "
                     f"inline edit, <= {TARGET_QUERIES} queries per request).")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.items_pages", description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--items", type=int, default=10000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per endpoint")
    parser.add_argument("--warmup", type=int, default=20, help="untimed rounds of every endpoint first")
    parser.add_argument("--no-analyze", dest="analyze", action="store_false",
                        help="skip the ANALYZE after seeding (the planner then has no statistics)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also cProfile --requests further requests per endpoint and print the top N functions "
                             "by own time")
    args = parser.parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if unknown := set(backends) - {"sqlite", "postgres"}:
        parser.error(f"unknown backends: {', '.join(sorted(unknown))}")
    if args.requests < 1:
        parser.error("--requests must be at least 1")
    if args.items < PAGE * PAGE_SIZE:
        parser.error(f"--items must be at least {PAGE * PAGE_SIZE} (the list measures page {PAGE} of {PAGE_SIZE})")

    with tempfile.TemporaryDirectory(prefix="docket-bench-items-") as directory:
        from webapp.xero.crypto import generate_key

        for name in ("XERO_CLIENT_ID", "XERO_CLIENT_SECRET", "XERO_BASE_URL", "DATABASE_URL"):
            os.environ.pop(name, None)
        os.environ.update(DOCKET_ENV="test", SECRET_KEY="bench-secret", TOKEN_ENCRYPTION_KEYS=generate_key(),
                          DOCKET_INSTANCE_PATH=directory)
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        import redis

        from webapp.auth.service import hash_password

        redis.Redis.from_url(REDIS_URL).flushdb()
        password_hash = hash_password(PASSWORD)
        results, profiles = {}, []
        for backend in backends:
            results[backend], profile_text = bench_backend(backend, args, directory, password_hash)
            profiles.append(profile_text)
    print(report(results, args))
    for text in filter(None, profiles):
        print("\n" + text)
    return 1 if any(e.problems for found in results.values() for e in found) else 0  # missed targets are figures


if __name__ == "__main__":
    sys.exit(main())
