"""When Redis or the database can't be reached: a plain message instead of an error page, nothing the person did is
lost, and the work resumes by itself once the service is back."""
import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis

from jobs.publishing import sweep
from jobs.worker import DocketWorker
from tests import xero_helpers as xh
from tests.publishing_helpers import coded, sandbox_documents, uk, work  # noqa: F401
from webapp.accounts.models import utcnow
from webapp.db import open_database
from webapp.errors import DATABASE_DOWN, REDIS_DOWN
from webapp.integrations import xero_access
from webapp.integrations.models import Connection
from webapp.items.models import Item
from webapp.jobruns.models import FAILED, RUNNING, SUCCEEDED, JobRun
from webapp.publishing.models import DONE, QUEUED, PublishAttempt
from webapp.publishing.service import QUEUE_UNREACHABLE
from webapp.queues import enqueue, enqueue_housekeeping, enqueue_refresh
from webapp.redis_conn import connect, get_redis

ROOT = Path(__file__).resolve().parent.parent


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _text(answer) -> str:
    return answer.get_data(as_text=True).replace("&#39;", "'")


@pytest.fixture
def redis_down(app):
    """The app's Redis (queues, locks, the Xero limiter) pointed at a port nothing listens on; calling the fixture's
    value brings it back."""
    working = app.extensions["redis"]

    def point_at(connection):
        app.extensions["redis"] = connection
        xero_access.init_app(app)

    point_at(connect(f"redis://127.0.0.1:{_closed_port()}/0", Path(app.instance_path))[0])
    yield lambda: point_at(working)
    point_at(working)


def _backdate_attempts():
    """As if the sweep's stall threshold had passed since they were saved."""
    PublishAttempt.update(updated_at=utcnow() - timedelta(minutes=1)).execute()


def test_publish_while_redis_is_down_is_saved_says_so_and_goes_once_redis_is_back(xero_app, admin_client, uk,
                                                                                   sandbox, redis_down):
    item = coded(xero_app, uk)
    answer = admin_client.hx("POST", f"/b/{uk}/items/{item.id}/publish", target="item-publish")
    assert answer.status_code == 200 and QUEUE_UNREACHABLE in _text(answer)
    assert Item.get_by_id(item.id).status == "publishing"
    [attempt] = PublishAttempt.select().where(PublishAttempt.item == item.id)
    assert attempt.state == QUEUED and attempt.job_id == ""

    redis_down()  # back, empty-handed: no job was ever queued; a worker's sweep sends it
    _backdate_attempts()
    with xero_app.app_context():
        sweep()
    work(xero_app)
    attempt = PublishAttempt.get_by_id(attempt.id)
    assert attempt.state == DONE and attempt.message == ""
    assert Item.get_by_id(item.id).status == "published"
    [document] = sandbox_documents(sandbox, xh.tenant_ids(sandbox.url)[xh.UK_ORG])
    assert len(document["attachments"]) == 1


def test_bulk_publish_while_redis_is_down_keeps_the_run_and_says_so(xero_app, admin_client, uk, sandbox, redis_down):
    items = [coded(xero_app, uk, total=f"{100 + n}.00") for n in range(3)]
    answer = admin_client.form(f"/b/{uk}/inbox/costs/publish", data={"item": [str(i.id) for i in items]},
                               follow_redirects=True)
    assert answer.status_code == 200 and QUEUE_UNREACHABLE in _text(answer)  # the Inbox, saying what happened
    assert "Publishing 0 of 3" in _text(answer)
    assert PublishAttempt.select().where(PublishAttempt.state == QUEUED).count() == 3

    redis_down()
    assert "Publishing 0 of 3" in _text(admin_client.get(f"/b/{uk}/inbox/costs"))
    _backdate_attempts()
    with xero_app.app_context():
        sweep()
    work(xero_app)
    assert {Item.get_by_id(i.id).status for i in items} == {"published"}
    assert len(sandbox_documents(sandbox, xh.tenant_ids(sandbox.url)[xh.UK_ORG])) == 3
    assert JobRun.get(JobRun.kind == "publish").summary == "Published 3 of 3."


def test_pages_needing_redis_answer_a_plain_503_while_it_is_down(app, admin, admin_client, redis_down):
    business = admin.business_id
    Connection.create(business=business, tenant_id="tenant-1", tenant_name="Hartley")
    assert admin_client.get(f"/b/{business}/inbox/costs").status_code == 200  # nothing running: no Redis needed

    started = time.monotonic()
    answer = admin_client.form(f"/b/{business}/integrations/xero/refresh")
    assert time.monotonic() - started < 1  # at once: no retries of a refused connection
    assert answer.status_code == 503 and answer.headers["Retry-After"]
    assert REDIS_DOWN in _text(answer) and "Traceback" not in _text(answer)
    assert not JobRun.select().exists()  # nothing half-started

    JobRun.create(business=business, kind="publish", status=RUNNING, progress_total=3, requested_by=admin.user_id)
    page = admin_client.get(f"/b/{business}/inbox/costs")  # the banner can't ask Xero's pace: it goes without
    assert page.status_code == 200 and "Publishing 0 of 3" in _text(page)
    hx = admin_client.hx("POST", f"/b/{business}/integrations/xero/refresh")
    assert hx.status_code == 503 and (hx.headers["HX-Retarget"], hx.headers["HX-Reswap"]) == ("#flash", "innerHTML")
    assert _text(hx).strip() == f'<p class="flash flash-error" role="alert">{REDIS_DOWN}</p>'


def test_a_refresh_whose_job_vanished_with_redis_ends_with_a_plain_message(app, admin, outsider, admin_client):
    with app.app_context():
        lost = enqueue_refresh(admin.business_id, requested_by=admin.user_id)
        kept = enqueue_refresh(outsider.business_id)
        get_redis().delete(f"rq:job:{JobRun.get_by_id(lost.id).rq_job_id}")  # Redis restarted without it
        JobRun.update(created_at=utcnow() - timedelta(minutes=2)).execute()
        DocketWorker(["sync"], connection=get_redis()).run_maintenance_tasks()

    lost, kept = JobRun.get_by_id(lost.id), JobRun.get_by_id(kept.id)
    assert lost.status == FAILED
    assert lost.last_error == "It was interrupted before it could finish; nothing was lost. Refresh again."
    assert kept.status == "queued"  # its job is still there
    page = _text(admin_client.get(f"/b/{admin.business_id}/inbox/costs"))
    assert "It was interrupted before it could finish; nothing was lost. Refresh again." in page
    assert re.search(r"Refresh stopped at \d\d:\d\d UTC\. It was interrupted", page)
    assert "Refresh in progress" not in page


@pytest.mark.postgres
def test_database_out_of_reach_answers_a_plain_503_and_recovers_without_a_restart(app, admin, admin_client,
                                                                                    migrated_url):
    from tests.items_helpers import make_item

    item = make_item(admin.business_id, reference="BEFORE")
    open_database(f"postgresql://postgres@127.0.0.1:{_closed_port()}/docket")
    try:
        page = admin_client.get(f"/b/{admin.business_id}/inbox/costs")
        assert page.status_code == 503 and DATABASE_DOWN in _text(page) and "Traceback" not in _text(page)
        edit = admin_client.hx("POST", f"/b/{admin.business_id}/items/{item.id}/fields/reference",
                               data={"value": "DURING"})
        assert edit.status_code == 503 and edit.headers["HX-Retarget"] == "#flash" and DATABASE_DOWN in _text(edit)
    finally:
        open_database(migrated_url)
    assert admin_client.get(f"/b/{admin.business_id}/inbox/costs").status_code == 200
    assert Item.get_by_id(item.id).reference == "BEFORE"


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of the test's own, without persistence, that the test may kill and start again."""
    port = _closed_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
               "--dir", str(tmp_path)]
    servers = []

    def start():
        servers.append(subprocess.Popen(command, stdout=subprocess.DEVNULL))
        connection = redis.Redis(port=port)
        for _ in range(100):
            try:
                connection.ping()
                return connection
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill():
        servers[-1].send_signal(signal.SIGKILL)
        servers[-1].wait()

    yield start, kill, f"redis://127.0.0.1:{port}/0"
    for server in servers:
        if server.poll() is None:
            server.kill()
        server.wait()


def _wait_for(condition, timeout: float) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_a_worker_carries_on_after_redis_restarts_under_a_job(app, admin, migrated_url, private_redis, tmp_path):
    start, kill, url = private_redis
    connection = start()
    app.extensions["redis"] = connection
    env = {**os.environ, "DATABASE_URL": migrated_url, "REDIS_URL": url, "DOCKET_INSTANCE_PATH": str(tmp_path)}
    with open(tmp_path / "worker.log", "wb") as log:
        worker = subprocess.Popen([sys.executable, "-m", "jobs.worker", "default", "maintenance"], cwd=ROOT, env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
    try:
        with app.app_context():
            enqueue("default", time.sleep, 3)  # Redis goes while a job is at work, as in a real outage
        assert _wait_for(lambda: connection.llen("rq:queue:default") == 0, 30)
        kill()
        time.sleep(3)
        start()
        with app.app_context():
            run = enqueue_housekeeping(admin.business_id)
        finished = _wait_for(lambda: JobRun.get_by_id(run.id).status == SUCCEEDED, 60)
        assert finished, (tmp_path / "worker.log").read_text()
        assert worker.poll() is None
    finally:
        worker.terminate()
        worker.wait(30)
