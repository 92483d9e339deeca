"""A job's result banner can be dismissed by the person who started the job."""
import peewee
from playhouse.migrate import migrate


def up(db, migrator):
    migrate(migrator.add_column("job_run", "dismissed_at", peewee.DateTimeField(null=True)))
