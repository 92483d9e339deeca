"""POST /webhooks/xero: signatures, intent to receive, de-duplicated events, and contacts re-fetched from Xero."""
import base64
import hashlib
import hmac
import json
import logging
import threading
from datetime import timedelta

import pytest
import redis
import requests

from tests.conftest import REDIS_URL
from tests.test_integrations_flow import connect
from tests.test_jobs import _work
from webapp.accounts.models import utcnow
from webapp.config import DEV_WEBHOOK_KEY, load_settings
from webapp.integrations.models import NEEDS_RECONNECT, Connection
from webapp.lists.models import Contact
from webapp.webhooks.models import WebhookEvent
from xero_sandbox.accounting import seed

URL = "/webhooks/xero"
UK_TENANT = seed.tenant_id("uk")
TRAVIS = seed.contact_id("uk", "Travis Perkins")
OTHER_TENANT = "0b7e6f3c-0000-4000-8000-000000000001"


def sign(body: bytes, key: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def event(resource_id=TRAVIS, *, tenant=UK_TENANT, category="CONTACT", event_type="UPDATE",
          date="2026-11-25T10:15:39.902") -> dict:
    resource = "Contacts" if category == "CONTACT" else "Invoices"
    return {"resourceUrl": f"https://api.xero.com/api.xro/2.0/{resource}/{resource_id}", "resourceId": resource_id,
            "eventDateUtc": date, "eventType": event_type, "eventCategory": category, "tenantId": tenant,
            "tenantType": "ORGANISATION"}


def payload(*events: dict) -> bytes:
    sequence = 0 if not events else 7
    return json.dumps({"events": list(events), "firstEventSequence": sequence,
                       "lastEventSequence": sequence + max(len(events) - 1, 0), "entropy": "S0m3r4Nd0mt3xt"},
                      separators=(",", ":")).encode()


def deliver(client, body: bytes, signature: str | None = "sign"):
    headers = {"Content-Type": "application/json"}
    if signature == "sign":
        signature = sign(body, client.application.config["XERO_WEBHOOK_KEY"])
    if signature is not None:
        headers["x-xero-signature"] = signature
    return client.post(URL, data=body, headers=headers)


def queued(name: str = "sync") -> int:
    return redis.Redis.from_url(REDIS_URL).llen(f"rq:queue:{name}")


def connected(business_id: int, tenant_id: str = UK_TENANT, **fields) -> Connection:
    """A connection row as the connect flow leaves it (enough for the receiver, which never calls Xero)."""
    return Connection.create(business=business_id, tenant_id=tenant_id, **fields)


def rename_at_xero(sandbox_url: str, contact_id: str, name: str) -> None:
    response = requests.put(f"{sandbox_url}/operator/api/contacts/{contact_id}/name", json={"name": name}, timeout=10)
    assert response.status_code == 200, response.text


def test_intent_to_receive_is_answered_200_with_no_body_and_no_cookie(client):
    response = deliver(client, payload())
    assert response.status_code == 200 and response.data == b""
    assert "Set-Cookie" not in response.headers
    assert WebhookEvent.select().count() == 0 and queued() == 0


@pytest.mark.parametrize("signature", [
    pytest.param(lambda body, key: None, id="missing-header"),
    pytest.param(lambda body, key: "", id="empty-header"),
    pytest.param(lambda body, key: "wrong", id="garbage"),
    pytest.param(lambda body, key: sign(body, key + "x"), id="other-key"),
    pytest.param(lambda body, key: sign(json.dumps(json.loads(body)).encode(), key), id="re-serialised-body"),
])
def test_bad_or_missing_signature_is_401_and_nothing_is_stored_or_queued(client, admin, signature):
    connected(admin.business_id)
    body = payload(event())
    response = deliver(client, body, signature(body, client.application.config["XERO_WEBHOOK_KEY"]))
    assert response.status_code == 401 and response.data == b""
    assert "Set-Cookie" not in response.headers
    assert WebhookEvent.select().count() == 0 and queued() == 0


def test_wrongly_signed_intent_to_receive_is_401(client):
    body = payload()
    response = deliver(client, body, sign(body, client.application.config["XERO_WEBHOOK_KEY"] + "-wrong"))
    assert response.status_code == 401 and response.data == b""
    assert WebhookEvent.select().count() == 0


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"events": {}}', b'{"entropy": "x"}', b"\xff\xfe\x00"])
def test_malformed_payload_with_a_valid_signature_is_400_and_nothing_is_stored(client, admin, body):
    connected(admin.business_id)
    response = deliver(client, body)
    assert response.status_code == 400 and response.data == b""
    assert WebhookEvent.select().count() == 0 and queued() == 0


def test_body_over_one_megabyte_is_413_and_nothing_is_stored(client, admin):
    connected(admin.business_id)
    body = payload(event()) + b" " * (1024 * 1024)
    response = deliver(client, body)
    assert response.status_code == 413 and response.data == b""
    assert WebhookEvent.select().count() == 0 and queued() == 0


def test_signature_is_checked_over_the_raw_bytes(client, admin):
    """Unusual whitespace and non-ASCII text: re-serialising the JSON before hashing would fail this."""
    connected(admin.business_id)
    body = ('{ "events" : [ ' + json.dumps(event(), indent=3) + ' ],\n "firstEventSequence": 1,'
            '"lastEventSequence": 1, "entropy": "Ünïcødé ✓" }').encode()
    response = deliver(client, body)
    assert response.status_code == 200 and response.data == b""
    assert WebhookEvent.select().count() == 1 and queued() == 1


def test_contact_event_queues_one_targeted_job_with_ids_only(client, admin, monkeypatch):
    from webapp.xero.client import XeroClient

    def no_xero_in_the_request(*args, **kwargs):
        raise AssertionError("the webhook request must not call Xero (it has 5 seconds to answer)")

    monkeypatch.setattr(XeroClient, "request", no_xero_in_the_request)
    connected(admin.business_id)
    second = seed.contact_id("uk", "Jewson Ltd")
    response = deliver(client, payload(event(), event(second), event(second, event_type="CREATE")))
    assert response.status_code == 200
    assert queued() == 1 and WebhookEvent.select().count() == 3
    from rq import Queue

    job, = Queue("sync", connection=redis.Redis.from_url(REDIS_URL)).jobs
    assert job.func_name == "jobs.webhooks.refresh_contacts"
    assert job.args == (admin.business_id,) and job.kwargs == {"contact_ids": sorted([TRAVIS, second])}


def test_malformed_events_are_skipped_and_the_rest_processed(client, admin, caplog):
    connected(admin.business_id)
    bad = [event("not-a-uuid"), {**event(), "tenantId": None}, {**event(), "eventDateUtc": ""}, "CONTACT"]
    response = deliver(client, payload(*bad, event()))
    assert response.status_code == 200
    stored, = WebhookEvent.select()
    assert stored.resource_id == TRAVIS and queued() == 1
    assert caplog.text.count("webhook event skipped reason=malformed") == 4


def test_replayed_delivery_is_processed_once(client, admin):
    connected(admin.business_id)
    body = payload(event())
    assert [deliver(client, body).status_code for _ in range(3)] == [200, 200, 200]
    assert queued() == 1 and WebhookEvent.select().count() == 1


def test_a_later_change_to_the_same_contact_is_processed_again(client, admin):
    connected(admin.business_id)
    deliver(client, payload(event(date="2026-11-25T10:15:39.902")))
    deliver(client, payload(event(date="2026-11-25T10:16:02.118")))
    assert queued() == 2 and WebhookEvent.select().count() == 2


def test_concurrent_identical_deliveries_queue_one_job(app, admin, live_server):
    connected(admin.business_id)
    body = payload(event())
    headers = {"Content-Type": "application/json", "x-xero-signature": sign(body, app.config["XERO_WEBHOOK_KEY"])}
    start, statuses = threading.Barrier(6), []

    def post():
        start.wait()
        statuses.append(requests.post(live_server.url + URL, data=body, headers=headers, timeout=10).status_code)

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 6
    assert queued() == 1 and WebhookEvent.select().count() == 1


@pytest.mark.parametrize("status", ["unknown", NEEDS_RECONNECT])
def test_event_for_a_tenant_without_a_live_connection_is_ignored_with_200(client, admin, caplog, status):
    if status != "unknown":
        connected(admin.business_id, status=status)
    caplog.set_level(logging.INFO, logger="webapp.webhooks.service")
    response = deliver(client, payload(event(tenant=UK_TENANT if status != "unknown" else OTHER_TENANT)))
    assert response.status_code == 200 and response.data == b""
    assert WebhookEvent.select().count() == 0 and queued() == 0
    assert "reason=unknown_tenant" in caplog.text


def test_invoice_event_is_recorded_once_and_queues_nothing(client, admin, caplog):
    connected(admin.business_id)
    caplog.set_level(logging.INFO, logger="webapp.webhooks.service")
    invoice_id = "6a3d7c1e-8f0a-4b6e-9f27-1d2c3b4a5e6f"
    body = payload(event(invoice_id, category="INVOICE", event_type="CREATE"))
    assert [deliver(client, body).status_code for _ in range(2)] == [200, 200]
    stored, = WebhookEvent.select()
    assert (stored.event_category, stored.resource_id, stored.tenant_id) == ("INVOICE", invoice_id, UK_TENANT)
    assert queued() == 0
    assert caplog.text.count(f"webhook invoice event recorded tenant_id={UK_TENANT} invoice_id={invoice_id}") == 1


def test_every_business_connected_to_the_tenant_gets_its_own_job(client, admin, outsider):
    connected(admin.business_id)
    connected(outsider.business_id)
    assert deliver(client, payload(event())).status_code == 200
    assert queued() == 2 and WebhookEvent.select().count() == 1


def test_keys_older_than_30_days_are_pruned(client, admin):
    connected(admin.business_id)
    old = WebhookEvent.create(tenant_id=UK_TENANT, event_category="CONTACT", event_type="UPDATE",
                              resource_id=TRAVIS, event_date_utc="2026-10-01T09:00:00.000")
    WebhookEvent.update(received_at=utcnow() - timedelta(days=31)).where(WebhookEvent.id == old.id).execute()
    deliver(client, payload(event()))
    assert [e.event_date_utc for e in WebhookEvent.select()] == ["2026-11-25T10:15:39.902"]


def test_production_without_a_key_answers_503(client, caplog):
    client.application.config["XERO_WEBHOOK_KEY"] = ""
    response = client.post(URL, data=payload(), headers={"x-xero-signature": sign(payload(), "")})
    assert response.status_code == 503 and response.text == "Webhooks are not configured"
    assert "reason=not_configured" in caplog.text
    assert WebhookEvent.select().count() == 0


PRODUCTION = {"DOCKET_ENV": "production", "SECRET_KEY": "s", "TOKEN_ENCRYPTION_KEYS": "k", "XERO_CLIENT_ID": "id",
              "XERO_CLIENT_SECRET": "secret", "PUBLIC_URL": "https://docket.example"}


@pytest.mark.parametrize("environ, key", [
    ({**PRODUCTION}, ""),
    ({"DOCKET_ENV": "development"}, DEV_WEBHOOK_KEY),
    ({**PRODUCTION, "XERO_WEBHOOK_KEY": "abc"}, "abc"),
])
def test_webhook_key_setting_defaults_only_outside_production(tmp_path, environ, key):
    settings = load_settings({**environ, "DOCKET_INSTANCE_PATH": str(tmp_path)})
    assert settings.xero_webhook_key == key


def test_renamed_contact_is_fetched_from_xero_not_taken_from_the_event(xero_app, admin_client, admin, sandbox):
    connect(admin_client, admin.business_id, sandbox=sandbox)
    Contact.create(business=admin.business_id, xero_id=TRAVIS, name="Travis Perkins", is_supplier=True)
    rename_at_xero(sandbox.url, TRAVIS, "Travis Perkins Trading Ltd")
    forged = {**event(), "Name": "Not From Xero"}
    assert deliver(xero_app.test_client(), payload(forged)).status_code == 200
    assert queued() == 1
    _work(xero_app)
    contact, = Contact.select().where(Contact.business == admin.business_id)
    assert (contact.xero_id, contact.name) == (TRAVIS, "Travis Perkins Trading Ltd")
    assert queued() == 0


def test_refresh_contacts_job_is_idempotent(xero_app, admin_client, admin, sandbox):
    from jobs.webhooks import refresh_contacts

    connect(admin_client, admin.business_id, sandbox=sandbox)
    rename_at_xero(sandbox.url, TRAVIS, "Travis Perkins Group")
    with xero_app.app_context():
        refresh_contacts(admin.business_id, contact_ids=[TRAVIS])
        refresh_contacts(admin.business_id, contact_ids=[TRAVIS])
    contact, = Contact.select().where(Contact.business == admin.business_id)
    assert (contact.xero_id, contact.name, contact.status) == (TRAVIS, "Travis Perkins Group", "ACTIVE")


def test_refresh_contacts_for_a_disconnected_business_does_nothing(xero_app, admin_client, admin, sandbox):
    from jobs.webhooks import refresh_contacts

    connection = connect(admin_client, admin.business_id, sandbox=sandbox)
    Connection.update(status=NEEDS_RECONNECT).where(Connection.id == connection.id).execute()
    with xero_app.app_context():
        refresh_contacts(admin.business_id, contact_ids=[TRAVIS])
    assert Contact.select().count() == 0


def _point_sandbox_at(sandbox, docket_url: str, key: str) -> None:
    sandbox.server.app.config.update(SANDBOX_WEBHOOK_URL=docket_url + URL, SANDBOX_WEBHOOK_KEY=key,
                                     SANDBOX_WEBHOOK_BACKGROUND=False)


def test_end_to_end_sandbox_rename_reaches_docket(xero_app, admin_client, admin, sandbox, live_server):
    connect(admin_client, admin.business_id, sandbox=sandbox)
    _point_sandbox_at(sandbox, live_server.url, xero_app.config["XERO_WEBHOOK_KEY"])
    rename_at_xero(sandbox.url, TRAVIS, "Travis Perkins (Webhook)")
    delivery, = requests.get(f"{sandbox.url}/operator/api/webhooks/deliveries", timeout=10).json()["deliveries"]
    assert delivery["status"] == 200
    assert queued() == 1 and WebhookEvent.select().count() == 1
    _work(xero_app)
    contact, = Contact.select().where(Contact.business == admin.business_id)
    assert (contact.xero_id, contact.name) == (TRAVIS, "Travis Perkins (Webhook)")


def test_end_to_end_intent_to_receive_is_validated(xero_app, sandbox, live_server):
    _point_sandbox_at(sandbox, live_server.url, xero_app.config["XERO_WEBHOOK_KEY"])
    response = requests.post(f"{sandbox.url}/operator/api/webhooks/intent-to-receive", timeout=10)
    assert [d["status"] for d in response.json()["deliveries"]] == [200, 401]
    assert WebhookEvent.select().count() == 0 and queued() == 0
