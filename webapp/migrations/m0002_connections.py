"""Xero connections (encrypted tokens) and connect attempts."""
import peewee


def up(db, migrator):
    class Base(peewee.Model):
        class Meta:
            database = db

    class Business(Base):
        class Meta:
            table_name = "business"

    class User(Base):
        class Meta:
            table_name = "user_account"

    class Connection(Base):
        business = peewee.ForeignKeyField(Business, unique=True, on_delete="CASCADE")
        tenant_id = peewee.CharField(max_length=64)
        tenant_name = peewee.CharField(max_length=255, default="")
        xero_connection_id = peewee.CharField(max_length=64, default="")
        auth_event_id = peewee.CharField(max_length=64, default="")
        access_token = peewee.TextField(default="")
        refresh_token = peewee.TextField(default="")
        expires_at = peewee.BigIntegerField(default=0)
        scopes = peewee.TextField(default="")
        status = peewee.CharField(max_length=20, default="connected")
        status_reason = peewee.TextField(default="")
        connected_at = peewee.DateTimeField()
        connected_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
        last_refresh_at = peewee.DateTimeField(null=True)
        last_refresh_outcome = peewee.TextField(default="")

        class Meta:
            table_name = "connection"

    class ConnectAttempt(Base):
        state = peewee.CharField(max_length=64, unique=True)
        business = peewee.ForeignKeyField(Business, on_delete="CASCADE")
        user = peewee.ForeignKeyField(User, on_delete="CASCADE")
        code_verifier = peewee.TextField()
        redirect_uri = peewee.CharField(max_length=500)
        created_at = peewee.DateTimeField()
        authorised_at = peewee.DateTimeField(null=True)
        completed_at = peewee.DateTimeField(null=True)
        access_token = peewee.TextField(default="")
        refresh_token = peewee.TextField(default="")
        expires_at = peewee.BigIntegerField(default=0)
        scopes = peewee.TextField(default="")
        auth_event_id = peewee.CharField(max_length=64, default="")
        organisations = peewee.TextField(default="[]")

        class Meta:
            table_name = "connect_attempt"

    db.create_tables([Connection, ConnectAttempt])
