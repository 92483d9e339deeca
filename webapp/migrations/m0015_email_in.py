"""Email-in: each business's inbox addresses, the senders it allows, every message received (stored before it was
accepted) and what became of each of its attachments. Every business already there gets its Costs and Sales
addresses (as a new business does when it is created)."""
import re
import secrets
import unicodedata
from datetime import datetime, timezone

import peewee

ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def _local_part(name: str, workspace: str) -> str:
    words = re.findall(r"[a-z0-9]+", unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower())
    stem = "-".join(words[:2] or ["docket"])[:40]
    suffix = "".join(secrets.choice(ALPHABET) for _ in range(4))
    return f"{stem}-sales-{suffix}" if workspace == "sales" else f"{stem}-{suffix}"


def up(db, migrator):
    class Base(peewee.Model):
        class Meta:
            database = db

    def stub(name):
        return type(name.title().replace("_", ""), (Base,), {"Meta": type("Meta", (), {"table_name": name})})

    business_t, user_t, item_t = stub("business"), stub("user_account"), stub("item")

    class InboundAddress(Base):
        business = peewee.ForeignKeyField(business_t, on_delete="CASCADE")
        workspace = peewee.CharField(max_length=10)
        local_part = peewee.CharField(max_length=64, unique=True)
        active = peewee.BooleanField(default=True)
        created_by = peewee.ForeignKeyField(user_t, null=True, on_delete="SET NULL")
        created_at = peewee.DateTimeField()
        retired_at = peewee.DateTimeField(null=True)

        class Meta:
            table_name = "inbound_address"
            indexes = ((("business", "workspace", "active"), False),)

    class InboundSender(Base):
        business = peewee.ForeignKeyField(business_t, on_delete="CASCADE")
        sender = peewee.CharField(max_length=254)

        class Meta:
            table_name = "inbound_sender"
            indexes = ((("business", "sender"), True),)

    class InboundMessage(Base):
        business = peewee.ForeignKeyField(business_t, on_delete="CASCADE")
        workspace = peewee.CharField(max_length=10)
        address = peewee.ForeignKeyField(InboundAddress, null=True, on_delete="SET NULL")
        channel = peewee.CharField(max_length=10)
        mail_from = peewee.CharField(max_length=500, default="")
        sender = peewee.CharField(max_length=500, default="")
        subject = peewee.CharField(max_length=500, default="")
        sha256 = peewee.CharField(max_length=64, default="")
        storage_key = peewee.CharField(max_length=100, default="")
        size = peewee.IntegerField(default=0)
        state = peewee.CharField(max_length=20, default="received")
        reason = peewee.TextField(default="")
        unlisted_sender = peewee.BooleanField(default=False)
        job_id = peewee.CharField(max_length=100, default="")
        attempts = peewee.IntegerField(default=0)
        released_by = peewee.ForeignKeyField(user_t, null=True, on_delete="SET NULL")
        received_at = peewee.DateTimeField()
        finished_at = peewee.DateTimeField(null=True)

        class Meta:
            table_name = "inbound_message"
            indexes = ((("business", "received_at"), False), (("state", "received_at"), False))

    class InboundPart(Base):
        message = peewee.ForeignKeyField(InboundMessage, on_delete="CASCADE")
        position = peewee.IntegerField()
        filename = peewee.CharField(max_length=255)
        outcome = peewee.CharField(max_length=20)
        detail = peewee.TextField(default="")
        item = peewee.ForeignKeyField(item_t, null=True, on_delete="SET NULL")

        class Meta:
            table_name = "inbound_part"
            indexes = ((("message", "position"), True),)

    db.create_tables([InboundAddress, InboundSender, InboundMessage, InboundPart])
    now, taken = datetime.now(timezone.utc).replace(tzinfo=None), set()
    for business_id, name in db.execute_sql("SELECT id, name FROM business ORDER BY id").fetchall():
        for workspace in ("costs", "sales"):
            local_part = _local_part(name, workspace)
            while local_part in taken:
                local_part = _local_part(name, workspace)
            taken.add(local_part)
            InboundAddress.insert(business=business_id, workspace=workspace, local_part=local_part, active=True,
                                  created_at=now).execute()
