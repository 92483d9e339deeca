"""Logs an operator can search: one JSON object a line, with the request id (sent back to the browser and carried
into the jobs the request queued), the client, the business and the item; never an OAuth code, token or secret."""
import io
import json
import logging

import pytest

from tests.conftest import REDIS_URL, DocketClient
from tests.items_helpers import make_item
from tests.test_jobs import _work
from webapp import create_app, logs
from webapp.accounts.access import member_required


@pytest.fixture
def log_lines():
    """The process's logging as production sets it up (logs.configure), written here; put back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    logs.configure(stream=stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.handlers[:] = handlers
    root.setLevel(level)


def test_a_requests_lines_carry_its_id_client_business_and_item(migrated_url, admin, log_lines):
    app = create_app({"DATABASE_URL": migrated_url, "REDIS_URL": REDIS_URL})
    app.test_client_class = DocketClient
    item = make_item(admin.business)

    @app.get("/b/<int:business_id>/items/<int:item_id>/log-probe")
    @member_required
    def probe(item_id):  # an app log line written while a member's request is handled
        logging.getLogger("webapp.probe").info("looked at the item")
        return "ok"
    client = app.test_client().login(admin.user)
    answer = client.get(f"/b/{admin.business_id}/items/{item.id}/log-probe")
    assert answer.status_code == 200
    [line] = [line for line in log_lines() if line["message"] == "looked at the item"]
    assert line["request_id"] == answer.headers["X-Request-ID"] and len(line["request_id"]) == 32
    assert (line["level"], line["logger"], line["client"]) == ("INFO", "webapp.probe", "127.0.0.1")
    assert (line["business_id"], line["item_id"]) == (admin.business_id, item.id) and line["time"]


def test_a_job_logs_with_the_request_id_of_the_request_that_queued_it(app, admin_client, admin, log_lines):
    answer = admin_client.form(f"/b/{admin.business_id}/housekeeping", headers={"X-Request-ID": "proxy-id-42"})
    assert answer.headers["X-Request-ID"] == "proxy-id-42"  # the proxy's id, kept
    _work(app)
    done = [line for line in log_lines() if line.get("job_id", "").startswith("housekeeping-")]
    assert [line["message"] for line in done] == ["housekeeping removed 0 finished job records"]
    assert all(line["request_id"] == "proxy-id-42" for line in done)
    assert all(line["business_id"] == admin.business_id for line in done)


def test_a_request_id_that_is_not_an_id_is_replaced(client):
    answer = client.get("/healthz", headers={"X-Request-ID": "a b;c" + "x" * 80})
    assert len(answer.headers["X-Request-ID"]) == 32 and " " not in answer.headers["X-Request-ID"]


def test_oauth_codes_and_tokens_are_taken_out_and_a_traceback_is_one_line(log_lines):
    log = logging.getLogger("webapp.probe")
    log.warning("callback /integrations/xero/callback?code=secret-code-1&state=secret-state-2 failed")
    log.info("sent refresh_token=secret-refresh-3 with Authorization: Bearer secret.token-4")
    try:
        raise ValueError("went wrong")
    except ValueError:
        log.exception("while publishing")
    lines = log_lines()
    text = json.dumps(lines)
    assert "secret" not in text and "code=[redacted]&state=[redacted]" in lines[0]["message"]
    assert lines[1]["message"] == "sent refresh_token=[redacted] with Authorization: Bearer [redacted]"
    assert lines[2]["message"] == "while publishing" and "ValueError: went wrong" in lines[2]["exc_info"]
    assert len(lines) == 3  # the traceback is inside its line
