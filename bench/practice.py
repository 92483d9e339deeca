"""Benchmark for issue 20 (practice scale): K client organisations each bulk-publish N bills at once, served by W
worker processes; wall time against what the organisations' Xero limits allow, calls a minute, how far apart the
organisations finish, 429s, duplicates and losses.

The sandbox runs in-process with its limits on, Xero's scaled by --limit-factor (default x2: 5 concurrent, 120 a
minute per organisation); Docket's XERO_CALLS_PER_MINUTE is Xero's 58 scaled the same way (116). The organisations
are made through the sandbox's operator API (`POST /operator/api/organisations`, seeded like its UK demo one) and
each is connected to a Docket business of its own. `--no-limits` turns the sandbox's limits and Docket's pace off,
to measure what the W workers can do alone.

    .venv/bin/python -m bench.practice [--orgs 8] [--items 120] [--workers 8] [--limit-factor 2] [--no-limits]
                                        [--backend postgres|sqlite] [--keep-log PATH]

Its own databases: PostgreSQL `docket_bench` (or a SQLite file) and Redis db 14 (flushed)."""
import argparse
import logging
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime

import redis
import requests

from bench import common, publish_env as env
from bench.common import REDIS_URL
from bench.publishing import MIX, _wait_listening

UNLIMITED = 100_000  # Docket's calls a minute with --no-limits: never the binding figure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.practice", description=__doc__.split("\n")[0])
    parser.add_argument("--orgs", type=int, default=8)
    parser.add_argument("--items", type=int, default=120, help="bills per organisation")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--limit-factor", type=int, default=2)
    parser.add_argument("--no-limits", action="store_true", help="the workers' own capacity: limits off")
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep-log", help="copy the workers' log here")
    args = parser.parse_args(argv)

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    redis.Redis.from_url(REDIS_URL).flushdb()
    workers: list[env.Worker] = []
    with tempfile.TemporaryDirectory(prefix="docket-bench-practice-") as directory:
        sandbox = env.Sandbox(directory, args.limit_factor)
        try:
            if args.no_limits:
                requests.put(f"{sandbox.url}/operator/api/limits", json={"enabled": False}, timeout=10)
            pace = UNLIMITED if args.no_limits else (env.REAL_LIMITS["minute"] - env.DOCKET_MARGIN) * args.limit_factor
            docket = env.DocketEnv(directory, common.database_url(args.backend, directory), REDIS_URL, sandbox.url,
                                   calls_per_minute=pace)
            docket.apply()
            app = env.docket_app()
            rng = random.Random(args.seed)
            clients = [_client(app, sandbox, k, env.shuffled_mix(args.items, MIX, rng)) for k in range(args.orgs)]
            log_path = f"{directory}/workers.log"
            workers = [env.Worker(docket.variables(), log_path) for _ in range(args.workers)]
            _wait_listening(log_path, args.workers)

            start = time.time()
            for client in clients:
                outcome, client["run"] = env.request_bulk(app, client["business"], client["user"], client["items"])
                assert outcome.queued == args.items, outcome.refused
            limit_minutes = args.items * 1.05 / min(pace, UNLIMITED)
            for client in clients:
                env.wait_for_run(app, client["run"], 300 + 240 * limit_minutes * args.orgs,
                                 alive=lambda: any(w.alive() for w in workers))
            end = time.time()
            for worker in workers:
                worker.stop()
            print(report(args, app, sandbox, pace, clients, start, end, log_path))
            if args.keep_log:
                shutil.copyfile(log_path, args.keep_log)
            return 1 if any(client["verdict"].problems for client in clients) else 0
        finally:
            for worker in workers:
                if worker.alive():
                    worker.kill()
            sandbox.stop()


def _client(app, sandbox, k: int, mix: list[str]) -> dict:
    """Client organisation k: made by the operator API, connected to a Docket business, N Ready bills."""
    from webapp.db import database
    from webapp.lists.models import Category, PaymentMethod

    name = f"Practice Client {k + 1:02d} Ltd"
    made = requests.post(f"{sandbox.url}/operator/api/organisations", json={"name": name, "country": "GB"}, timeout=60)
    made.raise_for_status()
    tenant_id = made.json()["organisation"]["tenantId"]
    business_id, user_id = env.connect_business(app, sandbox, tenant_id, name, business_name=name,
                                                email=f"client{k + 1}@bench.example", user_name=f"Client {k + 1}")
    with app.app_context(), database.connection_context():
        card = PaymentMethod.select().where(PaymentMethod.business == business_id).order_by(PaymentMethod.id).first()
        card.bank_account = Category.get((Category.business == business_id) & (Category.code == "090"))
        card.save()
    return {"name": name, "tenant": tenant_id, "business": business_id, "user": user_id, "mix": mix,
            "items": env.make_items(app, business_id, mix)}


def _finished_at(app, run_id: int) -> float | None:
    from webapp.db import database
    from webapp.jobruns.models import JobRun

    with app.app_context(), database.connection_context():
        finished = JobRun.get_by_id(run_id).finished_at
    return finished.replace(tzinfo=UTC).timestamp() if finished else None


def report(args, app, sandbox, pace: int, clients: list[dict], start: float, end: float, log_path: str) -> str:
    from bench.common import text_table

    calls = sandbox.log.since(start)
    answered = [c for c in calls if c.status != 429]
    refused = len(calls) - len(answered)
    wall = end - start
    per_org = len(answered) // len(clients)
    bound = 60 * ((per_org - 1) // pace)  # each organisation's calls at its pace, all organisations at once
    for client in clients:
        client["verdict"] = env.check_published(app, sandbox, client["tenant"], client["run"], client["items"],
                                                client["mix"])
        client["took"] = (_finished_at(app, client["run"]) or end) - start
    took = sorted(client["took"] for client in clients)
    with open(log_path, errors="replace") as log:
        text = log.read()
    rows = [("figure", "value"),
            ("wall time s (first request_bulk to last run finished)", f"{wall:.1f}"),
            ("calls answered / 429s", f"{len(answered)} / {refused}"),
            ("calls a minute, all organisations", f"{60 * len(answered) / wall:.0f}"),
            ("Xero bound: calls a minute (organisations x pace)", f"{len(clients) * pace}"),
            ("Xero bound: seconds from first to last call (each organisation at its pace, all at once)",
             "-" if args.no_limits else f"{bound}" + (" (within one minute's calls: the workers bind)" if not bound
                                                     else "")),
            ("ratio bound / wall time", "-" if args.no_limits or not bound else f"{bound / wall:.1%}"),
            ("organisations' finish: first / last s (last / first)",
             f"{took[0]:.1f} / {took[-1]:.1f} ({took[-1] / took[0]:.2f})"),
            ("attempts resumed by a sweep (worker logs)", str(text.count("resumed after its job stopped"))),
            ("tracebacks in worker logs", str(text.count("Traceback (most recent call last)"))),
            ("duplicates / lost", "0 / 0" if not any(c["verdict"].problems for c in clients) else "see below")]
    lines = [f"Practice benchmark (issue 20), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {common.machine()}",
             f"{args.orgs} organisations x {args.items} bills, {args.workers} workers (`python -m jobs.worker "
             f"publishing`), backend {args.backend}; sandbox limits "
             + ("off, Docket's pace off" if args.no_limits else
                f"x{args.limit_factor} (120 a minute each), Docket's pace {pace} a minute"),
             text_table(rows, numeric=set())]
    for client in clients:
        lines += [f"WRONG {client['name']}: {problem}" for problem in client["verdict"].problems]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
