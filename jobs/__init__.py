"""Background jobs on RQ: queue accessors and the defaults every enqueue helper shares."""
from rq import Queue, Retry

from webapp.redis_conn import get_redis

QUEUE_NAMES = ("publishing", "sync", "maintenance", "default")
RESULT_TTL = 600  # results live in the database; RQ keeps them only briefly
FAILURE_TTL = 7 * 24 * 3600
TRANSIENT_RETRY = Retry(max=3, interval=[30, 120, 600])


def get_queue(name: str) -> Queue:
    return Queue(name, connection=get_redis())


def enqueue(queue_name: str, func, *args, job_id: str | None = None, timeout: int = 300, retry: Retry | None = None,
            **kwargs):
    """Enqueue `func(*args, **kwargs)` (ids and primitives only) with the shared TTLs."""
    return get_queue(queue_name).enqueue(
        func, *args, job_id=job_id, job_timeout=timeout, result_ttl=RESULT_TTL, failure_ttl=FAILURE_TTL,
        retry=retry, **kwargs)
