"""Benchmark for issue 7 (publishing): API calls per item, calls per minute against the limit, 429s, wall time and
duplicates of a bulk publish run by several real worker processes sharing Docket's per-organisation limiter.

The sandbox runs with its rate limits on, Xero's scaled by --limit-factor (default x2: 5 concurrent, 120 a minute,
10,000 a day); Docket's XERO_CALLS_PER_MINUTE is Xero's 58 scaled the same way (116). --items coded bills
(draft and awaiting payment, each with its own PDF) are published with one request_bulk by --workers worker
processes (`python -m jobs.worker publishing`) started beforehand.

Docket always publishes an item with its document (Item.document is required and Publisher.advance always
attaches it), so there is no run "without attachments": the sandbox logs every call by kind, and the
documents-only figure is the create calls (batches of 50) per item of the same run, the attachments' figure all
its calls per item.

    .venv/bin/python -m bench.publishing [--items 500] [--workers 4] [--limit-factor 2] [--backend postgres|sqlite]

Its own databases: PostgreSQL `docket_bench` (or a SQLite file) and Redis db 14 (flushed)."""
import argparse
import logging
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime

import redis

from bench import common, publish_env as env
from bench.common import REDIS_URL

TARGET_FRACTION = 0.90
TARGET_WITH_ATTACHMENTS = 1.05
TARGET_DOCUMENTS_ONLY = 0.05
MIX = (("draft", 60), ("awaiting payment", 40))  # percent; no payments (they add calls of their own)


def build_mix(items: int, rng: random.Random) -> list[str]:
    return env.shuffled_mix(items, MIX, rng)


def minute_counts(calls: list[env.Call]) -> tuple[list[int], int]:
    """Answered calls in each complete 60-second window from the first call, and those in the last partial one."""
    times = sorted(c.at for c in calls if c.status != 429)
    if not times:
        return [], 0
    first, last = times[0], times[-1]
    complete = int((last - first) // 60)
    counts = [sum(1 for t in times if first + 60 * k <= t < first + 60 * (k + 1)) for k in range(complete)]
    return counts, len(times) - sum(counts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.publishing", description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--limit-factor", type=int, default=2,
                        help="the sandbox's minute and day limits are Xero's times this (concurrency stays 5); "
                             "Docket's XERO_CALLS_PER_MINUTE is 58 times it (default 2)")
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    connection = redis.Redis.from_url(REDIS_URL)
    connection.flushdb()
    workers: list[env.Worker] = []
    with tempfile.TemporaryDirectory(prefix="docket-bench-publishing-") as directory:
        sandbox = env.Sandbox(directory, args.limit_factor)
        try:
            database_url = common.database_url(args.backend, directory)
            docket = env.DocketEnv(directory, database_url, REDIS_URL, sandbox.url,
                                   calls_per_minute=(env.REAL_LIMITS["minute"] - env.DOCKET_MARGIN) * args.limit_factor)
            docket.apply()
            app = env.docket_app()
            business_id, user_id, tenant_id = env.connect_uk(app, sandbox)
            mix = build_mix(args.items, random.Random(args.seed))
            item_ids = env.make_items(app, business_id, mix)
            limits = sandbox.check_limits()
            log_path = f"{directory}/workers.log"
            for _ in range(args.workers):
                workers.append(env.Worker(docket.variables(), log_path))
            _wait_listening(log_path, args.workers)

            start = time.time()
            outcome, run_id = env.request_bulk(app, business_id, user_id, item_ids)
            if outcome.queued != args.items:
                print(f"WRONG: request_bulk queued {outcome.queued} of {args.items}: {outcome.refused}")
                return 1
            expected_minutes = (args.items * 1.05) / docket.calls_per_minute
            finished = env.wait_for_run(app, run_id, 120 + 180 * expected_minutes,
                                        alive=lambda: any(w.alive() for w in workers))
            end = time.time()
            for worker in workers:
                worker.stop()
            verdict = env.check_published(app, sandbox, tenant_id, run_id, item_ids, mix)
            if not finished:
                verdict.problems.insert(0, "the publish did not finish in time")
            calls = sandbox.log.since(start)
            print(report(args, limits, docket, sandbox, mix, start, end, calls, verdict, log_path))
            return 1 if verdict.problems else 0
        finally:
            for worker in workers:
                if worker.alive():
                    worker.kill()
            sandbox.stop()


def _wait_listening(log_path: str, count: int, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with open(log_path, "rb") as log:
                if log.read().count(b"Listening on") >= count:
                    return
        except FileNotFoundError:
            pass
        time.sleep(0.1)
    raise SystemExit("the workers did not start")


def report(args, limits, docket, sandbox, mix, start, end, calls, verdict, log_path) -> str:
    from bench.common import text_table

    answered = [c for c in calls if c.status != 429]
    refused = [c for c in calls if c.status == 429]
    by_kind = Counter(c.kind for c in answered)
    n = args.items
    creates = by_kind.get("create", 0)
    limit = limits["minute"]
    counts, partial = minute_counts(calls)
    span = (max(c.at for c in answered) - min(c.at for c in answered)) if answered else 0.0
    sustained = sum(counts) / len(counts) if counts else None
    fraction = sustained / limit if sustained else None
    per_item_all = len(answered) / n
    per_item_docs = creates / n

    counts_mix = Counter(mix)
    lines = [
        f"Publishing benchmark (issue 7), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {common.machine()}",
        f"Items: {n} bills ({', '.join(f'{counts_mix[k]} {k}' for k, _ in MIX)}), each with its own PDF (~0.6 KB); "
        f"one request_bulk; backend {args.backend}",
        f"Sandbox: in-process threaded server, limits on, Xero's scaled x{args.limit_factor}: {limits['concurrent']} "
        f"concurrent, {limit}/minute, {limits['day']}/day (operator API /operator/api/limits)",
        f"Docket: {args.workers} worker processes (`python -m jobs.worker publishing`), XERO_CALLS_PER_MINUTE "
        f"{docket.calls_per_minute} (Xero's 58 x{args.limit_factor}), XERO_LIMIT_MAX_WAIT {docket.max_wait}, "
        f"PUBLISH_LOCK_SECONDS {docket.lock_seconds}, PUBLISH_SWEEP_SECONDS {docket.sweep_seconds}",
        "Calls: every Accounting API request the sandbox answered, logged by a WSGI middleware around it",
        "",
        "Calls by kind:",
        text_table(env.calls_table(calls, n), numeric={1, 2, 3}),
        "",
    ]
    rows = [("figure", "value", "target", "result")]
    rows.append(("calls per item, documents only (create calls)", f"{per_item_docs:.3f}",
                 f"<= {TARGET_DOCUMENTS_ONLY}", "OK" if per_item_docs <= TARGET_DOCUMENTS_ONLY else "MISSED"))
    rows.append(("calls per item, with attachments (all calls)", f"{per_item_all:.3f}",
                 f"<= {TARGET_WITH_ATTACHMENTS}", "OK" if per_item_all <= TARGET_WITH_ATTACHMENTS else "MISSED"))
    if fraction is None:
        rows.append(("calls per minute (complete minutes)", "-", f">= {TARGET_FRACTION:.0%} of {limit}",
                     "MISSED (no complete minute: raise --items or lower --limit-factor)"))
    else:
        rows.append(("calls per minute (mean of complete minutes)", f"{sustained:.1f} = {fraction:.1%} of {limit}",
                     f">= {TARGET_FRACTION:.0%}", "OK" if fraction >= TARGET_FRACTION else "MISSED"))
    rows.append(("busiest 60 s (any window)", f"{env.busiest_minute(calls)} of {limit}", f"<= {limit}",
                 "OK" if env.busiest_minute(calls) <= limit else "WRONG"))
    rows.append(("429s received", str(len(refused)), "0", "OK" if not refused else "MISSED"))
    rows.append(("duplicates / lost", "0" if not verdict.problems else "see below", "0",
                 "OK" if not verdict.problems else "WRONG"))
    rows.append(("wall time s (request_bulk to run finished)", f"{end - start:.1f}", "-", "-"))
    lines += [text_table(rows, numeric=set()), ""]
    lines.append(f"Complete minutes from the first call: {counts} calls, then {partial} in the last "
                 f"{span - 60 * len(counts):.0f} s; first to last call {span:.1f} s")
    bound = 60 * ((len(answered) - 1) // docket.calls_per_minute) if answered else 0
    lines.append(f"Bound: {len(answered)} calls at {docket.calls_per_minute} in any 60 s need at least {bound} s "
                 f"from first to last call; achieved {span:.1f} s")
    lines.append(f"Sandbox documents: {verdict.facts.get('documents')}; run: {verdict.facts.get('run')}")
    with open(log_path, errors="replace") as log:
        text = log.read()
    lines.append(f"Worker logs: {text.count('Traceback (most recent call last)')} tracebacks, "
                 f"{text.count('resumed after its job stopped')} attempts resumed by a sweep")
    if verdict.problems:
        lines += [f"WRONG  {problem}" for problem in verdict.problems]
    else:
        lines.append(f"No duplicates: {n} documents, one Url marker and one (contact, total) each, one attachment "
                     "each.")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
