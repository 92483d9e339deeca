"""Background jobs end to end on the real Redis: housekeeping enqueued, run by a worker, shown in the UI."""
from datetime import timedelta

import redis
from rq import Queue, SimpleWorker
from rq.job import Job
from rq.registry import ScheduledJobRegistry

from jobs.scheduler import TurnScheduler
from tests.conftest import REDIS_URL
from webapp.accounts.models import utcnow
from webapp.jobruns.models import FAILED, SUCCEEDED, JobRun
from webapp.queues import HELD_BACK, QUEUE_NAMES, enqueue_housekeeping
from webapp.redis_conn import get_redis


class _BurstWorker(SimpleWorker):
    """A worker without rq's command channel (stop or kill it from outside), of no use in a burst: with redis-py 8.2
    its listening thread could hold the end of each burst for its 60 s poll."""

    def subscribe(self):
        pass


class _HeldBackRegistry(ScheduledJobRegistry):
    """Publishing's due jobs that were held back only for room in its queue. Those booked for later (a retry after a
    429) stay booked though their time came while the jobs ran: a test hands them over when it means to."""

    def get_jobs_to_schedule(self, timestamp=None, chunk_size=1000):
        due = super().get_jobs_to_schedule(timestamp, chunk_size)
        return [job.id for job in Job.fetch_many(due, connection=self.connection) if job and job.meta.get(HELD_BACK)]


class _HandOver(TurnScheduler):
    """Docket's scheduler, handing over only the held back publishing jobs."""

    publishing_registry = _HeldBackRegistry


def _work(app):
    """Run the queued jobs, and the publishing jobs held back while its queue was long that the scheduler hands over
    as it empties, until none is left."""
    connection = redis.Redis.from_url(REDIS_URL)
    publishing = Queue("publishing", connection=connection)
    with app.app_context():
        scheduler = _HandOver(["publishing"], connection=connection)
        scheduler.prepare_registries(["publishing"])
        while True:
            _BurstWorker(list(QUEUE_NAMES), connection=connection).work(burst=True)
            scheduler.enqueue_scheduled_jobs()
            if not publishing.count:
                return


def _old_run(business_id, days):
    run = JobRun.create(business=business_id, kind="housekeeping", status=SUCCEEDED)
    JobRun.update(created_at=utcnow() - timedelta(days=days)).where(JobRun.id == run.id).execute()
    return run


def test_housekeeping_removes_only_old_finished_runs_of_its_business(app, admin, outsider):
    old, recent = _old_run(admin.business_id, 45), _old_run(admin.business_id, 3)
    others = _old_run(outsider.business_id, 45)
    with app.app_context():
        run = enqueue_housekeeping(admin.business_id, requested_by=admin.user_id)
    _work(app)
    run = JobRun.get_by_id(run.id)
    assert run.status == SUCCEEDED
    assert run.summary == "Removed 1 finished job record older than 30 days."
    assert not JobRun.select().where(JobRun.id == old.id).exists()
    assert JobRun.select().where(JobRun.id.in_([recent.id, others.id])).count() == 2


def test_second_request_joins_the_queued_run(app, admin):
    with app.app_context():
        first = enqueue_housekeeping(admin.business_id)
        second = enqueue_housekeeping(admin.business_id)
    assert first.id == second.id
    assert redis.Redis.from_url(REDIS_URL).llen("rq:queue:maintenance") == 1


def test_banner_shows_while_queued_and_polling_stops_when_done(admin_client, admin, app):
    admin_client.form(f"/b/{admin.business_id}/housekeeping")
    page = admin_client.get(f"/b/{admin.business_id}/inbox/costs").text
    assert "Housekeeping in progress" in page and "every 2s" in page
    _work(app)
    fragment = admin_client.hx("GET", f"/b/{admin.business_id}/banners", target="banners")
    assert fragment.status_code == 286
    assert "Housekeeping in progress" not in fragment.text
    settings = admin_client.get(f"/b/{admin.business_id}/settings").text
    assert "Removed 0 finished job records older than 30 days." in settings


def test_a_crashing_job_is_recorded_as_failed_with_a_plain_message(app, admin, monkeypatch):
    import jobs.maintenance as maintenance

    def explode(run_id):
        raise RuntimeError("disk on fire")

    with app.app_context():
        run = enqueue_housekeeping(admin.business_id)
    monkeypatch.setattr(maintenance, "run_housekeeping", explode)
    _work(app)
    failed = JobRun.get_by_id(run.id)
    assert failed.status == FAILED
    assert failed.last_error == "Housekeeping stopped unexpectedly. Try again; nothing was lost."


def test_the_workers_gather_sqlite_planner_statistics_once_an_hour(app, backend, admin, monkeypatch):
    """Without statistics SQLite searches a large inbox through the wrong index; PostgreSQL has autovacuum."""
    from jobs import maintenance
    from tests.items_helpers import make_item
    from webapp.db import database

    make_item(admin.business)
    gathered = []
    monkeypatch.setattr(maintenance, "gather_statistics", lambda: gathered.append(1) or True)
    with app.app_context():
        maintenance.refresh_statistics()
        maintenance.refresh_statistics()  # the next maintenance pass, 30 s later
        assert gathered == [1]
        assert get_redis().ttl("docket:statistics-gathered") > 3500
        monkeypatch.undo()
        get_redis().delete("docket:statistics-gathered")
        maintenance.refresh_statistics()
        if backend == "sqlite":
            tables = {row[0] for row in database.execute_sql("SELECT tbl FROM sqlite_stat1").fetchall()}
            assert {"item", "document", "membership"} <= tables
        else:
            assert not maintenance.gather_statistics()
