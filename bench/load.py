"""Benchmark for issue 9 (load): page and fragment latency with bookkeepers working at once against several
businesses, the memory of Docket's processes, and every item they publish in Xero exactly once.

Starts the stack as an operator would: the Xero sandbox (served in this process, its limits on and Xero's scaled by
--limit-factor), Docket under gunicorn (`gunicorn wsgi:app --workers 4 --threads 4`, README's production notes) on
a free loopback port, and `python -m jobs.worker` (every queue) twice, on their own PostgreSQL database
`docket_load` and Redis db 11. Sets up --businesses businesses, each with its own admin and its own sandbox
organisation, lists refreshed, --items coded bills each. A second process (`python -m bench.load_users`) then plays
one bookkeeper alone (the baseline), and --users bookkeepers at once for --seconds, each signed in through the
login form and looping: the Inbox, an Item details page, an inline edit, the publish panel, sometimes Publish.

    .venv/bin/python -m bench.load [--users 16] [--seconds 90] [--businesses 4] [--items 300] [--web-workers 4]
                                   [--threads 4] [--rq-workers 2] [--limit-factor 10] [--publish-share 0.2]
                                   [--pool-size 10] [--baseline-rounds 30] [--seed 9]
"""
import argparse
import json
import logging
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from bench import common
from bench.load_setup import (ORG_CONTACTS, LoadBusiness, analyze, check_published, connect_business,
                              create_organisations, make_bills, wait_until_published)
from bench.load_stack import (MemorySampler, database_sessions, free_port, machine_cpu, servers_cpu,
                              start_gunicorn, start_rq_workers)
from bench.publish_env import DOCKET_MARGIN, REAL_LIMITS, ROOT, DocketEnv, Sandbox, calls_table, docket_app

POSTGRES_DB = "docket_load"
REDIS_URL = "redis://127.0.0.1:6379/11"
PASSWORD = "load bench password"
LOGIN_RATE_LIMIT = "1000 per minute"  # every bookkeeper signs in from 127.0.0.1 within a second
HEALTHZ_INTERVAL = 0.25
POLLS_AFTER_PUBLISH = 3
BASELINE_WARMUP, LOAD_WARMUP = 5, 1  # unrecorded loops per bookkeeper before the timing starts
DRAIN_TIMEOUT = 180
KINDS = ("healthz", "inbox list", "item details", "inline edit (reference)", "publish panel", "publish (press)")
TARGETS_MS = {"inbox list": 50.0, "item details": 50.0, "inline edit (reference)": 25.0}  # issue 6, p95


# --- the load generator, in its own process ---------------------------------------------------------

@dataclass
class Run:
    rows: list          # [kind, at, seconds, status, problem]
    published: list     # item ids whose Publish answered 200
    loops: int
    window: float       # seconds of the timed run
    sent: int           # requests in all, sign-in and warm-up included

    def times(self, kind: str) -> list[float]:
        return [row[2] for row in self.rows if row[0] == kind]

    def problems(self) -> list[tuple]:
        return [row for row in self.rows if row[4]]


def run_bookkeepers(plan: dict, directory: str, name: str, timeout: float) -> Run:
    plan_path, out_path = (os.path.join(directory, f"{name}-{part}.json") for part in ("plan", "out"))
    with open(plan_path, "w") as plan_file:
        json.dump(plan, plan_file)
    finished = subprocess.run([sys.executable, "-m", "bench.load_users", plan_path, out_path], cwd=ROOT,
                              timeout=timeout, capture_output=True, text=True)
    if finished.returncode != 0:
        raise RuntimeError(f"the load generator ({name}) exited {finished.returncode}:\n{finished.stderr[-3000:]}")
    with open(out_path) as out:
        result = json.load(out)
    return Run(result["requests"], result["published"], result["loops"], result["window_seconds"], result["sent"])


def plans(args, businesses: list[LoadBusiness], base_url: str) -> tuple[dict, dict]:
    """The single bookkeeper's plan (the first business's first items) and the load's: bookkeeper n works for
    business n mod B, on every (users per business)-th of that business's other items."""
    common_part = {"base_url": base_url, "publish_share": args.publish_share, "polls_after_publish":
                   POLLS_AFTER_PUBLISH, "healthz_interval": HEALTHZ_INTERVAL, "seed": args.seed}
    alone_items = businesses[0].item_ids[:args.baseline_rounds]
    alone = {**common_part, "rounds": args.baseline_rounds, "warmup_rounds": BASELINE_WARMUP, "healthz": "inline",
             "users": [_user(businesses[0], alone_items)]}
    per_business = -(-args.users // len(businesses))
    users = []
    for n in range(args.users):
        business = businesses[n % len(businesses)]
        free = [i for i in business.item_ids if i not in alone_items]
        users.append(_user(business, free[n // len(businesses)::per_business]))
    load = {**common_part, "seconds": args.seconds, "warmup_rounds": LOAD_WARMUP, "healthz": "probe",
            "users": users}
    return alone, load


def _user(business: LoadBusiness, item_ids: list[int]) -> dict:
    return {"email": business.email, "password": PASSWORD, "business_id": business.id, "item_ids": item_ids}


@dataclass
class CpuSnapshot:
    """CPU seconds so far: Docket's processes, this process (the sandbox, the sampler), its reaped children (the
    load generator, once it has exited) and the whole machine."""

    docket: dict
    servers: dict
    own: float
    reaped: float
    machine_busy: float
    machine_idle: float

    @classmethod
    def take(cls, sampler: MemorySampler) -> "CpuSnapshot":
        own, reaped = (resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
        return cls(sampler.cpu_seconds(), servers_cpu(), own.ru_utime + own.ru_stime, reaped.ru_utime + reaped.ru_stime,
                   *machine_cpu())


def cpu_table(before: CpuSnapshot, after: CpuSnapshot, wall: float, requests: int) -> str:
    """Who used the CPUs while the load generator ran (`wall` seconds, `requests` answered)."""
    spent = {
        "gunicorn (master and workers)": after.docket["gunicorn"] - before.docket["gunicorn"],
        "RQ workers (with scheduler, horses)": after.docket["rq"] - before.docket["rq"],
        "load generator (second process)": after.reaped - before.reaped,
        "this process (sandbox, sampler)": after.own - before.own,
        "PostgreSQL server (every database)": after.servers["postgres"] - before.servers["postgres"],
        "Redis :6379 (every db)": after.servers["redis"] - before.servers["redis"],
    }
    busy, idle = after.machine_busy - before.machine_busy, after.machine_idle - before.machine_idle
    spent["everything else (other sessions' processes, kernel)"] = busy - sum(spent.values())
    spent["idle"] = idle
    capacity = busy + idle
    rows = [("who", "CPU s", "share", "ms per request")] + [
        (who, f"{seconds:.1f}", f"{seconds / capacity:.0%}", "" if who == "idle" else f"{seconds / requests * 1e3:.1f}")
        for who, seconds in spent.items()]
    return (f"CPU while the load generator ran: {wall:.1f} s wall x {os.cpu_count()} CPUs = {capacity:.0f} CPU s "
            f"({requests} requests, sign-in, warm-up and /healthz included)\n"
            + common.text_table(rows, numeric={1, 2, 3}))


# --- report -----------------------------------------------------------------------------------------

def percentiles(times: list[float]) -> tuple[float, float, float]:
    """p50, p95, p99 in ms (statistics.quantiles, inclusive method)."""
    if len(times) == 1:
        return (times[0] * 1000,) * 3
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000


def latency_table(loaded: Run, alone: Run) -> tuple[str, list[str]]:
    header = ("request", "count", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors", "alone p50",
              "alone p95", "p95 load/alone", "p95/healthz", "target p95", "alone", "under load")
    rows, missed = [header], []
    health_p95 = percentiles(loaded.times("healthz"))[1] if loaded.times("healthz") else None
    kinds = list(KINDS) + sorted({row[0] for row in loaded.rows} - set(KINDS))
    for kind in kinds:
        times, alone_times = loaded.times(kind), alone.times(kind)
        if not times:
            continue
        p50, p95, p99 = percentiles(times)
        errors = sum(1 for row in loaded.rows if row[0] == kind and row[4])
        a50, a95, _ = percentiles(alone_times) if alone_times else (None, None, None)
        target = TARGETS_MS.get(kind)
        verdicts = [("-" if target is None or value is None else ("OK" if value < target else "MISSED"))
                    for value in (a95, p95)]
        for label, verdict, value in zip(("alone", "under load"), verdicts, (a95, p95)):
            if verdict == "MISSED":
                missed.append(f"MISSED {kind} p95 {label} {value:.1f} ms >= {target:.0f} ms (issue 6)")
        rows.append((kind, str(len(times)), f"{len(times) / loaded.window:.1f}", f"{p50:.1f}", f"{p95:.1f}",
                     f"{p99:.1f}", f"{max(times) * 1000:.1f}", str(errors), _ms(a50), _ms(a95),
                     f"{p95 / a95:.1f}x" if a95 else "-",
                     f"{p95 / health_p95:.1f}x" if health_p95 else "-",
                     f"< {target:.0f} ms" if target else "-", *verdicts))
    every = [row[2] for row in loaded.rows if row[0] in KINDS]
    rows.append(("all of the above", str(len(every)), f"{len(every) / loaded.window:.1f}", "", "", "", "",
                 str(sum(1 for row in loaded.rows if row[4])), "", "", "", "", "", "", ""))
    return common.text_table(rows, numeric=set(range(1, 12))), missed


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def report(args, port: int, sandbox: Sandbox, businesses, alone: Run, loaded: Run, sampler: MemorySampler,
           outcome, calls, drained: bool, drain_seconds: float, started: datetime, machine: str,
           load_after: str, cpu: str) -> tuple[str, bool]:
    table, missed = latency_table(loaded, alone)
    per_business = -(-args.users // len(businesses))
    pressed = alone.published + loaded.published
    calls_per_minute = sandbox.limits["minute"] - DOCKET_MARGIN * sandbox.factor
    lines = [
        f"Load benchmark (issue 9), {started:%Y-%m-%d %H:%M} UTC, {machine}",
        (f"Docket: gunicorn wsgi:app --workers {args.web_workers} --threads {args.threads} on http://127.0.0.1:"
         f"{port}, {args.rq_workers} RQ workers `python -m jobs.worker` (every queue); PostgreSQL {POSTGRES_DB}, "
         f"Redis {REDIS_URL}; DOCKET_ENV=test (session cookies not Secure over plain HTTP), "
         f"LOGIN_RATE_LIMIT {LOGIN_RATE_LIMIT!r}, XERO_CALLS_PER_MINUTE {calls_per_minute}, "
         f"DATABASE_POOL_SIZE {args.pool_size}"),
        (f"Sandbox: in this process (threaded werkzeug), limits on, Xero's scaled x{sandbox.factor}: "
         f"{sandbox.limits['concurrent']} concurrent, {sandbox.limits['minute']}/minute, {sandbox.limits['day']}/day "
         f"per organisation"),
        (f"Data: {len(businesses)} businesses, each with its own admin and its own sandbox organisation "
         f"({ORG_CONTACTS // 2} suppliers, lists refreshed), {args.items} Ready bills each (draft and awaiting "
         f"payment in turn, own PDF); PostgreSQL ANALYZEd after seeding"),
        (f"Load: {args.users} bookkeepers at once ({per_business} per business, own items each), threads with "
         f"`requests` sessions in a second process (python -m bench.load_users), no think time, {args.seconds} s "
         f"after {LOAD_WARMUP} unrecorded loop each; loop = GET Inbox (costs, page 1), GET Item details, POST inline "
         f"edit of the reference (HTMX), GET the publish panel (HTMX), and in {args.publish_share:.0%} of loops "
         f"POST Publish (HTMX) then the panel polled every 1 s until done (at most {POLLS_AFTER_PUBLISH}); "
         f"/healthz probed every {HEALTHZ_INTERVAL} s alongside"),
        (f"Baseline (same run, before the load): one bookkeeper alone, {args.baseline_rounds} loops after "
         f"{BASELINE_WARMUP} unrecorded, /healthz once per loop; 'alone' columns. Latency = client-side wall time "
         f"of the HTTP request, body read; the load generator shares the {os.cpu_count()} CPUs"),
        "",
        f"Under load: {loaded.loops} loops in {loaded.window:.1f} s, {len(loaded.published)} items published; alone: "
        f"{alone.loops} loops, {len(alone.published)} published",
        table,
        "",
        f"Memory, MiB (psutil; RSS counts shared pages in every process, USS only the process's own): at rest = "
        f"the last sample before any request, peak = the highest of {sampler.counts()['load']} samples every "
        f"{sampler.interval} s under load, after = once publishing had finished; clients held = the most established "
        f"connections a gunicorn worker held in one sample (a bookkeeper's keep-alive connection stays with the worker "
        f"that accepted it)",
        common.text_table(sampler.table_rows(), numeric=set(range(1, 9))),
        "",
        cpu,
        "",
    ]
    if outcome.publish_seconds:
        p50, p95, _ = percentiles(outcome.publish_seconds)
        lines.append(f"Publish, press to attempt done (the attempt's created_at to updated_at): p50 {p50:.0f} ms, "
                     f"p95 {p95:.0f} ms, max {max(outcome.publish_seconds) * 1000:.0f} ms over "
                     f"{len(outcome.publish_seconds)} items")
    lines.append(f"Publishing drained {drain_seconds:.1f} s after the load stopped" if drained
                 else f"Publishing had not drained {DRAIN_TIMEOUT} s after the load stopped")
    lines.append(f"Sandbox calls from the start of the baseline ({len(pressed)} items published), by kind:")
    lines.append(common.text_table(calls, numeric={1, 2, 3}))
    lines.append(f"Sandbox documents: {outcome.documents} in {len(businesses)} organisations; load average after "
                 f"the run {load_after}")
    lines.append("")
    answers = alone.problems() + loaded.problems()
    wrong = [f"WRONG  {row[0]}: {row[4]}" for row in answers[:15]]
    if len(answers) > 15:
        wrong.append(f"WRONG  {len(answers)} wrong answers in all")
    wrong += [f"WRONG  {problem}" for problem in outcome.problems]
    if not drained:
        wrong.append(f"WRONG  items still publishing {DRAIN_TIMEOUT} s after the load stopped")
    lines += wrong + missed
    if outcome.problems or not drained:
        lines.append(f"{outcome.duplicates} duplicates, {outcome.lost} lost")
    else:
        lines.append(f"0 duplicates, 0 lost: {len(pressed)} items published, each exactly once in the sandbox")
    if not wrong:
        lines.append("No errors: every response had the expected status and content.")
    return "\n".join(lines), bool(wrong)


# --- the run ----------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=90)
    parser.add_argument("--businesses", type=int, default=4)
    parser.add_argument("--items", type=int, default=300, help="Ready bills per business")
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--rq-workers", type=int, default=2)
    parser.add_argument("--pool-size", type=int, default=10,
                        help="DATABASE_POOL_SIZE for the web processes (Docket's default 10; 0: a connection per "
                             "request)")
    parser.add_argument("--limit-factor", type=int, default=10, help="the sandbox's minute and day limits x this")
    parser.add_argument("--publish-share", type=float, default=0.2, help="share of loops that press Publish")
    parser.add_argument("--baseline-rounds", type=int, default=30)
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args(argv)
    if args.users < args.businesses:
        parser.error("--users must be at least --businesses")
    if args.items < args.baseline_rounds + -(-args.users // args.businesses):
        parser.error("--items too small for the baseline and the users")

    started, machine = datetime.now(UTC), common.machine()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally below: stop what was started
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    directory = tempfile.mkdtemp(prefix="docket-bench-load-")
    services, sampler, sandbox, wrong = [], None, None, True
    try:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
        database_url = common.database_url("postgres", directory, postgres_db=POSTGRES_DB)
        sandbox = Sandbox(directory, args.limit_factor)
        port = free_port()
        env = DocketEnv(directory, database_url, REDIS_URL, sandbox.url,
                        calls_per_minute=(REAL_LIMITS["minute"] - DOCKET_MARGIN) * args.limit_factor,
                        extra={"LOGIN_RATE_LIMIT": LOGIN_RATE_LIMIT, "PUBLIC_URL": f"http://127.0.0.1:{port}",
                               "DATABASE_POOL_SIZE": str(args.pool_size)})
        env.apply()
        app = docket_app()
        from webapp.auth.service import hash_password

        password_hash = hash_password(PASSWORD)
        businesses = [connect_business(app, sandbox, tenant_id, name, n, password_hash)
                      for n, (tenant_id, name) in enumerate(create_organisations(sandbox, args.businesses), start=1)]
        for business in businesses:
            business.item_ids = make_bills(app, business.id, args.items)
        analyze(app)

        gunicorn = start_gunicorn(env.variables(), port, args.web_workers, args.threads,
                                  os.path.join(directory, "gunicorn.log"))
        services.append(gunicorn)
        services += start_rq_workers(env.variables(), args.rq_workers, REDIS_URL, directory)
        sampler = MemorySampler(gunicorn, port, services[1:])
        sampler.start()
        time.sleep(2)  # samples at rest

        alone_plan, load_plan = plans(args, businesses, f"http://127.0.0.1:{port}")
        calls_from = time.time()
        sampler.phase = "baseline"
        alone = run_bookkeepers(alone_plan, directory, "alone", timeout=600)
        sampler.phase = "load"
        cpu_before = CpuSnapshot.take(sampler)
        sessions_before = database_sessions(common.POSTGRES_ADMIN_URL, POSTGRES_DB)
        load_wall = time.perf_counter()
        loaded = run_bookkeepers(load_plan, directory, "load", timeout=args.seconds + 300)
        load_wall = time.perf_counter() - load_wall
        cpu = cpu_table(cpu_before, CpuSnapshot.take(sampler), load_wall, loaded.sent)
        time.sleep(1)  # backends report their statistics at most once a second
        sessions, active = (after - before for after, before in
                            zip(database_sessions(common.POSTGRES_ADMIN_URL, POSTGRES_DB), sessions_before))
        cpu += (f"\nPostgreSQL {POSTGRES_DB} while the load generator ran (pg_stat_database): {sessions} sessions "
                f"opened for {loaded.sent} requests (the workers' included), {active / loaded.sent:.1f} ms executing "
                f"statements per request")
        sampler.phase = "drain"
        drain_start = time.time()
        pressed = alone.published + loaded.published
        drained = wait_until_published(app, pressed, DRAIN_TIMEOUT) if pressed else True
        drain_seconds = time.time() - drain_start
        time.sleep(1)
        sampler.phase = "after"
        time.sleep(1.5)
        sampler.stop()
        load_after = ", ".join(f"{x:.2f}" for x in os.getloadavg())

        outcome = check_published(app, sandbox, businesses, set(pressed))
        calls = calls_table(sandbox.log.since(calls_from), max(1, len(pressed)))
        calls[0] = ("kind", "calls", "per published item", "429s")
        text, wrong = report(args, port, sandbox, businesses, alone, loaded, sampler, outcome, calls, drained,
                             drain_seconds, started, machine, load_after, cpu)
        print(text)
        return 1 if wrong else 0
    finally:
        if sampler is not None:
            sampler.stop()
        for service in reversed(services):
            service.stop()
        if sandbox is not None:
            sandbox.stop()
        if wrong:
            kept = shutil.copytree(directory, f"/tmp/docket-load-{started:%H%M%S}",
                                   ignore=shutil.ignore_patterns("documents", "*.db*"), dirs_exist_ok=True)
            print(f"Logs kept in {kept}", file=sys.stderr)
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
