"""Housekeeping: removes a business's finished job records older than the retention period."""
import logging
from datetime import timedelta

from webapp.accounts.models import utcnow
from webapp.db import database, gather_statistics
from webapp.jobruns import service as runs
from webapp.jobruns.models import ACTIVE_STATUSES, JobRun
from webapp.queues import job_ended
from webapp.redis_conn import get_redis

log = logging.getLogger(__name__)
RETENTION = timedelta(days=30)
BATCH = 500
# Runs carried by one RQ job each (publishing runs are looked after by the publishing sweep), and what to tell the
# person when that job is gone.
INTERRUPTED = {
    "refresh": "It was interrupted before it could finish; nothing was lost. Refresh again.",
    "housekeeping": "It was interrupted before it could finish; nothing was lost. Run it again.",
}
JOB_GRACE = timedelta(minutes=1)  # a run is saved a moment before its job is queued
STATISTICS_EVERY = timedelta(hours=1)


def refresh_statistics() -> None:
    """The database's planner statistics, at most once an hour across all workers."""
    if get_redis().set("docket:statistics-gathered", "1", nx=True, ex=int(STATISTICS_EVERY.total_seconds())):
        gather_statistics()


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
        log.info("housekeeping removed %d finished job %s", removed, noun)


def record_failure(job, connection, exc_type, exc_value, traceback) -> None:
    """RQ failure callback: the run shows as failed with a plain message instead of hanging."""
    with database.connection_context():
        runs.fail_run(job.args[0], "Housekeeping stopped unexpectedly. Try again; nothing was lost.")


def fail_runs_without_jobs() -> int:
    """Fail runs still shown as queued or running whose RQ job is gone (Redis restarted without its data, or was out
    of reach when the run was asked for) or ended without saying so (its failure callback could not reach the
    database either), so no banner says "in progress" for ever. Returns how many."""
    with database.connection_context():
        stale = list(JobRun.select(JobRun.id, JobRun.kind, JobRun.rq_job_id).where(
            JobRun.kind.in_(list(INTERRUPTED)) & JobRun.status.in_(ACTIVE_STATUSES)
            & (JobRun.created_at < utcnow() - JOB_GRACE)))
        orphans = [run for run in stale if job_ended(run.rq_job_id)]
        for run in orphans:
            runs.fail_run(run.id, INTERRUPTED[run.kind])
    return len(orphans)

