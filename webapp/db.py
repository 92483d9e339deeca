"""The peewee database: one proxy bound at app start, request hooks, and shared field types."""
from decimal import Decimal

import peewee
from flask import request
from playhouse.db_url import connect

database = peewee.DatabaseProxy()
READINESS_CHECK = "health.ready"  # the endpoint of /readyz

SQLITE_PRAGMAS = {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 10000, "synchronous": "normal",
                  "analysis_limit": 1000}  # ANALYZE samples this many rows per index: quick on any size of table


class BaseModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False


class MoneyField(peewee.DecimalField):
    """An amount of money: exact Decimal with 4 places (enough for every currency and unit prices)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 19)
        kwargs.setdefault("decimal_places", 4)
        kwargs.setdefault("auto_round", True)
        super().__init__(*args, **kwargs)

    def db_value(self, value):
        if isinstance(value, float):
            raise TypeError("Money must be a Decimal or a string, never a float.")
        return super().db_value(value if value is None else Decimal(value))


def joined_text(column) -> peewee.Function:
    """The column's values of the rows a query finds as one text, comma separated, in no set order."""
    if isinstance(database.obj, peewee.PostgresqlDatabase):
        return peewee.fn.string_agg(column, ",")
    return peewee.fn.group_concat(column, ",")


POOL_WAIT_SECONDS = 10  # a request waits this long for a pooled connection when every one is in use
POOL_RECYCLE_SECONDS = 300


def open_database(url: str, pool_size: int = 0) -> peewee.Database:
    """Point the proxy at `url` (sqlite:///path or postgresql://...); connections open on first use. With a
    `pool_size`, PostgreSQL connections are kept open between requests (SQLite's are cheap to open). A process that
    forks after using the database must not pool: the child would share the parent's sockets."""
    if url.startswith("sqlite"):
        db = connect(url, pragmas=SQLITE_PRAGMAS, check_same_thread=False)
    elif pool_size:
        scheme, rest = url.split("://", 1)
        db = connect(f"{scheme}+pool://{rest}", max_connections=pool_size, stale_timeout=POOL_RECYCLE_SECONDS,
                     timeout=POOL_WAIT_SECONDS)
    else:
        db = connect(url)
    database.initialize(db)
    return db


def gather_statistics() -> bool:
    """ANALYZE on SQLite, which keeps no planner statistics by itself (PostgreSQL's autovacuum does). Without them
    it reads a large inbox through the wrong index: a search of 100,000 items counted its matches by scanning the
    status index (44 ms) instead of looking the few hundred matches up (8 ms). True when it ran."""
    if not isinstance(database.obj, peewee.SqliteDatabase):
        return False
    with database.connection_context():
        database.execute_sql("ANALYZE")
    return True


def init_app(app) -> None:
    """Open a connection per request and close it afterwards (peewee's Flask pattern)."""

    @app.before_request
    def _connect():
        if request.endpoint != READINESS_CHECK:  # /readyz reports a database it can't reach rather than fail on it
            database.connect(reuse_if_open=True)

    @app.teardown_appcontext
    def _close(exc):
        if database.is_closed():
            return
        try:
            database.close()
        except peewee.PeeweeException:  # the server went away mid-request: forget the connection, it rolled back
            database.dispose()

