"""Recording background jobs as JobRun rows, and turning active ones into banners."""
import json
from dataclasses import replace
from datetime import timedelta

from webapp.accounts.models import utcnow
from webapp.banners import Banner
from webapp.db import database
from webapp.jobruns.models import ACTIVE_STATUSES, FAILED, QUEUED, RUNNING, SUCCEEDED, JobRun
from webapp.publishing import pace

KIND_TITLES = {"housekeeping": "Housekeeping", "refresh": "Refresh", "publish": "Publishing"}
RESULT_BANNER_KINDS = ("refresh", "publish")


def start_run(kind: str, *, business_id: int | None, requested_by: int | None) -> JobRun:
    return JobRun.create(kind=kind, business=business_id, requested_by=requested_by, status=QUEUED)


def mark_running(run_id: int, total: int = 0) -> None:
    JobRun.update(status=RUNNING, started_at=utcnow(), progress_total=total).where(JobRun.id == run_id).execute()


def record_progress(run_id: int, done: int) -> None:
    JobRun.update(progress_done=done).where(JobRun.id == run_id).execute()


def set_steps(run_id: int, steps: dict[str, dict]) -> None:
    """Replace the run's per-step detail (e.g. each list of a refresh and its counts)."""
    JobRun.update(details=json.dumps({"steps": steps})).where(JobRun.id == run_id).execute()


def set_step(run_id: int, step: str, detail: dict) -> None:
    with database.atomic():
        run = JobRun.get_by_id(run_id)
        details = run.step_details
        details[step] = detail
        JobRun.update(details=json.dumps({"steps": details})).where(JobRun.id == run_id).execute()


def finish_run(run_id: int, summary: str) -> None:
    with database.atomic():
        JobRun.update(status=SUCCEEDED, summary=summary, finished_at=utcnow()).where(JobRun.id == run_id).execute()


def fail_run(run_id: int, message: str) -> None:
    JobRun.update(status=FAILED, last_error=message, finished_at=utcnow()).where(JobRun.id == run_id).execute()


RESULT_SHOWN_FOR = timedelta(minutes=10)


def job_banners(business_id: int, user_id: int) -> list[Banner]:
    """The jobs this person started in this business: those still queued or running, then the outcome of the last
    that ended, until they dismiss it (at most RESULT_SHOWN_FOR). Others see jobs on their own pages (the rows, the
    Integrations page), never someone else's banner."""
    just_ended = JobRun.kind.in_(RESULT_BANNER_KINDS) & (JobRun.finished_at > utcnow() - RESULT_SHOWN_FOR) \
        & JobRun.dismissed_at.is_null()
    runs = list(JobRun.select().where((JobRun.business == business_id) & (JobRun.requested_by == user_id)
                                      & (JobRun.status.in_(ACTIVE_STATUSES) | just_ended))
                .order_by(JobRun.created_at, JobRun.id))
    banners = [_progress_banner(run) for run in runs if run.status in ACTIVE_STATUSES]
    recent = max((run for run in runs if run.status not in ACTIVE_STATUSES), key=lambda run: run.finished_at,
                 default=None)
    if recent and not banners:
        banners.append(_result_banner(recent))
    return banners


def dismiss(business_id: int, user_id: int, run_id: int) -> bool:
    """The person who started the run has read its result banner."""
    return JobRun.update(dismissed_at=utcnow()).where(
        (JobRun.id == run_id) & (JobRun.business == business_id) & (JobRun.requested_by == user_id)
        & JobRun.dismissed_at.is_null()).execute() > 0


def _result_banner(run: JobRun) -> Banner:
    at = f"{run.finished_at:%H:%M} UTC"
    if run.kind == "publish":  # a run with items that failed ends "failed", with its summary as the error
        banner = Banner("success", f"{run.summary} (finished {at})") if run.status == SUCCEEDED \
            else Banner("warning", f"{run.last_error} (finished {at})")
    else:
        banner = Banner("success", f"Refresh finished at {at}. {run.summary}") if run.status == SUCCEEDED \
            else Banner("error", f"Refresh stopped at {at}. {run.last_error}")
    return replace(banner, dismiss_run=run.id)


def _progress_banner(run: JobRun) -> Banner:
    title = KIND_TITLES.get(run.kind, run.kind.replace("_", " ").capitalize())
    steps = tuple((detail.get("label", step), detail.get("state", "waiting"), _counts(detail))
                  for step, detail in run.step_details.items())
    if run.kind == "publish":
        text = f"Publishing {run.progress_done} of {run.progress_total}"
        paused_until = pace.resumes_at(run.business_id)
        if paused_until:
            text += f". Xero asked us to wait; publishing resumes at {paused_until:%H:%M} UTC."
        return Banner("success", text, poll=True)
    progress = f" ({run.progress_done} of {run.progress_total})" if run.progress_total and not steps else ""
    return Banner("success", f"{title} in progress{progress}", poll=True, steps=steps)


def _counts(detail: dict) -> str:
    said = [f"{detail[kind]} {kind}" for kind in ("added", "updated", "archived") if detail.get(kind)]
    return ", ".join(said)
