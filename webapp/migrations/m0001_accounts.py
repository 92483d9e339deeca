"""Users, businesses, memberships, server-side sessions and job runs."""
import peewee


def up(db, migrator):
    class Base(peewee.Model):
        class Meta:
            database = db

    class User(Base):
        email = peewee.CharField(max_length=254, unique=True)
        name = peewee.CharField(max_length=120, default="")
        password_hash = peewee.CharField(max_length=255)
        created_at = peewee.DateTimeField()

        class Meta:
            table_name = "user_account"

    class Business(Base):
        name = peewee.CharField(max_length=120)
        base_currency = peewee.CharField(max_length=3, default="GBP")
        country = peewee.CharField(max_length=2, default="GB")
        created_at = peewee.DateTimeField()

        class Meta:
            table_name = "business"

    class Membership(Base):
        user = peewee.ForeignKeyField(User, on_delete="CASCADE")
        business = peewee.ForeignKeyField(Business, on_delete="CASCADE")
        role = peewee.CharField(max_length=16, default="standard")
        can_publish = peewee.BooleanField(default=False)
        created_at = peewee.DateTimeField()

        class Meta:
            table_name = "membership"
            indexes = ((("user", "business"), True),)

    class UserSession(Base):
        token = peewee.CharField(max_length=64, unique=True)
        user = peewee.ForeignKeyField(User, on_delete="CASCADE")
        created_at = peewee.DateTimeField()
        revoked_at = peewee.DateTimeField(null=True)
        user_agent = peewee.CharField(max_length=255, default="")

        class Meta:
            table_name = "user_session"

    class JobRun(Base):
        business = peewee.ForeignKeyField(Business, null=True, on_delete="CASCADE")
        kind = peewee.CharField(max_length=40)
        status = peewee.CharField(max_length=16, default="queued")
        rq_job_id = peewee.CharField(max_length=100, null=True)
        requested_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
        progress_done = peewee.IntegerField(default=0)
        progress_total = peewee.IntegerField(default=0)
        summary = peewee.TextField(default="")
        last_error = peewee.TextField(default="")
        created_at = peewee.DateTimeField(index=True)
        started_at = peewee.DateTimeField(null=True)
        finished_at = peewee.DateTimeField(null=True)

        class Meta:
            table_name = "job_run"
            indexes = ((("business", "kind", "status"), False),)

    db.create_tables([User, Business, Membership, UserSession, JobRun])
