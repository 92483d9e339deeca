"""Webhook delivery: Xero's payload and signature, sent after contact/invoice changes, and intent-to-receive."""
import base64
import hashlib
import hmac
import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from openapi_schema_validator import OAS31Validator

from xero_sandbox import create_app
from xero_sandbox.accounting import seed

from .accounting_helpers import UK, bill, make_api, sandbox_config, seeded_db_template  # noqa: F401

KEY = "webhook-key-for-tests"
WEBHOOK_SPEC = Path(__file__).resolve().parents[2] / "xero_sandbox/spec/xero-webhooks.yaml"


@pytest.fixture(scope="module")
def event_schema() -> dict:
    return yaml.safe_load(WEBHOOK_SPEC.read_text())["components"]["schemas"]["WebhookEvent"]


class Receiver:
    """A local HTTP endpoint that records every POST (body and headers)."""

    def __init__(self):
        self.requests: list[tuple[bytes, dict]] = []
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((body, dict(self.headers)))
                receiver.arrived.set()
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/xero/webhooks"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def payloads(self) -> list[dict]:
        return [json.loads(body) for body, _ in self.requests]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def app_with_webhooks(template, tmp_path, url, background=False):
    target = tmp_path / "sandbox.db"
    shutil.copyfile(template, target)
    return create_app(sandbox_config(str(target), SANDBOX_WEBHOOK_URL=url, SANDBOX_WEBHOOK_KEY=KEY,
                                     SANDBOX_WEBHOOK_BACKGROUND=background))


def signature_ok(body: bytes, headers: dict) -> bool:
    expected = base64.b64encode(hmac.new(KEY.encode(), body, hashlib.sha256).digest()).decode()
    return headers.get("x-xero-signature") == expected


def test_contact_update_sends_a_signed_xero_payload(seeded_db_template, tmp_path, receiver, event_schema):
    app = app_with_webhooks(seeded_db_template, tmp_path, receiver.url)
    api = make_api(app, UK)
    contact_id = seed.contact_id("uk", "Jewson Ltd")
    assert api.post(f"/Contacts/{contact_id}", {"ContactStatus": "ARCHIVED"}).status_code == 200
    (body, headers), = receiver.requests
    assert signature_ok(body, headers)
    payload = json.loads(body)
    OAS31Validator(event_schema).validate(payload)
    assert set(payload) == {"events", "firstEventSequence", "lastEventSequence", "entropy"}
    event, = payload["events"]
    assert event["resourceUrl"] == f"https://api.xero.com/api.xro/2.0/Contacts/{contact_id}"
    assert (event["resourceId"], event["eventType"], event["eventCategory"]) == (contact_id, "UPDATE", "CONTACT")
    assert (event["tenantId"], event["tenantType"]) == (UK, "ORGANISATION")
    assert payload["firstEventSequence"] == payload["lastEventSequence"] >= 1


def test_invoice_create_sends_invoice_event_and_failed_batch_sends_nothing(seeded_db_template, tmp_path, receiver,
                                                                           event_schema):
    app = app_with_webhooks(seeded_db_template, tmp_path, receiver.url)
    api = make_api(app, UK)
    assert api.put("/Invoices", {"Invoices": [bill(CurrencyCode="JPY")]}).status_code == 400
    assert receiver.requests == []
    invoice = api.put("/Invoices", {"Invoices": [bill(), bill(InvoiceNumber="B-2")]}).get_json()["Invoices"]
    payload, = receiver.payloads()
    OAS31Validator(event_schema).validate(payload)
    assert [(e["eventCategory"], e["eventType"], e["resourceId"]) for e in payload["events"]] == [
        ("INVOICE", "CREATE", invoice[0]["InvoiceID"]), ("INVOICE", "CREATE", invoice[1]["InvoiceID"])]
    assert payload["lastEventSequence"] == payload["firstEventSequence"] + 1


def test_operator_rename_sends_contact_update(seeded_db_template, tmp_path, receiver):
    app = app_with_webhooks(seeded_db_template, tmp_path, receiver.url)
    contact_id = seed.contact_id("uk", "Toolstation")
    response = app.test_client().put(f"/operator/api/contacts/{contact_id}/name", json={"name": "Toolstation Ltd"})
    assert response.status_code == 200
    event, = receiver.payloads()[0]["events"]
    assert (event["resourceId"], event["eventType"]) == (contact_id, "UPDATE")


def test_delivery_runs_in_the_background_by_default(seeded_db_template, tmp_path, receiver):
    app = app_with_webhooks(seeded_db_template, tmp_path, receiver.url, background=True)
    api = make_api(app, UK)
    api.put("/Contacts", {"Contacts": [{"Name": "Background Test Ltd"}]})
    assert receiver.arrived.wait(5)
    assert receiver.payloads()[0]["events"][0]["eventType"] == "CREATE"


def test_intent_to_receive_sends_one_good_and_one_bad_signature(seeded_db_template, tmp_path, receiver):
    app = app_with_webhooks(seeded_db_template, tmp_path, receiver.url)
    response = app.test_client().post("/operator/api/webhooks/intent-to-receive")
    assert response.status_code == 200 and len(response.get_json()["deliveries"]) == 2
    (good_body, good_headers), (bad_body, bad_headers) = receiver.requests
    assert signature_ok(good_body, good_headers) and not signature_ok(bad_body, bad_headers)
    for payload in receiver.payloads():
        assert payload["events"] == [] and payload["firstEventSequence"] == payload["lastEventSequence"] == 0


def test_no_url_means_nothing_is_sent(seeded_db_template, tmp_path, receiver):
    app = app_with_webhooks(seeded_db_template, tmp_path, "")
    make_api(app, UK).put("/Contacts", {"Contacts": [{"Name": "Quiet Ltd"}]})
    assert app.test_client().post("/operator/api/webhooks/intent-to-receive").status_code == 400
    assert receiver.requests == []


def test_credit_note_event_carries_type_and_status(seeded_db_template, tmp_path, receiver):
    app = app_with_webhooks(seeded_db_template, tmp_path, receiver.url)
    note = {"Type": "ACCPAYCREDIT", "Contact": {"ContactID": seed.contact_id("uk", "Travis Perkins")},
            "Date": "2026-10-02", "LineItems": [{"Description": "Return", "Quantity": 1, "UnitAmount": 10,
                                                 "AccountCode": "310", "TaxType": "INPUT2"}]}
    make_api(app, UK).put("/CreditNotes", {"CreditNotes": [note]})
    event, = receiver.payloads()[0]["events"]
    assert (event["eventCategory"], event["data"]) == ("CREDITNOTE", {"Type": "ACCPAYCREDIT", "Status": "DRAFT"})
