"""Xero webhook events already accepted, kept for a while so that a replayed delivery is processed once."""
import peewee

from webapp.accounts.models import utcnow
from webapp.db import BaseModel


class WebhookEvent(BaseModel):
    """One event's identity as Xero sent it; the unique index is what makes a replay a no-op."""

    tenant_id = peewee.CharField(max_length=64)
    event_category = peewee.CharField(max_length=40)
    event_type = peewee.CharField(max_length=20)
    resource_id = peewee.CharField(max_length=64)
    event_date_utc = peewee.CharField(max_length=40)  # Xero's text, never parsed: it is part of the identity
    received_at = peewee.DateTimeField(default=utcnow, index=True)

    class Meta:
        table_name = "webhook_event"

    @classmethod
    def received_before(cls, moment):
        return cls.select().where(cls.received_at < moment)


WebhookEvent.add_index(WebhookEvent.tenant_id, WebhookEvent.event_category, WebhookEvent.event_type,
                       WebhookEvent.resource_id, WebhookEvent.event_date_utc, unique=True, name="webhook_event_key")
