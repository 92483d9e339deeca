"""What the publishing drill and the publishing benchmark share: a sandbox with its rate limits on (scaled by a
factor) that logs every API call it answers, Docket on its own database connected to the sandbox's UK organisation
with lists refreshed, coded items with their documents, real worker processes, and the checks that every item is
in the sandbox exactly once.

Everything runs from one process: the sandbox is served in-process (a threaded werkzeug server on a free loopback
port, its own temporary SQLite file), Docket's app is built in-process to set up data and read results, and the
workers are `python -m jobs.worker publishing` subprocesses (each in its own session; a kill takes every process
under it, its RQ work horse and scheduler included, as when a machine or container dies)."""
import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import requests

UK_ORG = "Hartley & Moss Joinery Ltd"
ROOT = Path(__file__).resolve().parent.parent
REAL_LIMITS = {"concurrent": 5, "minute": 60, "day": 5000}
DOCKET_MARGIN = 2  # Docket's default XERO_CALLS_PER_MINUTE is 58 against Xero's 60


# --- the sandbox ----------------------------------------------------------------------------------

@dataclass
class Call:
    at: float  # time.time() when the request reached the sandbox (where the sandbox counts it against its limits)
    method: str
    kind: str
    status: int
    tenant_id: str = ""  # the organisation it was for (its xero-tenant-id header)


def call_kind(method: str, path: str) -> str:
    """What an Accounting API call was for, from its method and path (under /api.xro/2.0/)."""
    parts = [p for p in path.split("/") if p][2:]  # drop "api.xro", "2.0"
    if not parts:
        return "other"
    if "Attachments" in parts:
        return "attachment" if method in ("PUT", "POST") else "attachment read"
    if parts[0] == "Payments":
        return "payment" if method in ("PUT", "POST") else "payment read"
    if parts[0] == "Contacts" and method == "PUT":
        return "contact create"
    if parts[0] in ("Invoices", "BankTransactions", "CreditNotes"):
        if method == "GET":
            return "look-up" if len(parts) == 1 else "read one"
        return "create" if len(parts) == 1 else "update"
    return "lists" if method == "GET" else "other"


class CallLog:
    """WSGI middleware around the sandbox: one Call per Accounting API request it answers (429s included)."""

    def __init__(self, app):
        self.app, self.calls, self._lock = app, [], threading.Lock()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/api.xro/"):
            return self.app(environ, start_response)
        method, arrived = environ.get("REQUEST_METHOD", ""), time.time()

        def seen(status, headers, exc_info=None):
            with self._lock:
                self.calls.append(Call(arrived, method, call_kind(method, path), int(status.split()[0]),
                                       environ.get("HTTP_XERO_TENANT_ID", "")))
            return start_response(status, headers, exc_info)

        return self.app(environ, seen)

    def since(self, start: float) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.at >= start]


class Sandbox:
    """The Xero sandbox on its own temporary SQLite file, limits on: concurrency 5, minute and day limits
    multiplied by `factor` (1 = Xero's own)."""

    def __init__(self, directory: str, factor: float):
        from werkzeug.serving import make_server

        from xero_sandbox import create_app as create_sandbox

        self.factor = factor
        self.limits = {"concurrent": REAL_LIMITS["concurrent"], "minute": round(REAL_LIMITS["minute"] * factor),
                       "day": round(REAL_LIMITS["day"] * factor)}
        self.app = create_sandbox({
            "SANDBOX_DATABASE": os.path.join(directory, "sandbox.db"), "SECRET_KEY": "bench-sandbox-secret",
            "SANDBOX_LIMITS_ENABLED": True, "SANDBOX_CONCURRENT_LIMIT": self.limits["concurrent"],
            "SANDBOX_MINUTE_LIMIT": self.limits["minute"], "SANDBOX_DAY_LIMIT": self.limits["day"],
            "SANDBOX_WEBHOOK_URL": ""})
        self.db = self.app.extensions["xero_sandbox.db"]
        self.log = CallLog(self.app.wsgi_app)
        self.app.wsgi_app = self.log
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()

    def check_limits(self) -> dict:
        """The limits as the sandbox's operator API reports them (proves the configuration took)."""
        return requests.get(f"{self.url}/operator/api/limits", timeout=10).json()

    def tenant_id(self, name: str = UK_ORG) -> str:
        from xero_sandbox.accounting import models as m

        with self.app.app_context(), self.db.connection_context():
            return m.Organisation.get(m.Organisation.name == name).tenant_id

    def issue_token(self, tenant_id: str) -> dict:
        from xero_sandbox.identity.service import issue_access_token

        with self.app.app_context(), self.db.connection_context():
            return issue_access_token([tenant_id])

    def documents(self, tenant_id: str) -> list[dict]:
        """The operator API's listing: every document with its attachments."""
        answer = requests.get(f"{self.url}/operator/api/organisations/{tenant_id}/documents", timeout=60)
        answer.raise_for_status()
        return answer.json()["documents"]

    def urls_and_payments(self, tenant_id: str) -> tuple[dict, dict]:
        """Document id → its Url, and document id → how many payments it has (read from the sandbox's database,
        since the operator listing shows neither)."""
        from xero_sandbox.accounting import models as m

        with self.app.app_context(), self.db.connection_context():
            org = m.Organisation.get(m.Organisation.tenant_id == tenant_id)
            urls = {d.id: d.url for d in m.Document.select(m.Document.id, m.Document.url).where(m.Document.org == org)}
            payments = Counter(p.document_id for p in m.Payment.select(m.Payment.document).where(m.Payment.org == org))
        return urls, dict(payments)


# --- Docket ---------------------------------------------------------------------------------------

@dataclass
class DocketEnv:
    """The environment Docket's workers (and this process's app) run with."""

    directory: str
    database_url: str
    redis_url: str
    sandbox_url: str
    calls_per_minute: int
    lock_seconds: int = 90
    sweep_seconds: int = 60
    max_wait: int = 2  # Docket's default XERO_LIMIT_MAX_WAIT
    extra: dict = field(default_factory=dict)

    def variables(self) -> dict:
        from webapp.xero.crypto import generate_key

        if not hasattr(self, "_keys"):
            self._keys = generate_key()
        return {"DOCKET_ENV": "test", "SECRET_KEY": "bench-secret", "TOKEN_ENCRYPTION_KEYS": self._keys,
                "DOCKET_INSTANCE_PATH": self.directory, "DATABASE_URL": self.database_url,
                "REDIS_URL": self.redis_url, "XERO_BASE_URL": self.sandbox_url,
                "DOCUMENT_STORAGE_PATH": os.path.join(self.directory, "documents"),
                "XERO_CALLS_PER_MINUTE": str(self.calls_per_minute), "XERO_LIMIT_MAX_WAIT": str(self.max_wait),
                "PUBLISH_LOCK_SECONDS": str(self.lock_seconds), "PUBLISH_SWEEP_SECONDS": str(self.sweep_seconds),
                **self.extra}

    def apply(self) -> None:
        """Set the variables in this process (create_app reads them) and drop any that would point elsewhere."""
        for name in ("XERO_CLIENT_ID", "XERO_CLIENT_SECRET", "RATELIMIT_STORAGE_URI"):
            os.environ.pop(name, None)
        os.environ.update(self.variables())


def docket_app():
    """Docket's app from the environment `DocketEnv.apply` set, its database migrated."""
    from webapp import create_app, migrations
    from webapp.db import database

    app = create_app()
    with database.connection_context():
        migrations.upgrade(database.obj)
    return app


def connect_business(app, sandbox: Sandbox, tenant_id: str, tenant_name: str, *, business_name: str, email: str,
                     user_name: str, password_hash: str = "-") -> tuple[int, int]:
    """A business and its admin (who can publish; signs in with `password_hash`'s password), connected to the
    organisation as choose_organisation does (token sealed onto a Connection row), its lists refreshed by running
    the refresh job in this process. Returns (business id, user id)."""
    from jobs.sync import refresh_connection
    from webapp.accounts.models import ROLE_ADMIN, Business, Membership, User, utcnow
    from webapp.db import database
    from webapp.integrations.models import CONNECTED, Connection
    from webapp.integrations.token_store import connection_key, seal
    from webapp.jobruns.models import SUCCEEDED, JobRun
    from webapp.jobruns.service import start_run
    from webapp.xero.tokens import TokenSet

    with app.app_context():
        with database.connection_context(), database.atomic():
            business = Business.create(name=business_name)
            user = User.create(email=email, name=user_name, password_hash=password_hash)
            Membership.create(user=user, business=business, role=ROLE_ADMIN, can_publish=True)
            connection = Connection.create(business=business.id, tenant_id=tenant_id, tenant_name=tenant_name,
                                           status=CONNECTED, connected_at=utcnow())
            tokens = TokenSet.from_response(sandbox.issue_token(tenant_id))
            connection.auth_event_id = tokens.auth_event_id or ""
            for column, value in seal(app.extensions["xero"].cipher, connection_key(connection.id), tokens).items():
                setattr(connection, column, value)
            connection.save()
            run_id = start_run("refresh", business_id=business.id, requested_by=None).id
        refresh_connection(run_id)
        with database.connection_context():
            run = JobRun.get_by_id(run_id)
            if run.status != SUCCEEDED:
                raise RuntimeError(f"refresh of {business_name} did not succeed: {run.status} {run.last_error}")
    return business.id, user.id


def connect_uk(app, sandbox: Sandbox) -> tuple[int, int, str]:
    """A business connected to the sandbox's UK organisation (connect_business), its first payment method linked
    to the Business Bank Account (090). Returns (business id, user id, tenant id)."""
    from webapp.db import database
    from webapp.lists.models import Category, PaymentMethod

    tenant_id = sandbox.tenant_id()
    business_id, user_id = connect_business(app, sandbox, tenant_id, UK_ORG, business_name="Bench Publishing Ltd",
                                            email="publisher@bench.example", user_name="Bench Publisher")
    with app.app_context(), database.connection_context():
        card = PaymentMethod.select().where(PaymentMethod.business == business_id).order_by(PaymentMethod.id).first()
        card.bank_account = Category.get((Category.business == business_id) & (Category.code == "090"))
        card.save()
    return business_id, user_id, tenant_id


def shuffled_mix(items: int, shares: tuple, rng) -> list[str]:
    """`items` kinds in the given percentage `shares` ((kind, percent), ...; drafts take the rounding), shuffled."""
    counts = {kind: items * share // 100 for kind, share in shares}
    counts["draft"] += items - sum(counts.values())
    mix = [kind for kind, count in counts.items() for _ in range(count)]
    rng.shuffle(mix)
    return mix


# Costs only (the UK organisation's suppliers); (publish_to, publish_as, paid) for each kind.
KINDS = {"draft": ("purchases", "draft", False), "awaiting payment": ("purchases", "awaiting_payment", False),
         "paid bill": ("purchases", "paid", True), "spend money": ("bank", "", True)}
SUPPLIERS = ("Travis Perkins", "Jewson Ltd", "Screwfix Direct", "Howdens Joinery", "British Gas", "BT Business",
             "Royal Mail Group", "Toolstation", "Octopus Energy", "DPD UK")
DAY = date(2026, 5, 14)  # after the UK organisation's lock date (31 Mar 2026)


def pdf_bytes(text: str) -> bytes:
    from tests.items_helpers import pdf_bytes as make

    return make(text)


def make_items(app, business_id: int, mix: list[str], *, first_total: int = 100) -> list[int]:
    """One Ready item per entry of `mix` (a KINDS key), each with its own PDF document stored on disk, coded with
    the UK organisation's General Expenses (429) at 20% VAT on Expenses (INPUT2), suppliers in turn, and a total
    no other item has (first_total + n + n/100), so a duplicate in Xero shows by contact and total too."""
    from webapp.db import database
    from webapp.items import storage
    from webapp.items.amounts import tax_in_total
    from webapp.items.models import Document, Item
    from webapp.lists.models import Category, Contact, PaymentMethod, TaxRate

    ids = []
    with app.app_context(), database.connection_context(), database.atomic():
        category = Category.get((Category.business == business_id) & (Category.code == "429"))
        rate = TaxRate.get((TaxRate.business == business_id) & (TaxRate.xero_id == "INPUT2"))
        contacts = [Contact.get((Contact.business == business_id) & (Contact.name == name)) for name in SUPPLIERS]
        card = PaymentMethod.select().where(PaymentMethod.business == business_id).order_by(PaymentMethod.id).first()
        for n, kind in enumerate(mix):
            publish_to, publish_as, paid = KINDS[kind]
            total = Decimal(first_total + n) + Decimal(n % 100) / 100
            tax = tax_in_total(total, rate)
            content = pdf_bytes(f"Bench bill {n} {kind} {total}")
            sha256 = hashlib.sha256(content).hexdigest()
            key = storage.save(sha256, content)
            document = Document.create(business=business_id, sha256=sha256, filename=f"bill-{n:04d}.pdf",
                                       content_type="application/pdf", size=len(content), page_count=1,
                                       storage_key=key)
            item = Item.create(business=business_id, workspace="costs", type="invoice", status="ready",
                               document=document, currency="GBP", date=DAY, contact=contacts[n % len(contacts)],
                               reference=f"BENCH-{n:04d}", total=total, net=total - tax, tax=tax,
                               category=category, tax_rate=rate, publish_to=publish_to, publish_as=publish_as,
                               paid=paid, payment_method=card if paid else None)
            ids.append(item.id)
    return ids


NEW_SUPPLIER = "Drill New Supplier"


def name_new_suppliers(app, business_id: int, user_id: int, item_ids: list[int], names: int) -> dict[int, str]:
    """Every third item gets one of `names` suppliers Xero doesn't have ("Drill New Supplier 0", …), typed as a
    person types it on Item details (editing.edit_field); returns item id -> name."""
    from webapp.db import database
    from webapp.items import editing, queries

    named = {}
    with app.app_context(), database.connection_context():
        for n, item_id in enumerate(item_ids):
            if names and n % 3 == 0:
                name = f"{NEW_SUPPLIER} {n % names}"
                edit = editing.edit_field(queries.item(business_id, item_id), "contact", name, user_id=user_id)
                assert not edit.error, edit.error
                named[item_id] = name
    return named


def new_suppliers_in_xero(app, business_id: int) -> Counter:
    """How many contacts of each "Drill New Supplier …" name the organisation has, as Xero's API answers."""
    from webapp.db import database
    from webapp.integrations.models import Connection
    from webapp.integrations.xero_access import xero

    with app.app_context(), database.connection_context():
        client = xero().client_for(Connection.for_business(business_id))
        found = client.get("Contacts", params={"where": f'Name.StartsWith("{NEW_SUPPLIER}")'})["Contacts"]
    return Counter(contact["Name"] for contact in found)


def request_bulk(app, business_id: int, user_id: int, item_ids: list[int]):
    """service.request_bulk on the items, as the Inbox's bulk Publish does; returns (outcome, run id)."""
    from webapp.db import database
    from webapp.items.models import Item
    from webapp.jobruns.models import JobRun
    from webapp.publishing.service import request_bulk as bulk

    with app.app_context(), database.connection_context():
        items = list(Item.select().where(Item.id.in_(item_ids)).order_by(Item.id))
        outcome = bulk(items, user_id=user_id, business_id=business_id)
        run = JobRun.select().where(JobRun.kind == "publish").order_by(JobRun.id.desc()).first()
    return outcome, run.id if run else None


# --- workers --------------------------------------------------------------------------------------

def log_size(path: str) -> int:
    try:
        with open(path, "rb") as log:
            return len(log.read())
    except FileNotFoundError:
        return 0


def descendants(pid: int) -> list[int]:
    """Every process under `pid` (children, grandchildren...), from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class Worker:
    """One `python -m jobs.worker publishing` process (or of other `queues`) in its own process group, output to a
    log file."""

    def __init__(self, env: dict, log_path: str, burst: bool = False, queues: tuple[str, ...] = ("publishing",)):
        self.log_path = log_path
        self.log = open(log_path, "ab")
        args = [sys.executable, "-m", "jobs.worker", *queues] + (["--burst"] if burst else [])
        self.started = time.time()
        self.process = subprocess.Popen(args, cwd=ROOT, env={**os.environ, **env}, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def alive(self) -> bool:
        return self.process.poll() is None

    def first_job(self, offset: int, marker: bytes, timeout: float) -> float | None:
        """When the worker logged `marker` (its first job of that kind) after `offset` of the log, or None when it
        had none within `timeout` seconds of starting."""
        deadline = self.started + timeout
        while time.time() < deadline:
            with open(self.log_path, "rb") as log:
                log.seek(offset)
                if marker in log.read():
                    return time.time()
            if not self.alive():
                raise SystemExit("a worker stopped on its own: see its log")
            time.sleep(0.02)
        return None

    def kill(self) -> None:
        """SIGKILL the worker and every process under it, as when its machine or container dies: its scheduler (in
        its process group) and its work horse (RQ moves the horse to a process group of its own, so a kill of the
        worker's group alone would leave the horse to finish its job). The worker is stopped first, so it can
        neither fork a new horse nor react to its horse's death while the tree is being killed."""
        pid = self.process.pid
        try:
            os.kill(pid, signal.SIGSTOP)
            tree = [pid, *descendants(pid)]
            for member in tree[1:]:
                os.kill(member, signal.SIGSTOP)
            for member in tree:
                os.kill(member, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.killpg(pid, signal.SIGKILL)  # anything left in the worker's own group
        except ProcessLookupError:
            pass
        self.process.wait()
        self.log.close()

    def stop(self, timeout: float = 20) -> None:
        """A warm shutdown (SIGTERM: the job at hand finishes), then SIGKILL of what is left if it takes too long."""
        if self.alive():
            try:
                os.kill(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        self.kill()


# --- state and checks -----------------------------------------------------------------------------

def attempt_states(app, run_id: int) -> Counter:
    from webapp.db import database
    from webapp.publishing.models import PublishAttempt

    with app.app_context(), database.connection_context():
        return Counter(a.state for a in PublishAttempt.select(PublishAttempt.state).where(PublishAttempt.run == run_id))


def run_finished(app, run_id: int) -> bool:
    from webapp.db import database
    from webapp.jobruns.models import ACTIVE_STATUSES, JobRun

    with app.app_context(), database.connection_context():
        return JobRun.get_by_id(run_id).status not in ACTIVE_STATUSES


def wait_for_run(app, run_id: int, timeout: float, alive=lambda: True, poll: float = 0.5) -> bool:
    """True once the publishing run has finished (every attempt done or failed), False on timeout."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if run_finished(app, run_id):
            return True
        if not alive():
            return False
        time.sleep(poll)
    return False


@dataclass
class Verdict:
    problems: list = field(default_factory=list)  # duplicates, losses, wrong states: WRONG
    facts: dict = field(default_factory=dict)


def check_published(app, sandbox: Sandbox, tenant_id: str, run_id: int, item_ids: list[int],
                    mix: list[str], attachments: bool = True) -> Verdict:
    """Every item published once: Docket's items, attempts and run, and the sandbox's documents (counted by the
    attempt's Url marker and by contact and total), each with exactly one attachment; paid bills paid once."""
    from webapp.db import database
    from webapp.items.models import Item
    from webapp.jobruns.models import JobRun
    from webapp.publishing.models import DONE, PublishAttempt

    verdict = Verdict()
    problems = verdict.problems
    with app.app_context(), database.connection_context():
        items = {i.id: i for i in Item.select().where(Item.id.in_(item_ids))}
        attempts = list(PublishAttempt.select().where(PublishAttempt.run == run_id))
        run = JobRun.get_by_id(run_id)
        public_url = app.config["PUBLIC_URL"]
        contacts = {i.id: i.contact.name for i in items.values()}
    kinds = dict(zip(item_ids, mix))
    n = len(item_ids)

    not_published = [i for i in items.values() if i.status != "published"]
    if not_published:
        problems.append(f"{len(not_published)} of {n} items not published: " + ", ".join(
            f"#{i.id} {i.status} {i.publish_message[:80]!r}" for i in not_published[:5]))
    per_item = Counter(a.item_id for a in attempts)
    if len(attempts) != n or any(count != 1 for count in per_item.values()):
        problems.append(f"{len(attempts)} attempts for {n} items")
    not_done = Counter(a.state for a in attempts if a.state != DONE)
    if not_done:
        problems.append(f"attempts not done: {dict(not_done)}")
    expected_summary = f"Published {n} of {n}."
    verdict.facts["run"] = f"{run.status}: {run.summary or run.last_error!r} (progress {run.progress_done}/" \
                           f"{run.progress_total})"
    if run.summary != expected_summary or run.status != "succeeded":
        problems.append(f"job run says {run.status} {run.summary or run.last_error!r}, expected {expected_summary!r}")

    documents = sandbox.documents(tenant_id)
    urls, payments = sandbox.urls_and_payments(tenant_id)
    verdict.facts["documents"] = len(documents)
    if len(documents) != n:
        problems.append(f"the sandbox has {len(documents)} documents, expected {n}")
    by_url = Counter(urls.get(d["id"]) for d in documents)
    duplicated_urls = {url: count for url, count in by_url.items() if count > 1}
    if duplicated_urls:
        problems.append(f"{len(duplicated_urls)} Url markers on more than one document: "
                        + ", ".join(f"{url} ×{count}" for url, count in list(duplicated_urls.items())[:5]))
    expected_urls = {f"{public_url}/b/{a.business_id}/items/{a.item_id}?publish={a.idempotency_key}": a.item_id
                     for a in attempts}
    missing = [item for url, item in expected_urls.items() if url not in by_url]
    if missing:
        problems.append(f"{len(missing)} items have no document with their attempt's Url: {missing[:10]}")
    by_total = Counter((d["contact"], d["total"]) for d in documents)
    duplicated_totals = {key: count for key, count in by_total.items() if count > 1}
    if duplicated_totals:
        problems.append(f"{len(duplicated_totals)} (contact, total) pairs on more than one document: "
                        + ", ".join(f"{k} ×{c}" for k, c in list(duplicated_totals.items())[:5]))
    expected_totals = {(contacts[i], f"{Decimal(items[i].total):.2f}") for i in item_ids}
    if set(by_total) != expected_totals:
        problems.append(f"documents' (contact, total) differ from the items': {len(set(by_total) - expected_totals)} "
                        f"unexpected, {len(expected_totals - set(by_total))} missing")
    if attachments:
        wrong = [d for d in documents if len(d["attachments"]) != 1]
        if wrong:
            problems.append(f"{len(wrong)} documents without exactly one attachment: "
                            + ", ".join(f"{d['id']} has {len(d['attachments'])}" for d in wrong[:5]))
    by_id = {d["id"]: d for d in documents}
    for item_id in item_ids:
        item = items[item_id]
        document = by_id.get(item.xero_id)
        if document is None:
            if item.status == "published":
                problems.append(f"item #{item_id}'s xero_id {item.xero_id} is not in the sandbox")
            continue
        kind = kinds[item_id]
        if kind == "paid bill":
            if payments.get(document["id"], 0) != 1 or document["amountDue"] != "0.00" or document["status"] != "PAID":
                problems.append(f"paid bill #{item_id}: {payments.get(document['id'], 0)} payments, amount due "
                                f"{document['amountDue']}, status {document['status']}")
        elif payments.get(document["id"]):
            problems.append(f"{kind} #{item_id} has {payments[document['id']]} payments")
        expected_type = "SPEND" if kind == "spend money" else "ACCPAY"
        if document["type"] != expected_type:
            problems.append(f"item #{item_id} ({kind}) is a {document['type']} in the sandbox")
    verdict.facts["payments"] = sum(payments.values())
    return verdict


def calls_table(calls: list[Call], items: int) -> list[tuple]:
    """Rows (kind, calls, per item, 429s) for the calls that got an answer other than 429, by kind."""
    answered = Counter(c.kind for c in calls if c.status != 429)
    refused = Counter(c.kind for c in calls if c.status == 429)
    rows = [("kind", "calls", "per item", "429s")]
    for kind in sorted(set(answered) | set(refused), key=lambda k: -answered.get(k, 0)):
        count = answered.get(kind, 0)
        rows.append((kind, str(count), f"{count / items:.3f}", str(refused.get(kind, 0))))
    total = sum(answered.values())
    rows.append(("all", str(total), f"{total / items:.3f}", str(sum(refused.values()))))
    return rows


def busiest_minute(calls: list[Call]) -> int:
    """The most calls (429s excluded) in any 60-second window."""
    times = sorted(c.at for c in calls if c.status != 429)
    best, start = 0, 0
    for end, moment in enumerate(times):
        while times[start] <= moment - 60:
            start += 1
        best = max(best, end - start + 1)
    return best


# --- people ---------------------------------------------------------------------------------------

def add_publisher(app, business_id: int, email: str, password: str) -> int:
    """A member of the business who can sign in through the login form and publish (admin, "Can publish")."""
    from webapp.accounts.models import ROLE_ADMIN, Membership, User
    from webapp.auth.service import hash_password
    from webapp.db import database

    with app.app_context(), database.connection_context(), database.atomic():
        user = User.create(email=email, name=email.split("@")[0], password_hash=hash_password(password))
        Membership.create(user=user, business=business_id, role=ROLE_ADMIN, can_publish=True)
    return user.id
