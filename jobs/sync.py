"""Refreshing a connection's lists from Xero in the background, one step per list, and once a day at each
business's own moment (webapp.lists.daily)."""
from datetime import datetime

from webapp.accounts.models import utcnow
from webapp.db import database
from webapp.integrations.models import CONNECTED, Connection
from webapp.integrations.xero_access import xero
from webapp.items import editing
from webapp.jobruns import service as runs
from webapp.jobruns.models import JobRun
from webapp.lists import daily
from webapp.lists.refresh import STEPS, Refresher, describe, ensure_payment_methods
from webapp.queues import enqueue_refresh
from webapp.redis_conn import get_redis
from webapp.xero.errors import XeroError, XeroRateLimited, XeroUnavailable

DAILY_CHECK_KEY = "docket:daily-refresh-check"
DAILY_CHECK_SECONDS = 60
DAILY_PER_CHECK = 50  # refreshes started a minute at most: 72,000 a day, and a day's backlog of 3,000 in an hour
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
    """What a daily booking left in Redis by an earlier release runs when it comes due: the check below (kept so
    that such a booking doesn't fail after an upgrade)."""
    return refresh_due_connections()


def refresh_due_connections(now: datetime | None = None) -> int:
    """Worker maintenance, at most once a minute across all workers: start the daily refresh of the connected
    businesses whose moment of the day has come (webapp.lists.daily), at most DAILY_PER_CHECK a check, the
    longest waiting first, so that catching up after an outage is spread too. Returns how many it started."""
    if not get_redis().set(DAILY_CHECK_KEY, "1", nx=True, ex=DAILY_CHECK_SECONDS):
        return 0  # another worker checked within the minute
    with database.connection_context():
        due = daily.due(now or utcnow())[:DAILY_PER_CHECK]
        for business_id in due:
            enqueue_refresh(business_id)
    return len(due)
