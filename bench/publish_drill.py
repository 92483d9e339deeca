"""Fault drill for issue 7: kill the worker at random points during a bulk publish, then check that every item is in
Xero (the sandbox) exactly once, with one attachment, and paid bills paid once.

A bulk publish of --items coded items (40% drafts, 30% awaiting payment, 20% paid bills with a payment method
linked to the Business Bank Account so a payment follows, 10% spend money; shuffled with the seed) is requested
with publishing.service.request_bulk. Real worker processes (`python -m jobs.worker publishing`) then carry it out
while the drill SIGKILLs them (each worker with every process under it: work horse, scheduler) --kills times, each
at a random moment (seeded) after it starts its first publishing job, starting a new one each time; a last worker
then finishes.

    .venv/bin/python -m bench.publish_drill [--items 100] [--kills 10] [--seed N] [--backend postgres|sqlite]
                                            [--new-suppliers 10]

Every third item has one of --new-suppliers suppliers Xero doesn't have yet (typed as on Item details): the publish
creates each in Xero first, and the drill checks each is there exactly once.

Exits 1 (WRONG) on any duplicate or lost item or new supplier, or when the publish doesn't finish within --timeout
seconds.
Its own databases: PostgreSQL `docket_drill` (or a SQLite file) and Redis db 12 (flushed)."""
import argparse
import logging
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import redis

from bench import common, publish_env as env

REDIS_URL = "redis://127.0.0.1:6379/12"
POSTGRES_DB = "docket_drill"
MIX = (("draft", 40), ("awaiting payment", 30), ("paid bill", 20), ("spend money", 10))  # percent
STATE_ORDER = ("queued", "sending", "created", "done", "failed")


def build_mix(items: int, rng: random.Random) -> list[str]:
    return env.shuffled_mix(items, MIX, rng)


@dataclass
class Kill:
    number: int
    lived: float  # seconds from start to kill
    after_work: float | None  # seconds from the worker's first publishing job to the kill (None: it had none)
    job: str  # what the killed worker was running
    held: dict = field(default_factory=dict)  # attempt state -> attempts whose lock the killed job held
    states: Counter = field(default_factory=Counter)  # every attempt's state just after the kill
    calls: int = 0  # API calls answered so far


def _killed_job(connection: redis.Redis, seen: set) -> str:
    """The job the killed worker was running: what its StartedJobRegistry entry names (new since the last kill)."""
    from rq.job import Job
    from rq.registry import StartedJobRegistry

    registry = StartedJobRegistry("publishing", connection=connection)
    found = []
    for job_id, _execution in registry.get_job_and_execution_ids(cleanup=False):
        if job_id in seen:
            continue
        seen.add(job_id)
        try:
            job = Job.fetch(job_id, connection=connection)
            name = job.func_name.rsplit(".", 1)[-1]
            found.append(f"{name}({len(job.args[0])} attempts)" if name == "publish_batch" else
                         f"{name}({job.args[0]})" if job.args else name)
        except Exception:  # noqa: BLE001 - a report detail only
            found.append(job_id)
    return ", ".join(found) or "idle (between jobs)"


def _held(app, connection: redis.Redis, before: set) -> tuple[dict, set]:
    """Attempts whose lock the killed job held, by their saved state: locks present right after the kill that were
    not there right after the previous one (each acquisition stores its own token). Returns them and the locks."""
    from webapp.db import database
    from webapp.publishing.models import PublishAttempt

    locks = set()
    for key in connection.scan_iter(b"docket:publish-attempt:*"):
        token = connection.get(key)
        if token is not None:
            locks.add((key, token))
    ids = [int(key.rsplit(b":", 1)[1]) for key, _token in locks - before]
    if not ids:
        return {}, locks
    with app.app_context(), database.connection_context():
        return dict(Counter(a.state for a in PublishAttempt.select(PublishAttempt.state)
                            .where(PublishAttempt.id.in_(ids)))), locks


def _open_attempts(app, connection: redis.Redis, run_id: int) -> list[str]:
    """Each attempt still open after the last kill: its state, whether its lock is held, and where its RQ job is
    (RQ's status; whether its id is in the queue's list, or in the list a worker moves a job to when it takes it)."""
    from rq.job import Job

    from webapp.db import database
    from webapp.publishing.models import OPEN_STATES, PublishAttempt

    queued = {j.decode() for j in connection.lrange("rq:queue:publishing", 0, -1)}
    taken = {j.decode() for j in connection.lrange("rq:queue:publishing:intermediate", 0, -1)}
    with app.app_context(), database.connection_context():
        attempts = list(PublishAttempt.select().where((PublishAttempt.run == run_id)
                                                      & PublishAttempt.state.in_(OPEN_STATES)))
    rows = []
    for a in attempts:
        try:
            status = Job.fetch(a.job_id, connection=connection).get_status(refresh=False).value if a.job_id else "-"
        except Exception:  # noqa: BLE001 - gone
            status = "no job"
        where = "in the queue" if a.job_id in queued else "taken by a worker (intermediate list)" \
            if a.job_id in taken else "neither"
        locked = connection.exists(f"docket:publish-attempt:{a.id}") == 1
        rows.append(f"attempt {a.id}: {a.state}, lock {'held' if locked else 'free'}, job {a.job_id[:16]} {status}, "
                    f"{where}")
    return rows


def _expected_recovery(args) -> tuple[float, float]:
    """A generous bound on the last worker's time to finish once every attempt can be resumed, and the sweep's
    stall threshold: the killed job's lock lapses, the attempt goes stale for the sweep, a sweep comes round (a
    worker's maintenance pass sweeps whether or not a scheduler is running), a create cut short is sent again only
    once it can no longer land, then the rest of the work (every item's calls again at Docket's pace) with a minute
    to spare."""
    from jobs.publishing import STALLED_AFTER
    from jobs.worker import MAINTENANCE_SECONDS
    from webapp.publishing.publisher import LANDING_WINDOW

    stalled = STALLED_AFTER.total_seconds()
    pace = (env.REAL_LIMITS["minute"] - env.DOCKET_MARGIN) * args.limit_factor
    return (args.lock_seconds + stalled + MAINTENANCE_SECONDS + LANDING_WINDOW.total_seconds() + 60
            + 60 * 3 * args.items / pace), stalled


def _states(counter: Counter) -> str:
    return " ".join(f"{state} {counter[state]}" for state in STATE_ORDER if counter.get(state))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.publish_drill", description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--limit-factor", type=int, default=10,
                        help="the sandbox's minute and day limits are Xero's times this (concurrency stays 5); "
                             "Docket's XERO_CALLS_PER_MINUTE is 58 times it (default 10)")
    parser.add_argument("--max-delay", type=float, default=4.0,
                        help="each kill comes a random 0.05..max-delay seconds after the worker starts its first "
                             "publishing job")
    parser.add_argument("--wait-for-work", type=float, default=30,
                        help="a worker that has no publishing job to start within this many seconds is killed idle")
    parser.add_argument("--lock-seconds", type=int, default=5, help="PUBLISH_LOCK_SECONDS for the workers")
    parser.add_argument("--sweep-seconds", type=int, default=2, help="PUBLISH_SWEEP_SECONDS for the workers")
    parser.add_argument("--timeout", type=float, default=1200,
                        help="seconds the last worker may take to finish the publish before the drill says WRONG")
    parser.add_argument("--new-suppliers", type=int, default=10,
                        help="every third item gets one of this many suppliers Xero doesn't have yet, created in "
                             "Xero by the publish (0: none)")
    parser.add_argument("--keep-log", action="store_true",
                        help="keep the workers' log (it is kept anyway when something is WRONG)")
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    connection = redis.Redis.from_url(REDIS_URL)
    connection.flushdb()
    live = [None]  # the worker running now, killed on the way out whatever happens
    with tempfile.TemporaryDirectory(prefix="docket-drill-") as directory:
        sandbox = env.Sandbox(directory, args.limit_factor)
        try:
            database_url = common.database_url(args.backend, directory, name="docket-drill.db",
                                               postgres_db=POSTGRES_DB)
            docket = env.DocketEnv(directory, database_url, REDIS_URL, sandbox.url,
                                   calls_per_minute=(env.REAL_LIMITS["minute"] - env.DOCKET_MARGIN) * args.limit_factor,
                                   lock_seconds=args.lock_seconds, sweep_seconds=args.sweep_seconds)
            docket.apply()
            app = env.docket_app()
            business_id, user_id, tenant_id = env.connect_uk(app, sandbox)
            mix = build_mix(args.items, rng)
            item_ids = env.make_items(app, business_id, mix)
            new_names = env.name_new_suppliers(app, business_id, user_id, item_ids, args.new_suppliers)
            limits = sandbox.check_limits()

            start = time.time()
            outcome, run_id = env.request_bulk(app, business_id, user_id, item_ids)
            if outcome.queued != args.items:
                print(f"WRONG: request_bulk queued {outcome.queued} of {args.items}: {outcome.refused}")
                return 1
            kills, seen_jobs, locks, log_path = [], set(), set(), f"{directory}/workers.log"
            finished_early = None
            for number in range(1, args.kills + 1):
                offset = env.log_size(log_path)
                worker = live[0] = env.Worker(docket.variables(), log_path)
                worked = None if finished_early else worker.first_job(offset, b"publishing: jobs.publishing.publish_",
                                                                      args.wait_for_work)
                delay = rng.uniform(0.05, args.max_delay)
                if worked is not None:
                    time.sleep(max(0.0, worked + delay - time.time()))
                worker.kill()
                held, locks = _held(app, connection, locks)
                kill = Kill(number, time.time() - worker.started,
                            None if worked is None else time.time() - worked,
                            _killed_job(connection, seen_jobs), held, env.attempt_states(app, run_id),
                            sum(1 for c in sandbox.log.since(start) if c.status != 429))
                kills.append(kill)
                if finished_early is None and env.run_finished(app, run_id):
                    finished_early = number
            last_kill = time.time()
            open_after_kills = _open_attempts(app, connection, run_id)
            final = live[0] = env.Worker(docket.variables(), log_path)
            finished = env.wait_for_run(app, run_id, args.timeout, alive=final.alive)
            end = time.time()
            final.stop()
            verdict = env.check_published(app, sandbox, tenant_id, run_id, item_ids, mix)
            _check_new_suppliers(app, business_id, new_names, verdict)
            if not finished:
                verdict.problems.insert(0, f"the publish did not finish within {args.timeout:.0f} s of the last "
                                           f"worker starting")
            calls = sandbox.log.since(start)
            print(report(args, limits, docket, sandbox, mix, kills, finished_early, start, last_kill, end, calls,
                         verdict, log_path, open_after_kills))
            if verdict.problems or args.keep_log:
                kept = f"/tmp/publish-drill-{datetime.now(UTC):%Y%m%d-%H%M%S}-workers.log"
                shutil.copyfile(log_path, kept)
                print(f"\nWorkers' log kept in {kept}")
            return 1 if verdict.problems else 0
        finally:
            if live[0] is not None and live[0].alive():
                live[0].kill()
            sandbox.stop()


def _check_new_suppliers(app, business_id: int, new_names: dict[int, str], verdict) -> None:
    """Each new supplier is in Xero exactly once (check_published has already matched every document's contact
    to its item's)."""
    in_xero = env.new_suppliers_in_xero(app, business_id)
    expected = set(new_names.values())
    verdict.facts["new suppliers"] = (f"{len(expected)} names on {len(new_names)} items; in Xero: "
                                      f"{sum(in_xero.values())} contacts of those names")
    wrong = {name: in_xero.get(name, 0) for name in expected | set(in_xero) if in_xero.get(name, 0) != 1}
    if wrong:
        verdict.problems.append(f"new suppliers not in Xero exactly once: {wrong}")


def _scheduler_times(log_path: str, last_kill: float) -> list[str]:
    """When a worker took RQ's scheduler lock, as seconds after the last kill (negative: before it)."""
    found = []
    with open(log_path, errors="replace") as log:
        for line in log:
            if "Acquired scheduler lock" in line:
                moment = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").replace(tzinfo=UTC).timestamp()
                found.append(f"{moment - last_kill:+.0f} s")
    return found


def _log_facts(log_path: str) -> dict:
    """What the workers logged: sweeps that resumed an attempt, jobs that failed, scheduler locks taken."""
    with open(log_path, errors="replace") as log:
        text = log.read()
    return {"resumed by a sweep": len(re.findall(r"resumed after its job stopped", text)),
            "scheduler lock acquired": len(re.findall(r"Acquired scheduler lock", text)),
            "tracebacks": text.count("Traceback (most recent call last)")}


def report(args, limits, docket, sandbox, mix, kills, finished_early, start, last_kill, end, calls, verdict,
           log_path, open_after_kills) -> str:
    from bench.common import text_table

    counts = Counter(mix)
    lines = [
        f"Publishing fault drill (issue 7), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {common.machine()}",
        f"Items: {args.items} ({', '.join(f'{counts[k]} {k}' for k, _ in MIX)}), each with its own PDF; one bulk "
        f"request_bulk; backend {args.backend}; seed {args.seed}",
        f"Sandbox: in-process threaded server {sandbox.url}, limits on, Xero's scaled x{args.limit_factor}: "
        f"{limits['concurrent']} concurrent, {limits['minute']}/minute, {limits['day']}/day (operator API)",
        f"Docket: XERO_CALLS_PER_MINUTE {docket.calls_per_minute}, PUBLISH_LOCK_SECONDS {docket.lock_seconds}, "
        f"PUBLISH_SWEEP_SECONDS {docket.sweep_seconds}; workers `python -m jobs.worker publishing`, one at a time, "
        f"each SIGKILLed with its work horse and scheduler a random 0.05-{args.max_delay:g} s after it starts its "
        f"first publishing job (or after {args.wait_for_work:g} s without one)",
        "",
    ]
    rows = [("kill", "worker lived s", "after 1st job s", "killed while running", "its attempts (locks it held)",
             "all attempts just after", "calls so far")]
    for k in kills:
        rows.append((str(k.number), f"{k.lived:.1f}", "no job" if k.after_work is None else f"{k.after_work:.2f}",
                     "idle: nothing to take up" if k.after_work is None and k.job == "idle (between jobs)" else k.job,
                     _states(Counter(k.held)) or "-",
                     _states(k.states), str(k.calls)))
    lines += [text_table(rows, numeric={0, 1, 2, 6}), ""]
    if finished_early:
        lines.append(f"Note: the publish had already finished by kill {finished_early}; later kills hit an idle "
                     "worker (raise --items or lower --max-delay for more kills during the work).")
    idle = [str(k.number) for k in kills if k.after_work is None
            and any(k.states.get(state) for state in ("queued", "sending", "created"))]
    if idle:
        lines.append(f"Kills {', '.join(idle)}: the worker found no publishing job to start within "
                     f"{args.wait_for_work:g} s, although attempts were open (see 'all attempts just after').")
    lines.append(f"Open after the last kill ({len(open_after_kills)}):" + "".join(f"\n  {row}" for row in
                                                                           open_after_kills[:20]))
    lines.append(f"Time: {last_kill - start:.1f} s of kills, then {end - last_kill:.1f} s for the last worker to "
                 f"finish; {end - start:.1f} s in all")
    lines.append("Scheduler lock taken (worker log): " + (", ".join(_scheduler_times(log_path, last_kill)) or "never"))
    from jobs.worker import MAINTENANCE_SECONDS

    expected, stalled = _expected_recovery(args)
    if end - last_kill > expected:
        lines.append(f"MISSED: the last worker took {end - last_kill:.0f} s to finish the publish; with "
                     f"PUBLISH_LOCK_SECONDS {args.lock_seconds}, the sweep's {stalled:.0f} s stall threshold and "
                     f"a maintenance pass every {MAINTENANCE_SECONDS} s it should take under {expected:.0f} s")
    lines.append("Calls the sandbox answered, by kind (429s separately):")
    lines.append(text_table(env.calls_table(calls, args.items), numeric={1, 2, 3}))
    lines.append(f"Busiest 60 s: {env.busiest_minute(calls)} calls (limit {limits['minute']})")
    lines.append("Worker logs: " + ", ".join(f"{k} {v}" for k, v in _log_facts(log_path).items()))
    lines.append(f"Sandbox documents: {verdict.facts.get('documents')}, payments: {verdict.facts.get('payments')}; "
                 f"run: {verdict.facts.get('run')}")
    lines.append(f"New suppliers: {verdict.facts.get('new suppliers')}")
    lines.append("")
    if verdict.problems:
        lines += [f"WRONG  {problem}" for problem in verdict.problems]
    else:
        lines.append(f"OK: 0 duplicates, 0 lost: every item published exactly once ({args.items} documents, one "
                     "Url marker and one "
                     "(contact, total) each, one attachment each, paid bills paid once, the run says "
                     f"\"Published {args.items} of {args.items}.\"; each new supplier created in Xero once)")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
