"""Reading documents in the background: each item's reading (its job, attempts, why it failed), how sure it was of
each field and where it read it, and the fields a person is asked to check.

Plain ALTER TABLE for the item's column, as in m0011 (SQLite's table copy would drop the search triggers)."""
import peewee


def up(db, migrator):
    class Base(peewee.Model):
        class Meta:
            database = db

    def stub(name):
        return type(name.title().replace("_", ""), (Base,), {"Meta": type("Meta", (), {"table_name": name})})

    item_t, user_t = stub("item"), stub("user_account")

    class ItemReading(Base):
        item = peewee.ForeignKeyField(item_t, unique=True, on_delete="CASCADE")
        state = peewee.CharField(max_length=20, default="reading")
        job_id = peewee.CharField(max_length=100, default="")
        attempts = peewee.IntegerField(default=0)
        again = peewee.BooleanField(default=False)
        message = peewee.TextField(default="")
        source = peewee.CharField(max_length=40, default="")
        printed_name = peewee.CharField(max_length=255, default="")
        requested_by = peewee.ForeignKeyField(user_t, null=True, on_delete="SET NULL")
        started_at = peewee.DateTimeField()
        finished_at = peewee.DateTimeField(null=True)

        class Meta:
            table_name = "item_reading"

    class ReadField(Base):
        item = peewee.ForeignKeyField(item_t, on_delete="CASCADE")
        field = peewee.CharField(max_length=40)
        confidence = peewee.IntegerField()
        page = peewee.IntegerField(null=True)
        left = peewee.IntegerField(null=True)
        top = peewee.IntegerField(null=True)
        right = peewee.IntegerField(null=True)
        bottom = peewee.IntegerField(null=True)

        class Meta:
            table_name = "read_field"
            indexes = ((("item", "field"), True),)

    db.create_tables([ItemReading, ReadField])
    db.execute_sql("ALTER TABLE item ADD COLUMN to_check VARCHAR(255) NOT NULL DEFAULT ''")
