"""A business's connection to one Xero organisation, and connect flows in progress."""
import peewee

from webapp.accounts.models import Business, User, utcnow
from webapp.db import BaseModel

CONNECTED, NEEDS_RECONNECT, DISCONNECTED = "connected", "needs_reconnect", "disconnected"
STATUS_LABELS = {CONNECTED: "Connected", NEEDS_RECONNECT: "Needs reconnect", DISCONNECTED: "Not connected"}


class Connection(BaseModel):
    """Tokens are ciphertext (see webapp.xero.crypto), bound to this row's id."""

    business = peewee.ForeignKeyField(Business, unique=True, backref="connections", on_delete="CASCADE")
    tenant_id = peewee.CharField(max_length=64)
    tenant_name = peewee.CharField(max_length=255, default="")
    xero_connection_id = peewee.CharField(max_length=64, default="")
    auth_event_id = peewee.CharField(max_length=64, default="")
    access_token = peewee.TextField(default="")
    refresh_token = peewee.TextField(default="")
    expires_at = peewee.BigIntegerField(default=0)
    scopes = peewee.TextField(default="")
    status = peewee.CharField(max_length=20, default=CONNECTED)
    status_reason = peewee.TextField(default="")
    connected_at = peewee.DateTimeField(default=utcnow)
    connected_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    last_refresh_at = peewee.DateTimeField(null=True)
    last_refresh_outcome = peewee.TextField(default="")

    class Meta:
        table_name = "connection"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def is_connected(self) -> bool:
        return self.status == CONNECTED

    @property
    def needs_reconnect(self) -> bool:
        return self.status == NEEDS_RECONNECT

    @classmethod
    def for_business(cls, business_id: int) -> "Connection | None":
        return cls.get_or_none(cls.business == business_id)


class ConnectAttempt(BaseModel):
    """One trip to Xero's consent screen: bound to the browser session by `state`, used once."""

    state = peewee.CharField(max_length=64, unique=True)
    business = peewee.ForeignKeyField(Business, on_delete="CASCADE")
    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    code_verifier = peewee.TextField()
    redirect_uri = peewee.CharField(max_length=500)
    created_at = peewee.DateTimeField(default=utcnow)
    authorised_at = peewee.DateTimeField(null=True)
    completed_at = peewee.DateTimeField(null=True)
    access_token = peewee.TextField(default="")
    refresh_token = peewee.TextField(default="")
    expires_at = peewee.BigIntegerField(default=0)
    scopes = peewee.TextField(default="")
    auth_event_id = peewee.CharField(max_length=64, default="")
    organisations = peewee.TextField(default="[]")  # JSON: [{id, tenant_id, tenant_name}]

    class Meta:
        table_name = "connect_attempt"
