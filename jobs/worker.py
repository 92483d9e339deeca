"""Worker entry point: `python -m jobs.worker [queue ...]` builds the app once and runs an RQ worker."""
import argparse
import logging

from rq import Worker

from jobs import QUEUE_NAMES
from jobs.publishing import sweep
from jobs.sync import schedule_daily_refresh
from webapp import create_app
from webapp.redis_conn import get_redis

log = logging.getLogger(__name__)
MAINTENANCE_SECONDS = 30


class DocketWorker(Worker):
    """An RQ worker that looks after what a killed worker left behind within about half a minute, not RQ's ten.

    RQ takes over a dead worker's scheduler (jobs booked for later: retries, sweeps) only at a maintenance pass,
    and an idle worker reaches one only when its wait for a job times out; both are shortened here. Each pass
    also sweeps for publish attempts nobody is carrying, so resuming them never depends on a scheduler."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, maintenance_interval=MAINTENANCE_SECONDS, worker_ttl=MAINTENANCE_SECONDS + 15,
                         **kwargs)

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        try:
            sweep()
        except Exception:  # a passing database or Redis outage must not stop the worker; the next pass sweeps
            log.exception("publishing sweep failed")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run a Docket background worker.")
    parser.add_argument("queues", nargs="*", default=list(QUEUE_NAMES))
    parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = create_app()
    with app.app_context():
        schedule_daily_refresh()
        worker = DocketWorker(args.queues, connection=get_redis())
        worker.work(with_scheduler=True, burst=args.burst)


if __name__ == "__main__":
    main()
