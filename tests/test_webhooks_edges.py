"""Webhook edges: what the log tells an operator about ignored events, the 30-day clean-up and its hourly pace,
field length limits at their boundaries, letter case, signature variants and the re-fetch jobs' ids."""
import base64
import hashlib
import hmac
import logging
import re
from datetime import datetime, timedelta

import pytest
import redis
from rq import Queue

from tests.conftest import REDIS_URL
from tests.test_webhooks import OTHER_TENANT, TRAVIS, UK_TENANT, connected, deliver, event, payload, queued, sign
from webapp.webhooks import service
from webapp.webhooks.models import WebhookEvent
from xero_sandbox.accounting import seed

JEWSON = seed.contact_id("uk", "Jewson Ltd")
INVOICE_ID = "6a3d7c1e-8f0a-4b6e-9f27-1d2c3b4a5e6f"
THIRD_TENANT = "0b7e6f3c-0000-4000-8000-000000000002"
LOGGER = "webapp.webhooks"


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.INFO, logger=LOGGER)
    return caplog


def lines(caplog, start: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith(start)]


def jobs() -> list:
    return Queue("sync", connection=redis.Redis.from_url(REDIS_URL)).jobs


# --- what the log says about ignored events ---------------------------------------------------------------------

def test_events_of_unhandled_categories_are_logged_one_line_each_and_not_stored(client, admin, logs):
    connected(admin.business_id)
    body = payload(event(category="SUBSCRIPTION"), event(JEWSON, category="SUBSCRIPTION"),
                   event(tenant=OTHER_TENANT, category="PAYMENT"), event())
    assert deliver(client, body).status_code == 200
    assert sorted(lines(logs, "webhook event ignored")) == [
        f"webhook event ignored category=PAYMENT tenant_id={OTHER_TENANT}",
        f"webhook event ignored category=SUBSCRIPTION tenant_id={UK_TENANT}",
        f"webhook event ignored category=SUBSCRIPTION tenant_id={UK_TENANT}",
    ]
    # the unhandled tenant is not "unknown": its only event was of a category ignored anyway
    assert lines(logs, "webhook events ignored") == []
    stored, = WebhookEvent.select()
    assert (stored.event_category, stored.resource_id) == ("CONTACT", TRAVIS)
    assert lines(logs, "webhook accepted") == ["webhook accepted events=4 new=1 replayed=0 jobs=1"]


def test_unknown_tenants_are_logged_once_each_with_their_id(client, admin, logs):
    connected(admin.business_id)
    body = payload(event(tenant=OTHER_TENANT), event(JEWSON, tenant=OTHER_TENANT),
                   event(INVOICE_ID, tenant=THIRD_TENANT, category="INVOICE"), event())
    assert deliver(client, body).status_code == 200
    assert sorted(lines(logs, "webhook events ignored")) == [
        f"webhook events ignored reason=unknown_tenant tenant_id={OTHER_TENANT}",
        f"webhook events ignored reason=unknown_tenant tenant_id={THIRD_TENANT}",
    ]
    assert lines(logs, "webhook event ignored ") == []
    assert [(e.tenant_id, e.resource_id) for e in WebhookEvent.select()] == [(UK_TENANT, TRAVIS)]
    assert lines(logs, "webhook accepted") == ["webhook accepted events=4 new=1 replayed=0 jobs=1"]


def test_connected_tenant_is_not_reported_unknown(client, admin, logs):
    connected(admin.business_id)
    assert deliver(client, payload(event(), event(INVOICE_ID, category="INVOICE"))).status_code == 200
    assert [line for line in lines(logs, "webhook ") if not line.startswith("webhook accepted")] == [
        f"webhook invoice event recorded tenant_id={UK_TENANT} invoice_id={INVOICE_ID} event_type=UPDATE"]


def test_accepted_line_counts_new_replayed_and_jobs(client, admin, outsider, logs):
    connected(admin.business_id)
    connected(outsider.business_id)
    deliver(client, payload(event()))
    deliver(client, payload(event(), event(JEWSON), event(INVOICE_ID, category="INVOICE", event_type="CREATE")))
    deliver(client, payload(event(INVOICE_ID, category="INVOICE", event_type="CREATE")))
    assert lines(logs, "webhook accepted") == ["webhook accepted events=1 new=1 replayed=0 jobs=2",
                                               "webhook accepted events=3 new=2 replayed=1 jobs=2",
                                               "webhook accepted events=1 new=0 replayed=1 jobs=0"]
    assert lines(logs, "webhook invoice event recorded") == [
        f"webhook invoice event recorded tenant_id={UK_TENANT} invoice_id={INVOICE_ID} event_type=CREATE"]
    assert queued() == 4


def test_each_business_job_carries_only_its_tenants_new_contacts(client, admin, outsider):
    connected(admin.business_id)
    connected(outsider.business_id, tenant_id=OTHER_TENANT)
    deliver(client, payload(event()))
    body = payload(event(), event(JEWSON), event(INVOICE_ID, category="INVOICE"),
                   event(INVOICE_ID, tenant=OTHER_TENANT), event(TRAVIS, tenant=OTHER_TENANT, category="INVOICE"))
    assert deliver(client, body).status_code == 200
    ids = {job.args[0]: job.kwargs["contact_ids"] for job in jobs()[1:]}
    assert ids == {admin.business_id: [JEWSON], outsider.business_id: [INVOICE_ID]}


def test_only_invoice_events_queue_no_job(client, admin):
    connected(admin.business_id)
    assert deliver(client, payload(event(INVOICE_ID, category="INVOICE"))).status_code == 200
    assert queued() == 0 and WebhookEvent.select().count() == 1


# --- malformed deliveries: what the log says ---------------------------------------------------------------------

@pytest.mark.parametrize("body, detail", [
    (b"{not json", "not JSON"),
    (b'{"events": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "not JSON"),
    (b"[]", "no events list"),
    (b'{"events": {}}', "no events list"),
    (b'{"entropy": "x"}', "no events list"),
])
def test_malformed_delivery_is_logged_with_why(client, admin, caplog, body, detail):
    connected(admin.business_id)
    assert deliver(client, body).status_code == 400
    assert f"webhook refused reason=malformed detail={detail}\n" in caplog.text + "\n"
    assert caplog.text.count("reason=malformed") == 1


def test_duplicate_events_within_one_delivery_count_once(client, admin, logs):
    connected(admin.business_id)
    assert deliver(client, payload(event(), event(), event(JEWSON))).status_code == 200
    assert lines(logs, "webhook accepted") == ["webhook accepted events=2 new=2 replayed=0 jobs=1"]
    assert "skipped" not in logs.text


def test_skipped_events_are_warnings(client, admin, caplog):
    connected(admin.business_id)
    caplog.set_level(logging.WARNING, logger=LOGGER)
    deliver(client, payload({**event(), "resourceId": "x"}, event()))
    assert [(r.levelname, r.getMessage()) for r in caplog.records if "skipped" in r.getMessage()] == [
        ("WARNING", "webhook event skipped reason=malformed")]


# --- field limits and letter case ---------------------------------------------------------------------------------

def pad(text: str, length: int) -> str:
    return text + "0" * (length - len(text))


def test_event_type_of_20_characters_is_stored_and_21_is_skipped(client, admin, logs):
    connected(admin.business_id)
    body = payload(event(event_type="U" * 20), event(JEWSON, event_type="U" * 21))
    assert deliver(client, body).status_code == 200
    stored, = WebhookEvent.select()
    assert (stored.resource_id, stored.event_type) == (TRAVIS, "U" * 20)
    assert logs.text.count("webhook event skipped reason=malformed") == 1


def test_event_date_of_40_characters_is_stored_and_41_is_skipped(client, admin, logs):
    connected(admin.business_id)
    body = payload(event(date=pad("2026-11-25T10:15:39.9", 40)), event(JEWSON, date=pad("2026-11-25T10:15:39.9", 41)))
    assert deliver(client, body).status_code == 200
    stored, = WebhookEvent.select()
    assert (stored.resource_id, stored.event_date_utc) == (TRAVIS, pad("2026-11-25T10:15:39.9", 40))
    assert logs.text.count("webhook event skipped reason=malformed") == 1


def test_category_of_40_characters_is_read_and_41_is_skipped(client, admin, logs):
    connected(admin.business_id)
    body = payload(event(category="C" * 40), event(JEWSON, category="C" * 41))
    assert deliver(client, body).status_code == 200
    assert lines(logs, "webhook event ignored") == [f"webhook event ignored category={'C' * 40} tenant_id={UK_TENANT}"]
    assert logs.text.count("webhook event skipped reason=malformed") == 1


def test_one_character_fields_are_read(client, admin, logs):
    connected(admin.business_id)
    assert deliver(client, payload(event(event_type="u", date="d"), event(JEWSON, category="c"))).status_code == 200
    stored, = WebhookEvent.select()
    assert (stored.resource_id, stored.event_type, stored.event_date_utc) == (TRAVIS, "U", "d")
    assert lines(logs, "webhook event ignored") == [f"webhook event ignored category=C tenant_id={UK_TENANT}"]


@pytest.mark.parametrize("field", ["eventCategory", "eventType", "eventDateUtc"])
@pytest.mark.parametrize("value", ["", "UP\x00DATE", 7, None])
def test_empty_or_nul_or_non_text_fields_are_skipped(client, admin, logs, field, value):
    connected(admin.business_id)
    assert deliver(client, payload({**event(), field: value}, event(JEWSON))).status_code == 200
    assert [e.resource_id for e in WebhookEvent.select()] == [JEWSON]
    assert logs.text.count("webhook event skipped reason=malformed") == 1


def test_lower_case_category_and_event_type_are_normalised(client, admin):
    connected(admin.business_id)
    assert deliver(client, payload(event(category="contact", event_type="update"))).status_code == 200
    stored, = WebhookEvent.select()
    assert (stored.event_category, stored.event_type) == ("CONTACT", "UPDATE")
    assert queued() == 1
    # the same event in upper case is a replay
    assert deliver(client, payload(event())).status_code == 200
    assert WebhookEvent.select().count() == 1 and queued() == 1


def test_upper_case_ids_are_stored_in_canonical_lower_case(client, admin):
    connected(admin.business_id)
    assert deliver(client, payload(event(TRAVIS.upper(), tenant=UK_TENANT.upper()))).status_code == 200
    stored, = WebhookEvent.select()
    assert (stored.tenant_id, stored.resource_id) == (UK_TENANT, TRAVIS)
    job, = jobs()
    assert job.kwargs["contact_ids"] == [TRAVIS]


# --- signatures ---------------------------------------------------------------------------------------------------

KEY = "webhook-key"
BODY = b'{"events":[]}'


def test_signature_of_the_body_with_the_key_is_valid():
    assert service.signature_is_valid(BODY, sign(BODY, KEY), KEY)


@pytest.mark.parametrize("signature, key", [
    pytest.param(sign(BODY, KEY), "", id="no-key"),
    pytest.param(sign(BODY, KEY), "webhook-kez", id="wrong-key"),
    pytest.param(sign(BODY + b" ", KEY), KEY, id="wrong-body"),
    pytest.param(None, KEY, id="missing"),
    pytest.param("", KEY, id="empty"),
    pytest.param(sign(BODY, KEY).rstrip("="), KEY, id="unpadded-base64"),
    pytest.param(base64.urlsafe_b64encode(hmac.new(b"k", b"", hashlib.sha256).digest()).decode(), "k",
                 id="url-safe-base64"),
    pytest.param(hmac.new(KEY.encode(), BODY, hashlib.sha256).hexdigest(), KEY, id="hex"),
    pytest.param(sign(BODY, KEY)[:-2] + "é=", KEY, id="non-ascii"),
])
def test_other_signatures_are_refused(signature, key):
    assert service.signature_is_valid(BODY, signature, key) is False


def test_an_empty_key_refuses_even_the_signature_made_with_it():
    assert service.signature_is_valid(BODY, sign(BODY, ""), "") is False


def test_whitespace_around_the_signature_header_is_tolerated():
    assert service.signature_is_valid(BODY, f" {sign(BODY, KEY)}\t", KEY)


def test_url_safe_signature_differs_from_standard_when_it_should():
    """A key/body whose digest has + or / in base64: the url-safe spelling is refused."""
    for n in range(100):
        body = b"%d" % n
        standard = sign(body, KEY)
        if "+" in standard or "/" in standard:
            break
    safe = standard.replace("+", "-").replace("/", "_")
    assert service.signature_is_valid(body, standard, KEY) and not service.signature_is_valid(body, safe, KEY)


# --- job ids ------------------------------------------------------------------------------------------------------

def test_job_id_is_the_same_for_the_same_events_in_any_order(client, admin, app):
    connected(admin.business_id)
    deliver(client, payload(event(), event(JEWSON)))
    first, = jobs()
    WebhookEvent.delete().execute()  # as if the keys had been pruned
    redis.Redis.from_url(REDIS_URL).flushdb()
    deliver(client, payload(event(JEWSON), event()))
    second, = jobs()
    assert second.id == first.id
    assert re.fullmatch(rf"webhook-contacts-{admin.business_id}-[0-9a-f]{{20}}", first.id)


def test_different_events_get_different_job_ids(client, admin, outsider):
    connected(admin.business_id)
    connected(outsider.business_id, tenant_id=OTHER_TENANT)
    deliver(client, payload(event(date="2026-11-25T10:15:39.902")))
    deliver(client, payload(event(date="2026-11-25T10:16:02.118")))
    deliver(client, payload(event(event_type="CREATE")))
    deliver(client, payload(event(JEWSON)))
    deliver(client, payload(event(tenant=OTHER_TENANT)))
    ids = [job.id for job in jobs()]
    assert len(ids) == 5 and len(set(ids)) == 5
    # the id of one business's job does not depend on the other tenant's events in the same delivery
    WebhookEvent.delete().execute()
    redis.Redis.from_url(REDIS_URL).flushdb()
    deliver(client, payload(event(tenant=OTHER_TENANT), event(date="2026-11-25T10:15:39.902")))
    assert sorted(job.id for job in jobs()) == sorted([ids[0], ids[4]])


# --- the 30-day clean-up, at most once an hour -------------------------------------------------------------------

class Clock:
    def __init__(self, monkeypatch, start: datetime):
        self.now = start
        monkeypatch.setattr(service, "utcnow", lambda: self.now)


def an_hour_passes():
    """The clean-up's once-an-hour marker lives in Redis with a TTL; drop it as its expiry would."""
    redis.Redis.from_url(REDIS_URL).delete("docket:webhooks:pruned")


def test_records_are_kept_30_days_and_pruned_after(client, admin, logs, monkeypatch):
    connected(admin.business_id)
    start = datetime(2026, 11, 1, 9, 0, 0)
    clock = Clock(monkeypatch, start)
    deliver(client, payload(event(date="first")))
    clock.now = start + timedelta(days=20)
    an_hour_passes()
    deliver(client, payload(event(date="second")))
    assert sorted(e.event_date_utc for e in WebhookEvent.select()) == ["first", "second"]

    clock.now = start + timedelta(days=30)  # exactly 30 days: kept
    an_hour_passes()
    deliver(client, payload(event(date="third")))
    assert sorted(e.event_date_utc for e in WebhookEvent.select()) == ["first", "second", "third"]
    assert lines(logs, "webhook events pruned") == []

    clock.now = start + timedelta(days=30, microseconds=1)
    an_hour_passes()
    deliver(client, payload(event(date="fourth")))
    assert sorted(e.event_date_utc for e in WebhookEvent.select()) == ["fourth", "second", "third"]
    assert lines(logs, "webhook events pruned") == ["webhook events pruned removed=1"]

    # a replay of the pruned event is new again (harmless: one more re-read)
    clock.now = start + timedelta(days=61)
    an_hour_passes()
    deliver(client, payload(event(date="first")))
    assert [e.event_date_utc for e in WebhookEvent.select()] == ["first"]
    assert lines(logs, "webhook events pruned") == ["webhook events pruned removed=1",
                                                    "webhook events pruned removed=3"]


def test_clean_up_runs_at_most_once_an_hour(client, admin, logs, monkeypatch):
    connected(admin.business_id)
    start = datetime(2026, 11, 1, 9, 0, 0)
    clock = Clock(monkeypatch, start)
    deliver(client, payload(event(date="first")))
    clock.now = start + timedelta(days=31)
    deliver(client, payload(event(date="second")))  # within the hour of the first clean-up: not pruned yet
    assert WebhookEvent.select().count() == 2
    ttl = redis.Redis.from_url(REDIS_URL).ttl("docket:webhooks:pruned")
    assert 3500 < ttl <= 3600
    an_hour_passes()
    deliver(client, payload(event(date="third")))
    assert sorted(e.event_date_utc for e in WebhookEvent.select()) == ["second", "third"]
    assert lines(logs, "webhook events pruned") == ["webhook events pruned removed=1"]


def test_prune_old_events_counts_what_it_removed(app, monkeypatch):
    start = datetime(2026, 11, 1, 9, 0, 0)
    clock = Clock(monkeypatch, start)
    for n in range(3):
        service._record(service.Event(UK_TENANT, "CONTACT", "UPDATE", TRAVIS, f"d{n}"))
        clock.now += timedelta(days=1)
    clock.now = start + timedelta(days=31, hours=12)
    assert service.prune_old_events() == 2
    assert [e.event_date_utc for e in WebhookEvent.select()] == ["d2"]
    assert service.prune_old_events() == 0


def test_received_before_is_strictly_before(app, monkeypatch):
    moment = datetime(2026, 11, 1, 9, 0, 0)
    Clock(monkeypatch, moment)
    service._record(service.Event(UK_TENANT, "CONTACT", "UPDATE", TRAVIS, "d"))
    assert WebhookEvent.received_before(moment).count() == 0
    assert WebhookEvent.received_before(moment + timedelta(microseconds=1)).count() == 1


def test_record_is_true_only_for_the_first_time(app):
    key = service.Event(UK_TENANT, "CONTACT", "UPDATE", TRAVIS, "d")
    assert [service._record(key), service._record(key)] == [True, False]
