"""Publishing while Xero misbehaves (found by bench/xero_drills.py): an answer that leaves the outcome unknown never
ends in a second document, and a failed create call waits for its retry instead of calling Xero again at once."""
import time
from datetime import datetime, timedelta, timezone

import requests

from jobs.publishing import publish_attempt
from tests import xero_helpers as xh
from tests.publishing_helpers import coded, sandbox_creates, sandbox_documents, uk, work  # noqa: F401
from webapp.accounts.models import utcnow
from webapp.integrations.xero_access import xero
from webapp.items.models import Item
from webapp.publishing.models import PublishAttempt
from webapp.publishing.publisher import LANDING_WINDOW
from webapp.queues import get_queue


def _arm(sandbox, **fault):
    requests.post(f"{sandbox.url}/operator/api/faults", json=fault, timeout=10).raise_for_status()


def _documents(sandbox):
    return sandbox_documents(sandbox, xh.tenant_ids(sandbox.url)[xh.UK_ORG])


def _count_calls(xero_app) -> list[str]:
    seen = []
    xero_app.extensions["xero"].http.hooks["response"].append(
        lambda response, *args, **kwargs: seen.append(f"{response.request.method} {response.status_code}"))
    return seen


def test_a_429_on_the_look_up_after_a_lost_answer_never_makes_a_second_document(xero_app, admin_client, uk,
                                                                                 sandbox):
    items = [coded(xero_app, uk, total=f"{40 + n}.00") for n in range(2)]
    admin_client.hx("POST", f"/b/{uk}/inbox/costs/publish", data={"item": [item.id for item in items]})
    _arm(sandbox, status=500, method="PUT", path="Invoices", after_work=True)  # Xero saved both, the answer is lost
    _arm(sandbox, status=429, retry_after=1, count=2, method="GET", path="Invoices")  # and refuses the look-ups
    work(xero_app)
    assert len(_documents(sandbox)) == 2
    for _ in range(2):  # the retries, as they come due
        _retry_all(xero_app)
        time.sleep(1.1)
    work(xero_app)
    documents = _documents(sandbox)
    assert sorted(d["total"] for d in documents) == ["40.00", "41.00"]
    assert all(len(d["attachments"]) == 1 for d in documents)
    assert {Item.get_by_id(item.id).status for item in items} == {"published"}


def test_a_bulk_create_xero_did_not_answer_waits_for_its_retry_and_until_it_cannot_land(xero_app, admin_client, uk,
                                                                                         sandbox):
    items = [coded(xero_app, uk, total=f"{50 + n}.00") for n in range(3)]
    admin_client.hx("POST", f"/b/{uk}/inbox/costs/publish", data={"item": [item.id for item in items]})
    _arm(sandbox, status=503, method="PUT", path="Invoices")
    calls = _count_calls(xero_app)
    work(xero_app)
    assert calls == ["PUT 503"]  # nothing more until the retry Xero's unavailability calls for
    assert {Item.get_by_id(item.id).status for item in items} == {"publishing"}
    assert {a.message for a in PublishAttempt.select()} == {
        "Xero isn't responding right now. Docket will publish the item again by itself; nothing needs changing."}
    _retry_all(xero_app)  # 30 s later: nothing in Xero yet, but the unanswered call could still land
    assert calls == ["PUT 503"] + ["GET 200"] * 3 and _documents(sandbox) == []
    PublishAttempt.update(updated_at=utcnow() - LANDING_WINDOW).execute()
    _retry_all(xero_app)  # once it can't land any more
    work(xero_app)
    assert sorted(d["total"] for d in _documents(sandbox)) == ["50.00", "51.00", "52.00"]
    assert {Item.get_by_id(item.id).status for item in items} == {"published"}


def test_a_create_sent_again_carries_the_same_idempotency_key_to_xero(xero_app, admin_client, uk, sandbox):
    item = coded(xero_app, uk)
    _arm(sandbox, status=503, method="PUT", path="Invoices")
    admin_client.form(f"/b/{uk}/items/{item.id}/publish")
    work(xero_app)
    PublishAttempt.update(updated_at=utcnow() - LANDING_WINDOW).execute()  # the unanswered create can't land now
    _retry_all(xero_app)
    key = PublishAttempt.get().idempotency_key
    assert key and [call["idempotency_key"] for call in sandbox_creates(sandbox)] == [key, key]
    assert len(_documents(sandbox)) == 1 and Item.get_by_id(item.id).status == "published"


def _retry_all(xero_app):
    with xero_app.app_context():
        for attempt in list(PublishAttempt.select()):
            publish_attempt(attempt.id)


def test_the_daily_limit_holds_an_item_until_the_day_resets_then_publishes_it_once(xero_app, admin_client, uk,
                                                                                     sandbox):
    item = coded(xero_app, uk)
    _arm(sandbox, status=429, problem="day", method="PUT", path="Invoices")  # as seen from Xero: no Retry-After
    admin_client.form(f"/b/{uk}/items/{item.id}/publish")
    work(xero_app)
    waiting, attempt = Item.get_by_id(item.id), PublishAttempt.get()
    assert waiting.status == "publishing" and attempt.message == (
        "Xero's daily limit for this organisation is used up; publishing resumes tomorrow. "
        "Docket will publish the item then by itself.")
    with xero_app.app_context():
        queue, tenant_id = get_queue("publishing"), xh.tenant_ids(sandbox.url)[xh.UK_ORG]
        resumes_at = queue.scheduled_job_registry.get_scheduled_time(attempt.job_id)
        assert xero().limiter.status(tenant_id).problem == "day"
    assert resumes_at >= datetime.now(timezone.utc) + timedelta(minutes=14)  # not every minute all day long
    xero_app.extensions["redis"].delete(f"docket:xero-limit:{tenant_id}:paused")  # the day has reset
    _retry_all(xero_app)
    [document] = _documents(sandbox)
    assert len(document["attachments"]) == 1 and Item.get_by_id(item.id).status == "published"


def test_a_refusal_xero_answers_in_xml_reaches_the_item_as_a_plain_message(xero_app, admin_client, uk, sandbox):
    item = coded(xero_app, uk)
    _arm(sandbox, status=400, method="PUT", path="Invoices",
         message="Account code '429' has been archived, or has been deleted. Each line item must reference a valid "
                 "account.")
    admin_client.form(f"/b/{uk}/items/{item.id}/publish")
    work(xero_app)
    failed = Item.get_by_id(item.id)
    assert failed.status == "failed" and "<" not in failed.publish_message
    assert failed.publish_message.startswith("Category 429 is archived or deleted in Xero. Reload Lists → Categories")

