"""Printed-name memory: how a supplier's (or customer's) name prints on its documents, and the contact a person
chose for it, one row per business and normalised name."""
import peewee


def up(db, migrator):
    class Base(peewee.Model):
        class Meta:
            database = db

    def stub(name):
        return type(name.title().replace("_", ""), (Base,), {"Meta": type("Meta", (), {"table_name": name})})

    business_t, contact_t = stub("business"), stub("contact")

    class ContactAlias(Base):
        business = peewee.ForeignKeyField(business_t, on_delete="CASCADE")
        key = peewee.CharField(max_length=255)
        printed = peewee.CharField(max_length=255)
        contact = peewee.ForeignKeyField(contact_t, on_delete="CASCADE")
        updated_at = peewee.DateTimeField()

        class Meta:
            table_name = "contact_alias"
            indexes = ((("business", "key"), True),)

    db.create_tables([ContactAlias])
