"""Prometheus metrics at /metrics, only when METRICS_TOKEN is set, and only for requests bearing it
(`Authorization: Bearer <token>`): request latency by endpoint, and the Operations page's figures (jobs per queue
and state, live workers, each Xero organisation's calls in the last minute, pause and calls left today).

Under gunicorn with several workers, set PROMETHEUS_MULTIPROC_DIR to an empty folder (prometheus_client's
multiprocess mode) so a scrape sums every worker process's latencies."""
import hmac
import os
import time

from flask import Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from webapp.accounts.access import public
from webapp.operations import status

REQUEST_SECONDS = Histogram("docket_request_seconds", "Time to answer a request, by endpoint",
                            ["method", "endpoint", "status"])


def init_app(app) -> None:
    if not app.config["METRICS_TOKEN"]:
        return
    app.before_request(_start_timer)
    app.after_request(_observe)
    app.add_url_rule("/metrics", "metrics", public(_metrics))


def _start_timer() -> None:
    g.request_started = time.perf_counter()


def _observe(response):
    if "request_started" in g:
        REQUEST_SECONDS.labels(request.method, request.endpoint or "unmatched", response.status_code).observe(
            time.perf_counter() - g.request_started)
    return response


def _metrics():
    sent = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not hmac.compare_digest(sent.encode(), current_app.config["METRICS_TOKEN"].encode()):
        return Response("A valid metrics token is needed.", status=401, headers={"WWW-Authenticate": "Bearer"})
    operations = CollectorRegistry()
    operations.register(_Operations())
    return Response(generate_latest(_requests()) + generate_latest(operations), content_type=CONTENT_TYPE_LATEST)


def _requests() -> CollectorRegistry:
    """This process's request latencies, or every gunicorn worker's in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return registry
    return REGISTRY


class _Operations:
    """The Operations page's figures, read at scrape time."""

    def collect(self):
        jobs = GaugeMetricFamily("docket_jobs", "Jobs per queue and state", labels=["queue", "state"])
        for queue in status.queues():
            for state in ("waiting", "running", "scheduled", "failed"):
                jobs.add_metric([queue.name, state], getattr(queue, state))
        yield jobs
        yield GaugeMetricFamily("docket_workers", "Live RQ workers", value=len(status.workers()))
        calls = GaugeMetricFamily("docket_xero_calls_last_minute", "Calls to a Xero organisation in the last minute",
                                  labels=["organisation"])
        paused = GaugeMetricFamily("docket_xero_paused", "1 while Xero asked Docket to wait", labels=["organisation"])
        left = GaugeMetricFamily("docket_xero_day_remaining", "Calls left today, as Xero last said",
                                 labels=["organisation"])
        for pace in status.xero_pace():
            calls.add_metric([pace.organisation], pace.calls_last_minute)
            paused.add_metric([pace.organisation], 1 if pace.paused_until else 0)
            if pace.day_remaining is not None:
                left.add_metric([pace.organisation], pace.day_remaining)
        yield from (calls, paused, left)
