"""Accepting a Xero webhook delivery: check the signature, record each new event once, queue the re-fetches.

Nothing here calls Xero: Xero wants an answer within 5 seconds, so the work happens in jobs/webhooks.py."""
import base64
import hashlib
import hmac
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from peewee import fn

from webapp.accounts.models import utcnow
from webapp.db import database
from webapp.integrations.models import CONNECTED, Connection
from webapp.queues import enqueue_refresh_contacts
from webapp.redis_conn import get_redis
from webapp.webhooks.models import WebhookEvent

log = logging.getLogger(__name__)

CONTACT, INVOICE = "CONTACT", "INVOICE"
HANDLED = (CONTACT, INVOICE)
RETENTION = timedelta(days=30)  # Xero retries for 24 hours; replays after a re-enable are only a harmless re-read
PRUNE_EVERY = 3600  # seconds between opportunistic clean-ups, shared by all web processes through Redis


class MalformedDelivery(ValueError):
    """A correctly signed body that is not a Xero webhook payload."""


@dataclass(frozen=True, order=True)
class Event:
    """What identifies an event; a replayed delivery carries exactly the same values."""

    tenant_id: str
    category: str
    event_type: str
    resource_id: str
    event_date: str

    def as_row(self) -> dict:
        return {"tenant_id": self.tenant_id, "event_category": self.category, "event_type": self.event_type,
                "resource_id": self.resource_id, "event_date_utc": self.event_date}


def signature_is_valid(body: bytes, signature: str | None, key: str) -> bool:
    """`x-xero-signature` is base64(HMAC-SHA256(key, raw body)); compared in constant time."""
    if not signature or not key:
        return False
    expected = base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest())
    return hmac.compare_digest(expected, signature.strip().encode("ascii", "replace"))


def parse_delivery(body: bytes) -> list[Event]:
    """The events of a payload, duplicates within it removed; malformed events are skipped and logged."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: arrays or objects nested past Python's limit
        raise MalformedDelivery("not JSON") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise MalformedDelivery("no events list")
    events = set()
    for raw in payload["events"]:
        event = _event(raw)
        if event is None:
            log.warning("webhook event skipped reason=malformed")
        else:
            events.add(event)
    return sorted(events)  # one order for every delivery, so concurrent inserts never deadlock


def accept_delivery(events: list[Event]) -> dict[str, int]:
    """Record the events of connected tenants that were not seen before and queue one contact re-fetch per
    business; returns counts for the log. Intent-to-receive deliveries have no events and do nothing."""
    handled = [e for e in events if e.category in HANDLED]
    for event in events:
        if event.category not in HANDLED:
            log.info("webhook event ignored category=%s tenant_id=%s", event.category, event.tenant_id)
    businesses = _connected_businesses({e.tenant_id for e in handled})
    known = [e for e in handled if e.tenant_id in businesses]
    for tenant_id in {e.tenant_id for e in handled} - set(businesses):
        log.info("webhook events ignored reason=unknown_tenant tenant_id=%s", tenant_id)
    jobs = 0
    with database.atomic():
        new = [event for event in known if _record(event)]
        # Enqueued inside the transaction: if Redis fails, the keys roll back and Xero's retry is processed.
        for tenant_id in sorted({e.tenant_id for e in new if e.category == CONTACT}):
            contacts = sorted({e.resource_id for e in new if e.tenant_id == tenant_id and e.category == CONTACT})
            for business_id in businesses[tenant_id]:
                enqueue_refresh_contacts(business_id, contacts, delivery_key=_digest(new, tenant_id))
                jobs += 1
    for event in new:
        if event.category == INVOICE:
            log.info("webhook invoice event recorded tenant_id=%s invoice_id=%s event_type=%s", event.tenant_id,
                     event.resource_id, event.event_type)
    _prune_now_and_then()
    return {"events": len(events), "new": len(new), "replayed": len(known) - len(new), "jobs": jobs}


def prune_old_events() -> int:
    """Forget accepted events older than RETENTION; returns how many were removed."""
    old = WebhookEvent.received_before(utcnow() - RETENTION).select(WebhookEvent.id)
    return WebhookEvent.delete().where(WebhookEvent.id.in_(old)).execute()


def _event(raw) -> Event | None:
    if not isinstance(raw, dict):
        return None
    tenant_id, resource_id = _uuid(raw.get("tenantId")), _uuid(raw.get("resourceId"))
    category, event_type, date = raw.get("eventCategory"), raw.get("eventType"), raw.get("eventDateUtc")
    texts = ((category, 40), (event_type, 20), (date, 40))
    if not (tenant_id and resource_id) or not all(isinstance(t, str) and 0 < len(t) <= n and "\x00" not in t
                                                  for t, n in texts):
        return None
    return Event(tenant_id, category.upper(), event_type.upper(), resource_id, date)


def _uuid(value) -> str | None:
    """Canonical lower-case form, so ids are safe to put in `IDs=` and compare with stored ones."""
    try:
        return str(uuid.UUID(value)) if isinstance(value, str) else None
    except ValueError:
        return None


def _connected_businesses(tenant_ids: set[str]) -> dict[str, list[int]]:
    """tenant id → the businesses connected to it (several businesses may share one organisation)."""
    if not tenant_ids:
        return {}
    rows = (Connection.select(Connection.business, Connection.tenant_id)
            .where(fn.LOWER(Connection.tenant_id).in_(sorted(tenant_ids)) & (Connection.status == CONNECTED)))
    found: dict[str, list[int]] = {}
    for row in rows:
        found.setdefault(row.tenant_id.lower(), []).append(row.business_id)
    return found


def _record(event: Event) -> bool:
    """Insert the event's key unless it is there already; True when this delivery is the first to bring it.
    ON CONFLICT DO NOTHING (not a read first), so two concurrent deliveries can't both see it as new."""
    inserted = WebhookEvent.insert(**event.as_row(), received_at=utcnow()).on_conflict_ignore().as_rowcount()
    return inserted.execute() == 1


def _digest(events: list[Event], tenant_id: str) -> str:
    keys = "\n".join(f"{e.category}|{e.event_type}|{e.resource_id}|{e.event_date}"
                     for e in events if e.tenant_id == tenant_id)
    return hashlib.sha256(keys.encode()).hexdigest()[:20]


def _prune_now_and_then() -> None:
    if get_redis().set("docket:webhooks:pruned", "1", nx=True, ex=PRUNE_EVERY):
        removed = prune_old_events()
        if removed:
            log.info("webhook events pruned removed=%d", removed)
