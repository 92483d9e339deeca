"""Items, their uploaded documents (one per file content per business) and the per-field history."""
import peewee


def up(db, migrator):
    class Base(peewee.Model):
        class Meta:
            database = db

    def stub(name):
        return type(name.title().replace("_", ""), (Base,), {"Meta": type("Meta", (), {"table_name": name})})

    # Stand-ins for the tables these point at (named apart: a class body can't read a same-named outer variable).
    business_t, user_t = stub("business"), stub("user_account")
    contact_t, category_t, tax_rate_t = stub("contact"), stub("category"), stub("tax_rate")
    tracking_option_t, payment_method_t = stub("tracking_option"), stub("payment_method")
    money = {"max_digits": 19, "decimal_places": 4, "auto_round": True, "null": True}

    class Document(Base):
        business = peewee.ForeignKeyField(business_t, on_delete="CASCADE")
        sha256 = peewee.CharField(max_length=64)
        filename = peewee.CharField(max_length=255)
        content_type = peewee.CharField(max_length=100)
        size = peewee.IntegerField()
        page_count = peewee.IntegerField(null=True)
        storage_key = peewee.CharField(max_length=100)
        uploaded_by = peewee.ForeignKeyField(user_t, null=True, on_delete="SET NULL")
        created_at = peewee.DateTimeField()

        class Meta:
            table_name = "document"
            indexes = ((("business", "sha256"), True),)

    class Item(Base):
        business = peewee.ForeignKeyField(business_t, on_delete="CASCADE")
        workspace = peewee.CharField(max_length=10)
        type = peewee.CharField(max_length=20)
        status = peewee.CharField(max_length=20, default="inbox")
        document = peewee.ForeignKeyField(Document, on_delete="CASCADE")
        date = peewee.DateField(null=True)
        due_date = peewee.DateField(null=True)
        contact = peewee.ForeignKeyField(contact_t, null=True, on_delete="SET NULL")
        reference = peewee.CharField(max_length=255, default="")
        currency = peewee.CharField(max_length=3, default="")
        net = peewee.DecimalField(**money)
        tax = peewee.DecimalField(**money)
        total = peewee.DecimalField(**money)
        category = peewee.ForeignKeyField(category_t, null=True, on_delete="SET NULL")
        tax_rate = peewee.ForeignKeyField(tax_rate_t, null=True, on_delete="SET NULL")
        tracking_option_1 = peewee.ForeignKeyField(tracking_option_t, null=True, on_delete="SET NULL")
        tracking_option_2 = peewee.ForeignKeyField(tracking_option_t, null=True, on_delete="SET NULL")
        description = peewee.TextField(default="")
        payment_method = peewee.ForeignKeyField(payment_method_t, null=True, on_delete="SET NULL")
        paid = peewee.BooleanField(default=False)
        publish_to = peewee.CharField(max_length=20, default="")
        publish_as = peewee.CharField(max_length=30, default="")
        needs_attention = peewee.BooleanField(default=False)
        attention_reason = peewee.CharField(max_length=255, default="")
        duplicate_of = peewee.ForeignKeyField("self", null=True, on_delete="SET NULL")
        created_at = peewee.DateTimeField()
        created_by = peewee.ForeignKeyField(user_t, null=True, on_delete="SET NULL")
        updated_at = peewee.DateTimeField()

        class Meta:
            table_name = "item"
            indexes = ((("business", "workspace", "status", "date"), False),
                       (("business", "workspace", "created_at"), False))

    class ItemHistory(Base):
        item = peewee.ForeignKeyField(Item, on_delete="CASCADE")
        user = peewee.ForeignKeyField(user_t, null=True, on_delete="SET NULL")
        at = peewee.DateTimeField()
        field = peewee.CharField(max_length=40)
        old = peewee.TextField(default="")
        new = peewee.TextField(default="")
        source = peewee.CharField(max_length=40)

        class Meta:
            table_name = "item_history"

    db.create_tables([Document, Item, ItemHistory])
