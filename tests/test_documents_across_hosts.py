"""The web app and two workers as separate hosts would run them (each worker a `python -m jobs.worker` process in a
working directory and instance folder of its own): with documents in an S3-compatible bucket every publish lands in
Xero with its document attached; with each host's own local folder the item says plainly that its document can't be
read, and the log says where the worker looked."""
import html
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests import xero_helpers as xh
from tests.conftest import REDIS_URL
from tests.publishing_helpers import coded, sandbox_documents, uk  # noqa: F401
from tests.s3_helpers import bucket, s3_server  # noqa: F401
from tests.test_outages import _wait_for
from webapp.items.models import Item
from webapp.publishing.models import PublishAttempt
from webapp.publishing.publisher import DocumentUnreadable

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def start_workers(xero_app, migrated_url, sandbox, tmp_path):
    """`start_workers(**environ)`: two publishing workers, each in its own folder, sharing only the database, Redis
    and Xero (the sandbox) with the web app, and whatever document store `environ` names; their logs, once stopped."""
    workers, logs = [], []

    def start(**environ) -> list[Path]:
        for number in (1, 2):
            home = tmp_path / f"worker-{number}"
            home.mkdir()
            env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": migrated_url, "REDIS_URL": REDIS_URL,
                   "DOCKET_INSTANCE_PATH": str(home / "instance"), "XERO_BASE_URL": sandbox.url, **environ}
            logs.append(home / "worker.log")
            with open(logs[-1], "wb") as log:
                workers.append(subprocess.Popen([sys.executable, "-m", "jobs.worker", "publishing"], cwd=home,
                                                env=env, stdout=log, stderr=subprocess.STDOUT,
                                                start_new_session=True))
        return logs

    yield start
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:  # a job still at work: never leave it listening on the tests' Redis
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)


def _publish(client, item):
    assert client.form(f"/b/{item.business_id}/items/{item.id}/publish").status_code == 303


def _attached(sandbox) -> list[list[str]]:
    documents = sandbox_documents(sandbox, xh.tenant_ids(sandbox.url)[xh.UK_ORG])
    return sorted([a["fileName"] for a in document["attachments"]] for document in documents)


def test_web_and_two_workers_on_a_shared_bucket_publish_every_document_attached(
        xero_app, admin_client, uk, sandbox, bucket, start_workers):
    logs = start_workers(DOCUMENT_STORAGE_URL=bucket.url, S3_ENDPOINT_URL=bucket.endpoint)
    items = [coded(xero_app, uk, total=f"{10 + n}.00") for n in range(4)]
    for item in items:
        _publish(admin_client, item)
    published = _wait_for(lambda: all(Item.get_by_id(item.id).status == "published" for item in items), 60)
    assert published, "\n".join(log.read_text() for log in logs)
    assert _attached(sandbox) == sorted([item.document.filename] for item in items)
    assert all(Item.get_by_id(item.id).publish_message == "" for item in items)
    for log in logs:
        assert f"documents are kept at {bucket.url} at {bucket.endpoint}: written and read back" in log.read_text()


def test_web_and_workers_each_with_its_own_folder_say_the_document_cant_be_read(
        xero_app, admin_client, uk, sandbox, start_workers, tmp_path):
    logs = start_workers()  # each worker keeps documents under its own instance folder; the web app, elsewhere
    item = coded(xero_app, uk)
    _publish(admin_client, item)

    def stalled():
        return PublishAttempt.get(PublishAttempt.item == item.id).message == DocumentUnreadable.MESSAGE

    assert _wait_for(stalled, 60), "\n".join(log.read_text() for log in logs)
    assert Item.get_by_id(item.id).status == "publishing"
    panel = admin_client.hx("GET", f"/b/{uk}/items/{item.id}/publish").text
    assert "Docket can't read this item's stored document" in html.unescape(panel)
    assert _attached(sandbox) == [[]]  # the bill is in Xero, without its document
    said = "".join(log.read_text() for log in logs)
    assert "can't read its document" in said and f"{tmp_path}/worker-" in said
