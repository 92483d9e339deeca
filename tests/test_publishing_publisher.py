"""The publisher's calls to Xero, step by step, with Xero played by a script (no sandbox): the create with its
Idempotency-Key, the attachment, the payment, and a run cut short at each step carried on without a second
document or a second payment.

Each test presses Publish as a person does, then runs the attempt's job; `FakeXero` (from
test_xero_client_requests) records every request and answers them in order."""
import hashlib
import html
import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.einvoice_helpers import ubl_document
from tests.items_helpers import make_coded_item, make_contact
from tests.publishing_helpers import (API, ATTACHED, invoice, ok, run_attempt as run, stored_document,
                                      xero_double)  # noqa: F401
from webapp.accounts.models import utcnow
from webapp.items import lines as line_service, storage
from webapp.items.models import Document, Item, ItemHistory
from webapp.publishing.models import CREATED, DONE, FAILED, SENDING, PublishAttempt
from webapp.publishing.publisher import LANDING_WINDOW, PAYING
from webapp.queues import get_queue

LOST = requests.ConnectionError("the connection dropped before Xero answered")


@pytest.fixture
def supplier(admin):
    return make_contact(admin.business, "Acme Fuels", xero_id="c0ffee00-0000-4000-8000-000000000001")


def coded(app, admin, coding, supplier, *, text="Acme Fuels fuel.pdf", duplicate=False, document=None, **fields):
    document = document or stored_document(app, admin.business_id, text)
    values = {"total": Decimal("12.00"), "date": date(2026, 5, 1), "contact": supplier, "category": coding.fuel,
              "tax_rate": coding.vat20, "reference": "AF-1"}
    item = make_coded_item(admin.business, document=document, **(values | fields))
    assert (item.status, bool(item.duplicate_of_id)) == ("inbox" if duplicate else "ready", duplicate)
    return item


def press_publish(admin_client, item) -> PublishAttempt:
    assert admin_client.form(f"/b/{item.business_id}/items/{item.id}/publish").status_code == 303
    return PublishAttempt.select().where(PublishAttempt.item == item.id).order_by(PublishAttempt.id.desc()).get()


def script(fake, *answers):
    fake.answers.extend(answers)


def sent(fake) -> list[str]:
    return [f"{r.method} {r.url.removeprefix(API)}" for r in fake.requests]


def body_of(request) -> dict:
    return json.loads(request.body)


def fresh(item):
    return Item.get_by_id(item.id)


def notes(item) -> list[str]:
    return [row.new for row in ItemHistory.select().where((ItemHistory.item == item.id)
                                                           & (ItemHistory.field == "publish"))]


def test_a_bill_is_created_with_the_attempts_key_then_its_document_attached(app, admin_client, admin, coding,
                                                                              supplier, xero_double):
    item = coded(app, admin, coding, supplier, text="Acme & Sons #5")
    attempt = press_publish(admin_client, item)
    script(xero_double, ok({"Invoices": [invoice()]}), ATTACHED)
    done = run(app, attempt)
    create, upload = xero_double.requests
    assert (create.method, create.url) == ("PUT", f"{API}/Invoices")  # no unitdp: two places are enough
    assert create.headers["Idempotency-Key"] == attempt.idempotency_key
    [body] = body_of(create)["Invoices"]
    assert body["Type"] == "ACCPAY" and body["Contact"] == {"ContactID": supplier.xero_id}
    assert body["Url"] == f"{app.config['PUBLIC_URL']}/b/{admin.business_id}/items/{item.id}?publish=" \
                          f"{attempt.idempotency_key}"
    assert item.document.filename == "Acme & Sons #5.pdf"
    assert (upload.method, upload.url) == ("POST", f"{API}/Invoices/inv-1/Attachments/Acme%20%26%20Sons%20%235.pdf")
    with app.app_context():
        assert upload.body == storage.read(item.document.storage_key)
    assert (done.state, done.xero_object, done.xero_id, done.xero_number, done.attached, done.payment_id,
            done.message) == (DONE, "Invoice", "inv-1", "INV-9", True, "", "")
    published = fresh(item)
    assert (published.status, published.xero_object, published.xero_id, published.publish_message) == (
        "published", "Invoice", "inv-1", "")
    assert published.xero_url == "https://go.xero.com/AccountsPayable/View.aspx?InvoiceID=inv-1"
    assert published.published_at is not None and utcnow() - published.published_at < timedelta(minutes=1)
    assert notes(item) == ["Published to Xero as a bill (INV-9)"]
    history = ItemHistory.select().where((ItemHistory.item == item.id) & (ItemHistory.user.is_null())
                                         & ItemHistory.field.in_(["status", "xero_id", "publish"]))
    assert sorted((row.field, row.source) for row in history if row.field == "publish" or row.new in (
        "Published", "inv-1")) == [
        ("publish", "publishing"), ("status", "publishing"), ("xero_id", "publishing")]  # as History shows who


def test_on_the_sandbox_the_link_opens_the_document_on_its_organisations_page(app, admin_client, admin, coding,
                                                                              supplier, xero_double):
    from webapp.integrations import xero_access

    app.config["XERO_BASE_URL"] = "https://sandbox.test"
    xero_access.init_app(app)
    app.extensions["xero"].http.mount("https://", xero_double)
    item = coded(app, admin, coding, supplier)
    script(xero_double, ok({"Invoices": [invoice()]}), ATTACHED)
    run(app, press_publish(admin_client, item))
    assert xero_double.requests[0].url == "https://sandbox.test/api.xro/2.0/Invoices"
    assert fresh(item).xero_url == "https://sandbox.test/operator/organisations/tenant-scripted#document-inv-1"


def test_a_spend_money_without_a_number_is_noted_without_one(app, admin_client, admin, coding, supplier, xero_double):
    item = coded(app, admin, coding, supplier, publish_to="bank", publish_as="", paid=True,
                 payment_method=coding.card)
    attempt = press_publish(admin_client, item)
    script(xero_double, ok({"BankTransactions": [{"BankTransactionID": "bt-1", "Reference": ""}]}), ATTACHED)
    done = run(app, attempt)
    assert sent(xero_double) == ["PUT /BankTransactions", f"POST /BankTransactions/bt-1/Attachments/"
                                 f"{item.document.filename.replace(' ', '%20')}"]  # paid as it is made: no payment
    assert (done.state, done.xero_object, done.xero_number, done.payment_id) == (DONE, "BankTransaction", "", "")
    assert fresh(item).xero_url == "https://go.xero.com/Bank/ViewTransaction.aspx?bankTransactionID=bt-1"
    assert notes(item) == ["Published to Xero as a spend money"]


def test_a_credit_note_is_noted_with_its_own_number(app, admin_client, admin, coding, supplier, xero_double):
    item = coded(app, admin, coding, supplier, type="credit_note", publish_as="awaiting_payment")
    attempt = press_publish(admin_client, item)
    script(xero_double, ok({"CreditNotes": [{"CreditNoteID": "cn-1", "CreditNoteNumber": "CN-4"}]}), ATTACHED)
    done = run(app, attempt)
    assert (done.xero_object, done.xero_id, done.xero_number) == ("CreditNote", "cn-1", "CN-4")
    assert notes(item) == ["Published to Xero as a supplier credit note (CN-4)"]


def test_amounts_beyond_two_places_are_sent_with_unitdp_4(app, admin_client, admin, coding, supplier, xero_double):
    item = coded(app, admin, coding, supplier, total=Decimal("14.40"))
    line = line_service.add(item, user_id=admin.user_id)
    for name, value in (("quantity", "0.125"), ("unit_amount", "96.00")):
        assert line_service.edit(fresh(item), line, name, value, user_id=admin.user_id) == ""
    assert fresh(item).status == "ready"
    attempt = press_publish(admin_client, item)
    script(xero_double, ok({"Invoices": [invoice()]}), ATTACHED)
    run(app, attempt)
    create = xero_double.requests[0]
    assert parse_qs(urlsplit(create.url).query) == {"unitdp": ["4"]}
    assert body_of(create)["Invoices"][0]["LineItems"][0]["Quantity"] == 0.125


def test_a_paid_bill_gets_its_payment_with_a_key_of_its_own(app, admin_client, admin, coding, supplier, xero_double):
    item = coded(app, admin, coding, supplier, publish_as="paid", paid=True, payment_method=coding.card)
    attempt = press_publish(admin_client, item)
    script(xero_double, ok({"Invoices": [invoice()]}), ATTACHED, ok({"Payments": [{"PaymentID": "pay-1"}]}))
    done = run(app, attempt)
    pay = xero_double.requests[2]
    assert (pay.method, pay.url) == ("PUT", f"{API}/Payments")
    assert pay.headers["Idempotency-Key"] == f"{attempt.idempotency_key}:payment"
    [payment] = body_of(pay)["Payments"]
    assert payment["Invoice"] == {"InvoiceID": "inv-1"} and payment["Amount"] == 12
    assert (done.state, done.payment_id) == (DONE, "pay-1")


def test_a_payment_xero_did_not_answer_is_looked_up_and_not_paid_twice(app, admin_client, admin, coding, supplier,
                                                                       xero_double):
    item = coded(app, admin, coding, supplier, publish_as="paid", paid=True, payment_method=coding.card)
    attempt = press_publish(admin_client, item)
    script(xero_double, ok({"Invoices": [invoice()]}), ATTACHED, LOST)
    cut = run(app, attempt)
    assert (cut.state, cut.attached, cut.payment_id) == (CREATED, True, PAYING)
    script(xero_double, ok({"Invoices": [invoice(Payments=[{"PaymentID": "pay-7"}, {"PaymentID": "pay-8"}])]}))
    done = run(app, attempt)
    assert sent(xero_double)[3:] == ["GET /Invoices/inv-1"]  # no second attachment, no second payment
    assert (done.state, done.payment_id) == (DONE, "pay-7")
    assert fresh(item).status == "published"


def test_a_payment_that_never_reached_xero_is_sent_again_with_the_same_key(app, admin_client, admin, coding,
                                                                           supplier, xero_double):
    item = coded(app, admin, coding, supplier, publish_as="paid", paid=True, payment_method=coding.card)
    attempt = press_publish(admin_client, item)
    script(xero_double, ok({"Invoices": [invoice()]}), ATTACHED, LOST)
    run(app, attempt)
    script(xero_double, ok({"Invoices": [invoice(Payments=[])]}), ok({"Payments": [{"PaymentID": "pay-2"}]}))
    done = run(app, attempt)
    assert sent(xero_double)[3:] == ["GET /Invoices/inv-1", "PUT /Payments"]
    first, again = xero_double.requests[2], xero_double.requests[4]
    assert again.headers["Idempotency-Key"] == first.headers["Idempotency-Key"] == f"{attempt.idempotency_key}:payment"
    assert (done.state, done.payment_id) == (DONE, "pay-2")


def test_an_attachment_cut_short_is_sent_again_without_a_second_create(app, admin_client, admin, coding, supplier,
                                                                       xero_double):
    item = coded(app, admin, coding, supplier)
    attempt = press_publish(admin_client, item)
    script(xero_double, ok({"Invoices": [invoice()]}), LOST)
    cut = run(app, attempt)
    assert (cut.state, cut.xero_id, cut.attached) == (CREATED, "inv-1", False)
    script(xero_double, ATTACHED)
    assert run(app, attempt).state == DONE
    assert [r.method for r in xero_double.requests] == ["PUT", "POST", "POST"]


def test_a_document_this_worker_cannot_read_is_said_on_the_item_and_attached_once_it_can(
        app, admin_client, admin, coding, supplier, xero_double, tmp_path, caplog):
    item = coded(app, admin, coding, supplier)
    attempt = press_publish(admin_client, item)
    shared = app.config["DOCUMENT_STORAGE_PATH"]
    app.config["DOCUMENT_STORAGE_PATH"] = str(tmp_path / "this-worker-only")  # a store the web host didn't write to
    script(xero_double, ok({"Invoices": [invoice()]}))
    stalled = run(app, attempt)
    assert (stalled.state, stalled.attached) == (CREATED, False) and stalled.message.startswith(
        "Docket can't read this item's stored document, so it isn't attached in Xero yet")
    assert fresh(item).status == "publishing"
    panel = admin_client.hx("GET", f"/b/{item.business_id}/items/{item.id}/publish").text
    assert "Docket can't read this item" in html.unescape(panel)
    [line] = [r for r in caplog.records if "can't read its document" in r.getMessage()]
    assert line.levelname == "ERROR" and str(tmp_path / "this-worker-only") in line.getMessage()
    with app.app_context():
        queue = get_queue("publishing")
        booked = [queue.fetch_job(job_id) for job_id in queue.scheduled_job_registry.get_job_ids()]
        assert [job.args for job in booked if job.func_name.endswith("publish_attempt")] == [(attempt.id,)]
    app.config["DOCUMENT_STORAGE_PATH"] = shared  # the operator shares the store
    script(xero_double, ATTACHED)
    assert run(app, attempt).state == DONE and fresh(item).status == "published"
    assert [r.method for r in xero_double.requests] == ["PUT", "POST"]  # one create, one attachment


# --- a create whose answer was lost -----------------------------------------------------------------------------

def lost_create(app, admin_client, item, xero_double) -> PublishAttempt:
    attempt = press_publish(admin_client, item)
    script(xero_double, LOST)
    cut = run(app, attempt)
    assert cut.state == SENDING and fresh(item).status == "publishing"
    return cut


def later(attempt, seconds):
    """As if `seconds` had passed since the attempt was last saved."""
    PublishAttempt.update(updated_at=utcnow() - timedelta(seconds=seconds)).where(
        PublishAttempt.id == attempt.id).execute()


def test_a_create_whose_answer_was_lost_is_looked_up_by_contact_date_and_link(app, admin_client, admin, coding,
                                                                              supplier, xero_double):
    item = coded(app, admin, coding, supplier, date=date(2026, 5, 3))
    cut = lost_create(app, admin_client, item, xero_double)
    ours = json.loads(cut.request_body)["Url"]
    script(xero_double, ok({"Invoices": [invoice("other", "INV-1", Url=ours + "0"), invoice("inv-5", "INV-5", Url=ours)]}),
           ATTACHED)
    done = run(app, cut)
    look_up = xero_double.requests[1]
    assert look_up.method == "GET" and urlsplit(look_up.url).path == "/api.xro/2.0/Invoices"
    assert parse_qs(urlsplit(look_up.url).query) == {
        "where": [f'Contact.ContactID==Guid("{supplier.xero_id}") AND Date==DateTime(2026,5,3)']}
    assert (done.state, done.xero_id, done.xero_number, done.message) == (DONE, "inv-5", "INV-5", "")
    assert cut.message.startswith("Xero isn't responding right now.")  # said while it waited, gone once done
    assert sent(xero_double)[2] == "POST /Invoices/inv-5/Attachments/" + item.document.filename.replace(" ", "%20")


def test_a_create_not_found_waits_until_it_can_no_longer_land_then_goes_again_as_it_was(app, admin_client, admin,
                                                                                        coding, supplier,
                                                                                        xero_double):
    item = coded(app, admin, coding, supplier)
    cut = lost_create(app, admin_client, item, xero_double)
    later(cut, 30)
    script(xero_double, ok({"Invoices": []}))
    waiting = run(app, cut)
    assert waiting.state == SENDING and [r.method for r in xero_double.requests] == ["PUT", "GET"]
    with app.app_context():
        due = get_queue("publishing").scheduled_job_registry.get_scheduled_time(waiting.job_id)
    expected = datetime.now(timezone.utc) + LANDING_WINDOW - timedelta(seconds=30)
    assert abs((due - expected).total_seconds()) < 5  # looked at again once the window has passed, not before
    later(cut, LANDING_WINDOW.total_seconds())
    script(xero_double, ok({"Invoices": []}), ok({"Invoices": [invoice()]}), ATTACHED)
    assert run(app, cut).state == DONE
    first, again = xero_double.requests[0], xero_double.requests[3]
    assert (again.method, again.url) == ("PUT", f"{API}/Invoices")
    assert again.headers["Idempotency-Key"] == first.headers["Idempotency-Key"]
    assert body_of(again) == body_of(first)


# --- credit notes carry no Url: matched by number and total -----------------------------------------------------

def credit(app, admin, coding, supplier, **fields):
    return coded(app, admin, coding, supplier, type="credit_note", publish_as="awaiting_payment", **fields)


def note(xero_id, number="AF-1", total="12.00"):
    return {"CreditNoteID": xero_id, "CreditNoteNumber": number, "Total": total}


def test_a_credit_note_whose_answer_was_lost_is_found_by_number_and_total(app, admin_client, admin, coding, supplier,
                                                                          xero_double):
    coded(app, admin, coding, supplier, text="another bill", total=Decimal("5.00"), reference="AF-0")
    item = credit(app, admin, coding, supplier)
    cut = lost_create(app, admin_client, item, xero_double)
    assert json.loads(cut.request_body)["CreditNoteNumber"] == "AF-1"
    script(xero_double, ok({"CreditNotes": [note("cn-2", number="AF-2"), note("cn-3", total="12.01"),
                                            note("cn-1", total=12)]}), ATTACHED)
    done = run(app, cut)
    assert (done.state, done.xero_id) == (DONE, "cn-1")
    assert sent(xero_double)[1].startswith("GET /CreditNotes?where=")


def test_a_credit_note_another_item_published_is_not_taken_for_this_one(app, admin_client, admin, coding, supplier,
                                                                        xero_double):
    earlier = credit(app, admin, coding, supplier, text="earlier credit.pdf")
    script(xero_double, ok({"CreditNotes": [note("cn-1")]}), ATTACHED)
    run(app, press_publish(admin_client, earlier))
    item = credit(app, admin, coding, supplier, text="this credit.pdf", duplicate=True)  # same number and total
    admin_client.form(f"/b/{admin.business_id}/items/{item.id}/not-duplicate")
    assert fresh(item).status == "ready"
    cut = lost_create(app, admin_client, item, xero_double)
    later(cut, LANDING_WINDOW.total_seconds())
    script(xero_double, ok({"CreditNotes": [note("cn-1")]}), ok({"CreditNotes": [note("cn-2")]}), ATTACHED)
    done = run(app, cut)
    assert [r.method for r in xero_double.requests[2:]] == ["PUT", "GET", "PUT", "POST"]
    assert (done.xero_id, fresh(earlier).xero_id) == ("cn-2", "cn-1")


def test_a_credit_note_without_a_number_is_found_by_contact_date_and_total(app, admin_client, admin, coding,
                                                                           supplier, xero_double):
    item = credit(app, admin, coding, supplier, reference="")
    cut = lost_create(app, admin_client, item, xero_double)
    assert not {"CreditNoteNumber", "Reference"} & set(json.loads(cut.request_body))
    script(xero_double, ok({"CreditNotes": [note("cn-2", number="AF-2"), {"CreditNoteID": "cn-1", "Total": "12.00"}]}),
           ATTACHED)
    done = run(app, cut)
    assert [r.method for r in xero_double.requests] == ["PUT", "GET", "POST"]
    assert (done.state, done.xero_id) == (DONE, "cn-1")


def test_a_customer_credit_note_is_found_by_its_own_number(app, admin_client, admin, coding, xero_double):
    customer = make_contact(admin.business, "Bramley Homes", xero_id="c0ffee00-0000-4000-8000-000000000002",
                            is_supplier=False, is_customer=True)
    item = coded(app, admin, coding, customer, workspace="sales", type="credit_note", publish_to="sales",
                 publish_as="awaiting_payment", category=coding.sales, tax_rate=coding.vat_income, reference="R-7")
    cut = lost_create(app, admin_client, item, xero_double)
    assert json.loads(cut.request_body)["CreditNoteNumber"] == "R-7"
    later(cut, LANDING_WINDOW.total_seconds())
    ours = {"CreditNoteID": "cn-9", "CreditNoteNumber": "R-7", "Reference": "", "Total": "12.00"}
    other = {"CreditNoteID": "cn-8", "CreditNoteNumber": "CN-0002", "Reference": "R-7", "Total": "12.00"}
    script(xero_double, ok({"CreditNotes": [other, ours]}), ATTACHED)
    done = run(app, cut)
    assert [r.method for r in xero_double.requests] == ["PUT", "GET", "POST"]  # found: not created a second time
    assert (done.state, done.xero_id, done.xero_number) == (DONE, "cn-9", "R-7")


def test_a_customer_credit_note_sent_without_a_number_is_found_with_the_number_xero_gave_it(app, admin_client, admin,
                                                                                            coding, xero_double):
    customer = make_contact(admin.business, "Bramley Homes", xero_id="c0ffee00-0000-4000-8000-000000000002",
                            is_supplier=False, is_customer=True)
    item = coded(app, admin, coding, customer, workspace="sales", type="credit_note", publish_to="sales",
                 publish_as="awaiting_payment", category=coding.sales, tax_rate=coding.vat_income, reference="")
    cut = lost_create(app, admin_client, item, xero_double)
    assert "CreditNoteNumber" not in json.loads(cut.request_body)
    later(cut, LANDING_WINDOW.total_seconds())
    other = {"CreditNoteID": "cn-8", "CreditNoteNumber": "CN-0002", "Total": "99.00"}
    ours = {"CreditNoteID": "cn-9", "CreditNoteNumber": "CN-0003", "Total": "12.00"}
    script(xero_double, ok({"CreditNotes": [other, ours]}), ATTACHED)
    done = run(app, cut)
    assert [r.method for r in xero_double.requests] == ["PUT", "GET", "POST"]  # found: not created a second time
    assert (done.state, done.xero_id, done.xero_number) == (DONE, "cn-9", "CN-0003")


# --- publishing again -------------------------------------------------------------------------------------------

def published_then_reopened(app, admin_client, admin, coding, supplier, xero_double):
    item = coded(app, admin, coding, supplier)
    script(xero_double, ok({"Invoices": [invoice()]}), ATTACHED)
    run(app, press_publish(admin_client, item))
    admin_client.form(f"/b/{admin.business_id}/items/{item.id}/reopen")
    admin_client.hx("POST", f"/b/{admin.business_id}/items/{item.id}/fields/reference", data={"value": "AF-2"})
    assert fresh(item).status == "ready"
    return item


def test_publishing_again_updates_the_draft_xero_has(app, admin_client, admin, coding, supplier, xero_double):
    item = published_then_reopened(app, admin_client, admin, coding, supplier, xero_double)
    attempt = press_publish(admin_client, item)
    script(xero_double, ok({"Invoices": [invoice(Status="SUBMITTED")]}), ok({"Invoices": [invoice(number="AF-2")]}),
           ATTACHED)
    done = run(app, attempt)
    assert sent(xero_double)[2:4] == ["GET /Invoices/inv-1", "POST /Invoices/inv-1"]
    update = xero_double.requests[3]
    assert update.headers["Idempotency-Key"] == attempt.idempotency_key
    [body] = body_of(update)["Invoices"]
    assert (body["InvoiceID"], body["InvoiceNumber"]) == ("inv-1", "AF-2")
    assert (done.state, done.xero_id, done.xero_number) == (DONE, "inv-1", "AF-2")


def test_publishing_again_sends_unitdp_4_when_amounts_need_it(app, admin_client, admin, coding, supplier,
                                                               xero_double):
    item = published_then_reopened(app, admin_client, admin, coding, supplier, xero_double)
    admin_client.hx("POST", f"/b/{admin.business_id}/items/{item.id}/fields/total", data={"value": "14.40"})
    line = line_service.add(fresh(item), user_id=admin.user_id)
    for name, value in (("quantity", "0.125"), ("unit_amount", "96.00")):
        assert line_service.edit(fresh(item), line, name, value, user_id=admin.user_id) == ""
    assert fresh(item).status == "ready"
    attempt = press_publish(admin_client, item)
    script(xero_double, ok({"Invoices": [invoice()]}), ok({"Invoices": [invoice(number="AF-2")]}), ATTACHED)
    assert run(app, attempt).state == DONE
    update = xero_double.requests[3]
    assert update.method == "POST" and parse_qs(urlsplit(update.url).query) == {"unitdp": ["4"]}


def test_publishing_again_stops_when_the_document_is_no_longer_a_draft(app, admin_client, admin, coding, supplier,
                                                                       xero_double):
    item = published_then_reopened(app, admin_client, admin, coding, supplier, xero_double)
    attempt = press_publish(admin_client, item)
    script(xero_double, ok({"Invoices": [invoice(Status="AUTHORISED")]}))
    failed = run(app, attempt)
    assert sent(xero_double)[2:] == ["GET /Invoices/inv-1"]
    assert failed.state == FAILED and fresh(item).status == "failed"
    assert fresh(item).publish_message == (
        "The document in Xero is no longer a draft (its status is Authorised), so Docket won't change it. Change it "
        "in Xero, or archive this item and use “Unarchive and clear publishing data” to publish it as a new "
        "document.")


# --- Xero's refusals inside a 200 -------------------------------------------------------------------------------

def test_an_element_xero_refused_fails_the_item_with_xeros_reason(app, admin_client, admin, coding, supplier,
                                                                  xero_double):
    item = coded(app, admin, coding, supplier)
    attempt = press_publish(admin_client, item)
    refused = invoice(StatusAttributeString="ERROR", ValidationErrors=[
        {"Message": "Invoice # must be unique."}, {"Message": "Second reason."}])
    script(xero_double, ok({"Invoices": [refused]}))
    failed = run(app, attempt)
    assert failed.state == FAILED and len(xero_double.requests) == 1  # nothing attached to a refused document
    message = fresh(item).publish_message  # each of Xero's reasons, in words a person can act on
    assert "Xero already has" in message and "with this number" in message and "“Second reason”" in message


def test_an_element_marked_error_without_reasons_still_fails(app, admin_client, admin, coding, supplier, xero_double):
    item = coded(app, admin, coding, supplier)
    attempt = press_publish(admin_client, item)
    script(xero_double, ok({"Invoices": [invoice(StatusAttributeString="ERROR")]}))
    assert run(app, attempt).state == FAILED
    assert fresh(item).publish_message == ("Xero said “Xero did not accept this document”. Correct what Xero points "
                                           "to (ask support if it isn't clear), then publish again.")


def test_reasons_without_words_read_as_not_accepted(app, admin_client, admin, coding, supplier, xero_double):
    item = coded(app, admin, coding, supplier)
    attempt = press_publish(admin_client, item)
    script(xero_double, ok({"Invoices": [invoice(StatusAttributeString="ERROR", ValidationErrors=[{}])]}))
    assert run(app, attempt).state == FAILED
    assert fresh(item).publish_message.startswith("Xero said “Xero did not accept this document”.")


def test_validation_errors_alone_fail_the_item(app, admin_client, admin, coding, supplier, xero_double):
    item = coded(app, admin, coding, supplier)
    attempt = press_publish(admin_client, item)
    script(xero_double, ok({"Invoices": [invoice(StatusAttributeString="OK", ValidationErrors=[{"Message": "No."}])]}))
    assert run(app, attempt).state == FAILED and fresh(item).status == "failed"


def test_an_e_invoice_xml_is_published_without_an_attachment(app, admin_client, admin, coding, supplier,
                                                             xero_double):
    """Xero's attachments take no XML files: the bill is made and published; nothing is sent after it."""
    content = ubl_document()
    with app.app_context():
        key = storage.save(hashlib.sha256(content).hexdigest(), content)
    document = Document.create(business=admin.business_id, sha256=hashlib.sha256(content).hexdigest(),
                               filename="INV-2024-0042.xml", content_type="application/xml", size=len(content),
                               storage_key=key)
    item = coded(app, admin, coding, supplier, document=document)
    attempt = press_publish(admin_client, item)
    script(xero_double, ok({"Invoices": [invoice()]}))
    done = run(app, attempt)
    assert sent(xero_double) == ["PUT /Invoices"]
    assert (done.state, done.xero_id, done.attached, done.message) == (DONE, "inv-1", False, "")
    assert fresh(item).status == "published"
    assert notes(item) == ["Published to Xero as a bill (INV-9)"]
