"""JobRun: the database record of a background job, the source of progress banners and results."""
import json

import peewee

from webapp.accounts.models import Business, User, utcnow
from webapp.db import BaseModel

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
ACTIVE_STATUSES = (QUEUED, RUNNING)


class JobRun(BaseModel):
    business = peewee.ForeignKeyField(Business, null=True, backref="job_runs", on_delete="CASCADE")
    kind = peewee.CharField(max_length=40)
    status = peewee.CharField(max_length=16, default=QUEUED)
    rq_job_id = peewee.CharField(max_length=100, null=True)
    requested_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    progress_done = peewee.IntegerField(default=0)
    progress_total = peewee.IntegerField(default=0)
    summary = peewee.TextField(default="")
    last_error = peewee.TextField(default="")
    details = peewee.TextField(default="{}")  # JSON: per-step progress and counts, for banners
    created_at = peewee.DateTimeField(default=utcnow, index=True)
    started_at = peewee.DateTimeField(null=True)
    finished_at = peewee.DateTimeField(null=True)
    dismissed_at = peewee.DateTimeField(null=True)  # its result banner, by the person who started it

    class Meta:
        table_name = "job_run"
        indexes = ((("business", "kind", "status"), False),)

    @property
    def step_details(self) -> dict:
        return json.loads(self.details or "{}").get("steps", {})

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @classmethod
    def active_for(cls, business_id: int):
        """Queued or running jobs of one business, oldest first (what the banner shows)."""
        return (cls.select().where((cls.business == business_id) & cls.status.in_(ACTIVE_STATUSES))
                .order_by(cls.created_at))

    @classmethod
    def latest(cls, business_id: int, kind: str):
        return (cls.select().where((cls.business == business_id) & (cls.kind == kind))
                .order_by(cls.created_at.desc(), cls.id.desc()).first())
