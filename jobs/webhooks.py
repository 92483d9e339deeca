"""Work that Xero webhooks ask for: re-fetching the contacts an event named, never trusting the event itself."""
import logging

from rq import get_current_job

from webapp.db import database
from webapp.integrations.models import Connection
from webapp.integrations.xero_access import xero
from webapp.items import editing
from webapp.lists import new_contacts
from webapp.lists.mapping import contact
from webapp.lists.models import Contact
from webapp.lists.upsert import upsert
from webapp.xero.errors import XeroError, XeroRateLimited, XeroUnavailable

log = logging.getLogger(__name__)

IDS_PER_CALL = 50  # keeps `GET Contacts?IDs=…` well inside URL length limits


def refresh_contacts(business_id: int, *, contact_ids: list[str]) -> None:
    """GET the named contacts from Xero with the business's own connection and upsert them (never marks
    others removed). The webhook only says which contacts changed; their data always comes from the API."""
    job_id = _job_id()
    with database.connection_context():
        connection = Connection.for_business(business_id)
        if connection is None or not connection.is_connected:
            log.info("webhook contacts skipped job_id=%s business_id=%s reason=not_connected", job_id, business_id)
            return
        client = xero().client_for(connection)
        rows = []
        try:
            for start in range(0, len(contact_ids), IDS_PER_CALL):
                batch = contact_ids[start:start + IDS_PER_CALL]
                answer = client.get("Contacts", params={"IDs": ",".join(batch), "includeArchived": "true"})
                rows += [contact(data) for data in answer.get("Contacts", [])]
        except (XeroRateLimited, XeroUnavailable):
            raise  # transient: RQ retries with backoff
        except XeroError as error:  # permanent; auth failures have already flagged the connection
            log.warning("webhook contacts failed job_id=%s business_id=%s error=%s", job_id, business_id,
                        type(error).__name__)
            return
        new_contacts.link_from_refresh(business_id, rows)
        changes = upsert(Contact, business_id, rows, complete=False)
        if changes.updated or changes.archived:  # an archived or restored contact changes items' checks
            editing.recheck(business_id)
    log.info("webhook contacts refreshed job_id=%s business_id=%s asked=%d found=%d added=%d updated=%d "
             "archived=%d", job_id, business_id, len(contact_ids), len(rows), changes.added, changes.updated,
             changes.archived)


def _job_id() -> str | None:
    job = get_current_job()
    return job.id if job else None
