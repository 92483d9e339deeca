"""What a business's connection state means for the banner region and the practice overview."""
from flask import url_for

from webapp.banners import Banner
from webapp.integrations.models import DISCONNECTED, STATUS_LABELS, Connection


def connection_banners(business_id: int, is_admin: bool) -> list[Banner]:
    connection = Connection.for_business(business_id)
    if connection is None or not connection.needs_reconnect:
        return []
    if is_admin:
        return [Banner("error", f"Connection to Xero needs reconnecting ({connection.tenant_name}). "
                                "Nothing can be published or refreshed until you reconnect.",
                       action_label="Reconnect", action_url=url_for("integrations.connect_summary"))]
    return [Banner("error", "Connection to Xero needs reconnecting. Tell an admin of this business: "
                            "they can reconnect from Integrations.")]


def status_by_business(business_ids: list[int]) -> dict[int, str]:
    """Business id → 'Connected' / 'Needs reconnect' / 'Not connected', in one query."""
    found = {c.business_id: c.status for c in
             Connection.select(Connection.business, Connection.status).where(Connection.business.in_(business_ids))}
    return {business_id: STATUS_LABELS[found.get(business_id, DISCONNECTED)] for business_id in business_ids}
