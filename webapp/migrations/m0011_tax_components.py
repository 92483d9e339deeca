"""Tax component amounts a person typed (GST, PST...) on items and line items, as JSON by component name.

Plain ALTER TABLE: on SQLite, playhouse adds a NOT NULL column by copying the table, which the item search
triggers (m0009) don't survive; both databases take a NOT NULL column with a default directly."""


def up(db, migrator):
    for table in ("item", "line_item"):
        db.execute_sql(f"ALTER TABLE {table} ADD COLUMN tax_components TEXT NOT NULL DEFAULT ''")
