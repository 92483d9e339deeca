"""What a business's connection state means for the banner region and the practice overview."""
from dataclasses import dataclass

from flask import url_for

from webapp.banners import Banner
from webapp.integrations.models import DISCONNECTED, STATUS_LABELS, Connection

NEEDS_RECONNECT_BANNER = "needs-reconnect"  # embedded sessions tell the portal (static/js/embed.js)


def connection_banners(business_id: int, is_admin: bool) -> list[Banner]:
    connection = Connection.for_business(business_id)
    if connection is None or not connection.needs_reconnect:
        return []
    if is_admin:
        return [Banner("error", f"Connection to Xero needs reconnecting ({connection.tenant_name}). "
                                "Nothing can be published or refreshed until you reconnect.",
                       action_label="Reconnect", action_url=url_for("integrations.connect_summary"),
                       kind=NEEDS_RECONNECT_BANNER)]
    return [Banner("error", "Connection to Xero needs reconnecting. Tell an admin of this business: "
                            "they can reconnect from Integrations.", kind=NEEDS_RECONNECT_BANNER)]


@dataclass(frozen=True)
class Health:
    label: str  # Connected / Needs reconnect / Not connected
    organisation: str = ""


def health_by_business(business_ids: list[int]) -> dict[int, Health]:
    """Each business's connection status and Xero organisation, in one query."""
    found = {c.business_id: c for c in Connection.select(Connection.business, Connection.status,
                                                         Connection.tenant_name)
             .where(Connection.business.in_(business_ids))}
    health = {}
    for business_id in business_ids:
        connection = found.get(business_id)
        if connection is None or connection.status == DISCONNECTED:
            health[business_id] = Health(STATUS_LABELS[DISCONNECTED])
        else:
            health[business_id] = Health(STATUS_LABELS[connection.status], connection.tenant_name)
    return health
