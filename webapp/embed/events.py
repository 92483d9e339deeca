"""Events for the portal, named by the server in an HX-Trigger header; static/js/embed.js posts them on."""
import json

from webapp.embed.session import current_scope

TRIGGER = "docket-event"


def publish_outcome(item) -> dict[str, str]:
    """Headers announcing how a publish ended (embedded sessions only; nothing while it is still going)."""
    if current_scope() is None:
        return {}
    if item.status == "published":
        event = {"type": "docket:item-published", "itemId": item.id, "xeroUrl": item.xero_url}
    elif item.status == "failed":
        event = {"type": "docket:publish-failed", "itemId": item.id, "message": item.publish_message}
    else:
        return {}
    return {"HX-Trigger": json.dumps({TRIGGER: event})}
