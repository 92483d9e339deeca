"""Email-in addresses, the senders a business allows, and every message received: stored before it was accepted,
then what the job made of each of its attachments (the record that makes a re-run of the job change nothing)."""
import peewee

from webapp.accounts.models import Business, User, utcnow
from webapp.db import BaseModel
from webapp.items.models import Item

# A message's state: stored and waiting for its job; its items made (`done`); set aside for an admin (with the
# reason); refused without being stored (too large: the sending server keeps it and tells the sender).
STATES = {"received": "Waiting", "done": "Done", "set_aside": "Set aside", "refused": "Refused"}


class InboundAddress(BaseModel):
    """One address of a business's inbox; issuing a new one retires the old, which then receives nothing."""

    business = peewee.ForeignKeyField(Business, on_delete="CASCADE")
    workspace = peewee.CharField(max_length=10)
    local_part = peewee.CharField(max_length=64, unique=True)
    active = peewee.BooleanField(default=True)
    created_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    created_at = peewee.DateTimeField(default=utcnow)
    retired_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "inbound_address"
        indexes = ((("business", "workspace", "active"), False),)


class InboundSender(BaseModel):
    """A sender a business accepts mail from: a whole address, or `@domain` for anyone there. None: anyone."""

    business = peewee.ForeignKeyField(Business, on_delete="CASCADE")
    sender = peewee.CharField(max_length=254)

    class Meta:
        table_name = "inbound_sender"
        indexes = ((("business", "sender"), True),)


class InboundMessage(BaseModel):
    """One message for one address: the raw bytes in the document store (storage_key), kept whatever happens."""

    business = peewee.ForeignKeyField(Business, on_delete="CASCADE")
    workspace = peewee.CharField(max_length=10)
    address = peewee.ForeignKeyField(InboundAddress, null=True, on_delete="SET NULL", backref="+")
    channel = peewee.CharField(max_length=10)  # smtp | http
    mail_from = peewee.CharField(max_length=500, default="")  # the envelope sender (MAIL FROM), if the channel has one
    sender = peewee.CharField(max_length=500, default="")  # the From header's address
    subject = peewee.CharField(max_length=500, default="")
    sha256 = peewee.CharField(max_length=64, default="")
    storage_key = peewee.CharField(max_length=100, default="")  # empty only for a refused message
    size = peewee.IntegerField(default=0)
    state = peewee.CharField(max_length=20, default="received")
    reason = peewee.TextField(default="")  # why it was set aside or refused, in an admin's words
    unlisted_sender = peewee.BooleanField(default=False)  # set aside only for its sender: an admin may release it
    job_id = peewee.CharField(max_length=100, default="")
    attempts = peewee.IntegerField(default=0)
    released_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    received_at = peewee.DateTimeField(default=utcnow)
    finished_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "inbound_message"
        indexes = ((("business", "received_at"), False), (("state", "received_at"), False))

    @property
    def state_label(self) -> str:
        return STATES.get(self.state, self.state)


class InboundPart(BaseModel):
    """What the job made of one attachment (or of the message itself, position 0 with no attachments): written in
    the same transaction as the item it made, so a job killed and run again skips what is already done."""

    message = peewee.ForeignKeyField(InboundMessage, backref="parts", on_delete="CASCADE")
    position = peewee.IntegerField()
    filename = peewee.CharField(max_length=255)
    outcome = peewee.CharField(max_length=20)  # added | duplicate | rejected | set_aside
    detail = peewee.TextField(default="")
    item = peewee.ForeignKeyField(Item, null=True, on_delete="SET NULL", backref="+")

    class Meta:
        table_name = "inbound_part"
        indexes = ((("message", "position"), True),)
