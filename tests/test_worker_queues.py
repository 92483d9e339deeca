"""A worker serving several queues takes them in turn: a publishing backlog doesn't hold back a list refresh or an
emailed bill waiting on another queue."""
import time

from rq import SimpleWorker
from rq.job import Job

from jobs.worker import DocketWorker
from webapp.queues import get_queue
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
