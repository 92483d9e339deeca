"""Refreshing a connection's lists from Xero in the background, one step per list, and once a day."""
from datetime import datetime, time, timedelta, timezone

from rq.job import Job

from webapp.accounts.models import utcnow
from webapp.db import database
from webapp.integrations.models import CONNECTED, Connection
from webapp.integrations.xero_access import xero
from webapp.items import editing
from webapp.jobruns import service as runs
from webapp.jobruns.models import JobRun
from webapp.lists.refresh import STEPS, Refresher, describe, ensure_payment_methods
from webapp.queues import enqueue_refresh, get_queue
from webapp.redis_conn import get_redis
from webapp.xero.errors import XeroError, XeroRateLimited, XeroUnavailable

DAILY_AT = time(3, 0)  # UTC: before the working day in Europe, after it in Australia and New Zealand
DAY_LIMIT_REACHED = ("Xero's daily limit of calls for this organisation is used up. "
                     "Try Refresh integration data again tomorrow.")


def refresh_connection(run_id: int, *, steps: list[str] | None = None) -> None:
    """Refresh the run's business's lists (all, or `steps`), recording progress and what changed."""
    with database.connection_context():
        run = JobRun.get_by_id(run_id)
        connection = Connection.for_business(run.business_id)
        if connection is None or connection.status != CONNECTED:
            runs.fail_run(run_id, "This business is not connected to Xero. Connect it from Integrations.")
            return
        steps = [step for step in (steps or STEPS) if step in STEPS]
        runs.mark_running(run_id, total=len(steps))
        runs.set_steps(run_id, {step: {"label": STEPS[step], "state": "waiting"} for step in steps})
        refresher = Refresher(run.business_id, xero().client_for(connection))
        results = {}
        try:
            outcome, failed = _run_steps(run_id, refresher, steps, results)
        finally:  # lists changed: a lifted lock date, a restored category or a currency turned on makes items Ready
            if any(any(counts.values()) for counts in results.values()):
                editing.recheck(run.business_id)
        _record(connection.id, run_id, outcome, failed)


def _run_steps(run_id: int, refresher: Refresher, steps: list[str], results: dict) -> tuple[str, bool]:
    """Each step in turn, its changes into `results`; the run's outcome and whether it failed."""
    for done, step in enumerate(steps, start=1):
        runs.set_step(run_id, step, {"label": STEPS[step], "state": "running"})
        try:
            changes = refresher.run(step)
        except XeroRateLimited as error:
            if error.daily:  # hours away: retrying soon would only be refused again
                return DAY_LIMIT_REACHED, True
            raise  # transient: RQ retries the refresh with backoff
        except XeroUnavailable:
            raise  # transient too
        except XeroError as error:  # permanent; auth failures have already flagged the connection
            return error.user_message, True
        results[step] = changes.as_dict()
        runs.set_step(run_id, step, {"label": STEPS[step], "state": "done", **results[step]})
        runs.record_progress(run_id, done)
    ensure_payment_methods(refresher.business_id)
    return describe(results), False


def _record(connection_id: int, run_id: int, outcome: str, failed: bool = False) -> None:
    with database.atomic():
        Connection.update(last_refresh_at=utcnow(), last_refresh_outcome=outcome).where(
            Connection.id == connection_id).execute()
        (runs.fail_run if failed else runs.finish_run)(run_id, outcome)


def record_failure(job, connection, exc_type, exc_value, traceback) -> None:
    """RQ failure callback: the run ends with a plain message instead of staying 'in progress'."""
    message = _stopped_because(exc_value) + ", so the refresh stopped. Try Refresh integration data again later."
    with database.connection_context():
        run = JobRun.get_by_id(job.args[0])
        connection = Connection.for_business(run.business_id)
        if connection:
            _record(connection.id, run.id, message, failed=True)
        else:
            runs.fail_run(run.id, message)


def _stopped_because(error: BaseException) -> str:
    if isinstance(error, XeroRateLimited):
        return "Xero asked us to slow down"
    if isinstance(error, XeroUnavailable) and error.status:
        return f"Xero answered that it is unavailable (error {error.status}, on Xero's side)"
    return "Xero did not respond"


def refresh_all_connections() -> int:
    """The daily run: refresh every connected business (which also proves each connection still works),
    then book tomorrow's run. Returns how many refreshes it started or joined."""
    with database.connection_context():
        business_ids = [c.business_id for c in Connection.select(Connection.business)
                        .where(Connection.status == CONNECTED)]
        for business_id in business_ids:
            enqueue_refresh(business_id)
    schedule_daily_refresh(after=datetime.now(timezone.utc))
    return len(business_ids)


def schedule_daily_refresh(after: datetime | None = None):
    """Book the next daily run; its id names the day, so every worker booking it books it once."""
    run_at = _next_daily_run(after)
    return get_queue("sync").enqueue_at(run_at, refresh_all_connections, job_id=_daily_job_id(run_at),
                                        result_ttl=3600, failure_ttl=7 * 24 * 3600)


def ensure_daily_refresh() -> None:
    """Book the next daily run unless it is booked already (a Redis restarted without its data forgot it)."""
    if not Job.exists(_daily_job_id(_next_daily_run()), connection=get_redis()):
        schedule_daily_refresh()


def _next_daily_run(after: datetime | None = None) -> datetime:
    now = after or datetime.now(timezone.utc)
    run_at = datetime.combine(now.date(), DAILY_AT, tzinfo=timezone.utc)
    return run_at + timedelta(days=1) if run_at <= now else run_at


def _daily_job_id(run_at: datetime) -> str:
    return f"daily-refresh-{run_at:%Y%m%d}"
