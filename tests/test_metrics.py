"""/metrics for Prometheus: absent unless METRICS_TOKEN is set, refused without the token, and then request
latencies and the Operations page's figures."""
import pytest

from tests.conftest import REDIS_URL
from webapp import create_app
from webapp.queues import enqueue, get_queue


@pytest.fixture
def metrics_app(monkeypatch, migrated_url):
    monkeypatch.setenv("METRICS_TOKEN", "scrape-token-7")
    return create_app({"DATABASE_URL": migrated_url, "REDIS_URL": REDIS_URL})


def test_metrics_are_off_unless_a_token_is_set(client):
    assert client.get("/metrics").status_code == 404


def test_metrics_need_the_token(metrics_app):
    client = metrics_app.test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_metrics_give_request_latency_and_the_queues(metrics_app):
    client = metrics_app.test_client()
    client.get("/healthz")
    with metrics_app.app_context():
        enqueue("sync", "jobs.maintenance.run_housekeeping", 1)
    try:
        text = client.get("/metrics", headers={"Authorization": "Bearer scrape-token-7"}).text
    finally:
        with metrics_app.app_context():
            get_queue("sync").empty()
    assert 'docket_request_seconds_count{endpoint="health.health",method="GET",status="200"}' in text
    assert 'docket_jobs{queue="sync",state="waiting"} 1.0' in text
    assert "docket_workers 0.0" in text
