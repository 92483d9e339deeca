"""The sandbox's own peewee database: a SQLite file (or memory for tests), never Docket's."""
import peewee
from peewee import SqliteDatabase

database = peewee.DatabaseProxy()


class BaseModel(peewee.Model):
    class Meta:
        database = database


class _ImmediateSqlite(SqliteDatabase):
    """Every outermost transaction takes the write lock when it begins, so a threaded server's
    concurrent writers wait for each other (busy_timeout) instead of failing with "database is locked"."""

    def begin(self, lock_type: str | None = None):
        super().begin(lock_type or "IMMEDIATE")


def open_database(path: str) -> SqliteDatabase:
    """Bind the proxy to the SQLite file at `path` (":memory:" for tests) and return it. A writer waits up to 30 s
    for the lock: with dozens of organisations publishing at once, 5 s ran out and the sandbox answered 500, which
    Xero doesn't for being busy."""
    db = _ImmediateSqlite(
        path,
        pragmas={"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 30000},
        check_same_thread=False,
    )
    database.initialize(db)
    return db
