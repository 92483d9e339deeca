"""Benchmark for issue 20 (practice scale): K client organisations each bulk-publish N bills at once, served by W
worker processes; wall time against what the organisations' Xero limits allow, calls a minute, how far apart the
organisations finish, 429s, duplicates and losses.

The sandbox runs in-process with its limits on, Xero's scaled by --limit-factor (default x2: 5 concurrent, 120 a
minute per organisation); Docket's XERO_CALLS_PER_MINUTE is Xero's 58 scaled the same way (116). The organisations
are made through the sandbox's operator API (`POST /operator/api/organisations`, seeded like its UK demo one) and
each is connected to a Docket business of its own. The workers start held back (RQ's suspension) and are let go
once every bulk publish has been requested. First a run with the sandbox's limits and Docket's pace off measures
what the W workers can do alone (`--capacity only` runs just that, `skip` leaves it out), then the run with limits.
`--kill-every S` kills a worker (and its work horse) every S seconds and starts another: a kill drill.

    .venv/bin/python -m bench.practice [--orgs 8] [--items 120] [--workers 8] [--limit-factor 2]
                                        [--capacity measure|only|skip] [--kill-every S]
                                        [--backend postgres|sqlite] [--keep-log PATH]

Its own databases: PostgreSQL `docket_bench` (or a SQLite file) and Redis db 14 (flushed)."""
import argparse
import csv
import logging
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime

import redis
import requests
from rq.suspension import resume, suspend

from bench import common, publish_env as env
from bench.common import REDIS_URL
from bench.publishing import MIX, _wait_listening

UNLIMITED = 100_000  # Docket's calls a minute in the capacity run: never the binding figure
NEVER_REACHED = {"minute": 10**9, "day": 10**9, "app_minute": 10**9}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.practice", description=__doc__.split("\n")[0])
    parser.add_argument("--orgs", type=int, default=8)
    parser.add_argument("--items", type=int, default=120, help="bills per organisation")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--limit-factor", type=float, default=2, help="Xero's minute limit x this (0.5: 30 a minute)")
    parser.add_argument("--capacity", choices=("measure", "only", "skip"), default="measure",
                        help="measure the workers' own capacity first (limits off), only that, or not")
    parser.add_argument("--kill-every", type=float, default=0,
                        help="SIGKILL a worker (and its horse) every S seconds and start a new one: a kill drill")
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep-log", help="copy the workers' log (of the run with limits) here")
    parser.add_argument("--calls-csv", help="write every call answered in the run with limits here: seconds from "
                                            "the start, organisation (1..K), kind, status")
    args = parser.parse_args(argv)

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    header = f"Practice benchmark (issue 20), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {common.machine()}"
    capacity = run_pass(args, limits=False) if args.capacity != "skip" else None
    if capacity:
        print(report(args, capacity, None))
    limited = run_pass(args, limits=True) if args.capacity != "only" else None
    if limited:
        print(report(args, limited, capacity))
    print(header)
    return 1 if any(p and p["problems"] for p in (capacity, limited)) else 0


def run_pass(args, limits: bool) -> dict:
    """One run: K organisations made, connected and given N Ready bills each; W workers started held back (RQ's
    suspension), every bulk publish requested, then the workers let go at once and timed to the last run's end."""
    connection = redis.Redis.from_url(REDIS_URL)
    connection.flushdb()
    workers: list[env.Worker] = []
    with tempfile.TemporaryDirectory(prefix="docket-bench-practice-") as directory:
        sandbox = env.Sandbox(directory, args.limit_factor)
        try:
            if not limits:  # and limits it never reaches: its remaining-count headers at 0 would pause Docket
                requests.put(f"{sandbox.url}/operator/api/limits", json={"enabled": False, **NEVER_REACHED},
                             timeout=10).raise_for_status()
            pace = round((env.REAL_LIMITS["minute"] - env.DOCKET_MARGIN) * args.limit_factor) if limits else UNLIMITED
            docket = env.DocketEnv(directory, common.database_url(args.backend, directory), REDIS_URL, sandbox.url,
                                   calls_per_minute=pace)
            docket.apply()
            app = env.docket_app()
            rng = random.Random(args.seed)
            clients = [_client(app, sandbox, k, env.shuffled_mix(args.items, MIX, rng)) for k in range(args.orgs)]
            log_path = f"{directory}/workers.log"
            suspend(connection)  # the workers start held back: RQ's suspension, checked before each job
            workers = [env.Worker(docket.variables(), log_path) for _ in range(args.workers)]
            _wait_listening(log_path, args.workers)
            for client in clients:
                outcome, client["run"] = env.request_bulk(app, client["business"], client["user"], client["items"])
                assert outcome.queued == args.items, outcome.refused
            resume(connection)
            start = time.time()
            limit_minutes = args.items * 1.05 / pace
            deadline = start + 300 + 240 * limit_minutes * args.orgs
            kills = _wait_for_runs(app, clients, workers, docket, log_path, deadline, args.kill_every)
            end = time.time()
            for worker in workers:
                worker.stop()
            result = _measure(app, sandbox, clients, start, end, log_path)
            if args.keep_log and limits:
                shutil.copyfile(log_path, args.keep_log)
            if args.calls_csv and limits:
                _write_calls(args.calls_csv, sandbox.log.since(start), clients, start)
            return {**result, "pace": pace, "limits": limits, "kills": kills}
        finally:
            resume(connection)
            for worker in workers:
                if worker.alive():
                    worker.kill()
            sandbox.stop()


def _write_calls(path: str, calls, clients: list[dict], start: float) -> None:
    number = {client["tenant"]: k + 1 for k, client in enumerate(clients)}
    with open(path, "w", newline="") as out:
        rows = csv.writer(out)
        rows.writerow(["seconds", "organisation", "kind", "status"])
        rows.writerows([f"{call.at - start:.3f}", number.get(call.tenant_id, 0), call.kind, call.status]
                       for call in calls)


def _wait_for_runs(app, clients, workers, docket, log_path, deadline: float, kill_every: float) -> int:
    """Until every client's run has finished; with `kill_every`, a worker is killed that often and another started
    in its place. Returns how many were killed."""
    kills, next_kill = 0, time.time() + kill_every
    pending = [client["run"] for client in clients]
    while pending and time.time() < deadline:
        pending = [run for run in pending if not env.run_finished(app, run)]
        if kill_every and time.time() >= next_kill and pending:
            victim = random.randrange(len(workers))
            workers[victim].kill()
            workers[victim] = env.Worker(docket.variables(), log_path)
            kills, next_kill = kills + 1, time.time() + kill_every
        if not any(worker.alive() for worker in workers):
            break
        time.sleep(0.2)
    return kills


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


def _measure(app, sandbox, clients: list[dict], start: float, end: float, log_path: str) -> dict:
    calls = sandbox.log.since(start)
    answered = [c for c in calls if c.status != 429]
    for client in clients:
        client["verdict"] = env.check_published(app, sandbox, client["tenant"], client["run"], client["items"],
                                                client["mix"])
        client["took"] = (_finished_at(app, client["run"]) or end) - start
    with open(log_path, errors="replace") as log:
        text = log.read()
    return {"wall": end - start, "answered": len(answered), "refused": len(calls) - len(answered),
            "took": sorted(client["took"] for client in clients),
            "per_org": max(sum(1 for c in answered if c.tenant_id == client["tenant"]) for client in clients),
            "resumed": text.count("resumed after its job stopped"),
            "tracebacks": text.count("Traceback (most recent call last)"),
            "problems": [f"WRONG {client['name']}: {problem}" for client in clients
                         for problem in client["verdict"].problems]}


def report(args, result: dict, capacity: dict | None) -> str:
    """The run's figures. With limits, the Xero bound is the busiest organisation's calls at Docket's pace (a
    steady pace: calls / pace minutes), and the binding bound the longer of that and the capacity run's wall time
    (what the W workers do with limits off, measured in the same invocation)."""
    from bench.common import text_table

    wall, took = result["wall"], result["took"]
    rows = [("figure", "value"),
            ("wall time s (workers let go to last run finished)", f"{wall:.1f}"),
            ("calls answered / 429s", f"{result['answered']} / {result['refused']}"),
            ("calls a minute, all organisations", f"{60 * result['answered'] / wall:.0f}")]
    if result["limits"]:
        xero_bound = 60 * result["per_org"] / result["pace"]
        binding = max(xero_bound, capacity["wall"]) if capacity else xero_bound
        rows += [("Xero bound: calls a minute (organisations x pace)", f"{args.orgs * result['pace']}"),
                 ("Xero bound s (busiest organisation's calls at the pace)", f"{xero_bound:.1f}"),
                 ("workers' own capacity s (limits off, same invocation)",
                  f"{capacity['wall']:.1f}" if capacity else "not measured"),
                 ("binding bound / wall time", f"{binding / wall:.1%}")]
    rows += [("organisations' finish: first / last s (last / first)",
              f"{took[0]:.1f} / {took[-1]:.1f} ({took[-1] / took[0]:.2f})"),
             ("workers killed (kill drill)", str(result["kills"])),
             ("attempts resumed by a sweep (worker logs)", str(result["resumed"])),
             ("tracebacks in worker logs", str(result["tracebacks"])),
             ("duplicates / lost", "0 / 0" if not result["problems"] else "see below")]
    what = (f"sandbox limits x{args.limit_factor:g} ({round(60 * args.limit_factor)} a minute each), Docket's pace "
            f"{result['pace']} a minute" if result["limits"] else "limits off, Docket's pace off (the workers' own "
                                                                  "capacity)")
    lines = [f"{args.orgs} organisations x {args.items} bills, {args.workers} workers (`python -m jobs.worker "
             f"publishing`), backend {args.backend}; {what}", text_table(rows, numeric=set()), *result["problems"]]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
