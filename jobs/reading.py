"""Reading jobs (the `extract` queue): read one item's document and apply what it says; start again the readings
whose worker died.

The job takes the item's id and reads everything else from the database; it holds a lapsing lock on the item, so
a second job for the same item (a retry racing a recovery) leaves it to the first, and a job that runs after the
reading finished finds nothing to do."""
import logging

from redis.exceptions import LockError

from webapp.db import database
from webapp.items import readings
from webapp.queues import READING_TIMEOUT
from webapp.redis_conn import get_redis

log = logging.getLogger(__name__)


def read_item(item_id: int) -> None:
    """Read the item's document and fill in its fields (or say why it couldn't be read)."""
    lock = get_redis().lock(f"docket:reading:{item_id}", timeout=READING_TIMEOUT)
    if not lock.acquire(blocking=False):
        return  # another job has it in hand; if its worker dies, the recovery pass starts it again
    try:
        with database.connection_context():
            readings.run(item_id)
    finally:
        try:
            lock.release()
        except LockError:  # it lapsed: the work is saved already
            log.warning("reading lock of item %s lapsed before the job ended", item_id)


def record_failure(job, connection, exc_type, exc_value, traceback) -> None:
    """RQ failure callback: once no retry is left the item leaves "Reading…" with a plain message."""
    if job.retries_left:
        return
    with database.connection_context():
        readings.fail(job.args[0], readings.STOPPED)


def recover_readings() -> int:
    """Worker maintenance: queue again the readings whose job is gone (see readings.recover_stalled)."""
    with database.connection_context():
        return readings.recover_stalled()
