"""What an operator looks at: the job queues, failed jobs (and retrying one), the live workers, and each connected
Xero organisation's pace. Read from RQ's registries in Redis and the Xero limiter; nothing here changes a job but
`retry`."""
import time
from dataclasses import dataclass
from datetime import datetime

from rq import Worker
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry

from webapp.integrations.models import CONNECTED, Connection
from webapp.integrations.xero_access import xero
from webapp.queues import QUEUE_NAMES, get_queue
from webapp.redis_conn import get_redis

FAILED_SHOWN = 50
ERROR_SHOWN = 300  # characters of a failed job's error


@dataclass(frozen=True)
class QueueState:
    name: str
    waiting: int
    running: int
    scheduled: int
    failed: int


@dataclass(frozen=True)
class FailedJob:
    id: str
    queue: str
    function: str
    ended_at: datetime | None
    error: str  # the exception's last line


@dataclass(frozen=True)
class WorkerState:
    name: str
    queues: str
    state: str
    job_id: str
    last_heartbeat: datetime | None


@dataclass(frozen=True)
class Pace:
    business: str
    organisation: str
    in_flight: int
    calls_last_minute: int
    paused_until: datetime | None
    problem: str | None
    day_remaining: int | None


def queues() -> list[QueueState]:
    """Each queue's jobs. A booked job whose time has come counts as waiting: the scheduler hands publishing's over
    only as fast as the workers take them, so when they fall behind that is where the backlog is."""
    found = []
    for name in QUEUE_NAMES:
        queue = get_queue(name)
        booked = queue.scheduled_job_registry
        due = get_redis().zcount(booked.key, 0, time.time())
        found.append(QueueState(name, queue.count + due, queue.started_job_registry.count, booked.count - due,
                                queue.failed_job_registry.count))
    return found


def failed_jobs(limit: int = FAILED_SHOWN) -> list[FailedJob]:
    """The most recent failed jobs of every queue, newest first."""
    found = []
    for name in QUEUE_NAMES:
        ids = get_queue(name).failed_job_registry.get_job_ids(0, limit - 1)
        for job in Job.fetch_many(ids, connection=get_redis()):
            if job is not None:
                found.append(FailedJob(job.id, name, job.func_name, job.ended_at, _last_error(job)))
    return sorted(found, key=lambda job: job.ended_at or datetime.min, reverse=True)[:limit]


def _last_error(job: Job) -> str:
    """The exception that ended the job's latest run ("JobRunDoesNotExist: … does not exist"): the traceback's
    lines after its last frame, on one line."""
    result = job.latest_result()
    lines = (result.exc_string or "").rstrip().splitlines() if result else []
    after_frames = max((number for number, line in enumerate(lines) if line.startswith("  ")), default=-1) + 1
    return " ".join(line.strip() for line in lines[after_frames:])[:ERROR_SHOWN]


def retry(job_id: str) -> bool:
    """Put a failed job back on its queue; False when no queue has it among its failed jobs."""
    for name in QUEUE_NAMES:
        registry = FailedJobRegistry(name, connection=get_redis())
        if job_id in registry:
            try:
                registry.requeue(job_id)
            except (InvalidJobOperation, NoSuchJobError):
                return False
            return True
    return False


def workers() -> list[WorkerState]:
    found = []
    for worker in Worker.all(connection=get_redis()):
        found.append(WorkerState(worker.name, ", ".join(worker.queue_names()), worker.get_state(),
                                 worker.get_current_job_id() or "", worker.last_heartbeat))
    return sorted(found, key=lambda worker: worker.name)


def xero_pace() -> list[Pace]:
    limiter = xero().limiter
    found = []
    for connection in Connection.select().where(Connection.status == CONNECTED).order_by(Connection.tenant_name):
        status = limiter.status(connection.tenant_id)
        found.append(Pace(connection.business.name, connection.tenant_name, status.in_flight,
                          status.calls_last_minute, status.paused_until, status.problem, status.day_remaining))
    return found
