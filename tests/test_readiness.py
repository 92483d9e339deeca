"""/healthz says the process is alive; /readyz says whether it can work: the database, Redis, the document store and
at least one worker, each named when it fails (503), for a load balancer or an operator."""
import os
from pathlib import Path

import pytest
from rq import Worker

from tests.test_outages import _closed_port, redis_down  # noqa: F401
from webapp.db import open_database
from webapp.queues import QUEUE_NAMES
from webapp.redis_conn import get_redis


@pytest.fixture
def a_worker(app):
    """A worker registered in Redis as `python -m jobs.worker` registers itself (its heartbeat keeps it there)."""
    with app.app_context():
        worker = Worker(QUEUE_NAMES, connection=get_redis(), name=f"readiness-{os.getpid()}")
        worker.register_birth()
    yield worker
    with app.app_context():
        worker.register_death()


def _ready(client) -> tuple[int, dict]:
    answer = client.get("/readyz")
    return answer.status_code, answer.get_json()["checks"]


def test_ready_when_everything_answers(client, a_worker):
    assert _ready(client) == (200, {"database": "ok", "redis": "ok", "documents": "ok", "workers": "ok"})
    assert client.get("/readyz").get_json()["status"] == "ready"


def test_not_ready_without_a_worker_while_still_alive(client):
    status, checks = _ready(client)
    assert (status, checks["workers"]) == (503, "none is running (start `python -m jobs.worker`)")
    assert client.get("/healthz").status_code == 200


def test_not_ready_while_redis_is_down(client, a_worker, redis_down):  # noqa: F811
    status, checks = _ready(client)
    assert status == 503 and checks["redis"].startswith("can't be reached")
    assert checks["workers"] == "unknown: Redis can't be reached" and checks["database"] == "ok"
    redis_down()
    assert _ready(client)[0] == 200


def test_not_ready_while_the_database_is_down(client, a_worker, migrated_url):
    open_database(f"postgresql://postgres@127.0.0.1:{_closed_port()}/docket")
    try:
        status, checks = _ready(client)
    finally:
        open_database(migrated_url)
    assert status == 503 and checks["database"].startswith("can't be reached") and checks["redis"] == "ok"


def test_not_ready_when_the_document_store_cant_be_written(app, client, a_worker, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the store should be")
    app.config["DOCUMENT_STORAGE_PATH"] = str(blocked)
    status, checks = _ready(client)
    assert status == 503 and checks["documents"].startswith(f"can't be written and read back at {blocked}")
    app.config["DOCUMENT_STORAGE_PATH"] = str(tmp_path / "documents")
    assert _ready(client)[0] == 200 and not list(Path(tmp_path / "documents").iterdir())  # the probe is gone
