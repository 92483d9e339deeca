"""Whether Xero has asked Docket to wait for a business's organisation, for the publishing banner."""
from datetime import datetime

from webapp.integrations.models import Connection
from webapp.integrations.xero_access import xero


def resumes_at(business_id: int) -> datetime | None:
    """When calls to the business's Xero organisation may go again (UTC), or None when they may go now."""
    connection = Connection.for_business(business_id)
    if connection is None or not connection.tenant_id:
        return None
    return xero().limiter.status(connection.tenant_id).paused_until
