"""Lists mirrored from Xero, sync cursors, payment methods, and per-step detail on job runs."""
import peewee


def up(db, migrator):
    from playhouse.migrate import migrate

    class Base(peewee.Model):
        class Meta:
            database = db

    class Business(Base):
        class Meta:
            table_name = "business"

    def entry_fields():
        return {
            "business": peewee.ForeignKeyField(Business, on_delete="CASCADE"),
            "xero_id": peewee.CharField(max_length=64),
            "status": peewee.CharField(max_length=20, default="ACTIVE"),
            "removed_at": peewee.DateTimeField(null=True),
            "synced_at": peewee.DateTimeField(),
        }

    def table(name, fields, indexes=()):
        meta = type("Meta", (), {"table_name": name, "indexes": indexes})
        return type(name.title().replace("_", ""), (Base,), {**fields, "Meta": meta})

    money = {"max_digits": 19, "decimal_places": 4, "auto_round": True}
    organisation = table("xero_organisation", {
        "business": peewee.ForeignKeyField(Business, unique=True, on_delete="CASCADE"),
        "tenant_id": peewee.CharField(max_length=64), "name": peewee.CharField(max_length=255),
        "base_currency": peewee.CharField(max_length=3), "country_code": peewee.CharField(max_length=2, default=""),
        "tax_basis": peewee.CharField(max_length=20, default=""), "tax_number": peewee.CharField(max_length=50, default=""),
        "period_lock_date": peewee.DateField(null=True), "end_of_year_lock_date": peewee.DateField(null=True),
        "financial_year_end_day": peewee.IntegerField(null=True),
        "financial_year_end_month": peewee.IntegerField(null=True),
        "multi_currency": peewee.BooleanField(default=False), "synced_at": peewee.DateTimeField()})
    category = table("category", entry_fields() | {
        "code": peewee.CharField(max_length=20, default=""), "name": peewee.CharField(max_length=150),
        "type": peewee.CharField(max_length=40), "account_class": peewee.CharField(max_length=20, default=""),
        "tax_type": peewee.CharField(max_length=60, default=""), "description": peewee.TextField(default=""),
        "currency_code": peewee.CharField(max_length=3, default=""),
        "bank_account_number": peewee.CharField(max_length=60, default="")},
        ((("business", "xero_id"), True), (("business", "code"), False)))
    contact = table("contact", entry_fields() | {
        "name": peewee.CharField(max_length=255), "email": peewee.CharField(max_length=255, default=""),
        "is_supplier": peewee.BooleanField(default=False), "is_customer": peewee.BooleanField(default=False),
        "default_currency": peewee.CharField(max_length=3, default=""),
        "tax_number": peewee.CharField(max_length=50, default=""),
        "purchases_account_code": peewee.CharField(max_length=20, default=""),
        "sales_account_code": peewee.CharField(max_length=20, default="")},
        ((("business", "xero_id"), True), (("business", "name"), False)))
    tracking_category = table("tracking_category", entry_fields() | {"name": peewee.CharField(max_length=100)},
                              ((("business", "xero_id"), True),))
    tracking_option = table("tracking_option", entry_fields() | {
        "category": peewee.ForeignKeyField(tracking_category, on_delete="CASCADE"),
        "name": peewee.CharField(max_length=100)}, ((("business", "xero_id"), True),))
    tax_rate = table("tax_rate", entry_fields() | {
        "name": peewee.CharField(max_length=150), "effective_rate": peewee.DecimalField(**money),
        "display_rate": peewee.DecimalField(null=True, **money),
        "report_tax_type": peewee.CharField(max_length=60, default=""),
        "can_apply_to": peewee.CharField(max_length=80, default=""), "components": peewee.TextField(default="[]")},
        ((("business", "xero_id"), True),))
    currency = table("currency", entry_fields() | {"description": peewee.CharField(max_length=100, default="")},
                     ((("business", "xero_id"), True),))
    sync_cursor = table("sync_cursor", {
        "business": peewee.ForeignKeyField(Business, on_delete="CASCADE"),
        "list_name": peewee.CharField(max_length=40), "modified_since": peewee.DateTimeField(null=True)},
        ((("business", "list_name"), True),))
    payment_method = table("payment_method", {
        "business": peewee.ForeignKeyField(Business, on_delete="CASCADE"), "name": peewee.CharField(max_length=100),
        "bank_account": peewee.ForeignKeyField(category, null=True, on_delete="SET NULL"),
        "default_publish_to": peewee.CharField(max_length=20, default=""),
        "auto_publish": peewee.CharField(max_length=10, default="never")}, ((("business", "name"), True),))

    db.create_tables([organisation, category, contact, tracking_category, tracking_option, tax_rate, currency,
                      sync_cursor, payment_method])
    migrate(migrator.add_column("job_run", "details", peewee.TextField(default="{}")))
