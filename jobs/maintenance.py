"""Housekeeping: removes a business's finished job records older than the retention period."""
from datetime import timedelta

from rq import Callback

from webapp.accounts.models import utcnow
from webapp.db import database
from webapp.jobruns import service as runs
from webapp.jobruns.models import ACTIVE_STATUSES, JobRun

from jobs import enqueue

RETENTION = timedelta(days=30)
BATCH = 500


def run_housekeeping(run_id: int) -> None:
    """Delete old finished JobRuns of the run's business in batches, reporting progress."""
    with database.connection_context():
        run = JobRun.get_by_id(run_id)
        old = JobRun.select(JobRun.id).where(
            (JobRun.business == run.business_id) & (JobRun.created_at < utcnow() - RETENTION)
            & JobRun.status.not_in(ACTIVE_STATUSES))
        total = old.count()
        runs.mark_running(run_id, total)
        removed = 0
        while ids := [row.id for row in old.limit(BATCH)]:
            with database.atomic():
                removed += JobRun.delete().where(JobRun.id.in_(ids)).execute()
            runs.record_progress(run_id, removed)
        noun = "record" if removed == 1 else "records"
        runs.finish_run(run_id, f"Removed {removed} finished job {noun} older than {RETENTION.days} days.")


def enqueue_housekeeping(business_id: int, *, requested_by: int | None = None) -> JobRun:
    """Start housekeeping for a business, or return the run already queued or running (no double runs)."""
    with database.atomic():
        active = JobRun.active_for(business_id).where(JobRun.kind == "housekeeping").first()
        if active:
            return active
        run = runs.start_run("housekeeping", business_id=business_id, requested_by=requested_by)
    job = enqueue("maintenance", run_housekeeping, run.id, job_id=f"housekeeping-{run.id}",
                  on_failure=Callback(record_failure))
    JobRun.update(rq_job_id=job.id).where(JobRun.id == run.id).execute()
    return run


def record_failure(job, connection, exc_type, exc_value, traceback) -> None:
    """RQ failure callback: the run shows as failed with a plain message instead of hanging."""
    with database.connection_context():
        runs.fail_run(job.args[0], "Housekeeping stopped unexpectedly. Try again; nothing was lost.")
