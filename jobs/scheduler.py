"""The scheduler that hands booked jobs to their queues: RQ's, looking four times a second instead of once, and
handing publishing jobs over only as fast as the workers take them, an organisation at a time.

Publishing books each job for its organisation's turn (webapp.queues). When the workers can't keep up, due jobs
would otherwise pile up at the back of one queue in the order they came due, and an organisation whose next batch
came due late would wait behind everybody's backlog, its own attachments after that. Held in the booked-jobs set
instead, they are handed over in turn: one job of each organisation with jobs due, the organisation served longest
ago first, so every organisation with work gets the same share of the workers whatever the others have waiting.
"""
import time
from collections import deque

from rq import Queue
from rq.registry import ScheduledJobRegistry
from rq.scheduler import RQScheduler

from jobs.publishing import QUEUE
from webapp.queues import organisation_of, ready_room

TICK = 0.25  # seconds between looks
DUE_LOOKED_AT = 2000  # due jobs read at each look, earliest first: organisations with jobs only beyond wait a look
SERVED = "docket:publish-served"  # organisation key -> number of the last job handed over for it
HANDED = "docket:publish-handed"  # jobs handed over so far, to number them


class ReadyRegistry(ScheduledJobRegistry):
    """The publishing queue's booked jobs, of which those due are handed over only while the queue is short, an
    organisation at a time."""

    def get_jobs_to_schedule(self, timestamp: int | None = None, chunk_size: int = 1000) -> list[str]:
        room = min(chunk_size, ready_room(Queue(self.name, connection=self.connection)))
        if room <= 0:
            return []
        return in_turn(self.connection, super().get_jobs_to_schedule(timestamp, chunk_size=DUE_LOOKED_AT), room)


def in_turn(connection, job_ids: list[str], count: int) -> list[str]:
    """Up to `count` of the due `job_ids` (earliest first), round by round one of each organisation's, the
    organisation served longest ago first; remembered for the next look."""
    waiting: dict[str, deque] = {}
    for job_id in job_ids:
        waiting.setdefault(organisation_of(job_id), deque()).append(job_id)
    served = dict(zip(waiting, connection.hmget(SERVED, list(waiting)))) if waiting else {}
    order = sorted(waiting, key=lambda org: int(served[org] or 0))  # stable: never served, earliest due first
    picked: list[tuple[str, str]] = []
    while order and len(picked) < count:
        for org in order[:count - len(picked)]:
            picked.append((org, waiting[org].popleft()))
        order = [org for org in order if waiting[org]]
    if picked:
        last = connection.incrby(HANDED, len(picked))
        with connection.pipeline() as pipe:
            pipe.hset(SERVED, mapping={org: last - len(picked) + n + 1 for n, (org, _) in enumerate(picked)})
            pipe.expire(SERVED, 24 * 3600)
            pipe.execute()
    return [job_id for _, job_id in picked]


class TurnScheduler(RQScheduler):
    """RQ's scheduler, with `publishing_registry` for the publishing queue and a look every TICK."""

    publishing_registry = ReadyRegistry

    def prepare_registries(self, queue_names=None):
        super().prepare_registries(queue_names)
        self._scheduled_job_registries = [
            self.publishing_registry(registry.name, connection=self.connection, serializer=self.serializer)
            if registry.name == QUEUE else registry for registry in self._scheduled_job_registries]

    def work(self):
        """RQ's loop (the locks and the heartbeat once a second), with a look every TICK. (Not RQ's `interval`: its
        locks' lifetime is counted from it in whole seconds, for Redis's EXPIRE.)"""
        self._install_signal_handlers()
        self.register_birth()
        while not self._stop_requested:
            if self.should_reacquire_locks:
                self.acquire_locks()
            self.heartbeat()
            for _ in range(round(self.interval / TICK)):
                self.enqueue_scheduled_jobs()
                time.sleep(TICK)
        self.stop()
