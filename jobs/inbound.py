"""Email-in jobs (the `inbound` queue): turn one stored message into items; queue again the messages whose worker
died.

The job takes the message's id and reads everything else from the database and the document store; it holds a
lapsing lock on the message, so a second job for it (a retry racing a recovery) leaves it to the first. What it
makes is recorded per attachment with the item itself, so a job killed midway and run again adds only the rest."""
from jobs.alone import run_alone
from webapp.db import database
from webapp.inbound import processing
from webapp.queues import INBOUND_TIMEOUT

FAILED = ("Docket couldn't turn it into items: something went wrong while reading the message (an operator can "
          "see why in the log). Nothing was lost: download the message and upload its documents")


def process_message(message_id: int) -> None:
    run_alone(f"docket:inbound:{message_id}", INBOUND_TIMEOUT, processing.run, message_id)


def record_failure(job, connection, exc_type, exc_value, traceback) -> None:
    """RQ failure callback: once no retry is left the message is set aside with a plain reason, never lost. A
    worker killed mid-job comes here too (RQ finds the job abandoned) and is retried while retries are left."""
    if job.retries_left:
        return
    with database.connection_context():
        processing.fail(job.args[0], FAILED)


def recover_messages() -> int:
    """Worker maintenance: queue again the messages whose job is gone (see processing.recover_stalled)."""
    with database.connection_context():
        return processing.recover_stalled()
