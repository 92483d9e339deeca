"""Reading jobs (the `extract` queue): read one item's document and apply what it says; start again the readings
whose worker died.

The job takes the item's id and reads everything else from the database; it holds a lapsing lock on the item, so
a second job for the same item (a retry racing a recovery) leaves it to the first, and a job that runs after the
reading finished finds nothing to do."""
from jobs.alone import run_alone
from webapp.db import database
from webapp.items import readings
from webapp.queues import READING_TIMEOUT


def read_item(item_id: int) -> None:
    """Read the item's document and fill in its fields (or say why it couldn't be read)."""
    run_alone(f"docket:reading:{item_id}", READING_TIMEOUT, readings.run, item_id)


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
