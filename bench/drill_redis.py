"""Fault drill for issue 9: Redis restarted, losing everything, during a bulk publish. Afterwards every item must be
in Xero (the sandbox) exactly once with its attachment, a person using Docket during the outage must have seen plain
messages and lost nothing, and a list refresh whose job vanished must not show "in progress" for ever.

A private `redis-server` (no persistence, as in production without it) on a free port serves Docket, the sandbox
runs in-process with its limits on, and real workers (`python -m jobs.worker publishing`) carry out one bulk publish
of --items items. Once the sandbox has answered --kill-after calls, Redis is SIGKILLed, kept down --down seconds
and started again, empty. Meanwhile a signed-in person (Flask's test client) presses Publish on another item,
opens the Inbox and that item, and asks for a list refresh. A list refresh queued just before the outage (no
worker takes the sync queue here) loses its job with Redis.

    .venv/bin/python -m bench.drill_redis [--items 100] [--workers 2] [--down 10] [--kill-after 30]

Exits 1 (WRONG) on a duplicate or lost item, an error page that isn't a plain message, a worker that died, a
refresh left "in progress", or a publish not finished --timeout seconds after Redis is back. Its own PostgreSQL
database `docket_drill_redis` (or a SQLite file with --backend sqlite) and its own Redis."""
import argparse
import html
import logging
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from bench import common, publish_env as env
from bench.private_services import PrivateRedis
from bench.publish_drill import build_mix

POSTGRES_DB = "docket_drill_redis"
PASSWORD = "drill-password-1"
PLAIN_MESSAGE = re.compile(r'<p class="(?:error-message|flash flash-error|muted)"[^>]*>([^<]+)</p>')


@dataclass
class Seen:
    """One request the person made while Redis was down, and what came back."""

    action: str
    status: int
    message: str
    clean: bool


def _sign_in(client) -> str:
    """Sign in through the login form; returns the CSRF token HTMX requests carry."""
    form = client.get("/login").text
    answer = client.post("/login", data={"email": "person@drill.example", "password": PASSWORD,
                                         "csrf_token": common.CSRF_IN_FORM.search(form).group(1)})
    if answer.status_code != 302:
        raise SystemExit(f"could not sign in: {answer.status_code}")
    return common.CSRF_IN_PAGE.search(client.get("/", follow_redirects=True).text).group(1)


def _seen(action: str, answer, expected: tuple[int, ...]) -> Seen:
    """What the person saw: the page's plain message, and whether the answer was clean (an expected status, no
    stack trace, no generic server error)."""
    text = answer.get_data(as_text=True)
    found = PLAIN_MESSAGE.findall(text)
    if found:
        message = " ".join(html.unescape(found[0]).split())
    else:
        message = "(the page itself)" if answer.status_code == 200 else ""
    clean = answer.status_code in expected and "Traceback" not in text and "Internal Server Error" not in text
    return Seen(action, answer.status_code, message, clean)


def _during_outage(client, token: str, business_id: int, item_id: int) -> list[Seen]:
    hx = {"HX-Request": "true", "X-CSRFToken": token, "HX-Target": "item-publish"}
    return [
        _seen("Publish on an item (HTMX)", client.post(f"/b/{business_id}/items/{item_id}/publish", headers=hx),
              (200,)),
        _seen("open the Inbox", client.get(f"/b/{business_id}/inbox/costs"), (200, 503)),
        _seen("open that item", client.get(f"/b/{business_id}/items/{item_id}"), (200, 503)),
        _seen("Refresh integration data", client.post(f"/b/{business_id}/integrations/xero/refresh",
                                                      data={"csrf_token": token}), (303, 503)),
    ]


def _queue_refresh(app, business_id: int) -> int:
    from webapp.db import database
    from webapp.queues import enqueue_refresh

    with app.app_context(), database.connection_context():
        return enqueue_refresh(business_id).id


def _run_state(app, run_id: int) -> tuple[str, str]:
    from webapp.db import database
    from webapp.jobruns.models import JobRun

    with app.app_context(), database.connection_context():
        run = JobRun.get_by_id(run_id)
        return run.status, run.last_error or run.summary


def _item(app, item_id: int):
    from webapp.db import database
    from webapp.items.models import Item
    from webapp.publishing.models import PublishAttempt

    with app.app_context(), database.connection_context():
        return Item.get_by_id(item_id), list(PublishAttempt.select().where(PublishAttempt.item == item_id))


class WithoutItem:
    """The sandbox as check_published sees it, without the single item's documents (checked on their own)."""

    def __init__(self, sandbox: env.Sandbox, item_id: int):
        self.sandbox, self.marker = sandbox, f"/items/{item_id}?publish="

    def theirs(self, tenant_id: str) -> set:
        urls, _payments = self.sandbox.urls_and_payments(tenant_id)
        return {document_id for document_id, url in urls.items() if url and self.marker in url}

    def documents(self, tenant_id: str) -> list[dict]:
        theirs = self.theirs(tenant_id)
        return [d for d in self.sandbox.documents(tenant_id) if d["id"] not in theirs]

    def urls_and_payments(self, tenant_id: str) -> tuple[dict, dict]:
        theirs = self.theirs(tenant_id)
        urls, payments = self.sandbox.urls_and_payments(tenant_id)
        return ({k: v for k, v in urls.items() if k not in theirs}, {k: v for k, v in payments.items()
                                                                     if k not in theirs})


def _check_single(app, sandbox: env.Sandbox, tenant_id: str, item_id: int) -> list[str]:
    item, attempts = _item(app, item_id)
    theirs = WithoutItem(sandbox, item_id).theirs(tenant_id)
    documents = [d for d in sandbox.documents(tenant_id) if d["id"] in theirs]
    problems = []
    if item.status != "published":
        problems.append(f"the item published during the outage is {item.status} {item.publish_message!r}")
    if len(attempts) != 1 or attempts[0].state != "done":
        problems.append(f"the item published during the outage has attempts {[a.state for a in attempts]}")
    if len(documents) != 1 or len(documents[0]["attachments"]) != 1:
        problems.append(f"the item published during the outage has {len(documents)} documents in the sandbox, "
                        f"attachments {[len(d['attachments']) for d in documents]}")
    return problems


def _wait(condition, timeout: float, poll: float = 0.5) -> float | None:
    """When condition() held (time.time()), or None when it didn't within `timeout` seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return time.time()
        time.sleep(poll)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.drill_redis", description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--down", type=float, default=10, help="seconds Redis stays down")
    parser.add_argument("--kill-after", type=int, default=30,
                        help="stop Redis once the sandbox has answered this many calls of the publish")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--limit-factor", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=180,
                        help="seconds after Redis is back for the publish to finish and the refresh to be settled")
    parser.add_argument("--keep-log", action="store_true",
                        help="keep the workers' log (it is kept anyway when something is WRONG)")
    args = parser.parse_args(argv)

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    for expected in ("webapp.errors", "webapp.publishing.service"):  # the outage's warnings
        logging.getLogger(expected).setLevel(logging.ERROR)
    workers: list[env.Worker] = []
    with tempfile.TemporaryDirectory(prefix="docket-drill-redis-") as directory:
        redis_server = PrivateRedis(directory)
        redis_server.start()
        sandbox = env.Sandbox(directory, args.limit_factor)
        try:
            database_url = common.database_url(args.backend, directory, name="docket-drill-redis.db",
                                               postgres_db=POSTGRES_DB)
            docket = env.DocketEnv(directory, database_url, redis_server.url, sandbox.url,
                                   calls_per_minute=(env.REAL_LIMITS["minute"] - env.DOCKET_MARGIN) * args.limit_factor)
            docket.apply()
            app = env.docket_app()
            business_id, user_id, tenant_id = env.connect_uk(app, sandbox)
            env.add_publisher(app, business_id, "person@drill.example", PASSWORD)
            mix = build_mix(args.items, random.Random(args.seed))
            item_ids = env.make_items(app, business_id, mix)
            [single_id] = env.make_items(app, business_id, ["draft"], first_total=5000)
            client = app.test_client()
            token = _sign_in(client)

            log_path = f"{directory}/workers.log"
            workers = [env.Worker(docket.variables(), log_path) for _ in range(args.workers)]
            start = time.time()
            _outcome, run_id = env.request_bulk(app, business_id, user_id, item_ids)
            answered = lambda: sum(1 for c in sandbox.log.since(start) if c.status != 429)  # noqa: E731
            if _wait(lambda: answered() >= args.kill_after, 120, poll=0.02) is None:
                raise SystemExit(f"the publish made fewer than {args.kill_after} calls in 120 s: see {log_path}")
            refresh_id = _queue_refresh(app, business_id)

            redis_server.kill()
            down_at = time.time()
            at_kill = (answered(), env.attempt_states(app, run_id))
            seen = _during_outage(client, token, business_id, single_id)
            time.sleep(max(0.0, down_at + args.down - time.time()))
            alive_during = sum(w.alive() for w in workers)
            redis_server.start()
            back_at = time.time()

            left = lambda: max(1.0, back_at + args.timeout - time.time())  # noqa: E731
            finished, single, settled = (
                _wait(lambda: env.run_finished(app, run_id), left()),
                _wait(lambda: _item(app, single_id)[0].status != "publishing", left()),
                _wait(lambda: _run_state(app, refresh_id)[0] not in ("queued", "running"), left()))
            finished, single, settled = (None if moment is None else moment - back_at
                                         for moment in (finished, single, settled))
            alive_after = [w.alive() for w in workers]
            for worker in workers:
                worker.stop()
            verdict = env.check_published(app, WithoutItem(sandbox, single_id), tenant_id, run_id, item_ids, mix)
            problems = verdict.problems
            if finished is None:
                problems.insert(0, f"the publish did not finish within {args.timeout:.0f} s of Redis coming back")
            problems += _check_single(app, sandbox, tenant_id, single_id)
            problems += [f"unclean answer while Redis was down: {s.action} → {s.status} {s.message!r}"
                         for s in seen if not s.clean]
            if not all(alive_after):
                problems.append(f"{alive_after.count(False)} of {args.workers} worker processes died")
            refresh = _run_state(app, refresh_id)
            if refresh[0] in ("queued", "running"):
                problems.append(f"the refresh queued before the outage still says {refresh[0]}")
            print(report(args, sandbox, mix, start, down_at, back_at, at_kill, seen, alive_during, alive_after,
                         finished, single, settled, refresh, verdict, log_path))
            if problems or args.keep_log:
                kept = f"/tmp/drill-redis-{datetime.now(UTC):%Y%m%d-%H%M%S}-workers.log"
                shutil.copyfile(log_path, kept)
                print(f"\nWorkers' log kept in {kept}")
            return 1 if problems else 0
        finally:
            for worker in workers:
                if worker.alive():
                    worker.kill()
            sandbox.stop()
            redis_server.kill()


def _log_facts(log_path: str) -> dict:
    with open(log_path, errors="replace") as log:
        text = log.read()
    return {"lost Redis (RQ gave up its loop)": len(re.findall(r"lost Redis|found an unhandled exception", text)),
            "new worker started after": text.count("starting a new one"),
            "attempts resumed by a sweep": text.count("resumed after its job stopped"),
            "failed maintenance tasks": text.count("maintenance task"),
            "tracebacks": text.count("Traceback (most recent call last)")}


def report(args, sandbox, mix, start, down_at, back_at, at_kill, seen, alive_during, alive_after, finished, single,
           settled, refresh, verdict, log_path) -> str:
    from bench.common import text_table

    counts = Counter(mix)
    calls_at_kill, states_at_kill = at_kill
    lines = [
        f"Redis restart drill (issue 9), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {common.machine()}",
        f"Items: {args.items} ({', '.join(f'{n} {k}' for k, n in counts.items())}), one request_bulk, plus one item "
        f"published alone during the outage; backend {args.backend}; seed {args.seed}",
        f"Redis: private redis-server (--save '' --appendonly no), SIGKILLed after {args.kill_after} calls, down "
        f"{args.down:g} s, started again empty. Workers: {args.workers} x `python -m jobs.worker publishing` "
        "(production settings: PUBLISH_LOCK_SECONDS 90, maintenance pass with the publishing sweep every 30 s)",
        f"Sandbox: limits on, Xero's x{args.limit_factor}",
        "",
        f"Redis killed {down_at - start:.1f} s after request_bulk: {calls_at_kill} calls answered, attempts "
        + " ".join(f"{state} {n}" for state, n in sorted(states_at_kill.items())),
        f"Workers alive while Redis was down: {alive_during} of {args.workers}; after: {sum(alive_after)} of "
        f"{args.workers}",
        "",
        "While Redis was down, the signed-in person:",
        text_table([("action", "status", "clean", "what they saw")]
                   + [(s.action, str(s.status), "yes" if s.clean else "NO", s.message[:110]) for s in seen],
                   numeric={1}),
        "",
        "After Redis came back (times from its restart): publish finished in "
        + (f"{finished:.1f} s" if finished is not None else "- (not finished)")
        + ", the item published during the outage in "
        + (f"{single:.1f} s" if single is not None else "- (still publishing)")
        + f"; the refresh queued before the outage: {refresh[0]} {refresh[1]!r}"
        + (f" ({settled:.1f} s after Redis was back)" if settled is not None else ""),
        "Worker logs: " + ", ".join(f"{k} {v}" for k, v in _log_facts(log_path).items()),
        "Calls the sandbox answered, by kind:",
        text_table(env.calls_table(sandbox.log.since(start), args.items + 1), numeric={1, 2, 3}),
        f"Sandbox documents (bulk): {verdict.facts.get('documents')}, payments: {verdict.facts.get('payments')}; "
        f"run: {verdict.facts.get('run')}",
        "",
    ]
    if verdict.problems:
        lines += [f"WRONG  {problem}" for problem in verdict.problems]
    else:
        lines.append(f"OK: {args.items} bulk items and the one published during the outage each in the sandbox once "
                     "with one attachment (paid bills paid once); every answer during the outage a plain message")
        lines.append("0 duplicates, 0 lost")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
