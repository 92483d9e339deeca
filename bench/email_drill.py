"""Email-in (issue 17): a kill drill, then the throughput of the SMTP receiver and of the job turning messages into
items.

Drill: the receiver (`python -m webapp.inbound.smtp`) and an `inbound` worker (`python -m jobs.worker inbound`) run
as subprocesses; --messages messages (three in four with 1-3 PNG attachments, one in four an HTML e-receipt without
attachments; each attachment unique) are sent to the business's Costs address with smtplib while the worker is
SIGKILLed --kills times (with its work horse) a random 0.05..--max-delay s after it starts its first job, at the
moment it is running one (up to 2 s later), and started again. A
last worker then finishes. Every message the receiver accepted (250) must have become exactly its items (each
attachment's name once, an e-receipt's .eml once), every message refused must have left nothing, and each accepted
message must be stored once.

Throughput: --rate-messages more messages (one PNG each) sent by --senders parallel SMTP connections with the worker
stopped (messages accepted per second: stored durably and committed), then --workers workers started and timed
until every message is done (messages, and items, made per second).

    .venv/bin/python -m bench.email_drill [--messages 200] [--kills 5] [--seed 7] [--backend postgres|sqlite]
                                          [--rate-messages 300] [--senders 4] [--workers 2]

Exits 1 (WRONG) on any duplicate or lost item, or when the messages aren't all done within --timeout seconds.
Its own databases: PostgreSQL `docket_email_drill` (or a SQLite file) and Redis db 3 (flushed)."""
import argparse
import io
import random
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from email.message import EmailMessage

import redis
from PIL import Image

from bench import common
from bench.publish_env import ROOT, DocketEnv, Worker, docket_app, log_size

REDIS_URL = "redis://127.0.0.1:6379/3"
POSTGRES_DB = "docket_email_drill"
CONNECTION = redis.Redis.from_url(REDIS_URL)  # connects on first use


def png(number: int) -> bytes:
    """A small PNG no other number gives (its size and colour come from the number)."""
    buffer = io.BytesIO()
    Image.new("RGB", (16 + number % 97, 16 + number // 97 % 97), (number % 251, number // 251 % 251, 7)).save(
        buffer, format="PNG")
    return buffer.getvalue()


def build(number: int, to: str, rng: random.Random, attachments: int | None = None) -> tuple[EmailMessage, list]:
    """Message `number` and the names of the items it must become."""
    mail = EmailMessage()
    mail["From"], mail["To"] = f"supplier{number % 7}@drill.test", to
    mail["Subject"] = f"Drill message {number}"
    count = attachments if attachments is not None else (0 if rng.random() < 0.25 else rng.randint(1, 3))
    if count == 0:
        mail.set_content(f"Receipt {number}\nTotal 12.50")
        mail.add_alternative(f"<p>Receipt {number}</p><p>Total £12.50</p>", subtype="html")
        return mail, [f"Drill message {number}.eml"]
    mail.set_content("Bills attached.")
    names = []
    for index in range(count):
        name = f"m{number}-a{index}.png"
        mail.add_attachment(png(number * 4 + index), maintype="image", subtype="png", filename=name)
        names.append(name)
    return mail, names


def send(port: int, mail: EmailMessage) -> bool:
    """True when the receiver said 250 to it."""
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            return client.send_message(mail, from_addr=mail["From"]) == {}
    except (smtplib.SMTPException, OSError):
        return False


class Receiver:
    def __init__(self, env: dict, port: int, log_path: str):
        self.log = open(log_path, "ab")
        self.process = subprocess.Popen([sys.executable, "-m", "webapp.inbound.smtp", "--port", str(port)], cwd=ROOT,
                                        env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with smtplib.SMTP("127.0.0.1", port, timeout=2) as client:
                    client.noop()
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("the SMTP receiver didn't start: see its log")

    def stop(self):
        self.process.terminate()
        self.process.wait(10)
        self.log.close()


def wait_done(app, expected: int, timeout: float) -> bool:
    from webapp.db import database
    from webapp.inbound.models import InboundMessage

    deadline = time.time() + timeout
    while time.time() < deadline:
        with app.app_context(), database.connection_context():
            if InboundMessage.select().where(InboundMessage.state == "done").count() >= expected:
                return True
        time.sleep(0.2)
    return False


def verdict(app, accepted: dict[str, list], refused: list[str]) -> tuple[list[str], dict]:
    """Problems (duplicates, lost items, double-stored messages) and facts."""
    from webapp.db import database
    from webapp.inbound.models import InboundMessage
    from webapp.items.models import Document, Item

    with app.app_context(), database.connection_context():
        names = Counter(row.filename for row in Document.select(Document.filename).join(
            Item, on=(Item.document == Document.id)))
        stored = Counter(message.subject for message in InboundMessage.select(InboundMessage.subject))
        states = Counter(message.state for message in InboundMessage.select(InboundMessage.state))
    problems = []
    expected = Counter(name for items in accepted.values() for name in items)
    lost = sorted(set(expected) - set(names))
    doubled = sorted(name for name, count in names.items() if count > 1)
    strays = sorted(set(names) - set(expected))
    stored_twice = sorted(subject for subject, count in stored.items() if count > 1)
    not_stored = sorted(set(accepted) - set(stored))
    if lost:
        problems.append(f"{len(lost)} items lost, e.g. {lost[:5]}")
    if doubled:
        problems.append(f"{len(doubled)} items made more than once, e.g. {doubled[:5]}")
    if strays:
        problems.append(f"{len(strays)} items from messages the receiver refused, e.g. {strays[:5]}")
    if stored_twice:
        problems.append(f"{len(stored_twice)} messages stored twice, e.g. {stored_twice[:5]}")
    if not_stored:
        problems.append(f"{len(not_stored)} accepted messages not stored, e.g. {not_stored[:5]}")
    facts = {"items": sum(names.values()), "expected items": sum(expected.values()), "messages stored": sum(
        stored.values()), "states": dict(states), "refused by the receiver": len(refused)}
    return problems, facts


def _jobs_in_hand(seen: set) -> str:
    """The email-in job the worker was running: its StartedJobRegistry entry, new since the last kill."""
    from rq.registry import StartedJobRegistry

    registry = StartedJobRegistry("inbound", connection=CONNECTION)
    found = [job_id for job_id, _execution in registry.get_job_and_execution_ids(cleanup=False)
             if job_id not in seen]
    seen.update(found)
    return ", ".join(found)


def _while_running(seen: set, patience: float = 2.0) -> str:
    """Wait (at most `patience` s) until the worker is running a job it wasn't running at the last kill, so the kill
    lands in the middle of one; the job, or empty when none came."""
    deadline = time.time() + patience
    while time.time() < deadline:
        in_hand = _jobs_in_hand(seen)
        if in_hand:
            return in_hand
        time.sleep(0.005)
    return ""


def drill(args, app, env: dict, port: int, to: str, log_path: str) -> tuple[list[str], list[str]]:
    rng = random.Random(args.seed)
    accepted, refused, kills, seen = {}, [], [], set()
    messages = [build(number, to, rng) for number in range(args.messages)]

    def sender():
        for mail, names in messages:
            (accepted.__setitem__(mail["Subject"], names) if send(port, mail) else refused.append(mail["Subject"]))

    start = time.time()
    thread = threading.Thread(target=sender)
    thread.start()
    worker = Worker(env, log_path, queues=("inbound",))
    for number in range(1, args.kills + 1):
        worked = worker.first_job(log_size(log_path), b"jobs.inbound.process_message", timeout=60)
        time.sleep(rng.uniform(0.05, args.max_delay))
        in_hand = _while_running(seen)
        worker.kill()
        kills.append(f"kill {number} at {time.time() - start:.1f} s, "
                     f"{'idle' if worked is None else f'{time.time() - worked:.2f} s after its first job'}, "
                     f"running {in_hand or 'nothing'}; {len(accepted)} messages accepted so far")
        worker = Worker(env, log_path, queues=("inbound",))
    thread.join()
    sent_in = time.time() - start
    finished = wait_done(app, len(accepted), args.timeout)
    worker.stop()
    end = time.time()
    problems, facts = verdict(app, accepted, refused)
    if not finished:
        problems.insert(0, f"not every accepted message was done within {args.timeout:.0f} s of the last send")
    lines = [f"Kill drill: {args.messages} messages sent in {sent_in:.1f} s while the worker was SIGKILLed "
             f"{args.kills} times; all done {end - start - sent_in:.1f} s after the last send", *kills,
             "Facts: " + ", ".join(f"{k} {v}" for k, v in facts.items())]
    lines += [f"WRONG  {problem}" for problem in problems] or [
        f"OK: every accepted message ({len(accepted)}) became its items exactly once ({facts['items']} items), "
        "0 duplicates, 0 lost"]
    return lines, problems


def throughput(args, app, env: dict, port: int, to: str, log_path: str, already: int) -> list[str]:
    rng = random.Random(args.seed + 1)
    batch = [build(100_000 + number, to, rng, attachments=1)[0] for number in range(args.rate_messages)]
    results, lock = [], threading.Lock()

    def sender(share):
        for mail in share:
            ok = send(port, mail)
            with lock:
                results.append(ok)

    start = time.time()
    threads = [threading.Thread(target=sender, args=(batch[index::args.senders],)) for index in range(args.senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    accepting = time.time() - start
    accepted = sum(results)
    start = time.time()
    workers = [Worker(env, log_path, queues=("inbound",)) for _ in range(args.workers)]
    finished = wait_done(app, already + accepted, args.timeout)
    processing = time.time() - start
    for worker in workers:
        worker.stop()
    return [f"Throughput: {accepted} of {len(batch)} messages (one PNG each) accepted by {args.senders} parallel "
            f"SMTP connections in {accepting:.1f} s: {accepted / accepting:.1f} messages/s accepted (stored and "
            "committed, worker stopped)",
            f"then {args.workers} `jobs.worker inbound` processes made their items in {processing:.1f} s "
            f"(including worker start-up): {accepted / processing:.1f} messages/s turned into items"
            + ("" if finished else f" — MISSED: not all done within {args.timeout:.0f} s")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.email_drill", description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--max-delay", type=float, default=1.5,
                        help="each kill comes a random 0.05..max-delay s after the worker starts its first job")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--rate-messages", type=int, default=300)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args(argv)

    CONNECTION.flushdb()
    with tempfile.TemporaryDirectory(prefix="docket-email-drill-") as directory:
        database_url = common.database_url(args.backend, directory, name="docket-email-drill.db",
                                           postgres_db=POSTGRES_DB)
        docket = DocketEnv(directory, database_url, REDIS_URL, "http://127.0.0.1:9", calls_per_minute=58,
                           extra={"LOG_FORMAT": "text"})
        docket.apply()
        app = docket_app()
        to = _address(app)
        env = {**__import__("os").environ, **docket.variables()}
        port = common_free_port()
        log_path = f"{directory}/processes.log"
        receiver = Receiver(env, port, log_path)
        try:
            lines, problems = drill(args, app, env, port, to, log_path)
            already = _done(app)
            lines += [""] + throughput(args, app, env, port, to, log_path, already)
        finally:
            receiver.stop()
        header = [f"Email-in drill (issue 17), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {common.machine()}",
                  f"Backend {args.backend}; seed {args.seed}; receiver `python -m webapp.inbound.smtp`, "
                  "workers `python -m jobs.worker inbound`", ""]
        print("\n".join(header + lines))
        if problems:
            kept = f"/tmp/email-drill-{datetime.now(UTC):%Y%m%d-%H%M%S}.log"
            with open(log_path, "rb") as source, open(kept, "wb") as target:
                target.write(source.read())
            print(f"\nProcesses' log kept in {kept}")
        return 1 if problems else 0


def _address(app) -> str:
    from webapp.accounts import service
    from webapp.db import database
    from webapp.inbound import addresses

    with app.app_context(), database.connection_context():
        business = service.create_business("Harbour Lane Cafe")
        return addresses.shown(business.id, "costs")


def _done(app) -> int:
    from webapp.db import database
    from webapp.inbound.models import InboundMessage

    with app.app_context(), database.connection_context():
        return InboundMessage.select().where(InboundMessage.state == "done").count()


def common_free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main())
