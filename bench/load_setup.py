"""The load benchmark's data and its closing check: businesses, each with its own admin and its own sandbox
organisation (lists refreshed), coded bills with their documents; afterwards, every item a bookkeeper published
is in its organisation exactly once, and no other item is."""
import hashlib
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from bench import publish_env
from bench.publish_env import DAY, Sandbox, pdf_bytes

ORG_CONTACTS = 40  # create_large_organisation makes the even-numbered ones suppliers: 20 each
MIX = ("draft", "awaiting_payment")  # publish_as, in turn: one create and one attachment call each


@dataclass
class LoadBusiness:
    id: int
    email: str
    tenant_id: str
    tenant_name: str
    item_ids: list = field(default_factory=list)


def create_organisations(sandbox: Sandbox, count: int) -> list[tuple[str, str]]:
    """`count` UK-style organisations in the sandbox (its chart, VAT rates, ORG_CONTACTS contacts); (tenant id,
    name) each."""
    from xero_sandbox.accounting.seed import create_large_organisation

    names = [f"Load Test Joinery {n} Ltd" for n in range(1, count + 1)]
    with sandbox.app.app_context(), sandbox.db.connection_context():
        return [(create_large_organisation(name, contacts=ORG_CONTACTS, accounts=0), name) for name in names]


def connect_business(app, sandbox: Sandbox, tenant_id: str, tenant_name: str, n: int,
                     password_hash: str) -> LoadBusiness:
    """Business n and its bookkeeper (an admin who can publish), connected with its lists refreshed."""
    email = f"bookkeeper{n}@load.example"
    business_id, _ = publish_env.connect_business(app, sandbox, tenant_id, tenant_name,
                                                  business_name=f"Load Business {n}", email=email,
                                                  user_name=f"Load Bookkeeper {n}", password_hash=password_hash)
    return LoadBusiness(business_id, email, tenant_id, tenant_name)


def make_bills(app, business_id: int, count: int) -> list[int]:
    """`count` Ready bills, each with its own PDF stored on disk, coded with General Expenses (429) at 20% VAT on
    Expenses (INPUT2), the organisation's suppliers in turn, draft and awaiting payment in turn, and a total no
    other bill of the business has (so a duplicate in Xero shows by contact and total too)."""
    from webapp.db import database
    from webapp.items import storage
    from webapp.items.amounts import tax_in_total
    from webapp.items.models import Document, Item
    from webapp.lists.models import Category, Contact, TaxRate

    ids = []
    with app.app_context(), database.connection_context(), database.atomic():
        category = Category.get((Category.business == business_id) & (Category.code == "429"))
        rate = TaxRate.get((TaxRate.business == business_id) & (TaxRate.xero_id == "INPUT2"))
        suppliers = list(Contact.select().where((Contact.business == business_id) & Contact.is_supplier)
                         .order_by(Contact.name))
        for n in range(count):
            total = Decimal(100 + n) + Decimal(n % 100) / 100
            tax = tax_in_total(total, rate)
            content = pdf_bytes(f"Load bill {business_id}-{n} {total}")
            sha256 = hashlib.sha256(content).hexdigest()
            document = Document.create(business=business_id, sha256=sha256, filename=f"bill-{n:04d}.pdf",
                                       content_type="application/pdf", size=len(content), page_count=1,
                                       storage_key=storage.save(sha256, content))
            item = Item.create(business=business_id, workspace="costs", type="invoice", status="ready",
                               document=document, currency="GBP", date=DAY, contact=suppliers[n % len(suppliers)],
                               reference=f"LOAD-{business_id}-{n:04d}", total=total, net=total - tax, tax=tax,
                               category=category, tax_rate=rate, publish_to="purchases", publish_as=MIX[n % 2])
            ids.append(item.id)
    return ids


def analyze(app) -> None:
    """Planner statistics for the freshly seeded tables, as autovacuum would gather them in production (it is off
    on this server; bench/README, items_pages finding 1)."""
    from webapp.db import database

    with app.app_context(), database.connection_context():
        database.execute_sql("ANALYZE")


def wait_until_published(app, item_ids: list[int], timeout: float) -> bool:
    """True once none of the items is still publishing (each attempt done or failed), False on timeout."""
    from webapp.db import database
    from webapp.items.models import Item

    deadline = time.time() + timeout
    while time.time() < deadline:
        with app.app_context(), database.connection_context():
            if not Item.select().where(Item.id.in_(item_ids) & (Item.status == "publishing")).exists():
                return True
        time.sleep(0.5)
    return False


@dataclass
class Outcome:
    problems: list = field(default_factory=list)  # WRONG
    duplicates: int = 0
    lost: int = 0
    documents: int = 0
    publish_seconds: list = field(default_factory=list)  # each attempt, created to done


def check_published(app, sandbox: Sandbox, businesses: list[LoadBusiness], pressed: set[int]) -> Outcome:
    """The items the bookkeepers published (`pressed`: Publish answered 200) each have one attempt, done, and one
    document in their organisation, found by the attempt's Url marker and by (contact, total), with one attachment;
    no other item has an attempt or a document."""
    from webapp.db import database
    from webapp.items.models import Item
    from webapp.publishing.models import DONE, PublishAttempt

    outcome = Outcome()
    with app.app_context(), database.connection_context():
        public_url = app.config["PUBLIC_URL"]
        for business in businesses:
            items = {i.id: i for i in Item.select().where(Item.business == business.id)}
            attempts = list(PublishAttempt.select().where(PublishAttempt.business == business.id))
            contacts = {i.id: i.contact.name for i in items.values()}
            _check_business(outcome, business, items, attempts, contacts, pressed & set(items), sandbox, public_url,
                            DONE)
    return outcome


def _check_business(outcome, business, items, attempts, contacts, published, sandbox, public_url, done) -> None:
    say = outcome.problems.append
    per_item = Counter(a.item_id for a in attempts)
    if unexpected := set(per_item) - published:
        say(f"business {business.id}: {len(unexpected)} items have attempts but Publish was never pressed: "
            f"{sorted(unexpected)[:10]}")
    if several := [i for i, count in per_item.items() if count > 1]:
        say(f"business {business.id}: {len(several)} items with more than one attempt: {several[:10]}")
    if not_done := Counter(a.state for a in attempts if a.state != done):
        say(f"business {business.id}: attempts not done: {dict(not_done)}")
    if not_published := [i for i in published if items[i].status != "published"]:
        say(f"business {business.id}: {len(not_published)} items pressed but not published: " + ", ".join(
            f"#{i} {items[i].status} {items[i].publish_message[:60]!r}" for i in not_published[:5]))
    if others := [i for i, item in items.items() if i not in published and item.status != "ready"]:
        say(f"business {business.id}: {len(others)} items never published are not Ready: {others[:10]}")
    outcome.publish_seconds += [(a.updated_at - a.created_at).total_seconds() for a in attempts if a.state == done]

    documents = sandbox.documents(business.tenant_id)
    urls, payments = sandbox.urls_and_payments(business.tenant_id)
    outcome.documents += len(documents)
    by_url = Counter(urls.get(d["id"]) for d in documents)
    expected = {f"{public_url}/b/{a.business_id}/items/{a.item_id}?publish={a.idempotency_key}": a.item_id
                for a in attempts}
    duplicates = sum(count - 1 for count in by_url.values() if count > 1) + sum(
        count for url, count in by_url.items() if url not in expected)
    by_total = Counter((d["contact"], d["total"]) for d in documents)
    duplicates = max(duplicates, sum(count - 1 for count in by_total.values() if count > 1))
    lost = len(published - {expected[url] for url in by_url if url in expected})
    outcome.duplicates += duplicates
    outcome.lost += lost
    if duplicates:
        say(f"business {business.id}: {duplicates} duplicate documents in {business.tenant_name}")
    if lost:
        say(f"business {business.id}: {lost} published items have no document in {business.tenant_name}")
    wanted_totals = {(contacts[i], f"{Decimal(items[i].total):.2f}") for i in published}
    if set(by_total) != wanted_totals:
        say(f"business {business.id}: documents' (contact, total) differ from the published items': "
            f"{len(set(by_total) - wanted_totals)} unexpected, {len(wanted_totals - set(by_total))} missing")
    if wrong := [d for d in documents if len(d["attachments"]) != 1]:
        say(f"business {business.id}: {len(wrong)} documents without exactly one attachment")
    if paid := sum(payments.values()):
        say(f"business {business.id}: {paid} payments, expected none (no paid bills)")
    by_id = {d["id"] for d in documents}
    if strays := [i for i in published if items[i].status == "published" and items[i].xero_id not in by_id]:
        say(f"business {business.id}: {len(strays)} items' xero_id is not in the sandbox: {strays[:10]}")
