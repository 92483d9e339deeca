"""Running a job's work alone: under a lapsing Redis lock on what it works on, so that a second job for the same
thing (a retry racing a recovery) leaves it to the first. If the first job's worker dies, the lock lapses and the
recovery pass starts the work again."""
import logging

from redis.exceptions import LockError

from webapp.db import database
from webapp.redis_conn import get_redis

log = logging.getLogger(__name__)


def run_alone(key: str, timeout: int, work, *args) -> None:
    """`work(*args)` with a database connection, unless another job holds `key`."""
    lock = get_redis().lock(key, timeout=timeout)
    if not lock.acquire(blocking=False):
        return
    try:
        with database.connection_context():
            work(*args)
    finally:
        try:
            lock.release()
        except LockError:  # it lapsed: what the work saved is saved
            log.warning("lock %s lapsed before the job ended", key)
