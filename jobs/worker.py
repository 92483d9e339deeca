"""Worker entry point: `python -m jobs.worker [queue ...]` builds the app once and runs an RQ worker.

RQ forks a work horse per job, so each job starts clean. Reading documents is the exception: `python -m jobs.worker
--reading` runs the `extract` queue's jobs in its own process, with the OCR engine loaded once (about 2 s and
250 MB) instead of once a document."""
import argparse
import logging
import sys
import time

from redis.exceptions import ConnectionError as RedisConnectionError, TimeoutError as RedisTimeoutError
from rq import SimpleWorker, Worker
from rq.defaults import DEFAULT_LOGGING_DATE_FORMAT, DEFAULT_LOGGING_FORMAT
from rq.exceptions import StopRequested
from rq.worker import DequeueStrategy

from jobs.inbound import recover_messages
from jobs.maintenance import fail_runs_without_jobs, refresh_statistics
from jobs.publishing import sweep_if_due
from jobs.reading import recover_readings
from jobs.scheduler import TurnScheduler
from jobs.sync import refresh_due_connections
from webapp import create_app, logs
from webapp.items import storage
from webapp.queues import EXTRACT, QUEUE_NAMES
from webapp.reading import ocr
from webapp.redis_conn import get_redis

log = logging.getLogger(__name__)
MAINTENANCE_SECONDS = 30
COMMAND_POLL_SECONDS = 1
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)
RECONNECT_SECONDS = 2


class DocketWorker(Worker):
    """An RQ worker that looks after what a killed worker left behind within about half a minute, not RQ's ten.

    RQ takes over a dead worker's scheduler (jobs booked for later: retries, sweeps) only at a maintenance pass,
    and an idle worker reaches one only when its wait for a job times out; both are shortened here. Each pass
    also sweeps for publish attempts nobody is carrying, so resuming them never depends on a scheduler, puts
    back what a Redis restart took (job runs, readings and email-in messages whose job is gone), starts the daily
    refreshes whose moment has come, and once an hour
    refreshes SQLite's planner statistics."""

    asked_to_stop = False  # by SIGINT/SIGTERM, as opposed to stopping because Redis went away

    def __init__(self, *args, **kwargs):
        super().__init__(*args, maintenance_interval=MAINTENANCE_SECONDS, worker_ttl=MAINTENANCE_SECONDS + 15,
                         **kwargs)

    def work(self, *args, dequeue_strategy=DequeueStrategy.ROUND_ROBIN, **kwargs):
        """Its queues are taken in turn, not in order: a backlog of one organisation's publishing never holds back
        the list refreshes, email-in or maintenance waiting behind it, nor they publishing."""
        return super().work(*args, dequeue_strategy=dequeue_strategy, **kwargs)

    def _start_scheduler(self, burst=False, logging_level="INFO", date_format=DEFAULT_LOGGING_DATE_FORMAT,
                         log_format=DEFAULT_LOGGING_FORMAT):
        """RQ's, with its scheduler process swapped for ours (a burst worker hands over every due job at once)."""
        if burst:
            return super()._start_scheduler(burst, logging_level, date_format, log_format)
        self.scheduler = TurnScheduler(self.queues, connection=self.connection, logging_level=logging_level,
                                       date_format=date_format, log_format=log_format, serializer=self.serializer)
        if self.scheduler.acquire_locks():
            self.scheduler.start()

    def request_stop(self, signum, frame):
        self.asked_to_stop = True
        super().request_stop(signum, frame)

    def subscribe(self):
        """RQ's command channel (stop or kill a job from outside), its listener polling each second: RQ's polls
        every 60 s, and with redis-py 8.2 stopping the worker waits for that poll to end."""
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(sleep_time=COMMAND_POLL_SECONDS, daemon=True,
                                                       exception_handler=self._pubsub_exception_handler)

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        for task in (sweep_if_due, refresh_due_connections, fail_runs_without_jobs, recover_readings, recover_messages,
                     refresh_statistics):
            try:
                task()
            except Exception:  # a passing database or Redis outage must not stop the worker; the next pass does it
                log.exception("maintenance task %s failed", task.__name__)


class ReadingWorker(DocketWorker, SimpleWorker):
    """The `extract` queue's worker: jobs run in this process, where the OCR engine stays loaded."""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run a Docket background worker.")
    parser.add_argument("queues", nargs="*", default=list(QUEUE_NAMES))
    parser.add_argument("--reading", action="store_true",
                        help="read documents (the extract queue) with the OCR engine kept loaded")
    parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    args = parser.parse_args(argv)
    if args.reading:
        args.queues, worker_class = [EXTRACT], ReadingWorker
        ocr.load()
    else:
        worker_class = DocketWorker
    logs.configure()
    # RQ forks a work horse per job: no shared sockets
    app = create_app({"DATABASE_POOL_SIZE": 0, "CHECK_DOCUMENTS_AT_START": False})
    with app.app_context():
        try:
            storage.check_at_start()
        except OSError as error:  # it could take jobs but attach no document
            sys.exit(f"The worker didn't start: {error}")
        while True:
            worker = worker_class(args.queues, connection=get_redis())
            try:
                worker.work(with_scheduler=True, burst=args.burst)
            except REDIS_DOWN as error:  # RQ's own shutdown could not reach Redis either
                log.warning("worker %s lost Redis: %s", worker.name, error)
            if worker.pubsub_thread:  # the shutdown may not have got as far as stopping its command listener
                worker.pubsub_thread.stop()
            if args.burst or worker.asked_to_stop or not _wait_for_redis(worker):
                return
            log.warning("worker %s stopped without being asked to; starting a new one", worker.name)


def _wait_for_redis(worker: DocketWorker) -> bool:
    """Wait until Redis answers (RQ's loop gives up on the first connection error outside its wait for a job);
    False when the worker is asked to stop meanwhile."""
    try:
        while not worker.asked_to_stop:
            time.sleep(RECONNECT_SECONDS)
            try:
                get_redis().ping()
                return True
            except REDIS_DOWN:
                continue
    except StopRequested:  # RQ's signal handler, still installed, raises it when the worker was not busy
        pass
    return False


if __name__ == "__main__":
    main()
