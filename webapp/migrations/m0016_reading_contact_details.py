"""The supplier's email address and tax number as the document prints them, kept with its reading: a supplier a
person names that Xero doesn't have yet goes to Xero with them."""


def up(db, migrator):
    db.execute_sql("ALTER TABLE item_reading ADD COLUMN printed_email VARCHAR(255) NOT NULL DEFAULT ''")
    db.execute_sql("ALTER TABLE item_reading ADD COLUMN printed_tax_number VARCHAR(50) NOT NULL DEFAULT ''")
