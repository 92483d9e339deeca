"""Publishing jobs: one attempt, or a batch of up to 50 created with one call; resuming attempts cut short.

Every job takes ids and reads the rest from the database, so a job that runs twice (a retry, or a second
worker after a crash) finds the attempt's saved state and carries on from there."""
import hashlib
import json
import logging
import threading
from contextlib import contextmanager
from datetime import timedelta

from flask import current_app
from redis.exceptions import LockError, RedisError
from rq import Worker
from rq.job import Job

from webapp.accounts.models import utcnow
from webapp.db import database
from webapp.integrations.models import CONNECTED, Connection
from webapp.integrations.xero_access import xero
from webapp.items import changes, queries
from webapp.items.review import Review
from webapp.jobruns import service as runs
from webapp.jobruns.models import ACTIVE_STATUSES, JobRun
from webapp.publishing import contacts, messages, payload
from webapp.publishing.models import (CREATED, DONE, FAILED, OPEN_STATES, QUEUED, RUN_KIND, SENDING,
                                      PublishAttempt, PublishingSettings)
from webapp.publishing.rates import MissingRate, rate_source
from webapp.publishing.publisher import (DocumentUnreadable, Publisher, StillLanding, element_of, record_created,
                                         save_step)
from webapp.queues import enqueue_attempt, enqueue_attempts, enqueue_batches, get_queue, schedule_sweep
from webapp.redis_conn import get_redis
from webapp.xero.errors import XeroError, XeroRateLimited

log = logging.getLogger(__name__)
QUEUE = "publishing"
UNREADABLE_RETRY_SECONDS = 60
STALLED_AFTER = timedelta(seconds=10)  # an attempt saved this recently may just be between its job and its lock
SWEEP_DUE = "docket:publish-sweep-due"
NOWHERE, NOWHERE_REMEMBERED = "docket:publish-job-nowhere:", 600  # jobs a sweep found in no queue, for 10 minutes
SWEEP_EVERY = 25  # seconds; under the workers' maintenance interval (30 s), so one of their passes always sweeps


def publish_attempt(attempt_id: int) -> None:
    """Carry one attempt on from its saved state: create, attach, pay, finish (or fail with a plain message)."""
    lock = _lock(attempt_id)
    if not lock.acquire():
        return  # another worker has it in hand
    try:
        with _kept([lock]), database.connection_context():
            attempt = PublishAttempt.get_or_none(PublishAttempt.id == attempt_id)
            if attempt is None or attempt.state not in OPEN_STATES:
                return
            _run(attempt)
    finally:
        _release(lock)


def publish_batch(attempt_ids: list[int], later: list[list[int]] = ()) -> None:
    """Create the queued attempts' documents in as few calls as possible, then queue each one's attachment, then the
    first of `later` (the selection's next batches, each carrying the rest)."""
    locks = {attempt_id: _lock(attempt_id) for attempt_id in attempt_ids}
    held = [attempt_id for attempt_id, lock in locks.items() if lock.acquire()]
    attempts, retrying, prepared = [], set(), []
    try:
        with _kept([locks[attempt_id] for attempt_id in held]), database.connection_context():
            attempts = list(PublishAttempt.select().where(PublishAttempt.id.in_(held) & PublishAttempt.state.in_(
                OPEN_STATES)).order_by(PublishAttempt.id))
            prepared = [p for attempt in attempts if attempt.state == QUEUED and (p := _prepare(attempt))]
            by_business: dict[int, list] = {}
            for p in prepared:
                by_business.setdefault(p.attempt.business_id, []).append(p)
            groups: dict[tuple, list] = {}  # one call per organisation and kind of document
            for of_business in by_business.values():
                ready, waiting = _with_new_contacts_created(of_business)
                retrying |= waiting
                for p in ready:
                    groups.setdefault((p.attempt.business_id, p.destination.endpoint), []).append(p)
            for (_, endpoint), group in groups.items():
                retrying |= _create_together(endpoint, group)
    finally:
        for attempt_id in held:
            _release(locks[attempt_id])
    turns = {p.attempt.id: (p.connection.tenant_id, 1 + p.destination.pays) for p in prepared}
    for attempt in attempts:
        if attempt.state in (SENDING, CREATED) and attempt.id not in retrying:  # those wait for their retry
            tenant_id, calls = turns.get(attempt.id, (None, 1))
            enqueue_attempt(attempt.id, tenant_id=tenant_id, calls=calls)  # attachment, payment, or a resumed create
    if later:  # behind this batch's attachments, which keep the organisation's calls going while it is created
        enqueue_batches(later, tenant_id=prepared[0].connection.tenant_id if prepared else None)


def sweep_if_due() -> None:
    """The workers' maintenance passes sweep once every SWEEP_EVERY seconds between them, not each every pass (a sweep
    looks at every open attempt: with thousands queued, each worker's own took seconds from publishing)."""
    if get_redis().set(SWEEP_DUE, "1", nx=True, ex=SWEEP_EVERY):
        sweep()


def sweep() -> None:
    """Re-queue attempts nobody is carrying any more (a worker was killed, a job failed for good); book the next
    sweep while any attempt is still open. A job at work holds its attempt's lock, which lapses if it dies."""
    with database.connection_context():
        _settle_finished_runs()
        stalled_before = utcnow() - STALLED_AFTER
        still_open = PublishAttempt.state.in_(OPEN_STATES) & (PublishAttempt.updated_at < stalled_before)
        queued = set(get_queue(QUEUE).get_job_ids())
        uncarried = {attempt.id: attempt.job_id for attempt in PublishAttempt.select().where(still_open)
                     if not _carried(attempt, queued)}
        # Read again: a job that finished while the others were being looked at has saved its attempt by now (it
        # frees the lock only after), or handed it to a job of its own (a turn booked again), and resuming either
        # would only queue a second job for it.
        stalled = [attempt for attempt in PublishAttempt.select().where(still_open & PublishAttempt.id.in_(
            list(uncarried))) if attempt.job_id == uncarried[attempt.id]] if uncarried else []
        waited = [attempt.id for attempt in stalled if not attempt.job_id]  # saved while the job queue was down
        if waited:  # their message said so; they are on their way now
            PublishAttempt.update(message="").where(PublishAttempt.id.in_(waited)).execute()
        for attempt in stalled:
            log.info("publish attempt %s resumed after its job stopped", attempt.id)
            if attempt.state != QUEUED:
                enqueue_attempt(attempt.id)
        never_sent = [attempt.id for attempt in stalled if attempt.state == QUEUED]
        if never_sent:
            enqueue_attempts(never_sent)  # in batches again, as they were meant to go
        elif PublishAttempt.select().where(PublishAttempt.state.in_(OPEN_STATES)).exists():
            schedule_sweep()


# --- one attempt ----------------------------------------------------------------------------------

class _Prepared:
    """An attempt with everything its publish needs loaded; None from _prepare when it failed already."""

    def __init__(self, attempt, item, lines, connection, context):
        self.attempt, self.item, self.lines, self.connection, self.context = attempt, item, lines, connection, context
        self.destination = payload.destination(item)


def _prepare(attempt: PublishAttempt) -> _Prepared | None:
    item = queries.item(attempt.business_id, attempt.item_id)  # never None: an attempt is deleted with its item
    connection = Connection.for_business(attempt.business_id)
    if connection is None or connection.status != CONNECTED:
        _fail(attempt, item, "The connection to Xero needs attention: an admin must Reconnect on the Integrations "
                             "page, then publish again.", "")
        return None
    review = Review(item)
    if attempt.state == QUEUED:
        problems = review.checks()
        if problems:  # something changed since Publish was pressed
            _fail(attempt, item, problems[0].message, "")
            return None
    return _Prepared(attempt, item, review.lines, connection, _context(item, attempt, review))


def _context(item, attempt: PublishAttempt, review: Review) -> payload.PublishContext:
    """The business's settings and organisation, the attempt's own link (its marker in Xero) and the rates."""
    config = current_app.config
    link = f"{config['PUBLIC_URL']}/b/{item.business_id}/items/{item.id}?publish={attempt.idempotency_key}"
    return payload.PublishContext(settings=PublishingSettings.of(item.business_id),
                                  organisation=review.choices.organisation, url=link,
                                  rates=rate_source(config["EXCHANGE_RATES_URL"]),
                                  zero_rated=payload.zero_rated_tax_types(review.choices.tax_rates))


def _run(attempt: PublishAttempt) -> None:
    prepared = _prepare(attempt)
    if prepared is None:
        return
    services = xero()
    publisher = Publisher(services.client_for(prepared.connection), services.endpoints, attempt, prepared.item,
                          prepared.lines, prepared.context)
    first_send = attempt.state == QUEUED  # no create call of this attempt has gone out before this run
    try:
        publisher.advance()
    except XeroError as error:
        _handle(attempt, prepared.item, error, first_send=first_send)
        return
    except (payload.NotPublishable, MissingRate) as refused:
        _fail(attempt, prepared.item, str(refused), "")
        return
    except StillLanding as landing:  # saved as it was: the window counts from the attempt's last save
        _book_retry(attempt.id, landing.seconds)
        return
    except DocumentUnreadable as unreadable:  # never a silent stall: the item says why, the log says where
        log.error("publish attempt %s can't read its document, trying again in %s s: %s", attempt.id,
                  UNREADABLE_RETRY_SECONDS, unreadable)
        save_step(attempt, message=DocumentUnreadable.MESSAGE)
        _book_retry(attempt.id, UNREADABLE_RETRY_SECONDS)
        return
    _progress(attempt)


def _handle(attempt: PublishAttempt, item, error: XeroError, *, first_send: bool = False) -> None:
    """Try again later when the error passes by itself (a 429, a 5xx, a timeout), else fail with its message.
    `first_send`: the run began before any create call, so a 429 while sending answered that call, the only one."""
    explained = messages.explain(error)
    if explained.retry:
        if isinstance(error, XeroRateLimited) and attempt.state == SENDING and first_send:
            attempt.state = QUEUED  # Xero refused the attempt's only create call: sending again is safe
        # Otherwise a create's outcome is still unknown (the 429 may have answered the look-up for it): the next
        # run looks the document up before sending again.
        save_step(attempt, message=explained.message)
        delay = max(1, explained.retry_after or 30)
        log.info("publish attempt %s will be tried again in %s s: %s", attempt.id, delay, error.__class__.__name__)
        _book_retry(attempt.id, delay)
        return
    _fail(attempt, item, explained.message, explained.detail)


def _book_retry(attempt_id: int, seconds: float) -> None:
    enqueue_attempt(attempt_id, retry_in=seconds)


def _fail(attempt: PublishAttempt, item, message: str, detail: str) -> None:
    with database.atomic():
        save_step(attempt, state=FAILED, message=message, detail=detail)
        if item is not None:
            changes.change(item, {"status": "failed", "publish_message": message}, user_id=None, source="publishing")
            changes.note(item, "publish", f"Not published: {message}", user_id=None, source="publishing",
                         old=detail[:500])
    _progress(attempt)


def _progress(attempt: PublishAttempt) -> None:
    if attempt.run_id is not None:
        _settle_run(attempt.run_id)


def _settle_run(run_id: int) -> None:
    """Count the run's finished attempts from their own states (so a worker killed between an attempt's last step
    and this count loses nothing); once none is left open, write the run's summary."""
    states = [row.state for row in PublishAttempt.select(PublishAttempt.state).where(PublishAttempt.run == run_id)]
    done, failed = states.count(DONE), states.count(FAILED)
    JobRun.update(progress_done=done + failed).where(JobRun.id == run_id).execute()
    if done + failed < len(states) or not JobRun.get_by_id(run_id).is_active:
        return
    summary = f"Published {done} of {len(states)}." + (
        f" {failed} could not be published: filter the Inbox by Failed to see why." if failed else "")
    (runs.fail_run if failed else runs.finish_run)(run_id, summary)


def _settle_finished_runs() -> None:
    """Publishing runs still shown as active though none of their attempts is open any more."""
    still_open = PublishAttempt.select(PublishAttempt.run).where(PublishAttempt.state.in_(OPEN_STATES)
                                                                 & PublishAttempt.run.is_null(False))
    for run in JobRun.select(JobRun.id).where((JobRun.kind == RUN_KIND) & JobRun.status.in_(ACTIVE_STATUSES)
                                              & JobRun.id.not_in(still_open)):
        _settle_run(run.id)


# --- batches --------------------------------------------------------------------------------------

def _with_new_contacts_created(group: list[_Prepared]) -> tuple[list[_Prepared], set[int]]:
    """Create in Xero, with one call, the new suppliers and customers of one organisation's attempts. Returns the
    attempts that can go on, and those booked to try again later; an attempt whose contact Xero refused fails."""
    client = xero().client_for(group[0].connection)
    try:
        refused = contacts.create_in_xero(client, [p.item.contact for p in group])
    except XeroRateLimited as error:
        return [], _again_later(group, error)
    except XeroError as error:
        for prepared in group:
            _handle(prepared.attempt, prepared.item, error)
        return [], {prepared.attempt.id for prepared in group}
    for prepared in group:
        if prepared.item.contact_id in refused:
            _fail(prepared.attempt, prepared.item, refused[prepared.item.contact_id], "")
    return [p for p in group if p.item.contact_id not in refused], set()


def _again_later(group: list[_Prepared], error: XeroRateLimited) -> set[int]:
    """Xero took none of the batch's call: the whole batch goes again once the limit allows."""
    for prepared in group:
        save_step(prepared.attempt, state=QUEUED, message=messages.explain(error).message)
    ids, delay = [prepared.attempt.id for prepared in group], max(1, error.retry_after)
    log.info("publish batch of %s attempts will be tried again in %s s: %s", len(ids), delay,
             error.__class__.__name__)
    enqueue_batches([ids], tenant_id=group[0].connection.tenant_id, retry_in=delay)  # the same batch, as one call again
    return set(ids)


def _create_together(endpoint: str, group: list[_Prepared]) -> set[int]:
    """One call creating the group's documents (summarizeErrors=false: each element succeeds or fails alone).
    Returns the attempts booked to try again later (after a 429, a 5xx or a timeout), which must wait for it."""
    connection = group[0].connection
    try:
        bodies = [payload.build(p.item, p.lines, p.context) for p in group]
    except (payload.NotPublishable, MissingRate):
        for prepared in group:  # one at a time: each gets its own outcome
            enqueue_attempt(prepared.attempt.id)
        return set()
    for prepared, body in zip(group, bodies):
        save_step(prepared.attempt, state=SENDING, request_body=json.dumps(body))
    key = hashlib.sha256("".join(p.attempt.idempotency_key for p in group).encode()).hexdigest()
    params = {"summarizeErrors": "false"}
    if any(payload.needs_unitdp4(body) for body in bodies):
        params["unitdp"] = 4
    try:
        answer = xero().client_for(connection).put(endpoint, {endpoint: bodies}, params=params, idempotency_key=key)
    except XeroRateLimited as error:
        return _again_later(group, error)
    except XeroError as error:
        for prepared in group:
            _handle(prepared.attempt, prepared.item, error)
        return {prepared.attempt.id for prepared in group}
    for prepared, element in zip(group, answer.get(endpoint, [])):
        try:
            created = element_of({endpoint: [element]}, endpoint)
        except XeroError as error:  # the element's own validation errors: it fails alone, never retried
            _handle(prepared.attempt, prepared.item, error)
            continue
        record_created(prepared.attempt, prepared.destination, created)
    return set()


def _release(lock) -> None:
    try:
        lock.release()
    except LockError:  # it lapsed while the job worked (Redis out of reach as _kept renewed it): nothing to free
        pass


@contextmanager
def _kept(locks):
    """Keep the job's locks from lapsing while it works: waits for an organisation's limit (up to
    XERO_LIMIT_MAX_WAIT a call, and an attempt may make three calls) can outlast PUBLISH_LOCK_SECONDS, and the sweep
    would then resume an attempt whose job is still at it. This thread dies with a killed worker, so the locks
    still lapse on their own then."""
    if not locks:
        yield
        return
    stop, every = threading.Event(), locks[0].timeout / 3

    def renew():
        while not stop.wait(every):
            for lock in locks:
                try:
                    lock.reacquire()
                except (LockError, RedisError):  # lost already, or Redis out of reach for a moment: the sweep copes
                    pass

    keeper = threading.Thread(target=renew, name="publish-locks", daemon=True)
    keeper.start()
    try:
        yield
    finally:
        stop.set()
        keeper.join()


def _lock(attempt_id: int):
    """Held while a job works on the attempt (kept by _kept); it lapses on its own when the worker holding it is
    killed."""
    return get_redis().lock(f"docket:publish-attempt:{attempt_id}",
                            timeout=current_app.config["PUBLISH_LOCK_SECONDS"], blocking_timeout=0,
                            thread_local=False)  # _kept renews it from its own thread


def _carried(attempt: PublishAttempt, queued: set[str]) -> bool:
    """A job is at work on it (its lock is held) or waiting to start (`queued`: the queue's job ids, read once)."""
    return get_redis().exists(f"docket:publish-attempt:{attempt.id}") == 1 or _job_waiting(attempt, queued)


def _job_waiting(attempt: PublishAttempt, queued: set[str]) -> bool:
    """Queued and really in the queue, or being taken from it (a killed worker's job is left "queued" in no queue:
    lost when a second sweep finds it so), booked, or started by a worker that is still alive: its work horse may
    not hold the attempt's lock yet, and a batch carries its selection's later batches without their locks until it
    queues the next. (Never "deferred": no publishing job waits on another.)"""
    job_id = attempt.job_id
    if not job_id or get_redis().exists(f"rq:job:{job_id}") != 1:
        return False
    job = Job.fetch(job_id, connection=get_redis())
    status = job.get_status(refresh=False)
    if status == "queued":
        if job_id in queued:
            return True
        # Queued since the queue was read, or being taken: by a worker of one queue (in RQ's intermediate queue), of
        # several (RQ's BLPOP leaves it in no list until the horse starts it), or by one killed at that moment. Lost
        # only if a later sweep, reading the queue again, still finds it in none.
        return bool(get_redis().set(f"{NOWHERE}{job_id}:{attempt.id}", "1", nx=True, ex=NOWHERE_REMEMBERED))
    if status == "started":  # a killed worker's key lapses after its worker_ttl (45 s), before the lock's 90 s
        worker_key = f"{Worker.redis_worker_namespace_prefix}{job.worker_name}"
        return bool(job.worker_name) and get_redis().exists(worker_key) == 1
    return status == "scheduled"
