"""Publishing to the sandbox: every destination with its document attached, checks before any call, permissions,
clear messages, bulk runs, publishing again, and never a second document in Xero."""
import io
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
import requests

from jobs.publishing import SWEEP_DUE, publish_attempt, publish_batch, sweep
from jobs.worker import DocketWorker
from tests import xero_helpers as xh
from tests.items_helpers import make_coded_item, make_contact, make_item, pdf_bytes
from tests.publishing_helpers import coded, sandbox_creates, sandbox_documents, uk, work  # noqa: F401
from webapp.accounts.models import Membership, utcnow
from webapp.integrations.xero_access import xero
from webapp.items.models import Item
from webapp.jobruns.models import JobRun
from webapp.lists.models import Category, Contact, PaymentMethod, TaxRate
from webapp.publishing import publisher
from webapp.rules.models import ContactRule
from webapp.xero.client import XeroClient
from webapp.publishing.models import DONE, PublishAttempt, PublishingSettings
from webapp.queues import get_queue
from webapp.redis_conn import get_redis


def _publish(client, item):
    return client.form(f"/b/{item.business_id}/items/{item.id}/publish")


def _tenant(sandbox):
    return xh.tenant_ids(sandbox.url)[xh.UK_ORG]


def _fresh(item):
    return Item.get_by_id(item.id)


@pytest.mark.parametrize("fields, xero_type, status", [
    ({"publish_to": "purchases", "publish_as": "draft"}, "ACCPAY", "DRAFT"),
    ({"publish_to": "purchases", "publish_as": "awaiting_approval"}, "ACCPAY", "SUBMITTED"),
    ({"publish_to": "purchases", "publish_as": "awaiting_payment"}, "ACCPAY", "AUTHORISED"),
    ({"publish_to": "purchases", "publish_as": "paid", "paid": True}, "ACCPAY", "PAID"),
    ({"publish_to": "bank", "publish_as": "", "paid": True}, "SPEND", "AUTHORISED"),
    ({"type": "credit_note", "publish_to": "purchases", "publish_as": "awaiting_payment"}, "ACCPAYCREDIT",
     "AUTHORISED"),
])
def test_each_cost_destination_lands_in_xero_with_its_document(xero_app, admin_client, uk, sandbox, fields,
                                                                xero_type, status):
    card = PaymentMethod.get(PaymentMethod.business == uk)
    item = coded(xero_app, uk, payment_method=card, **fields)
    assert _publish(admin_client, item).status_code == 303
    assert _fresh(item).status == "publishing"
    work(xero_app)
    published = _fresh(item)
    assert published.status == "published" and published.publish_message == ""
    [document] = sandbox_documents(sandbox, _tenant(sandbox))
    assert (document["type"], document["status"], document["total"]) == (xero_type, status, "120.00")
    assert [a["fileName"] for a in document["attachments"]] == [item.document.filename]
    assert published.xero_id == document["id"] and published.xero_url.endswith(f"#document-{document['id']}")
    page = admin_client.get(f"/b/{uk}/items/{item.id}").text
    assert "Open in Xero" in page and published.xero_url in page
    assert "Ready to publish" not in page and "Nothing here that Xero would reject." in page  # it's published


def test_the_document_goes_as_octet_stream_and_xero_types_it_by_its_name(xero_app, admin_client, uk, sandbox):
    uploads = []
    xero_app.extensions["xero"].http.hooks["response"].append(
        lambda response, *args, **kwargs: uploads.append(response.request) if "/Attachments/" in response.url else None)
    item = coded(xero_app, uk)
    _publish(admin_client, item)
    work(xero_app)
    assert [(r.method, r.headers["Content-Type"]) for r in uploads] == [("POST", "application/octet-stream")]
    [document] = sandbox_documents(sandbox, _tenant(sandbox))
    assert document["attachments"][0]["mimeType"] == "application/pdf"


@pytest.mark.parametrize("fields, xero_type", [
    ({"publish_to": "sales", "publish_as": "awaiting_payment"}, "ACCREC"),
    ({"publish_to": "bank", "publish_as": "", "paid": True}, "RECEIVE"),
    ({"type": "credit_note", "publish_to": "sales", "publish_as": "draft"}, "ACCRECCREDIT"),
])
def test_sales_destinations(xero_app, admin_client, uk, sandbox, fields, xero_type):
    card = PaymentMethod.get(PaymentMethod.business == uk)
    item = coded(xero_app, uk, workspace="sales", contact="Bramley Homes", code="200", tax="OUTPUT2",
                 payment_method=card, **fields)
    _publish(admin_client, item)
    work(xero_app)
    [document] = sandbox_documents(sandbox, _tenant(sandbox))
    assert document["type"] == xero_type and document["total"] == "120.00"
    assert _fresh(item).status == "published"


def test_a_sales_invoice_arrives_in_xero_with_its_own_number(xero_app, admin_client, uk, sandbox):
    """SI-1007 stays SI-1007 (Xero would number it INV-0001); a second SI-1007 is refused, and says why."""
    first = coded(xero_app, uk, workspace="sales", contact="Bramley Homes", code="200", tax="OUTPUT2",
                  publish_to="sales", publish_as="awaiting_payment", reference="SI-1007", text="first sale")
    admin_client.form(f"/b/{uk}/items/{first.id}/publish")
    work(xero_app)
    assert _fresh(first).status == "published"
    [document] = sandbox_documents(sandbox, _tenant(sandbox))
    assert (document["type"], document["number"]) == ("ACCREC", "SI-1007")
    again = coded(xero_app, uk, workspace="sales", contact="Bramley Homes", code="200", tax="OUTPUT2",
                  publish_to="sales", publish_as="awaiting_payment", reference="SI-1007", total="99.00",
                  day=date(2026, 5, 20), text="second sale")
    admin_client.form(f"/b/{uk}/items/{again.id}/publish")
    work(xero_app)
    refused = _fresh(again)
    assert refused.status == "failed" and "Xero already has a sales invoice with this number" in refused.publish_message
    assert len(sandbox_documents(sandbox, _tenant(sandbox))) == 1



def test_publish_then_open_the_next_item_of_the_tab(xero_app, admin_client, uk):
    older = coded(xero_app, uk, day=date(2026, 5, 1), text="older")
    newer = coded(xero_app, uk, day=date(2026, 5, 2), text="newer")
    then_next = {"then": "next", "queue": "queue=ready&sort=-created"}
    answer = admin_client.form(f"/b/{uk}/items/{newer.id}/publish", then_next)
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/b/{uk}/items/{older.id}?queue=ready"
    assert _fresh(newer).status == "publishing"
    assert "in the background" in admin_client.get(answer.headers["Location"]).text
    last = admin_client.hx("POST", f"/b/{uk}/items/{older.id}/publish", data=then_next, target="item-publish")
    assert "HX-Redirect" not in last.headers and "Publishing…" in last.text  # nothing after it: stay and watch
    assert _fresh(older).status == "publishing"

def test_a_lock_date_blocks_before_any_call(xero_app, admin_client, uk, sandbox):
    item = coded(xero_app, uk, day=date(2026, 3, 20), publish_as="awaiting_payment")
    response = admin_client.form(f"/b/{uk}/items/{item.id}/publish", follow_redirects=True)
    assert ("on or before Xero's period lock date 31 Mar 2026: publish as Draft or Awaiting approval, or change the "
            "date") in response.text.replace("&#39;", "'")
    assert _fresh(item).status == "inbox"  # the lock date is one of the checks: never Ready
    assert not PublishAttempt.select().exists() and sandbox_documents(sandbox, _tenant(sandbox)) == []


def test_docket_lock_date_stops_publishing_into_a_closed_period(xero_app, admin_client, uk, sandbox):
    PublishingSettings.create(business=uk, docket_lock_date=date(2026, 6, 30))
    item = coded(xero_app, uk, day=date(2026, 6, 1))
    page = admin_client.form(f"/b/{uk}/items/{item.id}/publish", follow_redirects=True).text
    assert "on or before Docket's lock date 30 Jun 2026" in page.replace("&#39;", "'")
    assert sandbox_documents(sandbox, _tenant(sandbox)) == []


def test_the_checks_panel_shows_the_docket_lock_date_before_anyone_presses_publish(xero_app, admin_client, uk):
    PublishingSettings.create(business=uk, docket_lock_date=date(2026, 6, 30))
    item = coded(xero_app, uk, day=date(2026, 7, 1))
    response = admin_client.hx("POST", f"/b/{uk}/items/{item.id}/fields/date", data={"value": "2026-06-01"})
    assert response.status_code == 200 and _fresh(item).status == "inbox"  # no longer Ready
    page = admin_client.get(f"/b/{uk}/items/{item.id}").text.replace("&#39;", "'")
    assert "The date 01 Jun 2026 is on or before Docket's lock date 30 Jun 2026" in page


def test_the_publish_panel_of_an_item_not_publishing_stops_its_polling(xero_app, admin_client, uk):
    item = coded(xero_app, uk)
    answer = admin_client.hx("GET", f"/b/{uk}/items/{item.id}/publish")
    assert answer.status_code == 286  # htmx's "stop polling", with the panel and its Publish button
    assert 'class="button primary">Publish</button>' in answer.text


def test_only_publishers_may_publish(xero_app, standard_client, standard, uk, admin):
    item = coded(xero_app, uk)
    Membership.update(business=uk).where(Membership.id == standard.id).execute()
    assert standard_client.form(f"/b/{uk}/items/{item.id}/publish").status_code == 403
    assert "Ask an admin to publish this item" in standard_client.get(f"/b/{uk}/items/{item.id}").text
    Membership.update(can_publish=True).where(Membership.id == standard.id).execute()
    assert standard_client.form(f"/b/{uk}/items/{item.id}/publish").status_code == 303


def test_xero_refusal_becomes_a_plain_message_that_clears_on_success(xero_app, admin_client, uk, sandbox):
    item = coded(xero_app, uk, code="449")
    account_id = item.category.xero_id
    requests.put(f"{sandbox.url}/operator/api/accounts/{account_id}/status", json={"status": "ARCHIVED"},
                 timeout=10).raise_for_status()
    _publish(admin_client, item)
    work(xero_app)
    failed = _fresh(item)
    assert failed.status == "failed" and "archived" in failed.publish_message.lower()
    assert "Not published." in admin_client.get(f"/b/{uk}/items/{item.id}").text
    requests.put(f"{sandbox.url}/operator/api/accounts/{account_id}/status", json={"status": "ACTIVE"},
                 timeout=10).raise_for_status()
    _publish(admin_client, item)
    work(xero_app)
    assert _fresh(item).status == "published" and _fresh(item).publish_message == ""


def test_bulk_publish_creates_documents_together_and_reports_the_run(xero_app, admin_client, uk, sandbox):
    items = [coded(xero_app, uk, total=f"{10 + n}.00") for n in range(3)]
    blocked = coded(xero_app, uk, day=date(2026, 3, 1), publish_as="awaiting_payment")
    response = admin_client.hx("POST", f"/b/{uk}/inbox/costs/publish",
                               data={"item": [item.id for item in items] + [blocked.id]})
    assert response.headers["HX-Redirect"] == "/b/%d/inbox/costs" % uk
    run = JobRun.get(JobRun.kind == "publish")
    assert run.progress_total == 3
    assert "Publishing 0 of 3" in admin_client.get(f"/b/{uk}/inbox/costs").text
    with xero_app.app_context():
        xero().limiter.pause(_tenant(sandbox), time.time() + 1, "minute")
    assert "Xero asked us to wait; publishing resumes at" in admin_client.get(f"/b/{uk}/inbox/costs").text
    time.sleep(1)
    work(xero_app)
    documents = sandbox_documents(sandbox, _tenant(sandbox))
    assert sorted(d["total"] for d in documents) == ["10.00", "11.00", "12.00"]
    assert all(len(d["attachments"]) == 1 for d in documents)
    assert JobRun.get_by_id(run.id).summary == "Published 3 of 3."
    assert _fresh(blocked).status == "inbox"  # the lock date is one of its checks: it never went


def _cut_short_at(monkeypatch, target, name):
    def killed(*args, **kwargs):
        raise SystemExit(f"worker killed in {name}")
    monkeypatch.setattr(target, name, killed)


@pytest.mark.parametrize("where", ["before the call", "after Xero created it", "before the attachment"])
def test_a_run_cut_short_anywhere_ends_with_exactly_one_document(xero_app, admin_client, uk, sandbox, monkeypatch,
                                                                 where):
    item = coded(xero_app, uk, publish_as="paid", paid=True, payment_method=PaymentMethod.get(business=uk))
    _publish(admin_client, item)
    target, name = {"before the call": (XeroClient, "put"), "after Xero created it": (publisher, "record_created"),
                    "before the attachment": (publisher.Publisher, "_attach")}[where]
    _cut_short_at(monkeypatch, target, name)
    attempt = PublishAttempt.get()
    with xero_app.app_context(), pytest.raises(SystemExit):
        publish_attempt(attempt.id)
    monkeypatch.undo()
    assert PublishAttempt.get_by_id(attempt.id).state != DONE
    PublishAttempt.update(updated_at=utcnow() - publisher.LANDING_WINDOW).execute()  # a lost call can't land now
    work(xero_app)  # the job still queued carries on from the saved state
    with xero_app.app_context():
        publish_attempt(attempt.id)  # a second worker picking the same attempt up changes nothing
    [document] = sandbox_documents(sandbox, _tenant(sandbox))
    assert len(document["attachments"]) == 1 and document["status"] == "PAID" and document["amountDue"] == "0.00"
    assert PublishAttempt.get_by_id(attempt.id).state == DONE and _fresh(item).xero_id == document["id"]


def test_publishing_again_updates_a_draft_and_says_when_xero_no_longer_allows_it(xero_app, admin_client, uk,
                                                                                  sandbox):
    item = coded(xero_app, uk, publish_as="draft")
    _publish(admin_client, item)
    work(xero_app)
    first_id = _fresh(item).xero_id
    admin_client.form(f"/b/{uk}/items/{item.id}/reopen")
    admin_client.hx("POST", f"/b/{uk}/items/{item.id}/fields/reference", data={"value": "INV-CHANGED"})
    admin_client.hx("POST", f"/b/{uk}/items/{item.id}/fields/publish_as", data={"value": "awaiting_payment"})
    _publish(admin_client, item)
    work(xero_app)
    [document] = sandbox_documents(sandbox, _tenant(sandbox))
    assert (document["id"], document["number"], document["status"]) == (first_id, "INV-CHANGED", "AUTHORISED")
    admin_client.form(f"/b/{uk}/items/{item.id}/reopen")
    admin_client.hx("POST", f"/b/{uk}/items/{item.id}/fields/reference", data={"value": "INV-AGAIN"})
    _publish(admin_client, item)
    work(xero_app)
    refused = _fresh(item)
    assert refused.status == "failed" and "clear publishing data" in refused.publish_message.lower()
    assert len(sandbox_documents(sandbox, _tenant(sandbox))) == 1


def test_unarchive_and_clear_publishing_data_allows_a_new_document(xero_app, admin_client, uk, sandbox):
    item = coded(xero_app, uk, publish_as="awaiting_payment")
    _publish(admin_client, item)
    work(xero_app)
    first_id = _fresh(item).xero_id
    admin_client.form(f"/b/{uk}/items/{item.id}/reopen")
    admin_client.hx("POST", f"/b/{uk}/items/{item.id}/fields/reference", data={"value": "INV-CHANGED"})
    _publish(admin_client, item)
    work(xero_app)
    assert _fresh(item).status == "failed"  # the bill in Xero is no longer a draft
    admin_client.form(f"/b/{uk}/items/{item.id}/archive")
    admin_client.form(f"/b/{uk}/items/{item.id}/clear-publishing")
    cleared = _fresh(item)
    assert (cleared.status, cleared.xero_id) == ("ready", "")
    _publish(admin_client, item)
    work(xero_app)
    second_id = _fresh(item).xero_id
    assert second_id not in ("", first_id) and _fresh(item).status == "published"
    assert {d["id"] for d in sandbox_documents(sandbox, _tenant(sandbox))} == {first_id, second_id}


def test_auto_publish_on_arrival(xero_app, admin_client, uk, sandbox):
    supplier = Contact.get((Contact.business == uk) & (Contact.name == "Screwfix Direct"))
    ContactRule.create(business=uk, contact=supplier, auto_publish=True,
                       category=Category.get((Category.business == uk) & (Category.code == "429")),
                       tax_rate=TaxRate.get((TaxRate.business == uk) & (TaxRate.xero_id == "INPUT2")))
    content = pdf_bytes("Screwfix Direct", "Invoice No: SF-1", "Invoice date: 12 May 2026", "Total 60.00")
    response = admin_client.form(f"/b/{uk}/inbox/costs/upload", {"files": [(io.BytesIO(content), "screwfix.pdf")]},
                                 content_type="multipart/form-data")
    assert "was added to the inbox." in response.text
    work(xero_app)  # reading it, then publishing it as its supplier's rule says
    [document] = sandbox_documents(sandbox, _tenant(sandbox))
    assert document["total"] == "60.00" and Item.get().status == "published"


def test_a_business_not_connected_is_told_to_connect(xero_app, admin_client, admin, coding):
    item = make_coded_item(admin.business, total=Decimal("12.00"), date=date(2026, 5, 1),
                           contact=make_contact(admin.business, "Acme Ltd"), category=coding.fuel,
                           tax_rate=coding.vat20)
    assert item.status == "ready"
    page = admin_client.form(f"/b/{admin.business_id}/items/{item.id}/publish", follow_redirects=True).text
    assert "Connect this business to Xero first (Integrations)" in page
    assert _fresh(item).status == "ready" and not PublishAttempt.select().exists()


def test_a_refused_batch_goes_again_as_one_batch(xero_app, admin_client, uk, sandbox):
    items = [coded(xero_app, uk, total=f"{20 + n}.00") for n in range(3)]
    requests.post(f"{sandbox.url}/operator/api/faults",
                  json={"kind": "status", "status": 429, "retry_after": 1, "count": 1}).raise_for_status()
    creates = []
    xero_app.extensions["xero"].http.hooks["response"].append(
        lambda response, *args, **kwargs: creates.append(response.status_code)
        if response.request.method == "PUT" and response.url.split("?")[0].endswith("/Invoices") else None)
    admin_client.hx("POST", f"/b/{uk}/inbox/costs/publish", data={"item": [item.id for item in items]})
    work(xero_app)
    assert creates == [429] and {_fresh(item).status for item in items} == {"publishing"}
    time.sleep(1.1)
    with xero_app.app_context():
        publish_batch([attempt.id for attempt in PublishAttempt.select()])
    work(xero_app)
    assert creates == [429, 200]
    assert sorted(d["total"] for d in sandbox_documents(sandbox, _tenant(sandbox))) == ["20.00", "21.00", "22.00"]
    assert {_fresh(item).status for item in items} == {"published"}


def test_a_bulk_publish_of_120_items_creates_them_50_to_a_call_after_a_first_call_of_10(xero_app, admin_client, uk, sandbox):
    items = [coded(xero_app, uk, total=f"{n + 1}.00") for n in range(120)]
    requests.put(f"{sandbox.url}/operator/api/limits", json={"minute": 1000}).raise_for_status()  # 120 attachments
    limiter = xero_app.extensions["xero"].limiter  # and Docket's own pace: batches are the point here
    limiter.per_minute = limiter.burst = 1000
    admin_client.hx("POST", f"/b/{uk}/inbox/costs/publish", data={"item": [item.id for item in items]})
    work(xero_app)
    creates = sandbox_creates(sandbox)
    assert [call["elements"] for call in creates] == [10, 50, 50, 10]  # a small one first: attachments start sooner
    assert all(call["idempotency_key"] for call in creates)
    assert len(sandbox_documents(sandbox, _tenant(sandbox))) == 120


def test_a_sweep_sends_attempts_a_killed_worker_never_sent_in_one_batch(xero_app, admin_client, uk, sandbox):
    items = [coded(xero_app, uk, total=f"{30 + n}.00") for n in range(3)]
    admin_client.hx("POST", f"/b/{uk}/inbox/costs/publish", data={"item": [item.id for item in items]})
    with xero_app.app_context():
        get_redis().flushdb()  # the queued batch job is lost with its worker
    PublishAttempt.update(updated_at=utcnow() - timedelta(minutes=1)).execute()
    creates = []
    xero_app.extensions["xero"].http.hooks["response"].append(
        lambda response, *args, **kwargs: creates.append(response.status_code)
        if response.request.method == "PUT" and response.url.split("?")[0].endswith("/Invoices") else None)
    with xero_app.app_context():
        sweep()
    work(xero_app)
    assert creates == [200] and {_fresh(item).status for item in items} == {"published"}
    assert len(sandbox_documents(sandbox, _tenant(sandbox))) == 3


def test_workers_resend_within_a_minute_a_job_a_killed_worker_took_but_never_started(xero_app, admin_client, uk,
                                                                                      sandbox):
    item = coded(xero_app, uk)
    _publish(admin_client, item)
    attempt = PublishAttempt.get()
    with xero_app.app_context():
        get_queue("publishing").remove(attempt.job_id)  # taken off the queue, still "queued": its worker died
        PublishAttempt.update(updated_at=utcnow() - timedelta(minutes=1)).execute()
        worker = DocketWorker(["publishing"], connection=get_redis())
        assert worker.dequeue_timeout <= 30  # an idle worker reaches its maintenance pass this often
        worker.run_maintenance_tasks()  # its job in no queue: maybe a worker is taking it this moment
        get_redis().delete(SWEEP_DUE)  # 25 s on: the next pass sweeps again, and finds it still nowhere
        worker.run_maintenance_tasks()
    work(xero_app)
    assert _fresh(item).status == "published"
    assert len(sandbox_documents(sandbox, _tenant(sandbox))) == 1


def test_a_run_whose_worker_was_killed_before_counting_its_last_item_is_finished_by_the_sweep(xero_app, admin_client,
                                                                                             uk):
    items = [coded(xero_app, uk, total=f"{40 + n}.00") for n in range(2)]
    admin_client.hx("POST", f"/b/{uk}/inbox/costs/publish", data={"item": [item.id for item in items]})
    work(xero_app)
    run = JobRun.get(JobRun.kind == "publish")
    JobRun.update(status="running", progress_done=1, summary="", finished_at=None).execute()  # the kill's leftover
    assert "Publishing 1 of 2" in admin_client.get(f"/b/{uk}/inbox/costs").text
    with xero_app.app_context():
        sweep()
    finished = JobRun.get_by_id(run.id)
    assert (finished.status, finished.progress_done, finished.summary) == ("succeeded", 2, "Published 2 of 2.")
    assert "Publishing 1 of 2" not in admin_client.get(f"/b/{uk}/inbox/costs").text


def test_a_sweep_books_the_next_one_while_attempts_are_open(xero_app, admin_client, uk):
    item = coded(xero_app, uk)
    _publish(admin_client, item)
    with xero_app.app_context():
        registry = get_queue("publishing").scheduled_job_registry
        booked = registry.get_job_ids()
        assert len(booked) == 1  # Publish booked the first sweep
        registry.remove(booked[0], delete_job=True)  # it runs when due: its booking has lapsed by then
        get_redis().delete("docket:publish-sweep-booked")
        sweep()
        assert len(registry.get_job_ids()) == 1  # and it booked the next one itself
        sweep()
        assert len(registry.get_job_ids()) == 1  # one booking at a time
