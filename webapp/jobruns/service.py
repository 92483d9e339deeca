"""Recording background jobs as JobRun rows, and turning active ones into banners."""
from webapp.accounts.models import utcnow
from webapp.banners import Banner
from webapp.db import database
from webapp.jobruns.models import FAILED, QUEUED, RUNNING, SUCCEEDED, JobRun

KIND_TITLES = {"housekeeping": "Housekeeping", "refresh": "Refresh"}


def start_run(kind: str, *, business_id: int | None, requested_by: int | None) -> JobRun:
    return JobRun.create(kind=kind, business=business_id, requested_by=requested_by, status=QUEUED)


def mark_running(run_id: int, total: int = 0) -> None:
    JobRun.update(status=RUNNING, started_at=utcnow(), progress_total=total).where(JobRun.id == run_id).execute()


def record_progress(run_id: int, done: int) -> None:
    JobRun.update(progress_done=done).where(JobRun.id == run_id).execute()


def finish_run(run_id: int, summary: str) -> None:
    with database.atomic():
        JobRun.update(status=SUCCEEDED, summary=summary, finished_at=utcnow()).where(JobRun.id == run_id).execute()


def fail_run(run_id: int, message: str) -> None:
    JobRun.update(status=FAILED, last_error=message, finished_at=utcnow()).where(JobRun.id == run_id).execute()


def job_banners(business_id: int) -> list[Banner]:
    """Jobs of one business still queued or running."""
    banners = []
    for run in JobRun.active_for(business_id):
        title = KIND_TITLES.get(run.kind, run.kind.replace("_", " ").capitalize())
        progress = f" ({run.progress_done} of {run.progress_total})" if run.progress_total else ""
        banners.append(Banner("success", f"{title} in progress{progress}", poll=True))
    return banners
