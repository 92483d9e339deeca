"""Xero webhook events already accepted (de-duplication of replayed deliveries)."""
import peewee


def up(db, migrator):
    class WebhookEvent(peewee.Model):
        tenant_id = peewee.CharField(max_length=64)
        event_category = peewee.CharField(max_length=40)
        event_type = peewee.CharField(max_length=20)
        resource_id = peewee.CharField(max_length=64)
        event_date_utc = peewee.CharField(max_length=40)
        received_at = peewee.DateTimeField(index=True)

        class Meta:
            database = db
            table_name = "webhook_event"

    WebhookEvent.add_index(WebhookEvent.tenant_id, WebhookEvent.event_category, WebhookEvent.event_type,
                           WebhookEvent.resource_id, WebhookEvent.event_date_utc, unique=True,
                           name="webhook_event_key")
    db.create_tables([WebhookEvent])
