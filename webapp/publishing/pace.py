"""Whether Xero has asked Docket to wait for a business's organisation, for the publishing banner."""
import logging
from datetime import datetime

from redis.exceptions import ConnectionError as RedisConnectionError, TimeoutError as RedisTimeoutError

from webapp.integrations.models import Connection
from webapp.integrations.xero_access import xero


def resumes_at(business_id: int) -> datetime | None:
    """When calls to the business's Xero organisation may go again (UTC), or None when they may go now."""
    connection = Connection.for_business(business_id)
    if connection is None or not connection.tenant_id:
        return None
    try:
        return xero().limiter.status(connection.tenant_id).paused_until
    except (RedisConnectionError, RedisTimeoutError) as error:  # the banner goes without it; the page still loads
        logging.getLogger(__name__).warning("Xero pace unknown, Redis out of reach: %s", error)
        return None
