"""Asking for items to be published, without Xero: what refuses an item and says why, the attempt and job each publish
saves, bulk runs and their message, the job queue out of reach, reopening and clearing, and the Publishing settings."""
import logging
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.items_helpers import make_coded_item, make_contact
from tests.publishing_helpers import ATTACHED, invoice, ok, run_attempt, stored_document, xero_double  # noqa: F401
from tests.test_outages import _closed_port, redis_down  # noqa: F401
from webapp.accounts.models import utcnow
from webapp.integrations import xero_access
from webapp.integrations.models import Connection
from webapp.items.models import Item, ItemHistory
from webapp.jobruns.models import RUNNING, JobRun
from webapp.publishing.models import QUEUED, PublishAttempt, PublishingSettings
from webapp.publishing import service
from webapp.publishing.service import QUEUE_UNREACHABLE, BulkOutcome
from webapp.queues import get_queue
from webapp.redis_conn import connect

NOT_CONNECTED = "Connect this business to Xero first (Integrations), or Reconnect if the connection needs it."
NOT_READY = "Fix what the checks list first: the item is not ready."
ALREADY = "This item is already publishing or published."
NOT_SENT = "Not sent ({}): they have checks to fix or are not ready."


@pytest.fixture
def supplier(admin):
    return make_contact(admin.business, "Acme Fuels")


@pytest.fixture
def connected(admin):
    """The connection row as choosing an organisation leaves it (nothing here calls Xero)."""
    return Connection.create(business=admin.business_id, tenant_id="tenant-svc", tenant_name="Hartley",
                             status="connected")


def ready(admin, coding, supplier, total="12.00", day=date(2026, 5, 1)):
    item = make_coded_item(admin.business, total=Decimal(total), date=day, contact=supplier, category=coding.fuel,
                           tax_rate=coding.vat20)
    assert item.status == "ready"
    return item


def not_ready(admin, supplier):
    item = make_coded_item(admin.business, total=Decimal("9.00"), date=date(2026, 5, 1), contact=supplier)
    assert item.status == "inbox"  # no category, no tax rate
    return item


def publish(admin_client, item):
    """Publish pressed on the item's page (htmx): the panel comes back, 422 with the reason when refused."""
    return admin_client.hx("POST", f"/b/{item.business_id}/items/{item.id}/publish", target="item-publish")


def publish_selected(admin_client, business_id, items):
    answer = admin_client.form(f"/b/{business_id}/inbox/costs/publish", {"item": [str(i.id) for i in items]},
                               follow_redirects=True)
    assert answer.status_code == 200
    return answer.get_data(as_text=True).replace("&#39;", "'")


def fresh(item):
    return Item.get_by_id(item.id)


def refused_with(message: str) -> str:
    """The refusal as the publish panel shows it."""
    return f'<p class="form-error" role="alert">{message}</p>'


def flashed(message: str, category: str = "error") -> str:
    return f'<p class="flash flash-{category}">{message}</p>'


def redis_goes_out_of_reach(app):
    """From now on the app's Redis (queues, locks) is a port nothing listens on."""
    app.extensions["redis"] = connect(f"redis://127.0.0.1:{_closed_port()}/0", Path(app.instance_path))[0]
    xero_access.init_app(app)


# --- refusals ---------------------------------------------------------------------------------------------------

def test_a_ready_item_of_a_business_never_connected_is_told_to_connect(admin_client, admin, coding, supplier):
    item = ready(admin, coding, supplier)
    answer = publish(admin_client, item)
    assert answer.status_code == 422 and refused_with(NOT_CONNECTED) in answer.text
    assert fresh(item).status == "ready" and not PublishAttempt.select().exists()


def test_a_connection_needing_reconnect_refuses_publishing_too(admin_client, admin, coding, supplier, connected):
    Connection.update(status="needs_reconnect").where(Connection.id == connected.id).execute()
    item = ready(admin, coding, supplier)
    answer = publish(admin_client, item)
    assert answer.status_code == 422 and refused_with(NOT_CONNECTED) in answer.text
    assert not PublishAttempt.select().exists()


def test_an_item_not_ready_is_refused_before_anything_else(admin_client, admin, supplier):
    item = not_ready(admin, supplier)  # and not connected either: the item's own state is said first
    answer = publish(admin_client, item)
    assert answer.status_code == 422 and refused_with(NOT_READY) in answer.text and NOT_CONNECTED not in answer.text


def test_publish_pressed_twice_sends_the_item_once(admin_client, admin, coding, supplier, connected):
    item = ready(admin, coding, supplier)
    assert publish(admin_client, item).status_code == 200
    again = admin_client.form(f"/b/{admin.business_id}/items/{item.id}/publish", follow_redirects=True)
    assert flashed(ALREADY) in again.text  # from a page loaded before the first press (htmx shows progress instead)
    assert PublishAttempt.select().count() == 1


def test_two_presses_that_both_read_the_item_ready_make_one_attempt(app, admin, coding, supplier, connected):
    """Two requests at the same moment: each read the item Ready before either marked it Publishing."""
    item = ready(admin, coding, supplier)
    first, second = fresh(item), fresh(item)
    with app.app_context():
        service.request_publish(first, user_id=admin.user_id)
        with pytest.raises(service.PublishRefused, match=ALREADY):
            service.request_publish(second, user_id=admin.user_id)
        outcome = service.request_bulk([second], user_id=admin.user_id, business_id=admin.business_id)  # a bulk run
    assert (outcome.queued, outcome.refused) == (0, 1)
    assert PublishAttempt.select().count() == 1 and fresh(item).status == "publishing"


def test_a_lock_date_set_after_the_item_was_ready_refuses_it_with_the_checks_message(admin_client, admin, coding,
                                                                                    supplier, connected):
    item = ready(admin, coding, supplier, day=date(2026, 5, 1))
    save_settings(admin_client, admin.business_id, docket_lock_date="2026-05-01")
    assert fresh(item).status == "ready"  # saving settings doesn't go through the items
    answer = publish(admin_client, item)
    assert answer.status_code == 422
    assert ("The date 01 May 2026 is on or before Docket&#39;s lock date 01 May 2026 for this business"
            in answer.text)
    assert not PublishAttempt.select().exists()


# --- one item ---------------------------------------------------------------------------------------------------

def test_publish_saves_an_attempt_with_its_own_key_marks_the_item_and_queues_its_job(app, admin_client, admin, coding,
                                                                                    supplier, connected):
    first, second = ready(admin, coding, supplier), ready(admin, coding, supplier, total="13.00")
    answer = publish(admin_client, first)
    assert answer.status_code == 200 and "Publishing… waiting for its turn with Xero." in answer.text
    publish(admin_client, second)
    attempts = list(PublishAttempt.select().order_by(PublishAttempt.id))
    assert [(a.item_id, a.business_id, a.requested_by_id, a.run_id, a.state) for a in attempts] == [
        (first.id, admin.business_id, admin.user_id, None, QUEUED), (second.id, admin.business_id, admin.user_id,
                                                                     None, QUEUED)]
    keys = [a.idempotency_key for a in attempts]
    assert keys[0] != keys[1] and all(str(uuid.UUID(key)) == key for key in keys)
    assert {fresh(first).status, fresh(second).status} == {"publishing"}
    assert ItemHistory.get((ItemHistory.item == first.id) & (ItemHistory.field == "status")
                           & (ItemHistory.new == "Publishing")).user_id == admin.user_id
    with app.app_context():
        assert get_queue("publishing").get_job_ids() == [a.job_id for a in attempts]
    assert all(a.message == "" for a in attempts)


def test_publish_while_the_job_queue_is_out_of_reach_is_saved_and_says_so_on_its_own_panel(
        app, admin_client, admin, coding, supplier, connected, caplog):
    earlier, item = ready(admin, coding, supplier), ready(admin, coding, supplier, total="13.00")
    publish(admin_client, earlier)  # queued while Redis answered
    redis_goes_out_of_reach(app)
    with caplog.at_level(logging.WARNING, logger="webapp.publishing.service"):
        answer = publish(admin_client, item)
    assert answer.status_code == 200 and QUEUE_UNREACHABLE in answer.text.replace("&#39;", "'")
    attempt = PublishAttempt.get(PublishAttempt.item == item.id)
    assert (attempt.state, attempt.job_id, attempt.message) == (QUEUED, "", QUEUE_UNREACHABLE)
    assert fresh(item).status == "publishing"
    first = PublishAttempt.get(PublishAttempt.item == earlier.id)
    assert first.job_id and first.message == ""  # its job is queued: nothing to say
    panel = admin_client.get(f"/b/{admin.business_id}/items/{earlier.id}/publish").text.replace("&#39;", "'")
    assert "Publishing… waiting for its turn with Xero." in panel and QUEUE_UNREACHABLE not in panel
    [record] = [r for r in caplog.records if r.name == "webapp.publishing.service"]
    assert record.levelno == logging.WARNING
    said = record.getMessage()
    assert said.startswith("job queue unreachable, 1 publish attempts wait for the sweep: ")
    assert "connecting to 127.0.0.1" in said  # Redis's own error, for the operator


# --- bulk -------------------------------------------------------------------------------------------------------

def test_bulk_publish_queues_what_may_go_as_one_run_and_says_what_was_left(app, admin_client, admin, coding, supplier,
                                                                          connected):
    items = [ready(admin, coding, supplier, total=f"{20 + n}.00") for n in range(2)]
    left = not_ready(admin, supplier)
    page = publish_selected(admin_client, admin.business_id, items + [left])
    assert flashed(f"Publishing 2 items. {NOT_SENT.format(1)}", "success") in page
    run = JobRun.get()
    assert (run.kind, run.business_id, run.requested_by_id, run.status, run.progress_total) == (
        "publish", admin.business_id, admin.user_id, RUNNING, 2)
    assert run.started_at is not None
    attempts = list(PublishAttempt.select().order_by(PublishAttempt.id))
    assert [(a.item_id, a.run_id, a.requested_by_id) for a in attempts] == [(i.id, run.id, admin.user_id)
                                                                             for i in items]
    assert [fresh(i).status for i in items + [left]] == ["publishing", "publishing", "inbox"]
    with app.app_context():
        assert len(get_queue("publishing").get_job_ids()) == 1  # the two go together, in one batch
    assert all(a.job_id and a.message == "" for a in attempts)


def test_bulk_publish_of_nothing_publishable_starts_no_run(admin_client, admin, supplier, connected):
    page = publish_selected(admin_client, admin.business_id, [not_ready(admin, supplier), not_ready(admin, supplier)])
    assert flashed(NOT_SENT.format(2)) in page
    assert not JobRun.select().exists() and not PublishAttempt.select().exists()


def test_bulk_publish_while_the_job_queue_is_out_of_reach_keeps_the_run_and_says_so(admin_client, admin, coding,
                                                                                   supplier, connected, redis_down):
    items = [ready(admin, coding, supplier, total=f"{30 + n}.00") for n in range(2)]
    page = publish_selected(admin_client, admin.business_id, items)
    assert f"Publishing 2 items. {QUEUE_UNREACHABLE}" in page
    assert [(a.job_id, a.message) for a in PublishAttempt.select()] == [("", QUEUE_UNREACHABLE)] * 2
    assert JobRun.get().progress_total == 2


@pytest.mark.parametrize("outcome, message", [
    (BulkOutcome(1, 0), "Publishing 1 item."),
    (BulkOutcome(3, 0), "Publishing 3 items."),
    (BulkOutcome(2, 1), f"Publishing 2 items. {NOT_SENT.format(1)}"),
    (BulkOutcome(0, 2), NOT_SENT.format(2)),
    (BulkOutcome(1, 0, waiting_for_queue=True), f"Publishing 1 item. {QUEUE_UNREACHABLE}"),
])
def test_the_bulk_message(outcome, message):
    assert outcome.message == message


# --- reopen and clear -------------------------------------------------------------------------------------------

def test_only_a_published_item_can_be_changed_and_published_again(admin_client, admin, coding, supplier):
    item = ready(admin, coding, supplier)
    assert admin_client.form(f"/b/{admin.business_id}/items/{item.id}/reopen").status_code == 409
    assert fresh(item).status == "ready"


def test_clearing_publishing_data_needs_a_published_or_archived_item(admin_client, admin, coding, supplier):
    item = ready(admin, coding, supplier)
    assert admin_client.form(f"/b/{admin.business_id}/items/{item.id}/clear-publishing").status_code == 409
    assert fresh(item).status == "ready"


def test_clearing_an_archived_item_brings_it_back_ready_with_no_xero_link(admin_client, admin, coding, supplier):
    item = ready(admin, coding, supplier)
    admin_client.form(f"/b/{admin.business_id}/items/{item.id}/archive")
    assert fresh(item).status == "archived"
    answer = admin_client.form(f"/b/{admin.business_id}/items/{item.id}/clear-publishing")
    assert answer.status_code == 303
    cleared = fresh(item)
    assert (cleared.status, cleared.xero_object, cleared.xero_id, cleared.xero_url, cleared.published_at,
            cleared.publish_message) == ("ready", "", "", "", None, "")
    back = ItemHistory.get((ItemHistory.item == item.id) & (ItemHistory.field == "status")
                           & (ItemHistory.old == "Archived"))
    assert (back.new, back.user_id) == ("Inbox", admin.user_id)


def published(app, admin_client, admin, coding, supplier, xero_double):
    """A bill published through a scripted Xero."""
    document = stored_document(app, admin.business_id, "Acme Fuels bill")
    item = make_coded_item(admin.business, document=document, total=Decimal("12.00"), date=date(2026, 5, 1),
                           contact=supplier, category=coding.fuel, tax_rate=coding.vat20)
    publish(admin_client, item)
    xero_double.answers += [ok({"Invoices": [invoice("inv-1")]}), ATTACHED]
    run_attempt(app, PublishAttempt.get(PublishAttempt.item == item.id))
    assert (fresh(item).status, fresh(item).xero_id) == ("published", "inv-1")
    return item


def status_changes(item) -> list[tuple]:
    return [(row.old, row.new, row.user_id) for row in ItemHistory.select().where(
        (ItemHistory.item == item.id) & (ItemHistory.field == "status")).order_by(ItemHistory.id)]


def test_a_published_item_is_not_published_again_until_reopened(app, admin_client, admin, coding, supplier,
                                                               xero_double):
    item = published(app, admin_client, admin, coding, supplier, xero_double)
    again = admin_client.form(f"/b/{admin.business_id}/items/{item.id}/publish", follow_redirects=True)
    assert flashed(ALREADY) in again.text
    assert PublishAttempt.select().count() == 1 and len(xero_double.requests) == 2


def test_a_published_item_reopened_goes_back_to_the_inbox_keeping_its_xero_link(app, admin_client, admin, coding,
                                                                                supplier, xero_double):
    item = published(app, admin_client, admin, coding, supplier, xero_double)
    answer = admin_client.form(f"/b/{admin.business_id}/items/{item.id}/reopen")
    assert answer.status_code == 303 and answer.headers["Location"] == f"/b/{admin.business_id}/items/{item.id}"
    reopened = fresh(item)
    assert (reopened.status, reopened.xero_id) == ("inbox", "inv-1")
    assert status_changes(item)[-1] == ("Published", "Inbox", admin.user_id)


def test_clearing_a_published_item_forgets_its_xero_link(app, admin_client, admin, coding, supplier, xero_double):
    item = published(app, admin_client, admin, coding, supplier, xero_double)
    answer = admin_client.form(f"/b/{admin.business_id}/items/{item.id}/clear-publishing")
    assert answer.status_code == 303
    cleared = fresh(item)
    assert (cleared.status, cleared.xero_object, cleared.xero_id, cleared.xero_url, cleared.published_at) == (
        "ready", "", "", "", None)
    assert status_changes(item)[-2:] == [("Published", "Inbox", admin.user_id), ("Inbox", "Ready", admin.user_id)]


def test_an_item_cleared_from_the_archive_is_checked_for_duplicates_again(admin_client, admin, coding, supplier):
    archived = ready(admin, coding, supplier)
    admin_client.form(f"/b/{admin.business_id}/items/{archived.id}/archive")
    same = ready(admin, coding, supplier)  # the same bill again: the archived one doesn't count
    assert not fresh(same).needs_attention
    admin_client.form(f"/b/{admin.business_id}/items/{archived.id}/clear-publishing")
    back = fresh(archived)
    assert back.needs_attention and back.duplicate_of_id == same.id
    assert back.attention_reason.startswith(f"Possible duplicate of item {same.id}")


# --- Publishing settings ----------------------------------------------------------------------------------------

FORM = {"tax_policy": "xero", "line_amounts": "inclusive", "currency_mode": "base", "costs_publish_to": "bank",
        "sales_publish_to": "bank", "costs_publish_as": "awaiting_approval", "sales_publish_as": "paid",
        "send_rate": "yes", "docket_lock_date": "2026-03-31"}


def save_settings(admin_client, business_id, **changes):
    return admin_client.form(f"/b/{business_id}/settings/publishing", {**FORM, **changes})


def test_the_publishing_settings_are_saved_as_chosen(admin_client, admin):
    before = utcnow()
    answer = save_settings(admin_client, admin.business_id)
    assert answer.status_code == 303 and answer.headers["Location"] == f"/b/{admin.business_id}/settings/publishing"
    assert "Publishing settings saved." in admin_client.get(answer.headers["Location"]).text
    saved = PublishingSettings.get(PublishingSettings.business == admin.business_id)
    assert (saved.tax_policy, saved.line_amounts, saved.currency_mode, saved.costs_publish_to, saved.sales_publish_to,
            saved.costs_publish_as, saved.sales_publish_as, saved.send_rate, saved.docket_lock_date) == (
        "xero", "inclusive", "base", "bank", "bank", "awaiting_approval", "paid", True, date(2026, 3, 31))
    assert saved.updated_by_id == admin.user_id and before <= saved.updated_at <= utcnow()


@pytest.mark.parametrize("send_rate, lock, sent, saved", [
    ("", "", False, None),  # an unticked box sends nothing at all
    ("on", " 2026-06-30 ", False, date(2026, 6, 30)),
    ("yes", "   ", True, None),
    ("yes", None, True, None),  # a form without the field: no lock date either
])
def test_send_rate_is_a_yes_and_a_blank_lock_date_is_none(admin_client, admin, send_rate, lock, sent, saved):
    save_settings(admin_client, admin.business_id, docket_lock_date="2026-01-31")
    form = {**FORM, "docket_lock_date": lock}
    if lock is None:
        del form["docket_lock_date"]
    if send_rate:
        form["send_rate"] = send_rate
    else:
        del form["send_rate"]
    assert admin_client.form(f"/b/{admin.business_id}/settings/publishing", form).status_code == 303
    settings = PublishingSettings.get(PublishingSettings.business == admin.business_id)
    assert (settings.send_rate, settings.docket_lock_date) == (sent, saved)


@pytest.mark.parametrize("field", ["tax_policy", "line_amounts", "currency_mode", "costs_publish_to",
                                   "sales_publish_to", "costs_publish_as", "sales_publish_as"])
@pytest.mark.parametrize("value", ["", "sometimes"])
def test_a_choice_not_offered_is_refused_and_nothing_is_saved(admin_client, admin, field, value):
    answer = save_settings(admin_client, admin.business_id, **{field: value})
    assert answer.status_code == 422
    assert f'<p class="field-error" id="setting-{field}-error">Choose one of the options.</p>' in answer.text
    assert answer.text.count('class="field-error"') == 1
    assert not PublishingSettings.select().exists()


def test_costs_and_sales_each_offer_their_own_destinations(admin_client, admin):
    answer = save_settings(admin_client, admin.business_id, costs_publish_to="sales", sales_publish_to="purchases")
    assert answer.status_code == 422 and answer.text.count("Choose one of the options.") == 2


@pytest.mark.parametrize("lock", ["31/03/2026", "2026-02-30"])
def test_a_lock_date_that_is_not_a_date_is_refused(admin_client, admin, lock):
    answer = save_settings(admin_client, admin.business_id, docket_lock_date=lock, tax_policy="nonsense")
    assert answer.status_code == 422
    assert ('<p class="field-error" id="setting-lock-error">Enter a date like 2026-03-31, or leave it empty for no '
            "lock date.</p>") in answer.text
    assert "Choose one of the options." in answer.text  # every message at once
    assert not PublishingSettings.select().exists()


def test_settings_saved_again_replace_the_earlier_ones(admin_client, admin):
    save_settings(admin_client, admin.business_id)
    save_settings(admin_client, admin.business_id, tax_policy="docket", docket_lock_date="")
    [saved] = PublishingSettings.select()
    assert (saved.tax_policy, saved.docket_lock_date) == ("docket", None)
