"""A worker serving several queues takes them in turn: a publishing backlog doesn't hold back a list refresh or an
emailed bill waiting on another queue."""
import time

from rq import SimpleWorker
from rq.job import Job

from jobs.scheduler import TurnScheduler
from jobs.worker import DocketWorker
from webapp.queues import READY_AT_LEAST, enqueue, get_queue
from webapp.redis_conn import get_redis


class InProcessWorker(DocketWorker, SimpleWorker):
    """Docket's worker, running its jobs in this process."""


def test_a_publishing_backlog_doesnt_hold_back_the_other_queues(app):
    with app.app_context():
        backlog = [get_queue("publishing").enqueue(time.sleep, 0) for _ in range(6)]
        refresh = get_queue("sync").enqueue(time.sleep, 0)
        emailed = get_queue("inbound").enqueue(time.sleep, 0)
        InProcessWorker(["publishing", "inbound", "sync"], connection=get_redis()).work(burst=True)
        ended = {job.id: Job.fetch(job.id, connection=get_redis()).ended_at for job in [*backlog, refresh, emailed]}
    order = sorted(ended, key=ended.get)
    assert order.index(refresh.id) < 3 and order.index(emailed.id) < 3  # not after the whole backlog
    assert len(order) == 8


def test_a_running_workers_scheduler_keeps_the_publishing_queue_short_and_a_burst_worker_hands_over_all(app,
                                                                                                     monkeypatch):
    monkeypatch.setattr(TurnScheduler, "start", lambda scheduler: None)  # its looks are called here, not forked
    with app.app_context():
        booked = [enqueue("publishing", time.sleep, 0, book_in=0) for _ in range(READY_AT_LEAST + 2)]
        publishing = get_queue("publishing")
        running = DocketWorker(["publishing"], connection=get_redis())
        running._start_scheduler()
        running.scheduler.enqueue_scheduled_jobs()  # one look
        assert publishing.count == READY_AT_LEAST and publishing.scheduled_job_registry.count == 2
        running.scheduler.release_locks()
        InProcessWorker(["publishing"], connection=get_redis()).work(burst=True, with_scheduler=True)
        assert {Job.fetch(job.id, connection=get_redis()).get_status() for job in booked} == {"finished"}
