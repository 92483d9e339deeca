"""The publishing jobs of jobs/publishing.py run as a worker runs them, against a scripted Xero (a requests transport
adapter answering each call from a list, as in tests/test_xero_client_requests.py): one attempt, a batch, retries
booked after Xero's errors, a run's summary, and the sweep that resumes attempts whose job was lost. No sandbox and
no worker, so each test takes a fraction of a second; tests/test_publishing.py checks the same against the sandbox."""
import hashlib
import itertools
import json
import logging
import threading
import time
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import quote

import pytest
import redis
from flask import Flask, abort
from rq import Worker
from rq.job import Job, JobStatus

from jobs import publishing as jobs
from jobs.scheduler import TurnScheduler, in_turn
from tests.conftest import REDIS_URL, LiveServer
from tests.items_helpers import make_coded_item, make_coding, make_contact
from tests.publishing_helpers import stored_document
from tests.test_outages import redis_down  # noqa: F401
from tests.test_xero_client_requests import FakeXero
from webapp.integrations.models import Connection
from webapp.integrations.token_store import DbTokenStore, connection_key, seal
from webapp.integrations.xero_access import xero
from webapp.items import lines
from webapp.items.models import Item, ItemHistory, LineItem
from webapp.jobruns.models import JobRun
from webapp.lists.models import Category, Currency
from webapp.publishing import service
from webapp import queues
from webapp.publishing.models import DONE, FAILED, QUEUED, SENDING, PublishAttempt
from webapp.queues import enqueue_housekeeping, get_queue
from webapp.redis_conn import get_redis
from webapp.xero.tokens import TokenSet

UNAVAILABLE = "Xero isn't responding right now. Docket will publish the item again by itself; nothing needs changing."


class ScriptedXero(FakeXero):
    """FakeXero whose answers may also be functions of the request (to look at Docket's state mid-call), or a
    SystemExit: the worker killed while Xero works on the call."""

    def send(self, request, **kwargs):
        if self.answers and isinstance(self.answers[0], SystemExit):
            self.received.append((request, kwargs.get("timeout")))
            raise self.answers.pop(0)
        if self.answers and callable(self.answers[0]):
            self.answers[0] = self.answers[0](request)
        return super().send(request, **kwargs)


def created(*numbers, endpoint="Invoices", errors=()):
    """Xero's answer to a create: one element per number, or the element's validation errors for a number in
    `errors`."""
    id_field, number_field = {"Invoices": ("InvoiceID", "InvoiceNumber"),
                              "BankTransactions": ("BankTransactionID", "Reference")}[endpoint]
    elements = [{"ValidationErrors": [{"Message": f"Bad element {n}"}], "StatusAttributeString": "ERROR"}
                if n in errors else {id_field: f"id-{n}", number_field: f"N-{n}", "Status": "DRAFT"}
                for n in numbers]
    return 200, {"Content-Type": "application/json"}, {endpoint: elements}


def answers_all():
    """Xero's answer to any create call (numbering its documents on from the last call's) or attachment of a test."""
    numbers = itertools.count(1)

    def answer(request):
        if "summarizeErrors" not in request.url:
            return ATTACHED
        return created(*[next(numbers) for _ in sent(request)["Invoices"]])
    return answer


ATTACHED = (200, {"Content-Type": "application/json"}, {"Attachments": [{"AttachmentID": "a-1"}]})
PAID = (200, {"Content-Type": "application/json"}, {"Payments": [{"PaymentID": "pay-1"}]})
NOTHING_FOUND = (200, {"Content-Type": "application/json"}, {"Invoices": []})
DOWN = (503, {}, b"Service Unavailable")


def too_many(seconds):
    return 429, {"Retry-After": str(seconds), "X-Rate-Limit-Problem": "minute"}, b""


class Books:
    """A business coded with a small UK chart and connected to Xero, whose Xero is `self.xero`."""

    def __init__(self, app, admin, tmp_path):
        app.config["DOCUMENT_STORAGE_PATH"] = str(tmp_path / "documents")
        self.app, self.admin, self.business_id = app, admin, admin.business_id
        self.coding = make_coding(admin.business)
        self.supplier = make_contact(admin.business_id, "Acme Fuels Ltd")
        self.connection = Connection.create(business=self.business_id, tenant_id=f"tenant-{self.business_id}",
                                            tenant_name="Hartley & Moss Joinery Ltd")
        self.xero = ScriptedXero()
        with app.app_context():
            tokens = TokenSet("access-1", "refresh-1", time.time() + 3600, "accounting.transactions")
            Connection.update(**seal(xero().cipher, connection_key(self.connection.id), tokens)).where(
                Connection.id == self.connection.id).execute()
        self.mount()

    def mount(self):
        """Xero's API answered by `self.xero` (again, after the app's Xero services were rebuilt)."""
        with self.app.app_context():
            self.api = xero().endpoints.api_url
            xero().http.mount(self.api, self.xero)

    def item(self, total="120.00", **fields) -> Item:
        document = stored_document(self.app, self.business_id, f"Acme {total} {fields}")
        values = {"contact": self.supplier, "category": self.coding.fuel, "tax_rate": self.coding.vat20,
                  "date": date(2026, 5, 14), "total": Decimal(total), "reference": f"INV-{document.id}"}
        item = make_coded_item(self.business_id, document=document, **(values | fields))
        assert item.status == "ready"
        return item

    def publish(self, item) -> PublishAttempt:
        """What pressing Publish on the item does."""
        with self.app.app_context():
            return service.request_publish(item, user_id=self.admin.user_id)

    def publish_all(self, items) -> JobRun:
        """What publishing a selection from the Inbox does."""
        with self.app.app_context():
            outcome = service.request_bulk(items, user_id=self.admin.user_id, business_id=self.business_id)
        assert outcome.queued == len(items)
        return JobRun.get(JobRun.kind == "publish")

    def run(self, job, *args):
        with self.app.app_context():
            job(*args)

    def work(self) -> list[str]:
        """Run the publishing jobs waiting in the queue (not those booked for later), as a worker takes them, until
        none is left; returns what ran."""
        ran = []
        with self.app.app_context():
            queue = get_queue("publishing")
            while queue.get_job_ids():
                job = queue.dequeue_any([queue], None, connection=get_redis())[0]
                ran.append(f"{job.func_name.rpartition('.')[2]}{list(job.args)}")
                job.func(*job.args, **job.kwargs)
        return ran

    def booked(self, func="publish") -> dict[str, datetime]:
        """The publishing jobs booked for later (or the sweeps, func="sweep"): job id -> when they are due."""
        with self.app.app_context():
            registry = get_queue("publishing").scheduled_job_registry
            return {job_id: registry.get_scheduled_time(job_id) for job_id in registry.get_job_ids()
                    if (Job.fetch(job_id, connection=get_redis()).func_name == "jobs.publishing.sweep")
                    == (func == "sweep")}

    def booked_job(self, job_id) -> Job:
        with self.app.app_context():
            return Job.fetch(job_id, connection=get_redis())


@pytest.fixture
def books(app, admin, tmp_path):
    return Books(app, admin, tmp_path)


def fresh(row):
    return type(row).get_by_id(row.id)


def sent(request) -> dict:
    return json.loads(request.body)


def history(item, field="publish") -> list[tuple[str, str, str]]:
    """The item's history rows for `field` written by publishing: (field, old, new)."""
    return [(row.field, row.old, row.new) for row in ItemHistory.select().where(ItemHistory.item == item.id)
            .order_by(ItemHistory.id) if row.field == field and row.source == "publishing"]


def lock_ttl(attempt_id) -> int:
    """Milliseconds the attempt's lock has left; -2 when nobody holds it."""
    return redis.Redis.from_url(REDIS_URL).pttl(f"docket:publish-attempt:{attempt_id}")


def seconds_until(when: datetime) -> float:
    return (when - datetime.now(timezone.utc)).total_seconds()


def booked_on(due: datetime, seconds: float, since: float) -> bool:
    """Whether `due` is `seconds` after a moment between `since` and now, as RQ books it (to the second, down)."""
    return since + seconds - 1 < due.timestamp() <= time.time() + seconds


# --- one attempt ----------------------------------------------------------------------------------

def test_an_item_is_created_with_its_own_link_attached_and_published(books):
    item = books.item()
    attempt = books.publish(item)
    lock_ttls = []

    def create(request):
        lock_ttls.append(lock_ttl(attempt.id))
        return created(1)

    books.xero.answers += [create, ATTACHED]
    assert books.work() == [f"publish_attempt[{attempt.id}]"]
    put, upload = books.xero.requests
    assert (put.method, put.url) == ("PUT", f"{books.api}/Invoices")
    link = f"{books.app.config['PUBLIC_URL']}/b/{books.business_id}/items/{item.id}?publish={attempt.idempotency_key}"
    assert sent(put)["Invoices"][0]["Url"] == link  # the attempt's marker in Xero, by which a resumed run finds it
    name = quote(item.document.filename, safe="")
    assert (upload.method, upload.url) == ("POST", f"{books.api}/Invoices/id-1/Attachments/{name}")
    done, published = fresh(attempt), fresh(item)
    assert (done.state, done.xero_id, done.message) == (DONE, "id-1", "")
    assert (published.status, published.xero_id, published.publish_message) == ("published", "id-1", "")
    # held while the job worked, lapsing by itself if the worker dies; freed at the end
    assert 0 < lock_ttls[0] <= books.app.config["PUBLISH_LOCK_SECONDS"] * 1000
    assert lock_ttl(attempt.id) == -2



def test_a_finished_attempt_run_again_calls_xero_no_more(books):
    attempt = books.publish(books.item())
    books.xero.answers += [created(1), ATTACHED]
    books.work()
    books.run(jobs.publish_attempt, attempt.id)  # a second worker, or a retry, with the same job
    books.run(jobs.publish_attempt, attempt.id + 1000)  # an attempt that doesn't exist
    assert len(books.xero.requests) == 2 and fresh(attempt).state == DONE


def test_an_attempt_another_worker_holds_is_left_to_it(books):
    attempt = books.publish(books.item())
    with books.app.app_context():
        other = get_redis().lock(f"docket:publish-attempt:{attempt.id}", timeout=30)
        assert other.acquire(blocking=False)
        started = time.monotonic()
        jobs.publish_attempt(attempt.id)
        assert time.monotonic() - started < 0.5  # not waiting for it either
        assert books.xero.requests == [] and fresh(attempt).state == QUEUED
        assert other.owned()  # still the other worker's
        other.release()


def test_the_connection_needing_attention_fails_the_attempt_without_a_call(books):
    item = books.item()
    attempt = books.publish(item)
    DbTokenStore(None).mark_needs_reconnect(books.connection.id, "refresh token expired")  # as Xero refusing it does
    books.work()
    message = ("The connection to Xero needs attention: an admin must Reconnect on the Integrations page, then "
               "publish again.")
    assert books.xero.requests == []
    assert (fresh(attempt).state, fresh(attempt).message) == (FAILED, message)
    assert (fresh(item).status, fresh(item).publish_message) == ("failed", message)
    assert history(item) == [("publish", "", f"Not published: {message}")]


def test_a_check_that_fails_after_publish_was_pressed_fails_the_attempt_with_its_message(books):
    item = books.item()
    attempt = books.publish(item)
    with books.app.app_context():  # an admin sets Docket's lock date in Settings meanwhile
        form = {"tax_policy": "docket", "line_amounts": "exclusive", "currency_mode": "document",
                "costs_publish_to": "purchases", "sales_publish_to": "sales", "costs_publish_as": "draft",
                "sales_publish_as": "draft", "docket_lock_date": "2026-05-31"}
        assert service.save_settings(books.business_id, form, user_id=books.admin.user_id) == {}
    books.work()
    assert books.xero.requests == []
    failed, refused = fresh(item), fresh(attempt)
    assert failed.status == "failed" and failed.publish_message.startswith(
        "The date 14 May 2026 is on or before Docket's lock date 31 May 2026")
    assert (refused.state, refused.message, refused.detail) == (FAILED, failed.publish_message, "")
    assert history(item) == [("publish", "", f"Not published: {failed.publish_message}")]


def test_xero_refusing_the_document_fails_it_with_the_plain_message_and_xeros_words_in_the_history(books):
    item = books.item()
    attempt = books.publish(item)
    words = "Bad element 1. " + "Xero explains at length. " * 30
    books.xero.answers += [(200, {"Content-Type": "application/json"}, {"Invoices": [
        {"ValidationErrors": [{"Message": words}], "StatusAttributeString": "ERROR"}]})]
    books.work()
    failed, refused = fresh(item), fresh(attempt)
    assert (refused.state, failed.status) == (FAILED, "failed")
    assert failed.publish_message == refused.message and "Bad element 1" in refused.detail
    assert len(refused.detail) > 500
    assert history(item) == [("publish", refused.detail[:500], f"Not published: {refused.message}")]
    assert history(item, "status") == [("status", "Publishing", "Failed")]
    assert books.booked() == {}  # nothing to try again: the document has to change


def test_xero_down_books_a_retry_half_a_minute_later(books, caplog):
    caplog.set_level(logging.INFO, logger="jobs.publishing")
    item = books.item()
    attempt = books.publish(item)
    books.xero.answers += [DOWN]
    before = time.time()
    books.work()
    assert caplog.messages == [f"publish attempt {attempt.id} will be tried again in 30 s: XeroUnavailable"]
    waiting = fresh(attempt)
    assert (waiting.state, waiting.message, fresh(item).status) == (SENDING, UNAVAILABLE, "publishing")
    [(job_id, due)] = books.booked().items()
    assert waiting.job_id == job_id and booked_on(due, 30, since=before)
    booked = books.booked_job(job_id)
    assert (booked.func_name, booked.args) == ("jobs.publishing.publish_attempt", (attempt.id,))
    assert lock_ttl(attempt.id) == -2  # its lock is free for the retry


def test_a_429_to_the_first_create_puts_the_attempt_back_in_the_queue_for_when_xero_allows(books):
    attempt = books.publish(books.item())
    books.xero.answers += [too_many(7)]
    before = time.time()
    books.work()
    waiting = fresh(attempt)
    assert waiting.state == QUEUED  # Xero refused the only create call: sending again is safe
    assert waiting.message.startswith("Xero asked Docket to slow down")
    [(job_id, due)] = books.booked().items()
    assert waiting.job_id == job_id and booked_on(due, 7, since=before)


def test_a_retry_asked_for_within_a_second_waits_one_second(books):
    attempt = books.publish(books.item())
    books.xero.answers += [too_many(1)]
    before = time.time()
    books.work()
    [due] = books.booked().values()
    assert before <= due.timestamp() <= time.time() + 1
    assert fresh(attempt).state == QUEUED


# --- turns: each organisation's jobs reach the workers at its pace --------------------------------

def test_a_call_whose_turn_is_far_off_sends_its_job_back_booked_for_the_turn_and_frees_the_worker(books):
    with books.app.app_context():
        xero().limiter.per_minute, xero().limiter.burst = 2, 1  # one call every 30 s
    attempt = books.publish(books.item())
    books.xero.answers += [created(1)]  # the create goes; the attachment's turn is 30 s away
    started = time.monotonic()
    assert books.work() == [f"publish_attempt[{attempt.id}]"]
    assert time.monotonic() - started < 10  # not asleep on the limit for the 30 s: told at once it is far off
    waiting = fresh(attempt)
    assert waiting.message.startswith("Waiting its turn: Docket spreads its calls to Xero over each minute")
    [(job_id, due)] = books.booked().items()
    assert waiting.job_id == job_id and 27 <= seconds_until(due) <= 31
    assert [request.method for request in books.xero.requests] == ["PUT"]


@pytest.mark.parametrize("how", ["alone", "in a batch"])
def test_a_retry_goes_when_its_wait_is_over_not_behind_the_organisations_bookings(books, how):
    items = [books.item(total=f"{60 + n}.00") for n in range(1 if how == "alone" else 2)]
    books.publish(items[0]) if how == "alone" else books.publish_all(items)
    with books.app.app_context():
        for _ in range(30):  # another selection's turns, booked over the next half minute
            xero().limiter.book(books.connection.tenant_id)
    books.xero.answers += [too_many(3)]
    before = time.time()
    books.work()
    [(job_id, due)] = books.booked().items()
    assert booked_on(due, 3, since=before)  # not 30 turns on
    assert {fresh(attempt).job_id for attempt in PublishAttempt.select()} == {job_id}
    assert books.booked_job(job_id).args[0] == ([a.id for a in PublishAttempt.select().order_by(PublishAttempt.id)]
                                                if how == "in a batch" else PublishAttempt.get().id)


def test_a_small_clients_items_go_at_once_while_a_big_clients_backlog_waits_for_its_turns(books, app, outsider,
                                                                                          tmp_path):
    big_items = [books.item(total=f"{n}.00") for n in range(1, 61)]
    books.publish_all(big_items)  # a batch of 10, then one of 50: each creates its documents, then one job an attachment
    books.xero.answers += [answers_all()] * 61
    ran = books.work()  # the first batch and its attachments within the burst of 10 calls; the rest are booked
    assert ran[0].startswith("publish_batch") and 1 + 8 <= len(ran) <= 1 + 15  # more when the machine is slow
    [second] = [job for job in map(books.booked_job, books.booked()) if job.func_name.endswith("publish_batch")]
    books.run(second.func, *second.args)  # at its turn: its 50 attachments are booked at the organisation's pace
    small = Books(app, outsider, tmp_path)
    small_items = [small.item(total=f"{n}.00") for n in (7, 8, 9)]
    small.publish_all(small_items)
    with app.app_context():
        ready = get_queue("publishing").get_jobs()
    [small_batch] = [job for job in ready if job.func_name == "jobs.publishing.publish_batch"]
    assert set(small_batch.args[0]) == {attempt.id for attempt in PublishAttempt.select().where(
        PublishAttempt.business == small.business_id)}
    assert len(ready) <= 6  # behind at most the few big-client turns that came while the test ran, never its 50
    due = sorted(when.timestamp() for when in books.booked().values())
    assert len(due) == 61 - len(ran)  # the big client's other attachments, at its pace of 58 a minute
    assert abs(due[-1] - due[0] - (len(due) - 1) * 60 / 58) <= 2
    assert max(Counter(due).values()) <= 2  # spread over the minute (RQ books to the second), never a block


def run_next(queue) -> None:
    """What a worker does with the next job in the queue (Books.work runs them all)."""
    job = queue.dequeue_any([queue], None, connection=get_redis())[0]
    job.func(*job.args)


def hand_over(scheduler, due: datetime) -> list[str]:
    """The scheduler's look once `due` has come; returns the queue's jobs after it."""
    time.sleep(max(0.0, seconds_until(due)) + 0.1)
    scheduler.enqueue_scheduled_jobs()
    return get_queue("publishing").get_job_ids()


def test_publishing_jobs_due_while_the_queue_is_long_wait_booked_until_the_workers_take_what_is_queued(books, app):
    books.publish_all([books.item(total=f"{n}.00") for n in range(1, 61)])
    books.xero.answers += [answers_all()] * 61
    with app.app_context():
        queue = get_queue("publishing")
        run_next(queue)  # a worker runs the first batch: its 10 attachments are queued
        assert queue.count == queues.READY_AT_LEAST  # as many as the workers can take before the scheduler's look
        [(second, due)] = books.booked().items()  # due now, but booked: it would wait behind 10 jobs in the queue
        scheduler = TurnScheduler(["publishing"], connection=get_redis())
        assert scheduler.acquire_locks() == {"publishing"}
        assert second not in hand_over(scheduler, due)  # the queue is full yet
        books.work()  # the workers take the attachments
        assert hand_over(scheduler, due) == [second]
        scheduler.release_locks()


def test_when_the_workers_are_behind_each_organisation_with_jobs_due_gets_its_turn_not_the_oldest_backlog_first(
        books, app, outsider, tmp_path):
    with app.app_context():
        xero().limiter.per_minute = xero().limiter.burst = 1000  # pace off: every job is due at once
        queue = get_queue("publishing")
        scheduler = TurnScheduler(["publishing"], connection=get_redis())
        scheduler.acquire_locks()
    books.publish_all([books.item(total=f"{n}.00") for n in range(1, 61)])
    books.xero.answers += [answers_all()] * 61
    with app.app_context():
        run_next(queue)  # the first batch: 10 attachments queued, the second batch due, held
        books.work()
        [second] = hand_over(scheduler, datetime.now(timezone.utc))
        run_next(queue)  # the second batch: 10 of its 50 attachments queued, 40 due and held
        big_backlog = set(books.booked())
        time.sleep(1.1)  # RQ books to the second: the small client's job comes due after all of them
    small = Books(app, outsider, tmp_path)  # (its Xero answers every call from now on)
    small.publish_all([small.item(total=f"{n}.00") for n in (7, 8, 9)])
    small.xero.answers += [answers_all()] * 10
    with app.app_context():
        [small_batch] = set(books.booked()) - big_backlog
        books.work()
        handed = hand_over(scheduler, datetime.now(timezone.utc))
        scheduler.release_locks()
    assert handed[0] == small_batch  # its organisation has had nothing yet: first, not behind 40 jobs
    assert len(handed) == queues.READY_AT_LEAST and set(handed[1:]) <= big_backlog


def test_the_scheduler_gives_organisations_their_turns_in_rotation_across_its_looks(app):
    a, b, c = ([f"{queues.PUBLISH_JOB_PREFIX}{org}_{n}" for n in range(3)] for org in "abc")
    due, handed = a + b + c, []  # the first organisation's three jobs came due first
    with app.app_context():
        for _ in range(6):  # one job a look
            handed += in_turn(get_redis(), [job_id for job_id in due if job_id not in handed], 1)
        assert in_turn(get_redis(), a + b, 4) == [a[0], b[0], a[1], b[1]]  # and a round at a time in one look
    assert [queues.organisation_of(job_id) for job_id in handed] == ["a", "b", "c", "a", "b", "c"]


def test_a_429_on_a_resumed_run_keeps_the_create_unknown_so_the_next_run_looks_first(books):
    attempt = books.publish(books.item())
    books.xero.answers += [DOWN]
    books.work()  # the create's answer never came: it may be in Xero
    books.xero.answers += [too_many(3)]
    books.run(jobs.publish_attempt, attempt.id)  # the retry's look-up is refused
    assert [r.method for r in books.xero.requests] == ["PUT", "GET"]
    assert fresh(attempt).state == SENDING


def test_a_create_that_may_still_land_is_looked_for_again_once_it_no_longer_can(books):
    attempt = books.publish(books.item())
    books.xero.answers += [DOWN]
    books.work()
    books.xero.answers += [NOTHING_FOUND]
    books.run(jobs.publish_attempt, attempt.id)  # at once: not in Xero yet, but it could still land
    assert [r.method for r in books.xero.requests] == ["PUT", "GET"]
    waiting = fresh(attempt)
    due = books.booked()[waiting.job_id]
    assert waiting.state == SENDING and 100 <= seconds_until(due) <= 121  # two minutes from its last save


# --- batches --------------------------------------------------------------------------------------

def test_a_selection_is_created_in_one_call_then_each_document_attached_in_its_own_job(books):
    items = [books.item(total=f"{10 + n}.00") for n in range(3)]
    run = books.publish_all(items)
    attempts = list(PublishAttempt.select().order_by(PublishAttempt.id))
    books.xero.answers += [created(1, 2, 3), ATTACHED, ATTACHED, ATTACHED]
    assert books.work() == [f"publish_batch[{[a.id for a in attempts]}]"] + [
        f"publish_attempt[{a.id}]" for a in attempts]
    put = books.xero.requests[0]
    assert put.url == f"{books.api}/Invoices?summarizeErrors=false"
    assert [body["InvoiceNumber"] for body in sent(put)["Invoices"]] == [item.reference for item in items]
    key = hashlib.sha256("".join(a.idempotency_key for a in attempts).encode()).hexdigest()
    assert put.headers["Idempotency-Key"] == key
    assert [fresh(item).xero_id for item in items] == ["id-1", "id-2", "id-3"]
    finished = fresh(run)
    assert (finished.status, finished.progress_done, finished.summary) == ("succeeded", 3, "Published 3 of 3.")


def test_a_big_selections_batches_are_queued_each_behind_the_attachments_of_the_one_before(books, monkeypatch):
    monkeypatch.setattr(queues, "PUBLISH_BATCH_SIZE", 2)
    items = [books.item(total=f"{50 + n}.00") for n in range(5)]
    run = books.publish_all(items)
    ids = [attempt.id for attempt in PublishAttempt.select().order_by(PublishAttempt.id)]
    with books.app.app_context():
        [job] = get_queue("publishing").get_jobs()  # not three batches at the front of the queue
    assert job.args == (ids[:2], [ids[2:4], ids[4:]])
    assert {attempt.job_id for attempt in PublishAttempt.select()} == {job.id}  # the sweep sees all of them carried
    books.xero.answers += [answers_all()] * 8
    ran = books.work()
    assert ran == [f"publish_batch[{ids[:2]}, {[ids[2:4], ids[4:]]}]", f"publish_attempt[{ids[0]}]",
                   f"publish_attempt[{ids[1]}]", f"publish_batch[{ids[2:4]}, {[ids[4:]]}]", f"publish_attempt[{ids[2]}]",
                   f"publish_attempt[{ids[3]}]", f"publish_batch[{ids[4:]}]", f"publish_attempt[{ids[4]}]"]
    creates = [sent(request)["Invoices"] for request in books.xero.requests if "summarizeErrors" in request.url]
    assert [len(create) for create in creates] == [2, 2, 1]
    assert fresh(run).summary == "Published 5 of 5."


def test_an_element_xero_refuses_fails_alone_and_the_run_says_how_many(books):
    items = [books.item(total=f"{20 + n}.00") for n in range(2)]
    run = books.publish_all(items)
    books.xero.answers += [created(1, 2, errors=(1,)), ATTACHED]
    books.work()
    assert [r.method for r in books.xero.requests] == ["PUT", "POST"]  # only the created one is attached
    assert [fresh(item).status for item in items] == ["failed", "published"]
    assert "Bad element 1" in PublishAttempt.get(item=items[0].id).detail
    finished = fresh(run)
    assert (finished.status, finished.progress_done) == ("failed", 2)
    assert finished.last_error == "Published 1 of 2. 1 could not be published: filter the Inbox by Failed to see why."


def test_a_429_for_a_batch_books_the_whole_batch_again(books, caplog):
    caplog.set_level(logging.INFO, logger="jobs.publishing")
    earlier = books.publish(books.item(total="29.00"))
    books.xero.answers += [DOWN]
    books.work()  # waiting for a retry of its own
    earlier_retry = fresh(earlier).job_id
    caplog.clear()
    items = [books.item(total=f"{30 + n}.00") for n in range(2)]
    run = books.publish_all(items)
    attempts = list(PublishAttempt.select().where(PublishAttempt.run == run.id).order_by(PublishAttempt.id))
    books.xero.answers += [too_many(4)]
    before = time.time()
    books.work()
    assert caplog.messages == ["publish batch of 2 attempts will be tried again in 4.0 s: XeroRateLimited"]
    assert fresh(earlier).job_id == earlier_retry
    [job_id] = set(books.booked()) - {earlier_retry}
    due = books.booked()[job_id]
    booked = books.booked_job(job_id)
    assert (booked.func_name, booked.args) == ("jobs.publishing.publish_batch", ([a.id for a in attempts],))
    assert booked_on(due, 4, since=before)
    for attempt in attempts:
        waiting = fresh(attempt)
        assert (waiting.state, waiting.job_id) == (QUEUED, job_id)
        assert waiting.message.startswith("Xero asked Docket to slow down")
    with books.app.app_context():  # the wait Xero asked for is over
        get_redis().delete(f"docket:xero-limit:{books.connection.tenant_id}:paused")
    books.xero.answers += [created(1, 2), ATTACHED, ATTACHED]
    books.run(booked.func, *booked.args)
    books.work()
    assert [fresh(item).status for item in items] == ["published", "published"]
    assert fresh(run).summary == "Published 2 of 2."


def test_xero_down_for_a_batch_books_each_attempt_its_own_retry(books):
    items = [books.item(total=f"{40 + n}.00") for n in range(2)]
    books.publish_all(items)
    attempts = list(PublishAttempt.select().order_by(PublishAttempt.id))
    books.xero.answers += [DOWN]
    books.work()
    assert len(books.xero.requests) == 1  # nothing more until the retries come due
    booked = books.booked()
    for attempt in attempts:
        waiting = fresh(attempt)
        assert (waiting.state, waiting.message) == (SENDING, UNAVAILABLE)
        assert books.booked_job(waiting.job_id).args == (attempt.id,) and waiting.job_id in booked


def test_bills_and_spend_money_of_one_selection_go_in_one_call_each(books):
    bills = [books.item(total="50.00"), books.item(total="51.00")]
    spent = books.item(total="52.00", publish_to="bank", publish_as="", paid=True, payment_method=books.coding.card)
    books.publish_all(bills + [spent])
    books.xero.answers += [created(1, 2), created(3, endpoint="BankTransactions"), ATTACHED, ATTACHED, ATTACHED]
    books.work()
    calls = [(r.method, r.url.split("?")[0].removeprefix(books.api)) for r in books.xero.requests]
    assert calls[:2] == [("PUT", "/Invoices"), ("PUT", "/BankTransactions")]
    assert [len(sent(r)[r.url.split("?")[0].rpartition("/")[2]]) for r in books.xero.requests[:2]] == [2, 1]
    assert {fresh(item).status for item in bills + [spent]} == {"published"}


def test_an_attempt_of_a_batch_another_worker_holds_is_left_to_it(books):
    items = [books.item(total=f"{60 + n}.00") for n in range(2)]
    books.publish_all(items)
    attempts = list(PublishAttempt.select().order_by(PublishAttempt.id))
    with books.app.app_context():
        other = get_redis().lock(f"docket:publish-attempt:{attempts[1].id}", timeout=30)
        assert other.acquire(blocking=False)
    books.xero.answers += [created(1), ATTACHED]
    books.work()
    assert len(sent(books.xero.requests[0])["Invoices"]) == 1
    assert [fresh(a).state for a in attempts] == [DONE, QUEUED]
    assert other.owned()


# --- the sweep ------------------------------------------------------------------------------------

def later(monkeypatch, attempt, seconds):
    """The clock the sweep reads, `seconds` after the attempt was last saved."""
    at = fresh(attempt).updated_at + timedelta(seconds=seconds)
    monkeypatch.setattr(jobs, "utcnow", lambda: at)


def lose_queued_jobs(books):
    """A worker killed as it took the jobs: they are nowhere in the queue any more."""
    with books.app.app_context():
        queue = get_queue("publishing")
        for job_id in queue.get_job_ids():
            queue.remove(job_id)


def test_the_sweep_resends_an_attempt_whose_job_was_lost_once_it_has_stalled(books, monkeypatch):
    attempt = books.publish(books.item())
    lose_queued_jobs(books)
    for seconds in (9, 10):  # saved this recently, it may just be between its job and its lock
        later(monkeypatch, attempt, seconds)
        books.run(jobs.sweep)
        assert books.work() == []
    later(monkeypatch, attempt, 11)
    books.run(jobs.sweep)  # a job in no queue may be one a worker is taking this very moment
    assert books.work() == []
    books.run(jobs.sweep)  # still nowhere: lost
    books.xero.answers += [created(1), ATTACHED]
    assert books.work() == [f"publish_attempt[{attempt.id}]"]
    assert fresh(attempt).state == DONE


def test_the_sweep_leaves_attempts_whose_job_is_waiting_or_at_work(books, monkeypatch):
    queued = books.publish(books.item(total="1.00"))  # its job is in the queue
    held = books.publish(books.item(total="2.00"))
    booked = books.publish(books.item(total="3.00"))
    with books.app.app_context():
        get_queue("publishing").remove(fresh(held).job_id)
        get_redis().lock(f"docket:publish-attempt:{held.id}", timeout=30).acquire()  # a worker is at it
    queued_job = fresh(booked).job_id
    books.xero.answers += [DOWN]
    books.run(jobs.publish_attempt, booked.id)  # its retry is booked
    with books.app.app_context():
        get_queue("publishing").remove(queued_job)
    later(monkeypatch, booked, 60)
    books.run(jobs.sweep)
    with books.app.app_context():
        assert get_queue("publishing").get_job_ids() == [fresh(queued).job_id]  # nothing added


def test_the_workers_maintenance_passes_sweep_once_between_them_every_25_seconds(books, monkeypatch):
    swept = []
    monkeypatch.setattr(jobs, "sweep", lambda: swept.append(1))
    for _ in range(3):  # three workers' passes, one after the other
        books.run(jobs.sweep_if_due)
    assert swept == [1]
    with books.app.app_context():
        assert 24 <= get_redis().ttl(jobs.SWEEP_DUE) <= 25
        get_redis().delete(jobs.SWEEP_DUE)  # 25 seconds on
    books.run(jobs.sweep_if_due)
    assert swept == [1, 1]


@pytest.mark.parametrize("taken_by", ["a worker of one queue", "a worker of several"])
def test_the_sweep_leaves_an_attempt_whose_job_a_worker_is_taking(books, monkeypatch, taken_by):
    attempt = books.publish(books.item())
    taken = fresh(attempt).job_id
    with books.app.app_context():
        queue = get_queue("publishing")
        if taken_by == "a worker of one queue":  # RQ's LMOVE: in its intermediate queue until the horse starts it
            get_redis().lmove(queue.key, queue.intermediate_queue.key)
        else:  # RQ's BLPOP: in no list until the horse starts it
            get_redis().lpop(queue.key)
    later(monkeypatch, attempt, 60)
    books.run(jobs.sweep)
    with books.app.app_context():
        assert get_queue("publishing").get_job_ids() == []  # no second copy
    assert fresh(attempt).job_id == taken


def test_the_sweep_leaves_an_attempt_whose_job_a_live_worker_started_until_that_worker_is_gone(books, monkeypatch):
    attempt = books.publish(books.item())
    with books.app.app_context():
        worker = Worker(["publishing"], connection=get_redis())
        worker.register_birth()
        queue = get_queue("publishing")
        job = queue.dequeue_any([queue], None, connection=get_redis())[0]  # taken; its horse has no lock yet
        job.worker_name = worker.name
        job.set_status(JobStatus.STARTED)
        job.save()
    later(monkeypatch, attempt, 60)
    books.run(jobs.sweep)
    with books.app.app_context():
        assert get_queue("publishing").get_job_ids() == [] and fresh(attempt).job_id == job.id  # no second copy
        get_redis().delete(worker.key)  # the worker was killed: its key lapsed
    books.run(jobs.sweep)
    with books.app.app_context():
        [resumed] = get_queue("publishing").get_job_ids()
    assert fresh(attempt).job_id == resumed != job.id


def test_a_job_waiting_on_xero_longer_than_its_lock_keeps_it_so_the_sweep_sends_no_second_copy(books, monkeypatch):
    books.app.config["PUBLISH_LOCK_SECONDS"] = 1
    attempt = books.publish(books.item())
    held = []

    def slow_create(request):  # a wait for the organisation's limit that outlasts the lock's own time
        time.sleep(2.5)
        held.append(lock_ttl(attempt.id))
        later(monkeypatch, attempt, 60)
        jobs.sweep()  # as the maintenance worker runs it meanwhile
        return created(1)

    books.xero.answers += [slow_create, ATTACHED]
    assert books.work() == [f"publish_attempt[{attempt.id}]"]  # no resumed second copy ran
    assert held[0] > 0 and fresh(attempt).state == DONE
    assert len([request for request in books.xero.requests if request.method == "PUT"]) == 1
    assert lock_ttl(attempt.id) == -2  # freed at the end, and no longer kept alive


def test_an_attempt_whose_job_finishes_while_the_sweep_looks_is_not_resumed(books, monkeypatch):
    attempt = books.publish(books.item())
    books.xero.answers += [created(1), ATTACHED]
    later(monkeypatch, attempt, 60)

    def finished_meanwhile(candidate, queued):  # the sweep saw its job at work; it has ended by this look
        ran = []
        worker = threading.Thread(target=lambda: ran.extend(books.work()))  # another worker process, in effect
        worker.start()
        worker.join()
        assert ran == [f"publish_attempt[{attempt.id}]"]
        return False

    monkeypatch.setattr(jobs, "_carried", finished_meanwhile)
    books.run(jobs.sweep)
    assert fresh(attempt).state == DONE
    assert books.work() == []  # no second job for an attempt that is done


def test_an_attempt_whose_job_hands_it_to_another_while_the_sweep_looks_is_not_resumed(books, monkeypatch):
    attempt = books.publish(books.item())
    books.xero.answers += [DOWN]
    books.work()  # the create's answer never came: a look-up for it is booked
    looked_for_by = fresh(attempt).job_id
    later(monkeypatch, attempt, 60)

    def handed_on_meanwhile(candidate, queued):  # the sweep saw its job booked; by this look it has run, found
        books.xero.answers.append(NOTHING_FOUND)  # nothing yet, and booked the next look-up without a save
        worker = threading.Thread(target=lambda: books.run(jobs.publish_attempt, attempt.id))
        worker.start()
        worker.join()
        return False

    monkeypatch.setattr(jobs, "_carried", handed_on_meanwhile)
    books.run(jobs.sweep)
    carried_by = fresh(attempt).job_id
    assert carried_by != looked_for_by and carried_by in books.booked()  # the job's own booking carries it
    with books.app.app_context():
        assert get_queue("publishing").get_job_ids() == []  # and no second job was queued for it


@pytest.mark.parametrize("lost", ["failed", "expired"])
def test_the_sweep_resends_an_attempt_whose_job_failed_or_expired(books, monkeypatch, lost):
    attempt = books.publish(books.item())
    with books.app.app_context():
        queue = get_queue("publishing")
        job = queue.dequeue_any([queue], None, connection=get_redis())[0]
        if lost == "failed":
            job.set_status("failed")  # it stopped for good before doing anything
        else:
            get_redis().delete(job.key)  # and RQ has forgotten it since
    later(monkeypatch, attempt, 11)
    books.run(jobs.sweep)
    books.xero.answers += [created(1), ATTACHED]
    assert books.work() == [f"publish_attempt[{attempt.id}]"]
    assert fresh(attempt).state == DONE


def test_the_sweep_sends_a_lost_selection_again_as_one_batch(books, monkeypatch):
    items = [books.item(total=f"{70 + n}.00") for n in range(2)]
    books.publish_all(items)
    attempts = list(PublishAttempt.select().order_by(PublishAttempt.id))
    lose_queued_jobs(books)
    later(monkeypatch, attempts[-1], 11)
    books.run(jobs.sweep)
    books.run(jobs.sweep)  # the second to find the job nowhere
    books.xero.answers += [created(1, 2), ATTACHED, ATTACHED]
    assert books.work()[0] == f"publish_batch[{[a.id for a in attempts]}]"
    assert {fresh(item).status for item in items} == {"published"}


def test_an_attempt_saved_while_the_queue_was_down_is_sent_by_the_sweep_which_clears_its_message(
        books, monkeypatch, redis_down):
    item = books.item()
    attempt = fresh(books.publish(item))
    assert (attempt.job_id, attempt.message) == ("", service.QUEUE_UNREACHABLE)
    redis_down()  # back, empty-handed
    books.mount()
    later(monkeypatch, attempt, 11)
    books.run(jobs.sweep)
    assert fresh(attempt).message == ""
    books.xero.answers += [created(1), ATTACHED]
    assert books.work() == [f"publish_attempt[{attempt.id}]"]
    assert fresh(item).status == "published"


def test_the_sweep_books_the_next_while_an_attempt_is_open_and_none_after(books, monkeypatch):
    attempt = books.publish(books.item())
    with books.app.app_context():
        get_redis().delete("docket:publish-sweep-booked")  # the first booking came due
        for job_id in list(books.booked("sweep")):
            get_queue("publishing").scheduled_job_registry.remove(job_id)
    books.run(jobs.sweep)
    assert len(books.booked("sweep")) == 1
    books.xero.answers += [created(1), ATTACHED]
    books.work()
    with books.app.app_context():
        get_redis().delete("docket:publish-sweep-booked")
        for job_id in list(books.booked("sweep")):
            get_queue("publishing").scheduled_job_registry.remove(job_id)
    assert fresh(attempt).state == DONE
    books.run(jobs.sweep)
    assert books.booked("sweep") == {}


def killed_before_counting_the_last(books, monkeypatch):
    """A run of two items whose worker is killed after the last item is done but before the run counts it."""
    run = books.publish_all([books.item(total=f"{80 + n}.00") for n in range(2)])
    books.xero.answers += [created(1, 2), ATTACHED, ATTACHED]
    counted = jobs._progress

    def killed_on_the_last(attempt):
        if attempt.id == max(a.id for a in PublishAttempt.select()) and attempt.state == DONE:
            raise SystemExit("worker killed")
        counted(attempt)

    monkeypatch.setattr(jobs, "_progress", killed_on_the_last)
    with pytest.raises(SystemExit):
        books.work()
    monkeypatch.undo()
    return run


def test_the_sweep_finishes_a_run_whose_worker_was_killed_before_counting_its_last_item(books, monkeypatch):
    run = killed_before_counting_the_last(books, monkeypatch)
    assert (fresh(run).status, fresh(run).progress_done) == ("running", 1)
    books.run(jobs.sweep)
    finished = fresh(run)
    assert (finished.status, finished.progress_done, finished.summary) == ("succeeded", 2, "Published 2 of 2.")


def test_a_batch_retry_asked_for_within_a_second_waits_one_second(books):
    books.publish_all([books.item(total="1.00"), books.item(total="2.00")])
    books.xero.answers += [too_many(1)]
    before = time.time()
    books.work()
    [due] = books.booked().values()
    assert before <= due.timestamp() <= time.time() + 1


def test_a_batch_saves_each_body_before_the_call_for_a_resumed_run_to_look_for_and_send(books):
    books.publish_all([books.item(total="1.00"), books.item(total="2.00")])
    books.xero.answers += [DOWN]
    books.work()
    bodies = sent(books.xero.requests[0])["Invoices"]
    attempts = list(PublishAttempt.select().order_by(PublishAttempt.id))
    assert [json.loads(a.request_body) for a in attempts] == bodies


def test_a_refusal_of_the_whole_batch_fails_every_item_in_it(books):
    items = [books.item(total="1.00"), books.item(total="2.00")]
    books.publish_all(items)
    books.xero.answers += [(400, {"Content-Type": "application/json"},
                            {"Type": "ValidationException", "Message": "A validation exception occurred",
                             "Elements": [{"ValidationErrors": [{"Message": "Bad batch"}]}]})]
    books.work()
    assert {fresh(item).status for item in items} == {"failed"}
    assert books.booked() == {}


def test_an_answer_without_the_documents_leaves_each_attempt_to_look_for_its_own(books):
    items = [books.item(total="1.00"), books.item(total="2.00")]
    books.publish_all(items)
    attempts = list(PublishAttempt.select().order_by(PublishAttempt.id))
    books.xero.answers += [(200, {"Content-Type": "application/json"}, {}), NOTHING_FOUND, NOTHING_FOUND]
    assert books.work()[1:] == [f"publish_attempt[{a.id}]" for a in attempts]
    assert [r.method for r in books.xero.requests] == ["PUT", "GET", "GET"]  # each looks before sending again
    assert {fresh(a).state for a in attempts} == {SENDING}


def test_a_batch_run_again_after_its_worker_was_killed_mid_call_never_sends_it_twice(books):
    books.publish_all([books.item(total="1.00"), books.item(total="2.00")])
    attempts = list(PublishAttempt.select().order_by(PublishAttempt.id))

    books.xero.answers += [SystemExit("worker killed while Xero works")]
    with pytest.raises(SystemExit):
        books.work()
    with books.app.app_context():
        for lock in ("docket:publish-attempt:%d" % a.id for a in attempts):
            get_redis().delete(lock)  # lapsed
    books.run(jobs.publish_batch, [a.id for a in attempts])  # the same job again
    assert len(books.xero.requests) == 1
    with books.app.app_context():
        waiting = [Job.fetch(j, connection=get_redis()).args for j in get_queue("publishing").get_job_ids()]
    assert waiting == [(a.id,) for a in attempts]  # each on its own, looking it up first


def test_one_call_of_a_selection_waiting_for_its_retry_leaves_the_other_to_go_on(books):
    bills = [books.item(total="50.00"), books.item(total="51.00")]
    spent = books.item(total="52.00", publish_to="bank", publish_as="", paid=True, payment_method=books.coding.card)
    books.publish_all(bills + [spent])
    books.xero.answers += [DOWN, created(3, endpoint="BankTransactions"), ATTACHED]
    ran = books.work()
    spent_attempt = PublishAttempt.get(item=spent.id)
    assert ran[1:] == [f"publish_attempt[{spent_attempt.id}]"]  # the bills wait for their retry
    assert [fresh(item).status for item in bills + [spent]] == ["publishing", "publishing", "published"]


def test_the_sweep_resumes_a_created_document_whose_worker_died_before_attaching(books, monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="jobs.publishing")
    item = books.item()
    attempt = books.publish(item)

    books.xero.answers += [created(1), SystemExit("worker killed")]
    with pytest.raises(SystemExit):
        books.work()
    with books.app.app_context():
        get_redis().delete(f"docket:publish-attempt:{attempt.id}")  # lapsed
        get_queue("publishing").intermediate_queue.remove(fresh(attempt).job_id)  # RQ's, once the job had started
    assert fresh(attempt).state == "created"
    later(monkeypatch, attempt, 11)
    books.run(jobs.sweep)
    books.run(jobs.sweep)  # the second to find its job in no queue
    assert caplog.messages == [f"publish attempt {attempt.id} resumed after its job stopped"]
    books.xero.answers += [ATTACHED]
    assert books.work() == [f"publish_attempt[{attempt.id}]"]
    assert fresh(item).status == "published" and [r.method for r in books.xero.requests] == ["PUT", "POST", "POST"]


def test_the_sweep_clears_only_the_queue_down_message(books, monkeypatch, redis_down):
    redis_was_down = fresh(books.publish(books.item(total="2.00")))
    redis_down()
    books.mount()
    retrying = books.publish(books.item(total="1.00"))
    books.xero.answers += [DOWN]
    books.work()  # its message says Xero isn't responding; its retry is booked
    later(monkeypatch, redis_was_down, 11)
    books.run(jobs.sweep)
    assert (fresh(retrying).message, fresh(redis_was_down).message) == (UNAVAILABLE, "")


def test_the_sweep_settles_only_publishing_runs_with_nothing_left_open(books, monkeypatch):
    run = killed_before_counting_the_last(books, monkeypatch)
    with books.app.app_context():
        housekeeping = enqueue_housekeeping(books.business_id)  # queued, another kind of run
        going_on = service.request_bulk([books.item(total="90.00"), books.item(total="91.00")],
                                        user_id=books.admin.user_id, business_id=books.business_id)
        single = service.request_publish(books.item(total="92.00"), user_id=books.admin.user_id)
    assert going_on.queued == 2 and single.run_id is None
    other = JobRun.get((JobRun.kind == "publish") & (JobRun.id != run.id))
    books.run(jobs.sweep)
    finished = fresh(run)
    assert (finished.status, finished.progress_done, finished.summary) == ("succeeded", 2, "Published 2 of 2.")
    assert (fresh(other).status, fresh(other).progress_done) == ("running", 0)
    assert fresh(housekeeping).status == "queued"


# --- what the jobs read from the business and the configuration -------------------------------------------------

def with_a_line(books, total: str, unit_amount: str) -> Item:
    """An item of `total` with one line of 3 at `unit_amount` (net, VAT on top), entered as a person does."""
    item = books.item(total=total)
    with books.app.app_context():
        line = lines.add(item, user_id=books.admin.user_id)
        for name, value in (("quantity", "3"), ("unit_amount", unit_amount)):
            assert lines.edit(fresh(item), LineItem.get_by_id(line.id), name, value, user_id=books.admin.user_id) == ""
    assert fresh(item).status == "ready"
    return fresh(item)


def test_an_item_with_lines_goes_with_its_lines_and_four_decimal_places_when_they_need_them(books):
    books.publish(with_a_line(books, "120.00", "33.3333"))
    books.xero.answers += [created(1), ATTACHED]
    books.work()
    put = books.xero.requests[0]
    assert put.url.endswith("?unitdp=4")
    assert [(line["Quantity"], line["UnitAmount"]) for line in sent(put)["Invoices"][0]["LineItems"]] == [
        (3, 33.3333)]


def test_a_batch_with_lines_needing_four_decimal_places_asks_for_them(books):
    books.publish_all([with_a_line(books, "240.00", "66.6667"), books.item(total="12.00")])
    books.xero.answers += [created(1, 2), ATTACHED, ATTACHED]
    books.work()
    put = books.xero.requests[0]
    assert "unitdp=4" in put.url.split("?")[1].split("&")
    assert [[line["UnitAmount"] for line in body["LineItems"]] for body in sent(put)["Invoices"]] == [
        [66.6667], [10]]


def settings(books, **values):
    """The Publishing settings an admin saves in Settings."""
    form = {"tax_policy": "docket", "line_amounts": "exclusive", "currency_mode": "document",
            "costs_publish_to": "purchases", "sales_publish_to": "sales", "costs_publish_as": "draft",
            "sales_publish_as": "draft"} | values
    with books.app.app_context():
        assert service.save_settings(books.business_id, form, user_id=books.admin.user_id) == {}


@pytest.mark.parametrize("job", ["one", "batch"])
def test_the_businesss_own_publishing_settings_shape_what_is_sent(books, job):
    settings(books, tax_policy="xero")  # Xero calculates the tax
    items = [books.item(total="12.00"), books.item(total="24.00")]
    if job == "one":
        books.publish(items[0])
        books.xero.answers += [created(1), ATTACHED]
    else:
        books.publish_all(items)
        books.xero.answers += [created(1, 2), ATTACHED, ATTACHED]
    books.work()
    body = sent(books.xero.requests[0])["Invoices"][0]
    assert body["LineAmountTypes"] == "Inclusive" and "TaxAmount" not in body["LineItems"][0]


def test_a_category_whose_default_tax_is_zero_rated_publishes_at_zero_with_exceptions(books):
    settings(books, tax_policy="docket_with_exceptions")
    exempt = Category.create(business=books.business_id, xero_id="acc-exempt", code="480", name="Postage",
                             type="EXPENSE", account_class="EXPENSE", tax_type="NONE")  # as a refresh reads it
    books.publish(books.item(total="12.00", category=exempt))
    books.xero.answers += [created(1), ATTACHED]
    books.work()
    line = sent(books.xero.requests[0])["Invoices"][0]["LineItems"][0]
    assert (line["TaxType"], line["TaxAmount"]) == ("NONE", 0)


@pytest.fixture
def day_rates(books):
    """EXCHANGE_RATES_URL served here: 1 EUR = 0.5 GBP (the fixed table says 0.8504), none for SEK."""
    rates = Flask("day-rates")

    @rates.get("/<day>/<base>")
    def table(day, base):
        if base == "SEK":
            abort(404)
        return {"amount": 1, "base": "EUR", "date": day, "rates": {"GBP": 0.5}}

    Currency.create(business=books.business_id, xero_id="EUR", description="Euro")  # as a refresh reads them
    Currency.create(business=books.business_id, xero_id="SEK", description="Swedish Krona")
    with LiveServer(rates) as server:
        books.app.config["EXCHANGE_RATES_URL"] = f"{server.url}/{{date}}/{{base}}"
        yield


def test_amounts_in_another_currency_are_converted_at_the_rates_of_exchange_rates_url(books, day_rates):
    settings(books, currency_mode="base")
    books.publish(books.item(total="120.00", currency="EUR"))
    books.xero.answers += [created(1), ATTACHED]
    books.work()
    body = sent(books.xero.requests[0])["Invoices"][0]
    assert body["CurrencyCode"] == "GBP" and body["LineItems"][0]["LineAmount"] == 50


@pytest.mark.parametrize("job", ["one", "batch"])
def test_a_currency_without_a_rate_fails_its_item_alone_before_any_call(books, day_rates, job):
    settings(books, currency_mode="base")
    swedish, plain = books.item(total="120.00", currency="SEK"), books.item(total="12.00")
    if job == "one":
        attempt = books.publish(swedish)
    else:
        books.publish_all([swedish, plain])
        attempt = PublishAttempt.get(item=swedish.id)
        books.xero.answers += [created(2), ATTACHED]
    books.work()
    assert all(r.method != "PUT" or len(sent(r)["Invoices"]) == 1 for r in books.xero.requests)
    refused = fresh(attempt)
    assert (refused.state, refused.detail, fresh(swedish).status) == (FAILED, "", "failed")
    assert "SEK" in refused.message and refused.message == fresh(swedish).publish_message
    if job == "batch":
        assert fresh(plain).status == "published"
