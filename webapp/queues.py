"""Putting work on the RQ queues: the queues, the defaults every job shares, and the enqueue helpers the app calls.

Each helper owns its job's queue, id, retry policy and timeout, and names the job function by its dotted path in
`jobs/` (the worker imports it), so `jobs/` imports `webapp` and never the reverse."""
import hashlib
import uuid
from datetime import timedelta

from flask import current_app
from rq import Callback, Queue, Retry, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from webapp import logs
from webapp.db import database
from webapp.jobruns import service as runs
from webapp.integrations.models import Connection
from webapp.integrations.xero_access import xero
from webapp.jobruns.models import JobRun
from webapp.publishing.models import PublishAttempt
from webapp.redis_conn import get_redis

EXTRACT = "extract"  # reading documents: its own worker (jobs.worker --reading) keeps the OCR engine loaded
INBOUND = "inbound"  # turning messages received by email-in into items
QUEUE_NAMES = ("publishing", EXTRACT, INBOUND, "sync", "maintenance", "default")
RESULT_TTL = 600  # results live in the database; RQ keeps them only briefly
FAILURE_TTL = 7 * 24 * 3600
TRANSIENT_RETRY = Retry(max=3, interval=[30, 120, 600])
PUBLISH_BATCH_SIZE = 50  # Xero accepts up to 50 documents per call with summarizeErrors=false
# A selection of more than 10 starts with a batch of 10: its attachments get going while Xero creates the bigger
# ones, instead of the organisation's calls waiting on a create of up to 50 (which takes Xero seconds), and every
# organisation of many publishing at once has its first documents soon.
FIRST_BATCH_SIZE = 10
SWEEP_BOOKED = "docket:publish-sweep-booked"
READING_TIMEOUT = 180  # seconds; a text layer takes well under one, OCR of a few pages some tens
READING_RETRY = Retry(max=2, interval=[10, 60])  # the document store or the database out of reach for a moment
INBOUND_TIMEOUT = 120  # seconds; a message of 50 PDFs is checked and stored in a few
INBOUND_RETRY = Retry(max=3, interval=[5, 30, 120])  # the store or the database out of reach; a killed worker
ENDED = (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED)
BOOKING_GRANULARITY = 1  # seconds: RQ books jobs to the second
# Publishing jobs waiting in the queue for each of its workers (and at least): enough for the workers between the
# scheduler's looks, a quarter of a second apart.
READY_PER_WORKER = 4
READY_AT_LEAST = 10
PUBLISH_JOB_PREFIX = "publish_"  # then a key for the organisation, "_" and a unique part
HELD_BACK = "held_back"  # a booked job's meta: due when booked, waiting only for room in the publishing queue


def get_queue(name: str) -> Queue:
    return Queue(name, connection=get_redis())


def enqueue(queue_name: str, func, *args, job_id: str | None = None, timeout: int = 300, retry: Retry | None = None,
            book_in: float | None = None, meta: dict | None = None, **kwargs):
    """Enqueue `func(*args, **kwargs)` (ids and primitives only) with the shared TTLs, or book it `book_in` seconds on
    (RQ's scheduler queues it then); its log lines carry the request id of the request (or job) that queued it."""
    queue = get_queue(queue_name)
    shared = dict(job_id=job_id, job_timeout=timeout, result_ttl=RESULT_TTL, failure_ttl=FAILURE_TTL, retry=retry,
                  meta=logs.job_meta() | (meta or {}))
    if book_in is not None:
        return queue.enqueue_in(timedelta(seconds=book_in), func, *args, **shared, **kwargs)
    return queue.enqueue(func, *args, **shared, **kwargs)


def enqueue_refresh(business_id: int, *, requested_by: int | None = None, steps: list[str] | None = None) -> JobRun:
    """Start a refresh of the business's lists, or join the one already queued or running for this business."""
    with get_redis().lock(f"docket:enqueue-refresh:{business_id}", timeout=10, blocking_timeout=10):
        active = JobRun.active_for(business_id).where(JobRun.kind == "refresh").first()
        if active:
            return active
        run = runs.start_run("refresh", business_id=business_id, requested_by=requested_by)
    job = enqueue("sync", "jobs.sync.refresh_connection", run.id, steps=steps, job_id=f"refresh-{run.id}",
                  retry=TRANSIENT_RETRY, on_failure=Callback("jobs.sync.record_failure"))
    JobRun.update(rq_job_id=job.id).where(JobRun.id == run.id).execute()
    return run


def enqueue_housekeeping(business_id: int, *, requested_by: int | None = None) -> JobRun:
    """Start housekeeping for a business, or return the run already queued or running (no double runs)."""
    with database.atomic():
        active = JobRun.active_for(business_id).where(JobRun.kind == "housekeeping").first()
        if active:
            return active
        run = runs.start_run("housekeeping", business_id=business_id, requested_by=requested_by)
    job = enqueue("maintenance", "jobs.maintenance.run_housekeeping", run.id, job_id=f"housekeeping-{run.id}",
                  on_failure=Callback("jobs.maintenance.record_failure"))
    JobRun.update(rq_job_id=job.id).where(JobRun.id == run.id).execute()
    return run


def enqueue_refresh_contacts(business_id: int, contact_ids: list[str], *, delivery_key: str):
    """Queue one `refresh_contacts` for a business; `delivery_key` (a digest of the newly accepted events) makes
    the job id deterministic, so the same events can never queue two jobs."""
    return enqueue("sync", "jobs.webhooks.refresh_contacts", business_id, contact_ids=sorted(set(contact_ids)),
                   job_id=f"webhook-contacts-{business_id}-{delivery_key}", timeout=120, retry=TRANSIENT_RETRY)


def enqueue_reading(item_id: int, *, attempt: int):
    """Read an item's document on the `extract` queue; one job id per start of its reading (a reading started
    again after its worker died gets a new one)."""
    return enqueue(EXTRACT, "jobs.reading.read_item", item_id, job_id=f"read-{item_id}-{attempt}",
                   timeout=READING_TIMEOUT, retry=READING_RETRY, on_failure=Callback("jobs.reading.record_failure"))


def enqueue_inbound(message_id: int, *, attempt: int):
    """Turn a stored email-in message into items; one job id per start (a message started again after its worker
    died gets a new one)."""
    return enqueue(INBOUND, "jobs.inbound.process_message", message_id, job_id=f"inbound-{message_id}-{attempt}",
                   timeout=INBOUND_TIMEOUT, retry=INBOUND_RETRY, on_failure=Callback("jobs.inbound.record_failure"))


def job_ended(job_id: str | None) -> bool:
    """Whether the job is gone, or ended without finishing (failed, stopped, cancelled)."""
    if not job_id:
        return True
    try:
        return Job.fetch(job_id, connection=get_redis()).get_status(refresh=False) in ENDED
    except NoSuchJobError:
        return True


def job_not_running(job_id: str | None) -> bool:
    """Whether the job is gone, ended, or finished: neither waiting nor running (for work that a finished job should
    have done, a finished job that left it undone is as good as gone: it found another job's lock, say)."""
    if not job_id:
        return True
    try:
        status = Job.fetch(job_id, connection=get_redis()).get_status(refresh=False)
    except NoSuchJobError:
        return True
    return status in ENDED or status == JobStatus.FINISHED


def enqueue_attempts(attempt_ids: list[int]) -> None:
    """One job per attempt, or batches when several go together (attachments follow in their own jobs); all of one
    business."""
    if len(attempt_ids) == 1:
        enqueue_attempt(attempt_ids[0])
    else:
        enqueue_batches(_batches(attempt_ids))
    schedule_sweep()


def _batches(attempt_ids: list[int]) -> list[list[int]]:
    first = min(FIRST_BATCH_SIZE, PUBLISH_BATCH_SIZE)
    return [attempt_ids[:first]] + [attempt_ids[start:start + PUBLISH_BATCH_SIZE]
                                    for start in range(first, len(attempt_ids), PUBLISH_BATCH_SIZE)]


def enqueue_batches(batches: list[list[int]], *, tenant_id: str | None = None, retry_in: float | None = None) -> None:
    """The first of a selection's batches, carrying the others: each is queued once the one before has queued its
    attachments, so a big selection never fills the queue ahead of other organisations' work. Every attempt of them
    names the job that carries it, for the sweep. `tenant_id`, `retry_in`: see enqueue_attempt."""
    args = (batches[0], batches[1:]) if len(batches) > 1 else (batches[0],)
    job = _at_its_turn("jobs.publishing.publish_batch", *args, tenant_id=tenant_id or _tenant_of(batches[0][0]),
                       retry_in=retry_in)
    PublishAttempt.update(job_id=job.id).where(PublishAttempt.id.in_(
        [attempt_id for batch in batches for attempt_id in batch])).execute()


def enqueue_attempt(attempt_id: int, *, tenant_id: str | None = None, calls: int = 1,
                    retry_in: float | None = None) -> None:
    """One job carrying the attempt on from its saved state, making `calls` calls to the organisation (`tenant_id`,
    looked up when not given), queued for its turn; its id is saved on the attempt for the sweep to check.
    `retry_in`: a retry, which goes that many seconds on, not behind the organisation's bookings (its turn was
    booked already)."""
    job = _at_its_turn("jobs.publishing.publish_attempt", attempt_id, tenant_id=tenant_id or _tenant_of(attempt_id),
                       calls=calls, retry_in=retry_in)
    PublishAttempt.update(job_id=job.id).where(PublishAttempt.id == attempt_id).execute()


def _at_its_turn(func: str, *args, tenant_id: str, calls: int = 1, retry_in: float | None = None):
    """A publishing job queued now, or booked for when the organisation's pace reaches its calls (a retry: in
    `retry_in` seconds): each organisation's jobs then reach the workers at the pace its calls can go, between other
    organisations' jobs, instead of waiting at the front of the queue for the organisation's turn. A job due while
    the queue is long is booked too: the scheduler hands the due ones over an organisation at a time (jobs.scheduler).
    The job's id names its organisation for that."""
    if retry_in is not None:
        wait = max(BOOKING_GRANULARITY, retry_in)
    else:
        wait = xero().limiter.book(tenant_id, calls) if tenant_id else 0
    job_id = f"{PUBLISH_JOB_PREFIX}{_organisation_key(tenant_id)}_{uuid.uuid4().hex}"
    if wait >= BOOKING_GRANULARITY:
        return enqueue("publishing", func, *args, book_in=wait, job_id=job_id)
    if ready_room(get_queue("publishing")) > 0:
        return enqueue("publishing", func, *args, job_id=job_id)
    return enqueue("publishing", func, *args, book_in=0, meta={HELD_BACK: True}, job_id=job_id)


def organisation_of(job_id: str) -> str:
    """Which organisation a publishing job calls, from its id, as a key of its own ("" for other jobs)."""
    return job_id[len(PUBLISH_JOB_PREFIX):].partition("_")[0] if job_id.startswith(PUBLISH_JOB_PREFIX) else ""


def _organisation_key(tenant_id: str) -> str:
    return hashlib.blake2s(tenant_id.encode(), digest_size=8).hexdigest()  # RQ's job ids take letters, digits, - _


def ready_room(queue: Queue) -> int:
    """How many more jobs the publishing queue should hold: enough that none of its workers idles between the
    scheduler's looks, few enough that a job due now is never behind a long queue (the rest wait booked)."""
    workers = Worker.count(connection=queue.connection, queue=queue)
    return max(READY_AT_LEAST, READY_PER_WORKER * workers) - queue.count


def _tenant_of(attempt_id: int) -> str:
    """The Xero organisation the attempt's business is connected to ("" when none: its job fails it at once)."""
    connection = (Connection.select(Connection.tenant_id).join(PublishAttempt, on=(
        PublishAttempt.business == Connection.business)).where(PublishAttempt.id == attempt_id).first())
    return connection.tenant_id if connection else ""


def schedule_sweep() -> None:
    """One sweep booked at a time: a Redis key lasting until it is due says one is booked. (Not a fixed job id: a
    sweep booking the next one from inside its own job would have it deleted with its own finished job.)"""
    seconds = current_app.config["PUBLISH_SWEEP_SECONDS"]
    if not get_redis().set(SWEEP_BOOKED, 1, nx=True, ex=seconds):
        return
    get_queue("publishing").enqueue_in(timedelta(seconds=seconds), "jobs.publishing.sweep", result_ttl=0,
                                       failure_ttl=3600)
