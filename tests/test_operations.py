"""The Operations page, for the people in OPERATOR_EMAILS: the queues, failed jobs with their error and Retry, the
live workers, and each Xero organisation's pace; nobody else learns it exists."""
import re
from datetime import timedelta
from html import unescape

import pytest
from rq import Worker

from tests.publishing_helpers import SCRIPTED_TENANT, xero_double  # noqa: F401
from tests.test_jobs import _work
from webapp.queues import QUEUE_NAMES, enqueue, get_queue
from webapp.redis_conn import get_redis


@pytest.fixture
def operator(app, admin):
    app.config["OPERATOR_EMAILS"] = frozenset({admin.user.email.lower()})
    return admin


def test_only_operators_see_the_page_and_its_link(app, admin_client, admin, standard_client):
    assert admin_client.get("/operations").status_code == 404  # a business's admin isn't an operator
    assert "Operations</a>" not in admin_client.get(f"/b/{admin.business_id}/inbox/costs").text
    app.config["OPERATOR_EMAILS"] = frozenset({admin.user.email.lower()})
    page = admin_client.get("/operations")
    assert page.status_code == 200 and "<h1>Operations</h1>" in page.text
    assert "Operations</a>" in admin_client.get(f"/b/{admin.business_id}/inbox/costs").text
    assert standard_client.get("/operations").status_code == 404
    assert standard_client.form("/operations/jobs/anything/retry").status_code == 404


def test_a_failed_job_shows_its_error_and_retry_puts_it_back_on_its_queue(app, admin_client, operator):
    with app.app_context():
        job = enqueue("maintenance", "jobs.maintenance.run_housekeeping", 999_999)  # no such run: it fails
    _work(app)
    page = unescape(admin_client.get("/operations").text)
    assert f'id="failed-job-{job.id}"' in page and "jobs.maintenance.run_housekeeping" in page
    assert "JobRunDoesNotExist: <Model: JobRun> instance matching query does not exist" in page
    retried = admin_client.form(f"/operations/jobs/{job.id}/retry", follow_redirects=True)
    assert f"Job {job.id} is back on its queue." in unescape(retried.text)
    with app.app_context():
        queue = get_queue("maintenance")
        assert queue.get_job_ids() == [job.id] and queue.failed_job_registry.count == 0
    again = admin_client.form(f"/operations/jobs/{job.id}/retry", follow_redirects=True)
    assert "is no longer among the failed jobs" in unescape(again.text)


def test_queues_and_workers_are_listed(app, admin_client, operator):
    with app.app_context():
        enqueue("sync", "jobs.maintenance.run_housekeeping", 1)
        worker = Worker(QUEUE_NAMES, connection=get_redis(), name="ops-page-worker")
        worker.register_birth()
    try:
        page = admin_client.get("/operations").text
    finally:
        with app.app_context():
            worker.register_death()
            get_queue("sync").empty()
    assert "<tr><td>sync</td><td class=\"amount\">1</td>" in page
    assert "ops-page-worker" in page and "publishing, extract, inbound, sync, maintenance, default" in page
    assert "No worker is running" in admin_client.get("/operations").text


def test_booked_jobs_whose_time_has_come_count_as_waiting(app, admin_client, operator):
    with app.app_context():
        publishing = get_queue("publishing")
        publishing.enqueue_in(timedelta(0), "jobs.publishing.sweep")  # due: held until the workers have room
        publishing.enqueue_in(timedelta(minutes=5), "jobs.publishing.sweep")
    row = re.search(r"<tr><td>publishing</td>(.*?)</tr>", admin_client.get("/operations").text, re.S).group(1)
    assert re.findall(r'class="amount">(\d+)<', row) == ["1", "0", "1", "0"]  # waiting, running, booked, failed


def test_each_organisations_pace_shows_its_calls_pause_and_calls_left_today(app, admin_client, operator,
                                                                           xero_double):
    limiter = app.extensions["xero"].limiter
    with app.app_context():
        with limiter.slot(SCRIPTED_TENANT):
            pass
        limiter.observe(SCRIPTED_TENANT, 200, {"X-DayLimit-Remaining": "4321", "X-MinLimit-Remaining": "0"})
    page = admin_client.get("/operations").text
    row = page[page.index("<td>Hartley</td>"):]
    assert '<td class="amount">1</td>' in row[:300] and "(minute)" in row[:400] and "4321" in row[:500]
