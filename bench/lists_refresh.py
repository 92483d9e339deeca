"""Benchmark for issue 5 (list refresh): API calls, wall time, local work and upsert time of a refresh.

Against the Xero sandbox (served on a loopback port in this process) with one large organisation per
backend, it measures these refreshes, each run by calling jobs.sync.refresh_connection directly (no worker):

  full                 the first refresh: every list, every contact page
  unchanged            straight after: nothing changed in Xero
  incremental          after renaming 10 contacts in the sandbox (checks that exactly those 10 changed)
  unchanged, imported  the unchanged refresh of a second organisation of the same size whose contacts
                       were all last changed within one second (a bulk import), after its full refresh

The main organisation's contacts are last changed one a minute (--timestamps seed keeps the seed's own
timestamps, which fall within the second or two the seeding took, so its figures vary from run to run).

Baseline, measured in the same run: the very GETs the refresh made (same URLs, same headers), replayed
with a plain requests.Session and JSON-decoded, with no database work ("raw fetch"). "Local work" is the
refresh's wall time minus the time it spent waiting on HTTP (send to body read, per call).

    .venv/bin/python -m bench.lists_refresh [--backends sqlite,postgres] [--contacts 10000] [--accounts 500]
"""
import argparse
import cProfile
import io
import logging
import os
import pstats
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import requests

from bench import common
from bench.common import REDIS_URL

CHANGED_CONTACTS = 10
TARGET_FULL_CALLS = 20
TARGET_UNCHANGED_CALLS = 8
TARGET_FULL_LOCAL_SECONDS = 3.0
TIMESTAMPS = {"spread": "spread one a minute up to a minute ago",
              "seed": "as the seed left them (within the second or two it took)"}


# --- measuring ------------------------------------------------------------------------------------

class HttpMeter:
    """Counts (response hook) and times (around send, body included) every call through one Session,
    and keeps each request so the baseline can replay exactly the same GETs."""

    def __init__(self, session: requests.Session):
        self.calls, self.seconds, self.sent = 0, 0.0, []
        session.hooks["response"].append(self._seen)
        send = session.send

        def timed_send(request, **kwargs):
            start = time.perf_counter()
            try:
                return send(request, **kwargs)  # reads the body too (the client never streams)
            finally:
                self.seconds += time.perf_counter() - start

        session.send = timed_send

    def _seen(self, response, **kwargs):
        self.calls += 1
        self.sent.append((response.request.method, response.request.url, dict(response.request.headers)))

    def reset(self) -> None:
        self.calls, self.seconds, self.sent = 0, 0.0, []


class UpsertMeter:
    """Time inside webapp.lists.upsert.upsert, and inside its in-memory diff (_plan), so that the upsert's
    database time (select existing, writes, commit) = the first minus the second. Bench only: the module
    names are swapped for timing wrappers while the bench runs, and put back afterwards."""

    def __init__(self):
        from webapp.lists import refresh, upsert

        self.seconds = {"upsert": 0.0, "_plan": 0.0}
        self._swapped = [(refresh, "upsert", refresh.upsert), (upsert, "_plan", upsert._plan)]
        for module, name, original in self._swapped:
            setattr(module, name, self._timed(name, original))

    def _timed(self, name, original):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - start
        return timed

    @property
    def database_seconds(self) -> float:
        return self.seconds["upsert"] - self.seconds["_plan"]

    def reset(self) -> None:
        self.seconds = dict.fromkeys(self.seconds, 0.0)

    def remove(self) -> None:
        for module, name, original in self._swapped:
            setattr(module, name, original)


@dataclass
class Result:
    backend: str
    scenario: str
    calls: int
    wall: float
    http: float
    upsert_db: float
    fetch: float
    summary: str
    target_calls: int | None = None
    target_local: float | None = None
    problems: list = field(default_factory=list)  # wrong results (not missed targets)

    @property
    def local(self) -> float:
        return self.wall - self.http

    def missed(self) -> list[str]:
        said = []
        if self.target_calls is not None and self.calls > self.target_calls:
            said.append(f"{self.calls} calls > {self.target_calls}")
        if self.target_local is not None and self.local >= self.target_local:
            said.append(f"local work {self.local:.2f} s >= {self.target_local:.0f} s")
        return said


def raw_fetch(sent: list, repeat: int) -> float:
    """Median time to make the same requests with a plain Session and decode their JSON, no database."""
    times = []
    for _ in range(repeat):
        session = requests.Session()
        start = time.perf_counter()
        for method, url, headers in sent:
            response = session.request(method, url, headers=headers, timeout=60)
            if response.content:
                response.json()
        times.append(time.perf_counter() - start)
        session.close()
    return statistics.median(times)


# --- the sandbox ----------------------------------------------------------------------------------

class Sandbox:
    """The Xero sandbox app on its own temporary SQLite file, served threaded on a free loopback port."""

    def __init__(self, directory: str):
        from werkzeug.serving import make_server

        from xero_sandbox import create_app as create_sandbox

        self.app = create_sandbox({"SANDBOX_DATABASE": os.path.join(directory, "sandbox.db"),
                                   "SECRET_KEY": "bench-sandbox-secret", "SANDBOX_LIMITS_ENABLED": False,
                                   "SANDBOX_WEBHOOK_URL": ""})
        self.db = self.app.extensions["xero_sandbox.db"]
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()

    def large_organisation(self, name: str, contacts: int, accounts: int, timestamps: str) -> str:
        """create_large_organisation, then the contacts' UpdatedDateUTC set as `timestamps` says:
        "spread" one contact a minute up to a minute ago (edited over time), "import" all within one second
        an hour ago (a bulk import), "seed" as the seed left them (all within the second or two it took)."""
        from xero_sandbox.accounting import models as m
        from xero_sandbox.accounting.seed import create_large_organisation

        with self.app.app_context(), self.db.connection_context():
            tenant_id = create_large_organisation(name, contacts=contacts, accounts=accounts)
            org = m.Organisation.get(m.Organisation.tenant_id == tenant_id)
            ids = [c.id for c in m.Contact.select(m.Contact.id).where(m.Contact.org == org)
                   .order_by(m.Contact.contact_number)]
            now = m.utcnow().replace(microsecond=0)
            moment = {"spread": lambda n: now - timedelta(minutes=len(ids) - n),
                      "import": lambda n: now - timedelta(hours=1) + timedelta(microseconds=n * 999_999 // len(ids))}
            if timestamps in moment:
                with self.db.atomic():
                    for n, contact_id in enumerate(ids):
                        m.Contact.update(updated_at=moment[timestamps](n)).where(m.Contact.id == contact_id).execute()
        return tenant_id

    def issue_token(self, tenant_id: str) -> dict:
        from xero_sandbox.identity.service import issue_access_token

        with self.app.app_context(), self.db.connection_context():
            return issue_access_token([tenant_id])

    def rename_contact(self, contact_id: str, name: str) -> None:
        response = requests.put(f"{self.url}/operator/api/contacts/{contact_id}/name", json={"name": name},
                                timeout=30)
        response.raise_for_status()


# --- Docket ---------------------------------------------------------------------------------------

def _docket_app(database_url: str, sandbox_url: str):
    from webapp import create_app, migrations
    from webapp.db import database

    app = create_app({"DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "RATELIMIT_STORAGE_URI": REDIS_URL,
                      "XERO_BASE_URL": sandbox_url, "XERO_CLIENT_ID": "docket-demo",
                      "XERO_CLIENT_SECRET": "docket-demo-secret"})
    with database.connection_context():
        migrations.upgrade(database.obj)
    return app


def _connect(app, tenant_id: str, tenant_name: str, token: dict) -> int:
    """A business and its Connection, filled as choose_organisation fills it; returns the business id."""
    from webapp.accounts.models import Business, utcnow
    from webapp.db import database
    from webapp.integrations.models import CONNECTED, Connection
    from webapp.integrations.token_store import connection_key, seal
    from webapp.xero.tokens import TokenSet

    with database.connection_context(), database.atomic():
        business = Business.create(name="Bench Ltd")
        connection = Connection.create(business=business.id, tenant_id=tenant_id, tenant_name=tenant_name,
                                       status=CONNECTED, connected_at=utcnow())
        tokens = TokenSet.from_response(token)
        connection.auth_event_id = tokens.auth_event_id or ""
        for column, value in seal(app.extensions["xero"].cipher, connection_key(connection.id), tokens).items():
            setattr(connection, column, value)
        connection.save()
    return business.id


def _refresh(business_id: int, http: HttpMeter, upserts: UpsertMeter, profile: cProfile.Profile | None = None):
    from jobs.sync import refresh_connection
    from webapp.db import database
    from webapp.jobruns.models import SUCCEEDED, JobRun
    from webapp.jobruns.service import start_run

    with database.connection_context():
        run_id = start_run("refresh", business_id=business_id, requested_by=None).id
    http.reset()
    upserts.reset()
    start = time.perf_counter()
    if profile:
        profile.runcall(refresh_connection, run_id)
    else:
        refresh_connection(run_id)
    wall = time.perf_counter() - start
    with database.connection_context():
        run = JobRun.get_by_id(run_id)
    if run.status != SUCCEEDED:
        raise SystemExit(f"refresh did not succeed: {run.status} {run.last_error}")
    return wall, run.summary


def bench_backend(backend: str, sandbox: Sandbox, args, directory: str) -> tuple[list[Result], str]:
    from webapp.accounts.models import utcnow
    from webapp.db import database
    from webapp.lists.models import Contact

    name, imported = f"Bench Large Ltd ({backend})", f"Bench Imported Ltd ({backend})"
    tenant_id = sandbox.large_organisation(name, args.contacts, args.accounts, args.timestamps)
    imported_id = sandbox.large_organisation(imported, args.contacts, args.accounts, "import")
    app = _docket_app(common.database_url(backend, directory), sandbox.url)
    results, profile_text = [], ""
    with app.app_context():
        business_id = _connect(app, tenant_id, name, sandbox.issue_token(tenant_id))
        http, upserts = HttpMeter(app.extensions["xero"].http), UpsertMeter()
        try:
            def measure(business, scenario, **targets):
                wall, summary = _refresh(business, http, upserts)
                result = Result(backend, scenario, http.calls, wall, http.seconds, upserts.database_seconds,
                                raw_fetch(http.sent, args.repeat), summary, **targets)
                results.append(result)
                return result

            full = measure(business_id, "full", target_calls=TARGET_FULL_CALLS,
                           target_local=TARGET_FULL_LOCAL_SECONDS)
            with database.connection_context():
                contact_count = Contact.select().where(Contact.business == business_id).count()
            if contact_count != args.contacts:
                full.problems.append(f"{contact_count} contacts in Docket, expected {args.contacts}")

            unchanged = measure(business_id, "unchanged", target_calls=TARGET_UNCHANGED_CALLS)
            if unchanged.summary != "Everything was already up to date.":
                unchanged.problems.append(f"summary says {unchanged.summary!r}")

            with database.connection_context():
                every = list(Contact.select(Contact.xero_id, Contact.name).where(Contact.business == business_id)
                             .order_by(Contact.name))
            chosen = {c.xero_id: f"{c.name} (renamed)" for c in every[::max(1, len(every) // CHANGED_CONTACTS)]
                      [:CHANGED_CONTACTS]}
            for contact_id, new_name in chosen.items():
                sandbox.rename_contact(contact_id, new_name)
            before = utcnow()
            incremental = measure(business_id, "incremental")
            with database.connection_context():
                synced = {c.xero_id: c.name for c in Contact.select(Contact.xero_id, Contact.name).where(
                    (Contact.business == business_id) & (Contact.synced_at >= before))}
            said = f"Suppliers and customers: {CHANGED_CONTACTS} updated."
            if synced != chosen:
                incremental.problems.append(f"{len(synced)} contacts changed in Docket, expected exactly the "
                                            f"{len(chosen)} renamed")
            if said not in incremental.summary:
                incremental.problems.append(f"summary says {incremental.summary!r}")

            # The same organisation size, its contacts bulk-imported within one second: the unchanged refresh
            # after the first one.
            imported_business = _connect(app, imported_id, imported, sandbox.issue_token(imported_id))
            _refresh(imported_business, http, upserts)
            again = measure(imported_business, "unchanged, imported", target_calls=TARGET_UNCHANGED_CALLS)
            if again.summary != "Everything was already up to date.":
                again.problems.append(f"summary says {again.summary!r}")

            if args.profile:  # a further business on the first organisation: the measured runs stay unprofiled
                profiled = _connect(app, tenant_id, name, sandbox.issue_token(tenant_id))
                for scenario in ("full", "unchanged"):
                    profile = cProfile.Profile()
                    _refresh(profiled, http, upserts, profile)
                    out = io.StringIO()
                    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(args.profile)
                    profile_text += (f"cProfile of a separate {backend} {scenario} refresh, main thread only, by own "
                                     f"time ({http.calls} calls, {http.seconds:.2f} s waiting on HTTP):\n"
                                     f"{out.getvalue().strip()}\n\n")
        finally:
            upserts.remove()
    database.close()
    return results, profile_text


# --- report ---------------------------------------------------------------------------------------

COLUMNS = ("backend", "scenario", "calls", "max calls", "wall s", "raw fetch s", "wall/raw", "local s",
           "upsert DB s", "local target", "result")


def _row(r: Result) -> tuple:
    missed = r.missed()
    verdict = "WRONG" if r.problems else ("MISSED" if missed else "pass")
    return (r.backend, r.scenario, str(r.calls), "-" if r.target_calls is None else str(r.target_calls),
            f"{r.wall:.2f}", f"{r.fetch:.2f}", f"{r.wall / r.fetch:.2f}x" if r.fetch else "-", f"{r.local:.2f}",
            f"{r.upsert_db:.2f}", "-" if r.target_local is None else f"< {r.target_local:.0f} s", verdict)


def table(results: list[Result]) -> str:
    rows = [COLUMNS, *(_row(r) for r in results)]
    return common.text_table(rows, numeric=set(range(2, 9)))


def report(results: list[Result], args, sandbox_url: str) -> str:
    lines = [
        f"Lists refresh benchmark (issue 5), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {common.machine()}",
        (f"Organisations (per backend, from create_large_organisation): {args.contacts} contacts, {args.accounts} "
         f"accounts; contacts' UpdatedDateUTC {TIMESTAMPS[args.timestamps]}, except for 'imported', where all "
         f"{args.contacts} fall in one second an hour ago (a bulk import)"),
        (f"Sandbox: in-process threaded werkzeug server at {sandbox_url}, own temp SQLite file, "
         "rate limits switched off (SANDBOX_LIMITS_ENABLED=False)"),
        (f"Raw fetch: the refresh's own GETs replayed with a plain requests.Session + JSON decode, "
         f"median of {args.repeat}"),
        "Local = wall - time waiting on HTTP; upsert DB = time inside upsert() minus its in-memory diff (_plan)",
        "",
        table(results),
        "",
    ]
    for r in results:
        for problem in r.problems:
            lines.append(f"WRONG  {r.backend} {r.scenario}: {problem}")
        for missed in r.missed():
            lines.append(f"MISSED {r.backend} {r.scenario}: {missed}")
    for r in results:
        if r.scenario == "incremental":
            lines.append(f"{r.backend} incremental summary: {r.summary}")
    if all(not r.problems and not r.missed() for r in results):
        lines.append("All targets met.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.lists_refresh", description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--contacts", type=int, default=10000)
    parser.add_argument("--accounts", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5, help="raw-fetch baseline repetitions (median)")
    parser.add_argument("--timestamps", choices=sorted(TIMESTAMPS), default="spread",
                        help="contacts' UpdatedDateUTC in the main organisation (default: spread)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also cProfile a separate full and unchanged refresh per backend (another business on the "
                             "same organisation) and print the top N functions by own time")
    args = parser.parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if unknown := set(backends) - {"sqlite", "postgres"}:
        parser.error(f"unknown backends: {', '.join(sorted(unknown))}")

    with tempfile.TemporaryDirectory(prefix="docket-bench-") as directory:
        from webapp.xero.crypto import generate_key

        for name in ("XERO_CLIENT_ID", "XERO_CLIENT_SECRET", "XERO_BASE_URL", "DATABASE_URL"):
            os.environ.pop(name, None)
        os.environ.update(DOCKET_ENV="test", SECRET_KEY="bench-secret", TOKEN_ENCRYPTION_KEYS=generate_key(),
                          DOCKET_INSTANCE_PATH=directory)
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
        sandbox = Sandbox(directory)
        results, profiles = [], []
        try:
            for backend in backends:
                found, profile_text = bench_backend(backend, sandbox, args, directory)
                results += found
                profiles.append(profile_text)
        finally:
            sandbox.stop()
    print(report(results, args, sandbox.url))
    for text in filter(None, profiles):
        print("\n" + text)
    return 1 if any(r.problems for r in results) else 0  # a missed target is a measurement; a wrong result is not


if __name__ == "__main__":
    sys.exit(main())
