"""Worker entry point: `python -m jobs.worker [queue ...]` builds the app once and runs an RQ worker."""
import argparse
import logging

from rq import Worker

from jobs import QUEUE_NAMES
from jobs.publishing import sweep
from jobs.sync import schedule_daily_refresh
from webapp import create_app
from webapp.redis_conn import get_redis


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run a Docket background worker.")
    parser.add_argument("queues", nargs="*", default=list(QUEUE_NAMES))
    parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = create_app()
    with app.app_context():
        schedule_daily_refresh()
        sweep()  # attempts a killed worker left half done are picked up again
        worker = Worker(args.queues, connection=get_redis())
        worker.work(with_scheduler=True, burst=args.burst)


if __name__ == "__main__":
    main()
