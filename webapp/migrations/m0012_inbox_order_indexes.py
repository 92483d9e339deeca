"""Indexes for the inbox's newest-first orders on PostgreSQL, which reads an index in an ORDER BY's order only when
its NULLS placement matches: the inbox puts empty dates and totals last in both directions, so "total DESC NULLS
LAST" sorted every row of the tab (42 ms at 100,000 items) while this index answers in under a millisecond. SQLite
doesn't take NULLS FIRST/LAST in an index (bench/items_pages measures it without these)."""
import peewee


def up(db, migrator):
    if not isinstance(db, peewee.PostgresqlDatabase):
        return
    for column in ("total", "date", "created_at"):
        db.execute_sql(f"CREATE INDEX item_inbox_{column}_desc ON item "
                       f"(business_id, workspace, {column} DESC NULLS LAST, id DESC)")
