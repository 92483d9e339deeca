"""The email-in job is safe to kill and run again: every accepted message becomes its items exactly once, and a
message whose job was lost is queued again by the workers' recovery pass (set aside after too many starts)."""
import html
import smtplib

import pytest

from jobs.inbound import recover_messages
from tests.email_helpers import address_of, message, process_email, receiver
from tests.items_helpers import pdf_bytes
from webapp.inbound import processing
from webapp.inbound.models import InboundMessage, InboundPart
from webapp.items import storage as document_storage
from webapp.items.models import Item
from webapp.queues import INBOUND, get_queue
from webapp.redis_conn import get_redis


class Killed(BaseException):
    """The worker process dying mid-job: no except clause of ours runs, no transaction commits."""


@pytest.fixture(autouse=True)
def storage(app, tmp_path):
    app.config["DOCUMENT_STORAGE_PATH"] = str(tmp_path / "documents")


@pytest.fixture
def sent(app, admin_client, admin):
    """A message with three PDF bills, accepted by the SMTP receiver and waiting for its job."""
    costs = address_of(admin_client, admin.business_id)
    bills = [(f"bill-{n}.pdf", pdf_bytes(f"Invoice {n}"), "application", "pdf") for n in (1, 2, 3)]
    with receiver(app) as port, smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.send_message(message(costs, attachments=bills))
    return InboundMessage.get()


def _names(business_id):
    return [item.document.filename for item in Item.select().where(Item.business == business_id).order_by(Item.id)]


def _kill_on(monkeypatch, target, name: str, call: int):
    real, calls = getattr(target, name), []

    def dying(*args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            raise Killed()
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, dying)


@pytest.mark.parametrize("where", ["storing the third document", "recording the second item"])
def test_a_job_killed_midway_and_run_again_makes_each_item_once(app, admin, sent, monkeypatch, where):
    if where == "storing the third document":
        _kill_on(monkeypatch, document_storage, "save", 3)
    else:  # inside the second item's transaction, after the item row was written
        _kill_on(monkeypatch, InboundPart, "create", 2)
    with app.app_context(), pytest.raises(Killed):
        processing.run(sent.id)
    made = _names(admin.business_id)
    assert made == (["bill-1.pdf", "bill-2.pdf"] if where.startswith("storing") else ["bill-1.pdf"])
    monkeypatch.undo()
    with app.app_context():
        processing.run(sent.id)
        processing.run(sent.id)  # a late duplicate of the job finds it finished
    assert _names(admin.business_id) == ["bill-1.pdf", "bill-2.pdf", "bill-3.pdf"]
    assert [part.outcome for part in InboundPart.select().order_by(InboundPart.position)] == ["added"] * 3
    assert InboundMessage.get_by_id(sent.id).state == "done"


def test_a_message_whose_job_was_lost_is_queued_again_by_the_recovery_pass(app, admin, sent, monkeypatch):
    with app.app_context():
        get_queue(INBOUND).empty()  # Redis lost the job (restarted without its data)
        monkeypatch.setattr(processing, "STALLED_AFTER", processing.STALLED_AFTER * 0)
        assert recover_messages() == 1
    assert InboundMessage.get_by_id(sent.id).attempts == 2
    process_email(app)
    assert _names(admin.business_id) == ["bill-1.pdf", "bill-2.pdf", "bill-3.pdf"]
    with app.app_context():
        assert recover_messages() == 0  # done: nothing to recover


def test_a_message_whose_job_keeps_dying_is_set_aside_for_an_admin(app, admin_client, admin, sent, monkeypatch):
    monkeypatch.setattr(processing, "STALLED_AFTER", processing.STALLED_AFTER * 0)
    with app.app_context():
        for _ in range(processing.MAX_ATTEMPTS):
            get_queue(INBOUND).empty()
            recover_messages()
    stored = InboundMessage.get_by_id(sent.id)
    assert stored.state == "set_aside" and "its job stopped 5 times" in stored.reason
    page = html.unescape(admin_client.get(f"/b/{admin.business_id}/settings/email").text)
    assert "its job stopped 5 times" in page and "Download" in page
    assert _names(admin.business_id) == []


def test_a_retry_that_finds_a_killed_jobs_lock_leaves_the_message_for_the_recovery_pass(app, admin, sent,
                                                                                      monkeypatch):
    with app.app_context():
        get_redis().set(f"docket:inbound:{sent.id}", "a killed job's token", ex=120)  # its worker died holding it
    process_email(app)  # the job runs, sees the lock, and leaves the message to whoever holds it
    assert InboundMessage.get_by_id(sent.id).state == "received" and _names(admin.business_id) == []
    monkeypatch.setattr(processing, "STALLED_AFTER", processing.STALLED_AFTER * 0)
    with app.app_context():
        get_redis().delete(f"docket:inbound:{sent.id}")  # the lock lapsed
        assert recover_messages() == 1
    process_email(app)
    assert _names(admin.business_id) == ["bill-1.pdf", "bill-2.pdf", "bill-3.pdf"]
