"""Auto-publish: an item that arrives ready goes to Xero by itself when its rules say so.

The payment method's rule comes first (Always / Never); "Defer to other rules" leaves it to the supplier's
or customer's rule. Only items arriving after the rule exists are affected. A payment method that supplier
memory proposed is a guess: its Never holds the item back, its Always doesn't send it."""
from webapp.items.models import Item, ItemHistory
from webapp.publishing.service import PublishRefused, request_publish
from webapp.rules import memory, queries as rules


def wants_auto_publish(item: Item) -> bool:
    method = item.payment_method  # None without one
    if method is not None and method.auto_publish == "never":
        return False
    if method is not None and method.auto_publish == "always" and not _remembered_method(item):
        return True
    rule = rules.rule(item.contact_id)
    return bool(rule and rule.auto_publish)


def _remembered_method(item: Item) -> bool:
    latest = (ItemHistory.select(ItemHistory.source).where((ItemHistory.item == item.id)
                                                           & (ItemHistory.field == "payment_method"))
              .order_by(ItemHistory.id.desc()).first())
    return latest is not None and memory.is_memory(latest.source)


def publish_on_arrival(item: Item) -> bool:
    """Queue the item when its rules ask for it and it may go; True when it was queued."""
    if not wants_auto_publish(item):
        return False
    try:
        request_publish(item, user_id=None)
    except PublishRefused:
        return False  # not ready, or not connected: it stays for a person to fix and publish
    return True
