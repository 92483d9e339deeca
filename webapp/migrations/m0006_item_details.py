"""Line items, notes and the "not a duplicate" mark on items; supplier/customer rules."""
import peewee
from playhouse.migrate import migrate


def up(db, migrator):
    class Base(peewee.Model):
        class Meta:
            database = db

    def stub(name):
        return type(name.title().replace("_", ""), (Base,), {"Meta": type("Meta", (), {"table_name": name})})

    business_t, user_t, item_t = stub("business"), stub("user_account"), stub("item")
    contact_t, category_t, tax_rate_t = stub("contact"), stub("category"), stub("tax_rate")
    tracking_option_t, payment_method_t = stub("tracking_option"), stub("payment_method")
    money = {"max_digits": 19, "decimal_places": 4, "auto_round": True}

    class LineItem(Base):
        item = peewee.ForeignKeyField(item_t, on_delete="CASCADE")
        position = peewee.IntegerField()
        description = peewee.TextField(default="")
        category = peewee.ForeignKeyField(category_t, null=True, on_delete="SET NULL")
        tax_rate = peewee.ForeignKeyField(tax_rate_t, null=True, on_delete="SET NULL")
        tracking_option_1 = peewee.ForeignKeyField(tracking_option_t, null=True, on_delete="SET NULL")
        tracking_option_2 = peewee.ForeignKeyField(tracking_option_t, null=True, on_delete="SET NULL")
        quantity = peewee.DecimalField(**money, default=1)
        unit_amount = peewee.DecimalField(**money, null=True)
        tax_amount = peewee.DecimalField(**money, null=True)
        tax_amount_typed = peewee.BooleanField(default=False)

        class Meta:
            table_name = "line_item"
            indexes = ((("item", "position"), False),)

    class ItemNote(Base):
        item = peewee.ForeignKeyField(item_t, on_delete="CASCADE")
        user = peewee.ForeignKeyField(user_t, null=True, on_delete="SET NULL")
        at = peewee.DateTimeField()
        text = peewee.TextField()

        class Meta:
            table_name = "item_note"

    class ContactRule(Base):
        business = peewee.ForeignKeyField(business_t, on_delete="CASCADE")
        contact = peewee.ForeignKeyField(contact_t, unique=True, on_delete="CASCADE")
        category = peewee.ForeignKeyField(category_t, null=True, on_delete="SET NULL")
        tax_rate = peewee.ForeignKeyField(tax_rate_t, null=True, on_delete="SET NULL")
        tracking_option_1 = peewee.ForeignKeyField(tracking_option_t, null=True, on_delete="SET NULL")
        tracking_option_2 = peewee.ForeignKeyField(tracking_option_t, null=True, on_delete="SET NULL")
        payment_method = peewee.ForeignKeyField(payment_method_t, null=True, on_delete="SET NULL")
        paid = peewee.BooleanField(null=True)
        publish_to = peewee.CharField(max_length=20, default="")
        publish_as = peewee.CharField(max_length=30, default="")
        currency = peewee.CharField(max_length=3, default="")
        description = peewee.TextField(default="")
        due_days = peewee.IntegerField(null=True)
        auto_publish = peewee.BooleanField(default=False)
        updated_by = peewee.ForeignKeyField(user_t, null=True, on_delete="SET NULL")
        updated_at = peewee.DateTimeField()

        class Meta:
            table_name = "contact_rule"
            indexes = ((("business",), False),)

    db.create_tables([LineItem, ItemNote, ContactRule])
    migrate(migrator.add_column("item", "not_duplicate", peewee.BooleanField(default=False)))
