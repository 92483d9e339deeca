"""Publishing: per-business publishing settings, one row per publish attempt, and the Xero link on items."""
import peewee
from playhouse.migrate import migrate


def up(db, migrator):
    class Base(peewee.Model):
        class Meta:
            database = db

    def stub(name):
        return type(name.title().replace("_", ""), (Base,), {"Meta": type("Meta", (), {"table_name": name})})

    business_t, user_t, item_t, job_run_t = stub("business"), stub("user_account"), stub("item"), stub("job_run")

    class PublishingSettings(Base):
        business = peewee.ForeignKeyField(business_t, unique=True, on_delete="CASCADE")
        tax_policy = peewee.CharField(max_length=30, default="docket")
        line_amounts = peewee.CharField(max_length=20, default="exclusive")
        currency_mode = peewee.CharField(max_length=20, default="document")
        send_rate = peewee.BooleanField(default=False)
        docket_lock_date = peewee.DateField(null=True)
        costs_publish_to = peewee.CharField(max_length=20, default="purchases")
        costs_publish_as = peewee.CharField(max_length=30, default="draft")
        sales_publish_to = peewee.CharField(max_length=20, default="sales")
        sales_publish_as = peewee.CharField(max_length=30, default="draft")
        updated_by = peewee.ForeignKeyField(user_t, null=True, on_delete="SET NULL")
        updated_at = peewee.DateTimeField()

        class Meta:
            table_name = "publishing_settings"

    class PublishAttempt(Base):
        item = peewee.ForeignKeyField(item_t, on_delete="CASCADE")
        business = peewee.ForeignKeyField(business_t, on_delete="CASCADE")
        run = peewee.ForeignKeyField(job_run_t, null=True, on_delete="SET NULL")
        state = peewee.CharField(max_length=20, default="queued")
        idempotency_key = peewee.CharField(max_length=64, unique=True)
        job_id = peewee.CharField(max_length=100, default="")
        xero_object = peewee.CharField(max_length=30, default="")
        xero_id = peewee.CharField(max_length=64, default="")
        xero_number = peewee.CharField(max_length=255, default="")
        payment_id = peewee.CharField(max_length=64, default="")
        attached = peewee.BooleanField(default=False)
        message = peewee.TextField(default="")
        detail = peewee.TextField(default="")
        request_body = peewee.TextField(default="")
        requested_by = peewee.ForeignKeyField(user_t, null=True, on_delete="SET NULL")
        created_at = peewee.DateTimeField()
        updated_at = peewee.DateTimeField()

        class Meta:
            table_name = "publish_attempt"
            indexes = ((("item", "created_at"), False), (("business", "state"), False))

    db.create_tables([PublishingSettings, PublishAttempt])
    migrate(
        migrator.add_column("item", "xero_object", peewee.CharField(max_length=30, default="")),
        migrator.add_column("item", "xero_id", peewee.CharField(max_length=64, default="")),
        migrator.add_column("item", "xero_url", peewee.CharField(max_length=500, default="")),
        migrator.add_column("item", "published_at", peewee.DateTimeField(null=True)),
        migrator.add_column("item", "publish_message", peewee.TextField(default="")),
    )
