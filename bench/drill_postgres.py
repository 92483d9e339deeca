"""Fault drill for issue 9: PostgreSQL restarted under load. While it is down, every request must fail cleanly (a 503
with a plain message, quickly: no hang, no stack trace, no half-saved edit); once it is back, requests must succeed
again without restarting Docket, and a worker busy publishing must survive and finish the publish exactly once.

A private PostgreSQL cluster (initdb into a temporary directory, trust auth, a free port) holds Docket's database;
a private redis-server its queues. Docket is served by gunicorn (--web-workers processes), the Xero sandbox runs
in-process with its limits on, and one real worker (`python -m jobs.worker publishing`) carries out a bulk publish
of --items items. --users signed-in people (threads with a requests session each) load the Inbox, open their own
item and edit its reference inline (HTMX), round and round. Once the sandbox has answered --stop-after calls of the
publish, PostgreSQL is stopped (`pg_ctl stop -m fast`), kept down --down seconds and started again.

    .venv/bin/python -m bench.drill_postgres [--users 4] [--web-workers 3] [--down 5] [--items 60]

Exits 1 (WRONG) on any unclean failure, an edit saved in part or saved while its answer said it wasn't, a worker
that died, or a duplicate or lost item."""
import argparse
import logging
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests

from bench import common, publish_env as env
from bench.private_services import PrivatePostgres, PrivateRedis, free_port
from bench.publish_drill import build_mix

DATABASE = "docket_drill_postgres"
PASSWORD = "drill-password-1"
DATABASE_DOWN = "Docket can't reach its database at the moment. Nothing was saved; try again in a moment."
REQUEST_TIMEOUT = 10  # seconds: an answer slower than this counts as a hang
KINDS = ("inbox", "details", "edit")


@dataclass
class Answer:
    person: int
    kind: str
    started: float
    ended: float
    status: int | None  # None: no HTTP answer (refused, reset, timed out)
    verdict: str  # ok | clean | unclean
    detail: str = ""
    value: str = ""  # for an edit: the reference sent


@dataclass
class Person:
    number: int
    email: str
    item_id: int
    answers: list = field(default_factory=list)


def _judge(kind: str, answer: requests.Response, reference: str) -> tuple[str, str]:
    """ok: the page or fragment it should be; clean: a 503 saying plainly the database can't be reached; else
    unclean, with what came back."""
    text = answer.text.replace("&#39;", "'")
    if answer.status_code == 200:
        expected = {"inbox": 'id="items-table"', "details": 'id="item-publish"', "edit": reference}[kind]
        return ("ok", "") if expected in text else ("unclean", f"200 without {expected!r}")
    if answer.status_code == 503 and DATABASE_DOWN in text and "Traceback" not in text:
        return "clean", ""
    return "unclean", f"{answer.status_code}: {' '.join(text.split())[:120]}"


def _sign_in(base: str, email: str) -> tuple[requests.Session, str]:
    session = requests.Session()
    form = session.get(f"{base}/login", timeout=REQUEST_TIMEOUT).text
    answer = session.post(f"{base}/login", data={"email": email, "password": PASSWORD,
                                                 "csrf_token": common.CSRF_IN_FORM.search(form).group(1)},
                          allow_redirects=False, timeout=REQUEST_TIMEOUT)
    if answer.status_code != 302:
        raise SystemExit(f"{email} could not sign in: {answer.status_code}")
    page = session.get(f"{base}/", timeout=REQUEST_TIMEOUT).text
    return session, common.CSRF_IN_PAGE.search(page).group(1)


def _load(base: str, business_id: int, person: Person, stop: threading.Event, pause: float) -> None:
    """One signed-in person: the Inbox, their item, an inline edit of its reference; again until told to stop."""
    session, token = _sign_in(base, person.email)
    hx = {"HX-Request": "true", "X-CSRFToken": token}
    item_url = f"{base}/b/{business_id}/items/{person.item_id}"
    sent, last_saved = 0, ""
    while not stop.is_set():
        for kind in KINDS:
            value = ""
            started = time.time()
            try:
                if kind == "inbox":
                    answer = session.get(f"{base}/b/{business_id}/inbox/costs", timeout=REQUEST_TIMEOUT)
                elif kind == "details":
                    answer = session.get(item_url, timeout=REQUEST_TIMEOUT)
                else:
                    sent += 1
                    value = f"LOAD-{person.number}-{sent}"
                    answer = session.post(f"{item_url}/fields/reference", data={"value": value},
                                          headers=hx | {"HX-Target": "field-reference"}, timeout=REQUEST_TIMEOUT)
                verdict, detail = _judge(kind, answer, value or last_saved)
                status = answer.status_code
            except requests.RequestException as error:
                verdict, detail, status = "unclean", f"no answer: {type(error).__name__}", None
            if kind == "edit" and verdict == "ok":
                last_saved = value
            person.answers.append(Answer(person.number, kind, started, time.time(), status, verdict, detail, value))
            time.sleep(pause)


def _check_edits(app, people: list[Person]) -> tuple[list[str], dict]:
    """Each person's item holds the last edit answered 200 (or, counted apart, a later one answered with an error
    that was saved all the same), and its newest reference history row says the same (the edit and its history are
    saved together or not at all)."""
    from webapp.db import database
    from webapp.items.models import Item, ItemHistory

    problems, facts = [], Counter()
    with app.app_context(), database.connection_context():
        for person in people:
            edits = [a for a in person.answers if a.kind == "edit"]
            acknowledged = [n for n, a in enumerate(edits) if a.verdict == "ok"]
            last_ok = edits[acknowledged[-1]].value if acknowledged else None
            later = {a.value for a in edits[(acknowledged[-1] + 1 if acknowledged else 0):]}
            reference = Item.get_by_id(person.item_id).reference
            newest = (ItemHistory.select().where((ItemHistory.item == person.item_id)
                                                 & (ItemHistory.field == "reference"))
                      .order_by(ItemHistory.id.desc()).first())
            if newest is None or newest.new != reference:
                problems.append(f"person {person.number}'s item: reference {reference!r}, newest history row "
                                f"{newest.new if newest else None!r} (an edit saved in part)")
            if reference == last_ok:
                facts["items holding their last acknowledged edit"] += 1
            elif reference in later:
                problems.append(f"person {person.number}'s item holds {reference!r}, an edit whose answer said "
                                "nothing was saved")
            else:
                problems.append(f"person {person.number}'s item holds {reference!r}, not its last acknowledged "
                                f"edit {last_ok!r}")
            facts["edits sent"] += len(edits)
    return problems, facts


def _phase(answer: Answer, stopped: float, started: float) -> str:
    if answer.ended < stopped:
        return "before"
    return "during" if answer.started < started else "after"


def _start_gunicorn(variables: dict, port: int, workers: int, log_path: str) -> subprocess.Popen:
    log = open(log_path, "ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "wsgi:app", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--timeout", "30", "--graceful-timeout", "5"],
        cwd=env.ROOT, env={**os.environ, **variables}, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)
    log.close()
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except requests.RequestException:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not start: see {log_path}")


def _make_people(app, business_id: int, count: int) -> list[Person]:
    item_ids = env.make_items(app, business_id, ["draft"] * count, first_total=7000)
    people = []
    for number, item_id in enumerate(item_ids, start=1):
        email = f"person{number}@drill.example"
        env.add_publisher(app, business_id, email, PASSWORD)
        people.append(Person(number, email, item_id))
    return people


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.drill_postgres", description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--down", type=float, default=5, help="seconds PostgreSQL stays stopped")
    parser.add_argument("--items", type=int, default=60, help="items in the bulk publish the worker carries out")
    parser.add_argument("--stop-after", type=int, default=20,
                        help="stop PostgreSQL once the sandbox has answered this many calls of the publish")
    parser.add_argument("--after", type=float, default=15, help="seconds of load after PostgreSQL is back")
    parser.add_argument("--pause", type=float, default=0.05, help="each person's pause between requests")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--limit-factor", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=180,
                        help="seconds after PostgreSQL is back for the publish to finish")
    parser.add_argument("--keep-log", action="store_true",
                        help="keep the web and worker logs (they are kept anyway when something is WRONG)")
    args = parser.parse_args(argv)

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    postgres = PrivatePostgres()
    processes: list = []
    with tempfile.TemporaryDirectory(prefix="docket-drill-postgres-") as directory:
        redis_server = PrivateRedis(directory)
        sandbox = None
        try:
            postgres.init()
            postgres.start()
            redis_server.start()
            sandbox = env.Sandbox(directory, args.limit_factor)
            docket = env.DocketEnv(directory, postgres.create_database(DATABASE), redis_server.url, sandbox.url,
                                   calls_per_minute=(env.REAL_LIMITS["minute"] - env.DOCKET_MARGIN) * args.limit_factor)
            docket.apply()
            app = env.docket_app()
            business_id, user_id, tenant_id = env.connect_uk(app, sandbox)
            people = _make_people(app, business_id, args.users)
            mix = build_mix(args.items, random.Random(args.seed))
            item_ids = env.make_items(app, business_id, mix)

            port, web_log, log_path = free_port(), f"{directory}/web.log", f"{directory}/worker.log"
            web = _start_gunicorn(docket.variables(), port, args.web_workers, web_log)
            processes.append(web)
            worker = env.Worker(docket.variables(), log_path)
            processes.append(worker)
            stop = threading.Event()
            threads = [threading.Thread(target=_load, args=(f"http://127.0.0.1:{port}", business_id, person, stop,
                                                            args.pause), daemon=True) for person in people]
            for thread in threads:
                thread.start()

            time.sleep(3)  # load settles before the publish and the outage
            start = time.time()
            _outcome, run_id = env.request_bulk(app, business_id, user_id, item_ids)
            answered = lambda: sum(1 for c in sandbox.log.since(start) if c.status != 429)  # noqa: E731
            while answered() < args.stop_after and time.time() - start < 120:
                time.sleep(0.02)
            calls_at_stop = answered()
            stopped = time.time()
            postgres.stop("fast")
            down_for = time.time() - stopped
            time.sleep(max(0.0, args.down - down_for))
            postgres.start()
            started = time.time()
            time.sleep(args.after)
            stop.set()
            for thread in threads:
                thread.join(REQUEST_TIMEOUT + 5)

            finished = env.wait_for_run(app, run_id, max(1.0, started + args.timeout - time.time()),
                                        alive=worker.alive)
            worker_alive, web_alive = worker.alive(), web.poll() is None
            worker.stop()
            verdict = env.check_published(app, sandbox, tenant_id, run_id, item_ids, mix)
            problems = verdict.problems
            if not finished:
                problems.insert(0, f"the publish did not finish within {args.timeout:.0f} s of PostgreSQL coming back")
            if not worker_alive:
                problems.append("the worker process died")
            if not web_alive:
                problems.append("gunicorn died")
            answers = [a for person in people for a in person.answers]
            unclean = [a for a in answers if a.verdict == "unclean"]
            if unclean:
                problems.append(f"{len(unclean)} unclean failures: " + "; ".join(
                    f"{a.kind} {a.detail}" for a in unclean[:5]))
            edit_problems, edit_facts = _check_edits(app, people)
            problems += edit_problems
            print(report(args, sandbox, mix, answers, people, start, stopped, started, down_for, calls_at_stop,
                         finished, worker_alive, verdict, edit_facts, web_log, log_path))
            if problems or args.keep_log:
                moment = f"{datetime.now(UTC):%Y%m%d-%H%M%S}"
                for name, path in (("web", web_log), ("worker", log_path)):
                    shutil.copyfile(path, f"/tmp/drill-postgres-{moment}-{name}.log")
                print(f"\nLogs kept in /tmp/drill-postgres-{moment}-web.log and -worker.log")
            return 1 if problems else 0
        finally:
            for process in processes:
                if isinstance(process, env.Worker):
                    if process.alive():
                        process.kill()
                elif process.poll() is None:
                    process.terminate()
                    process.wait(30)
            if sandbox:
                sandbox.stop()
            redis_server.kill()
            postgres.remove()


def _recovery(answers: list[Answer], started: float, people: list[Person]) -> tuple[float | None, float | None]:
    """Seconds from PostgreSQL accepting connections again to the first answer that was ok, and to every person's
    first ok answer."""
    firsts = []
    for person in people:
        oks = [a.ended for a in answers if a.person == person.number and a.verdict == "ok" and a.started >= started]
        firsts.append(min(oks) - started if oks else None)
    known = [f for f in firsts if f is not None]
    return (min(known) if known else None), (max(known) if len(known) == len(firsts) else None)


def _log_counts(path: str) -> str:
    with open(path, errors="replace") as log:
        text = log.read()
    return (f"{text.count('database unreachable')} 'database unreachable' warnings, "
            f"{text.count('maintenance task')} failed maintenance tasks, "
            f"{text.count('resumed after its job stopped')} attempts resumed by a sweep, "
            f"{text.count('Traceback (most recent call last)')} tracebacks")


def report(args, sandbox, mix, answers, people, start, stopped, started, down_for, calls_at_stop, finished,
           worker_alive, verdict, edit_facts, web_log, log_path) -> str:
    from bench.common import text_table

    rows = [("phase", "requests", "ok", "clean 503", "unclean", "slowest s")]
    for phase in ("before", "during", "after"):
        mine = [a for a in answers if _phase(a, stopped, started) == phase]
        counts = Counter(a.verdict for a in mine)
        slowest = max((a.ended - a.started for a in mine), default=0)
        rows.append((phase, str(len(mine)), str(counts["ok"]), str(counts["clean"]), str(counts["unclean"]),
                     f"{slowest:.2f}"))
    by_kind = [("request", "ok", "clean 503", "unclean")]
    for kind in KINDS:
        counts = Counter(a.verdict for a in answers if a.kind == kind)
        by_kind.append((kind, str(counts["ok"]), str(counts["clean"]), str(counts["unclean"])))
    first, everyone = _recovery(answers, started, people)
    lines = [
        f"PostgreSQL restart drill (issue 9), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {common.machine()}",
        f"Docket: gunicorn, {args.web_workers} sync workers, on a private PostgreSQL 15 cluster (pg_ctl, free port) "
        f"and a private redis-server; {args.users} signed-in people (a requests session each) loading the Inbox, their "
        f"item and editing its reference inline (HTMX), {args.pause:g} s between requests, {REQUEST_TIMEOUT} s client "
        "timeout",
        f"Worker: `python -m jobs.worker publishing` carrying out a bulk publish of {args.items} items "
        f"({', '.join(f'{n} {k}' for k, n in Counter(mix).items())}); sandbox limits on, Xero's x{args.limit_factor}",
        f"Outage: `pg_ctl stop -m fast` after {calls_at_stop} calls of the publish (took {down_for:.1f} s), down "
        f"{started - stopped:.1f} s in all, `pg_ctl start`; then {args.after:g} s more load",
        "",
        "Requests by phase (before: answered before the stop; during: started before PostgreSQL was back; after):",
        text_table(rows, numeric={1, 2, 3, 4, 5}),
        "",
        text_table(by_kind, numeric={1, 2, 3}),
        "",
        "Time to recover (from PostgreSQL accepting connections again): first ok answer "
        + (f"{first:.2f} s" if first is not None else "never")
        + ", every person answered ok again " + (f"{everyone:.2f} s" if everyone is not None else "never")
        + "; Docket was not restarted",
        "Edits: " + ", ".join(f"{k} {v}" for k, v in edit_facts.items()),
        f"Web log: {_log_counts(web_log)}",
        f"Worker: {'alive' if worker_alive else 'DEAD'} at the end; its log: {_log_counts(log_path)}",
        "Publish: " + ("finished" if finished else "NOT finished") + f"; run: {verdict.facts.get('run')}",
        "Calls the sandbox answered, by kind:",
        text_table(env.calls_table(sandbox.log.since(start), args.items), numeric={1, 2, 3}),
        "",
    ]
    unclean = [a for a in answers if a.verdict == "unclean"]
    if unclean:
        lines.append("Unclean answers:")
        lines += [f"  {a.kind} by person {a.person} at {a.started - stopped:+.2f} s: {a.detail}" for a in unclean[:10]]
    if verdict.problems:
        lines += [f"WRONG  {problem}" for problem in verdict.problems]
    else:
        lines.append(f"OK: no unclean failure, every edit whole, the worker survived; {args.items} items each in the "
                     "sandbox once with one attachment (paid bills paid once)")
        lines.append("0 duplicates, 0 lost")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
