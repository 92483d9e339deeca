"""Fault drills on Xero's side (issue 9): the sandbox misbehaving during a bulk publish, a token refresh race across
worker processes, and the access token's 30-minute expiry in the middle of a bulk publish. Each drill stops by
itself, prints what it found and ends with "0 duplicates, 0 lost" when every item is in Xero exactly once.

    .venv/bin/python -m bench.xero_drills [--drill all|faults|refresh-race|expiry] [--items N] [--workers N]
                                          [--limit-factor 10] [--burst-every 3] [--rounds 2] [--hold 35]
                                          [--token-delay 2] [--timeout 600] [--seed 7] [--keep-log]

Exits 1 (WRONG) on a duplicate, a lost item, an item failed for a transient reason, a job that crashed, or more
than one token refresh per expiry. Its own databases: PostgreSQL `docket_drill_xero` and Redis db 10 (flushed)."""
import argparse
import logging
import random
import shutil
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime

import requests

from bench import common, publish_env as env
from bench.publish_drill import MIX, build_mix
from bench.xero_drill_support import (DOCKET_HTTP_TIMEOUT, Faults, SlowTokenEndpoint, calls_by_status, failed_jobs,
                                      first_traceback, log_facts, set_up, shiftable_clock, temporary_directory,
                                      tokens_issued, wait_for_held_calls)


def on_creates(hold: float) -> tuple:
    """Faults aimed at the calls whose outcome matters most, armed before the publish starts."""
    return (
        ("first bills create: 500 after Xero saved them", {"status": 500, "method": "PUT", "path": "Invoices",
                                                             "after_work": True}),
        (f"next bills create: held {hold:g} s (Docket times out at {DOCKET_HTTP_TIMEOUT} s), then saved",
         {"kind": "timeout", "seconds": hold, "method": "PUT", "path": "Invoices"}),
        ("first spend-money create: 503", {"status": 503, "method": "PUT", "path": "BankTransactions"}),
        ("first 2 payments: 500 after Xero saved them", {"status": 500, "method": "PUT", "path": "Payments",
                                                        "after_work": True, "count": 2}),
    )


def bursts(hold: float) -> tuple:
    """Faults on whatever calls come next, one every --burst-every seconds, in turn, --rounds times."""
    return (
        ("429 x3, Retry-After 5", {"status": 429, "count": 3, "retry_after": 5}),
        ("503 x4", {"status": 503, "count": 4}),
        ("slow 4 s x5", {"kind": "timeout", "seconds": 4, "count": 5}),
        ("500 x3", {"status": 500, "count": 3}),
        (f"held {hold:g} s x2 (timeouts)", {"kind": "timeout", "seconds": hold, "count": 2}),
        ("500 after the work x2", {"status": 500, "count": 2, "after_work": True}),
    )


CONNECTION_WORDS = ("reconnect", "connection to xero", "no longer accepts docket's access")


def header(title: str, drill, args, workers: int) -> list[str]:
    limits = drill.sandbox.check_limits()
    return [f"{title}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {common.machine()}",
            f"Sandbox: in-process threaded server, limits on, Xero's scaled x{args.limit_factor}: "
            f"{limits['concurrent']} concurrent, {limits['minute']}/minute, {limits['day']}/day",
            f"Docket: PostgreSQL {drill.docket.database_url.rsplit('/', 1)[1]}, Redis db 10, {workers} worker "
            f"processes (`python -m jobs.worker publishing`), XERO_CALLS_PER_MINUTE {drill.docket.calls_per_minute}, "
            f"HTTP timeout {DOCKET_HTTP_TIMEOUT} s, PUBLISH_LOCK_SECONDS {drill.docket.lock_seconds}, "
            f"PUBLISH_SWEEP_SECONDS {drill.docket.sweep_seconds}"]


def mix_line(mix: list[str]) -> str:
    counts = Counter(mix)
    return ", ".join(f"{counts[kind]} {kind}" for kind, _ in MIX if counts[kind])


def outcome(problems: list[str]) -> list[str]:
    lines = [f"WRONG  {problem}" for problem in problems]
    duplicates = any("more than one" in p or "×" in p for p in problems)
    lost = any("not published" in p or "no document" in p or "did not finish" in p for p in problems)
    lines.append(f"{'some' if duplicates else '0'} duplicates, {'some' if lost else '0'} lost"
                 + (" — WRONG" if problems else ""))
    return lines


def common_problems(drill, verdict, finished: bool, timeout: float) -> list[str]:
    problems = list(verdict.problems)
    if not finished:
        problems.insert(0, f"the publish did not finish within {timeout:.0f} s")
    crashed = failed_jobs()
    if crashed:
        problems.append(f"{len(crashed)} publishing jobs failed in RQ (an exception escaped): "
                        + first_traceback(drill.log_path).replace("\n", "\n       "))
    return problems


# --- 1. the sandbox misbehaving ----------------------------------------------------------------------

def drill_faults(args) -> int:
    rng = random.Random(args.seed)
    with temporary_directory() as directory:
        drill = set_up(directory, args.limit_factor)
        try:
            mix = build_mix(args.items, rng)
            item_ids = env.make_items(drill.app, drill.business_id, mix)
            faults = Faults(drill.sandbox.url, drill.tenant_id)
            for label, fault in on_creates(args.hold):
                faults.arm(label, **fault)
            drill.start_workers(args.workers)
            drill.wait_until_listening(args.workers)
            start = time.time()
            _, run_id = env.request_bulk(drill.app, drill.business_id, drill.user_id, item_ids)
            stop_bursts = threading.Event()
            bursts = threading.Thread(target=_burst, args=(faults, args, stop_bursts), daemon=True)
            bursts.start()
            finished = env.wait_for_run(drill.app, run_id, args.timeout)
            end = time.time()
            stop_bursts.set()
            bursts.join()
            left = faults.left()
            faults.clear()
            waited = wait_for_held_calls(drill.sandbox.url, args.hold + 30)
            verdict = env.check_published(drill.app, drill.sandbox, drill.tenant_id, run_id, item_ids, mix)
            problems = common_problems(drill, verdict, finished, args.timeout)
            calls = drill.calls.since(start)
            lines = header("Xero-side drill 1: the sandbox misbehaving during a bulk publish (issue 9)", drill, args,
                           args.workers)
            lines += [f"Items: {args.items} ({mix_line(mix)}), one request_bulk; seed {args.seed}", "",
                      "Faults armed (operator API /operator/api/faults, for the UK organisation):"]
            lines += [f"  {at - start:+6.1f} s  {label}" + (f" ({count} calls)" if count > 1 else "")
                      for at, label, count in faults.armed]
            lines.append(f"  uses not taken by any call when the publish finished: {left}")
            lines.append(f"Calls still held at the sandbox when the run finished: waited {waited:.1f} s for them to "
                         "end before checking")
            lines += _calls_report(calls, args.items, end - start, drill.log_path)
            lines.append(f"Sandbox documents: {verdict.facts.get('documents')}, payments: "
                         f"{verdict.facts.get('payments')}; run: {verdict.facts.get('run')}")
            lines += [""] + outcome(problems)
            print("\n".join(lines), flush=True)
            _keep_log(drill, problems, "faults", args.keep_log)
            return 1 if problems else 0
        finally:
            drill.stop()


def _burst(faults: Faults, args, stop) -> None:
    for round_number in range(args.rounds):
        for label, fault in bursts(args.hold):
            if stop.wait(args.burst_every):
                return
            faults.arm(f"burst: {label}", **fault)


def _calls_report(calls, items: int, wall: float, log_path: str) -> list[str]:
    statuses = calls_by_status(calls)
    held = [c for c in calls if c.seconds >= DOCKET_HTTP_TIMEOUT]
    slow = [c for c in calls if 2 <= c.seconds < DOCKET_HTTP_TIMEOUT]
    facts = log_facts(log_path)
    return ["", "Calls the sandbox answered, by kind (429s separately):",
            common.text_table(env.calls_table(calls, items), numeric={1, 2, 3}),
            "By status: " + ", ".join(f"{status} x{count}" for status, count in sorted(statuses.items())),
            f"429s received: {statuses.get(429, 0)}; 500s: {statuses.get(500, 0)}; 503s: {statuses.get(503, 0)}; "
            f"held past Docket's {DOCKET_HTTP_TIMEOUT} s timeout: {len(held)} "
            f"({', '.join(sorted(c.kind for c in held)) or '-'}); slow (2-30 s): {len(slow)}",
            f"Retries booked by the jobs (worker log): {facts['retries booked']}; attempts resumed by a sweep: "
            f"{facts['resumed by a sweep']}; tracebacks in the log: {facts['tracebacks']}",
            f"Wall time (request_bulk to the run finished): {wall:.1f} s"]


# --- 2. a token refresh race across worker processes ------------------------------------------------

def drill_refresh_race(args) -> int:
    workers = args.workers
    with temporary_directory() as directory:
        drill = set_up(directory, args.limit_factor)
        try:
            per_run = max(1, args.items // workers)
            mix = ["draft"] * (per_run * workers)
            item_ids = env.make_items(drill.app, drill.business_id, mix)
            token_endpoint = SlowTokenEndpoint(drill.sandbox.app.wsgi_app, args.token_delay)
            drill.sandbox.app.wsgi_app = token_endpoint
            drill.start_workers(workers)
            drill.wait_until_listening(workers)
            expired = requests.post(f"{drill.sandbox.url}/operator/api/tokens/expire",
                                    json={"tenant_id": drill.tenant_id}, timeout=10).json()["expired"]
            issued_before = tokens_issued(drill.sandbox.url)
            start = time.time()
            runs = []  # one bulk run per worker, so each worker's first job is a create call with the expired token
            for n in range(workers):
                chunk = item_ids[n * per_run:(n + 1) * per_run]
                runs.append((env.request_bulk(drill.app, drill.business_id, drill.user_id, chunk)[1], chunk))
            finished = all(env.wait_for_run(drill.app, run_id, args.timeout - (time.time() - start))
                           for run_id, _ in runs)
            end = time.time()
            refreshes = tokens_issued(drill.sandbox.url) - issued_before
            problems = []
            for run_id, chunk in runs:  # each run's items once in Xero; the documents as a whole checked below
                verdict = env.check_published(drill.app, drill.sandbox, drill.tenant_id, run_id, chunk,
                                              ["draft"] * len(chunk))
                problems += [p for p in verdict.problems if not p.startswith(("the sandbox has", "documents' ("))]
            documents = drill.sandbox.documents(drill.tenant_id)
            if len(documents) != len(item_ids):
                problems.append(f"the sandbox has {len(documents)} documents, expected {len(item_ids)}")
            problems = common_problems(drill, env.Verdict(problems), finished, args.timeout)
            if refreshes != 1:
                problems.append(f"{refreshes} token refreshes at the sandbox, expected exactly 1")
            problems += _connection_problems(drill)
            calls = drill.calls.since(start)
            unauthorised = [c for c in calls if c.status == 401]
            first_401 = min((c.at for c in unauthorised), default=start)
            lines = header("Xero-side drill 2: token refresh race across worker processes (issue 9)", drill, args,
                           workers)
            lines += [f"Items: {len(item_ids)} drafts in {workers} bulk runs of {per_run} (one batch job each), "
                      f"requested once all {workers} workers were listening, just after the sandbox expired the "
                      f"access token ({expired} tokens expired via /operator/api/tokens/expire); Docket's own record "
                      "still says the token is good, so each worker learns it from Xero's 401",
                      "",
                      f"The sandbox's token endpoint answers {args.token_delay:g} s late (bench middleware), so "
                      "the refresh is still under way when the other workers' calls come back 401",
                      f"Calls answered 401 (expired token): {len(unauthorised)}, arriving within "
                      f"{max((c.at for c in unauthorised), default=first_401) - first_401:.2f} s of each other",
                      f"Token requests at the sandbox: {token_endpoint.requests}; token refreshes (tokens issued, "
                      f"operator API): {refreshes} (expected 1)",
                      f"Calls by kind: " + ", ".join(f"{k} {v}" for k, v in Counter(c.kind for c in calls).items()),
                      f"Wall time: {end - start:.1f} s",
                      f"Sandbox documents: {len(documents)}"]
            lines += [""] + outcome(problems)
            print("\n".join(lines), flush=True)
            _keep_log(drill, problems, "refresh-race", args.keep_log)
            return 1 if problems else 0
        finally:
            drill.stop()


def _connection_problems(drill) -> list[str]:
    from webapp.db import database
    from webapp.integrations.models import CONNECTED, Connection

    with drill.app.app_context(), database.connection_context():
        connection = Connection.get(Connection.business == drill.business_id)
    if connection.status != CONNECTED:
        return [f"the connection is {connection.status!r}: {connection.status_reason!r}"]
    return []


# --- 3. the 30-minute expiry during a bulk publish ---------------------------------------------------

def drill_expiry(args) -> int:
    rng = random.Random(args.seed)
    with temporary_directory() as directory:
        drill = set_up(directory, args.limit_factor)
        clock = shiftable_clock()
        from xero_sandbox.clock import EXTENSION_KEY

        drill.sandbox.app.extensions[EXTENSION_KEY] = clock
        try:
            mix = build_mix(args.items, rng)
            item_ids = env.make_items(drill.app, drill.business_id, mix)
            drill.start_workers(args.workers)
            drill.wait_until_listening(args.workers)
            issued = [tokens_issued(drill.sandbox.url)]
            start = time.time()
            _, run_id = env.request_bulk(drill.app, drill.business_id, drill.user_id, item_ids)
            watch = _Watch(drill, run_id)
            watch.start()
            events = []
            for share, what in ((0.3, "30 minutes pass"), (0.65, "Xero ends the token early")):
                reached = _wait_for_done(drill, run_id, int(args.items * share), start + args.timeout)
                if not reached:
                    break
                issued.append(tokens_issued(drill.sandbox.url))
                states = env.attempt_states(drill.app, run_id)
                if what == "30 minutes pass":
                    clock.jump(minutes=30)  # at Xero: the token issued at the start is 30 minutes old
                    _expire_docket_record(drill)  # and Docket's own record of it says the same
                else:
                    requests.post(f"{drill.sandbox.url}/operator/api/tokens/expire",
                                  json={"tenant_id": drill.tenant_id}, timeout=10).raise_for_status()
                events.append((time.time() - start, what, states))
            finished = env.wait_for_run(drill.app, run_id, max(1.0, args.timeout - (time.time() - start)))
            end = time.time()
            watch.stop()
            issued.append(tokens_issued(drill.sandbox.url))
            verdict = env.check_published(drill.app, drill.sandbox, drill.tenant_id, run_id, item_ids, mix)
            problems = common_problems(drill, verdict, finished, args.timeout)
            per_event = [after - before for before, after in zip(issued[1:], issued[2:])]
            if len(events) != 2:
                problems.append(f"only {len(events)} of the 2 expiries happened before the publish finished")
            if issued[1] != issued[0]:
                problems.append(f"{issued[1] - issued[0]} token refreshes before the token expired")
            if any(count != 1 for count in per_event):
                problems.append(f"token refreshes per expiry {per_event}, expected exactly 1 each")
            problems += _connection_problems(drill) + watch.problems()
            calls = drill.calls.since(start)
            unauthorised = [c for c in calls if c.status == 401]
            lines = header("Xero-side drill 3: the 30-minute token expiry during a bulk publish (issue 9)", drill,
                           args, args.workers)
            lines += [f"Items: {args.items} ({mix_line(mix)}), one request_bulk; seed {args.seed}", "",
                      "Expiries (each once the given share of items was published):"]
            for (at, what, states), refreshed in zip(events, per_event + [None] * 2):
                how = ("sandbox clock +30 min and Docket's stored expiry set to now: Docket refreshes before its "
                       "next call" if what == "30 minutes pass" else
                       "/operator/api/tokens/expire only: Docket's record still says good, Xero answers 401")
                lines.append(f"  {at:+6.1f} s  {what} ({how}); attempts then: "
                             + " ".join(f"{k} {v}" for k, v in sorted(states.items()))
                             + f"; token refreshes after it: {refreshed}")
            lines += [f"Calls answered 401: {len(unauthorised)} (" + ", ".join(
                          f"{c.kind} at {c.at - start:+.1f} s" for c in unauthorised[:8]) + ")",
                      f"Items seen failed or with a connection message while publishing: {len(watch.seen)}",
                      f"Calls by kind: " + ", ".join(f"{k} {v}" for k, v in Counter(c.kind for c in calls).items()),
                      f"Wall time: {end - start:.1f} s",
                      f"Sandbox documents: {verdict.facts.get('documents')}, payments: "
                      f"{verdict.facts.get('payments')}; run: {verdict.facts.get('run')}"]
            lines += [""] + outcome(problems)
            print("\n".join(lines), flush=True)
            _keep_log(drill, problems, "expiry", args.keep_log)
            return 1 if problems else 0
        finally:
            drill.stop()


def _wait_for_done(drill, run_id: int, done: int, deadline: float) -> bool:
    while time.time() < deadline:
        states = env.attempt_states(drill.app, run_id)
        if states.get("done", 0) >= done:
            return True
        if env.run_finished(drill.app, run_id):
            return False
        time.sleep(0.05)
    return False


def _expire_docket_record(drill) -> None:
    from webapp.db import database
    from webapp.integrations.models import Connection

    with drill.app.app_context(), database.connection_context():
        Connection.update(expires_at=int(time.time())).where(Connection.business == drill.business_id).execute()


class _Watch(threading.Thread):
    """Every few tenths of a second while the publish runs: any item or attempt failed, or showing a message about
    the connection (what a lost token would make a bookkeeper see)."""

    def __init__(self, drill, run_id: int):
        super().__init__(daemon=True)
        self.drill, self.run_id, self.seen, self._finished = drill, run_id, {}, threading.Event()

    def run(self) -> None:
        from webapp.db import database
        from webapp.items.models import Item
        from webapp.publishing.models import PublishAttempt

        while not self._finished.wait(0.2):
            with self.drill.app.app_context(), database.connection_context():
                for attempt in PublishAttempt.select().where(PublishAttempt.run == self.run_id):
                    if attempt.state == "failed" or _about_connection(attempt.message):
                        self.seen.setdefault(attempt.item_id, f"attempt {attempt.state}: {attempt.message!r}")
                for item in Item.select().where(Item.business == self.drill.business_id):
                    if item.status == "failed" or _about_connection(item.publish_message):
                        self.seen.setdefault(item.id, f"item {item.status}: {item.publish_message!r}")

    def stop(self) -> None:
        self._finished.set()
        self.join()

    def problems(self) -> list[str]:
        return [f"{len(self.seen)} items failed or showed a connection message while publishing: "
                + "; ".join(f"#{k} {v}" for k, v in list(self.seen.items())[:5])] if self.seen else []


def _about_connection(message: str) -> bool:
    return any(words in (message or "").lower() for words in CONNECTION_WORDS)


def _keep_log(drill, problems: list[str], name: str, keep: bool = False) -> None:
    if problems or keep:
        kept = f"/tmp/xero-drill-{name}-{datetime.now(UTC):%Y%m%d-%H%M%S}-workers.log"
        shutil.copyfile(drill.log_path, kept)
        print(f"Workers' log kept in {kept}", flush=True)


DRILLS = {"faults": drill_faults, "refresh-race": drill_refresh_race, "expiry": drill_expiry}
DEFAULT_WORKERS = {"faults": 2, "refresh-race": 4, "expiry": 2}
DEFAULT_ITEMS = {"faults": 100, "refresh-race": 40, "expiry": 100}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.xero_drills", description=__doc__.split("\n")[0])
    parser.add_argument("--drill", choices=("all", *DRILLS), default="all")
    parser.add_argument("--items", type=int, help="items to publish (default: 100; 40 for refresh-race)")
    parser.add_argument("--workers", type=int, help="worker processes (default: 2; 4 for refresh-race)")
    parser.add_argument("--limit-factor", type=int, default=10,
                        help="the sandbox's minute and day limits are Xero's times this (concurrency stays 5); "
                             "Docket's XERO_CALLS_PER_MINUTE is 58 times it")
    parser.add_argument("--burst-every", type=float, default=3.0, help="faults drill: seconds between bursts")
    parser.add_argument("--rounds", type=int, default=2, help="faults drill: times the list of bursts is armed")
    parser.add_argument("--hold", type=float, default=35,
                        help="faults drill: seconds a held call takes before the sandbox answers it (and saves what "
                             "it creates); Docket gives up after 30 s")
    parser.add_argument("--token-delay", type=float, default=2.0,
                        help="refresh-race drill: seconds the sandbox's token endpoint takes to answer")
    parser.add_argument("--timeout", type=float, default=600, help="seconds a drill's publish may take")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep-log", action="store_true",
                        help="keep the workers' log (it is kept anyway when something is WRONG)")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    failed = []
    for name in DRILLS if args.drill == "all" else [args.drill]:
        drill_args = argparse.Namespace(**{**vars(args), "items": args.items or DEFAULT_ITEMS[name],
                                           "workers": args.workers or DEFAULT_WORKERS[name]})
        if DRILLS[name](drill_args):
            failed.append(name)
        print(flush=True)
    if failed:
        print(f"WRONG: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
