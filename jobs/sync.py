"""Refreshing a connection's data from Xero (today the organisation itself; the lists join it)."""
import logging

from rq import Callback

from jobs import TRANSIENT_RETRY, enqueue
from webapp.accounts.models import utcnow
from webapp.db import database
from webapp.integrations.models import CONNECTED, Connection
from webapp.integrations.xero_access import xero
from webapp.jobruns import service as runs
from webapp.jobruns.models import JobRun
from webapp.xero.errors import XeroError, XeroRateLimited, XeroUnavailable

log = logging.getLogger(__name__)
KIND = "refresh"


def refresh_connection(run_id: int) -> None:
    """Fetch the organisation from Xero and record the outcome on the connection and the run."""
    with database.connection_context():
        run = JobRun.get_by_id(run_id)
        connection = Connection.for_business(run.business_id)
        if connection is None or connection.status != CONNECTED:
            runs.fail_run(run_id, "This business is not connected to Xero.")
            return
        runs.mark_running(run_id, total=1)
        try:
            organisation = xero().client_for(connection).get("Organisation")["Organisations"][0]
        except (XeroRateLimited, XeroUnavailable):
            raise  # transient: RQ retries with backoff
        except XeroError as error:  # permanent; auth failures have already flagged the connection
            _record(connection.id, run_id, error.user_message, failed=True)
            return
        Connection.update(tenant_name=organisation.get("Name") or connection.tenant_name).where(
            Connection.id == connection.id).execute()
        runs.record_progress(run_id, 1)
        _record(connection.id, run_id, f"Organisation details refreshed from {organisation.get('Name')}.")


def _record(connection_id: int, run_id: int, outcome: str, failed: bool = False) -> None:
    with database.atomic():
        Connection.update(last_refresh_at=utcnow(), last_refresh_outcome=outcome).where(
            Connection.id == connection_id).execute()
        (runs.fail_run if failed else runs.finish_run)(run_id, outcome)


def enqueue_refresh(business_id: int, *, requested_by: int | None = None) -> JobRun:
    """Start a refresh, or join the one already queued or running for this business."""
    with database.atomic():
        active = JobRun.active_for(business_id).where(JobRun.kind == KIND).first()
        if active:
            return active
        run = runs.start_run(KIND, business_id=business_id, requested_by=requested_by)
    job = enqueue("sync", refresh_connection, run.id, job_id=f"refresh-{run.id}", retry=TRANSIENT_RETRY,
                  on_failure=Callback(record_failure))
    JobRun.update(rq_job_id=job.id).where(JobRun.id == run.id).execute()
    return run


def record_failure(job, connection, exc_type, exc_value, traceback) -> None:
    """RQ failure callback: the run ends with a plain message instead of staying 'in progress'."""
    message = (XeroRateLimited.user_message if issubclass(exc_type, XeroRateLimited)
               else "Xero did not respond, so the refresh stopped. Try Refresh integration data again later.")
    with database.connection_context():
        run = JobRun.get_by_id(job.args[0])
        connection = Connection.for_business(run.business_id)
        if connection:
            _record(connection.id, run.id, message, failed=True)
        else:
            runs.fail_run(run.id, message)
