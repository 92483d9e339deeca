"""Versioned schema migrations: modules `mNNNN_<name>.py` with `up(db, migrator)`, applied in order.

Each migration freezes the schema it creates (it never imports the live models), so an old
database upgrades the same way on every deploy. Applied versions live in `schema_migration`.
"""
import importlib
import pkgutil
from datetime import datetime, timezone

import peewee
from playhouse.migrate import SchemaMigrator


class SchemaMigration(peewee.Model):
    version = peewee.CharField(max_length=64, primary_key=True)
    applied_at = peewee.DateTimeField()

    class Meta:
        table_name = "schema_migration"


def available() -> list[str]:
    """Names of the migration modules in this package, oldest first."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("m"))


def applied(db: peewee.Database) -> set[str]:
    with SchemaMigration.bind_ctx(db):
        if not SchemaMigration.table_exists():
            return set()
        return {row.version for row in SchemaMigration.select()}


def upgrade(db: peewee.Database) -> list[str]:
    """Apply every pending migration, each in its own transaction; return the names applied."""
    done = []
    with SchemaMigration.bind_ctx(db):
        db.create_tables([SchemaMigration], safe=True)
        for name in available():
            with db.atomic():
                _lock(db)
                if SchemaMigration.get_or_none(SchemaMigration.version == name):
                    continue  # another process applied it while we waited for the lock
                module = importlib.import_module(f"{__name__}.{name}")
                module.up(db, SchemaMigrator.from_database(db))
                SchemaMigration.create(version=name, applied_at=datetime.now(timezone.utc).replace(tzinfo=None))
                done.append(name)
    return done


def _lock(db: peewee.Database) -> None:
    """Serialise concurrent upgrades (web and worker starting together) on PostgreSQL."""
    if isinstance(db, peewee.PostgresqlDatabase):
        db.execute_sql("SELECT pg_advisory_xact_lock(4242001)")
