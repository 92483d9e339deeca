"""Backup drill (issue 18): publish, back up as README's "Backing up" says (pg_dump, a copy of the document folder,
the same keys), wipe the database, the documents and Redis, restore, migrate, then check that nothing was lost and
that the business publishes again with its Xero connection as it was.

    .venv/bin/python -m bench.backup_drill [--items 10]

A business connected to the sandbox's UK organisation (bench/publish_env.py, the sandbox in-process), --items bills
published by a real worker (`python -m jobs.worker publishing`); then backup, wipe, restore; then: every table's rows
as before, every document's file readable with its sha256, a refresh of the lists through the restored connection
(its tokens decrypted with the same TOKEN_ENCRYPTION_KEYS), and --items new bills published with their documents.
Its own databases: PostgreSQL `docket_backup_drill` and Redis db 8 (flushed). Exits 1 (WRONG) on any loss."""
import argparse
import hashlib
import logging
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime

import redis

from bench import common, publish_env as env

REDIS_URL = "redis://127.0.0.1:6379/8"
POSTGRES_DB = "docket_backup_drill"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.backup_drill", description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=10)
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    redis.Redis.from_url(REDIS_URL).flushdb()
    problems, timings = [], {}
    with tempfile.TemporaryDirectory(prefix="docket-backup-drill-") as directory:
        sandbox = env.Sandbox(directory, 10)
        try:
            url = common.database_url("postgres", directory, postgres_db=POSTGRES_DB)
            docket = env.DocketEnv(directory, url, REDIS_URL, sandbox.url, calls_per_minute=580)
            docket.apply()
            app = env.docket_app()
            business_id, user_id, tenant_id = env.connect_uk(app, sandbox)
            first = env.make_items(app, business_id, ["draft"] * args.items)
            problems += _publish(app, docket, sandbox, tenant_id, business_id, user_id, first, directory)
            before = _rows(app)
            documents, copy = f"{directory}/documents", f"{directory}/backup"
            started = time.time()
            _run(["pg_dump", "-Fc", "-d", url, "-f", f"{directory}/docket.dump"])
            shutil.copytree(documents, f"{copy}/documents")
            timings["backup"] = time.time() - started
            _wipe(app, url, documents)
            started = time.time()
            _run(["pg_restore", "-d", url, f"{directory}/docket.dump"])
            shutil.copytree(f"{copy}/documents", documents)
            env.docket_app()  # migrate, as README's restore says
            timings["restore"] = time.time() - started
            after = _rows(app)
            problems += [f"{table}: {len(before[table])} rows before, {len(after.get(table, []))} after, or changed"
                         for table in before if before[table] != after.get(table)]
            problems += _documents_readable(app)
            problems += _refresh_works(app, business_id)
            second = env.make_items(app, business_id, ["draft"] * args.items, first_total=500)
            problems += _publish(app, docket, sandbox, tenant_id, business_id, user_id, second, directory)
        finally:
            sandbox.stop()
    print(_report(args, timings, problems))
    return 1 if problems else 0


def _publish(app, docket, sandbox, tenant_id, business_id, user_id, item_ids, directory) -> list[str]:
    """Bulk-publish the items with a real worker; what is wrong afterwards (nothing: [])."""
    from webapp.db import database
    from webapp.items.models import Item

    _, run_id = env.request_bulk(app, business_id, user_id, item_ids)
    worker = env.Worker(docket.variables(), f"{directory}/worker.log")
    try:
        finished = env.wait_for_run(app, run_id, timeout=300, alive=worker.alive)
    finally:
        worker.stop()
    by_id = {d["id"]: d for d in sandbox.documents(tenant_id)}
    with app.app_context(), database.connection_context():
        items = list(Item.select().where(Item.id.in_(item_ids)))
    wrong = [] if finished else [f"publish run {run_id} did not finish"]
    wrong += [f"item {item.id} is {item.status}: {item.publish_message}" for item in items
              if item.status != "published"]
    wrong += [f"item {item.id}'s document isn't in Xero with one attachment" for item in items
              if len(by_id.get(item.xero_id, {}).get("attachments", [])) != 1]
    return wrong


def _rows(app) -> dict:
    from webapp.db import database
    from webapp.models import ALL_MODELS

    with app.app_context(), database.connection_context():
        return {model._meta.table_name: list(model.select().order_by(*model._meta.sorted_fields).tuples())
                for model in ALL_MODELS}


def _wipe(app, url: str, documents: str) -> None:
    """As if the database server, the document disk and Redis were lost."""
    from webapp.db import database

    database.close()
    _run(["psql", "-q", "-d", url, "-c", "DROP SCHEMA public CASCADE; CREATE SCHEMA public"])
    shutil.rmtree(documents)
    redis.Redis.from_url(REDIS_URL).flushdb()


def _documents_readable(app) -> list[str]:
    from webapp.db import database
    from webapp.items import storage
    from webapp.items.models import Document

    wrong = []
    with app.app_context(), database.connection_context():
        for document in Document.select():
            try:
                content = storage.read(document.storage_key)
            except OSError as error:
                wrong.append(f"document {document.id}: {error}")
                continue
            if hashlib.sha256(content).hexdigest() != document.sha256:
                wrong.append(f"document {document.id}: its content isn't what was uploaded")
    return wrong


def _refresh_works(app, business_id: int) -> list[str]:
    """The restored connection's tokens still open: Refresh integration data through it succeeds."""
    from jobs.sync import refresh_connection
    from webapp.db import database
    from webapp.jobruns.models import SUCCEEDED, JobRun
    from webapp.jobruns.service import start_run

    with app.app_context():
        with database.connection_context():
            run_id = start_run("refresh", business_id=business_id, requested_by=None).id
        refresh_connection(run_id)
        with database.connection_context():
            run = JobRun.get_by_id(run_id)
    return [] if run.status == SUCCEEDED else [f"refresh after the restore: {run.status} {run.last_error}"]


def _run(command: list[str]) -> None:
    subprocess.run(command, check=True, capture_output=True)


def _report(args, timings: dict, problems: list[str]) -> str:
    lines = [f"Backup drill (issue 18), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {common.machine()}",
             f"{args.items} bills published, backed up (pg_dump -Fc, a copy of the documents), database, documents and "
             f"Redis wiped, restored (pg_restore, the copy), migrated; then {args.items} more published",
             f"Backup {timings.get('backup', 0):.2f} s, restore with the migration {timings.get('restore', 0):.2f} s"]
    if problems:
        lines += [f"WRONG  {problem}" for problem in problems]
    else:
        lines.append("OK: every row as before, every document readable with its sha256, the connection refreshed, "
                     "and the new bills published with their documents")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
