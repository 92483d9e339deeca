"""The scheduler that hands booked jobs to their queues: RQ's, looking four times a second instead of once, and
handing publishing jobs over only as fast as the workers take them.

Publishing books each job for its organisation's turn (webapp.queues). When the workers can't keep up, due jobs
would otherwise pile up at the back of one queue in the order they were booked, and an organisation whose next
batch was booked late would wait behind everybody's backlog. Held in the booked-jobs set instead, earliest turn
first, they reach the workers in the order of their turns, and a turn booked at the workers' place comes next.
"""
import time

from rq import Queue
from rq.registry import ScheduledJobRegistry
from rq.scheduler import RQScheduler

from webapp.queues import ready_room

TICK = 0.25  # seconds between looks


class ReadyRegistry(ScheduledJobRegistry):
    """The publishing queue's booked jobs, of which those due are handed over only while the queue is short."""

    def get_jobs_to_schedule(self, timestamp: int | None = None, chunk_size: int = 1000) -> list[str]:
        room = min(chunk_size, ready_room(Queue(self.name, connection=self.connection)))
        return super().get_jobs_to_schedule(timestamp, chunk_size=room) if room > 0 else []


class TurnScheduler(RQScheduler):
    held_queue = "publishing"

    def prepare_registries(self, queue_names=None):
        super().prepare_registries(queue_names)
        self._scheduled_job_registries = [
            ReadyRegistry(registry.name, connection=self.connection, serializer=self.serializer)
            if registry.name == self.held_queue else registry for registry in self._scheduled_job_registries]

    def work(self):
        """RQ's loop (the locks and the heartbeat once a second), with a look every TICK."""
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
