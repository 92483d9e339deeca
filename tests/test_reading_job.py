"""Reading documents in the background: an upload shows Reading… until the `extract` worker has read it; the fields
read fill the item as an edit would (History says so), unsure ones wait for a Check; failures leave the item
editable with a plain message; a reading whose worker died is started again; Read again keeps a person's values."""
import io
import json
import os
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal

import facturx

from tests.conftest import REDIS_URL
from tests.einvoice_helpers import cii_document
from tests.items_helpers import encoded, image_bytes, make_contact, pdf_bytes, read_documents, receipt_image
from tests.test_documents_across_hosts import ROOT
from webapp.accounts.models import utcnow
from webapp.items.models import Item, ItemHistory, ItemReading, ReadField
from webapp.items import readings
from webapp.redis_conn import get_redis
from rq import Queue

INVOICE = ("ACME SUPPLIES LTD", "VAT reg GB123456789", "Invoice No: INV-0042", "Invoice date: 12 Mar 2026",
           "Due date: 11 Apr 2026", "Subtotal 100.00", "VAT 20.00", "Total £120.00")


def _upload(client, business_id, name="acme.pdf", content=None, workspace="costs"):
    content = pdf_bytes(*INVOICE) if content is None else content
    return client.form(f"/b/{business_id}/inbox/{workspace}/upload", {"files": [(io.BytesIO(content), name)]},
                       content_type="multipart/form-data")


def _extract_jobs(app):
    with app.app_context():
        return Queue("extract", connection=get_redis()).job_ids


def test_an_upload_shows_reading_until_the_extract_worker_has_read_it(app, admin_client, admin):
    supplier = make_contact(admin.business, "Acme Supplies Ltd")
    response = _upload(admin_client, admin.business_id)
    assert response.status_code == 200 and "“acme.pdf” was added to the inbox." in response.text
    item = Item.get()
    assert (item.status, item.total, item.date) == ("processing", None, None)  # the upload didn't wait
    assert _extract_jobs(app) == [f"read-{item.id}-1"]
    inbox = admin_client.get(f"/b/{admin.business_id}/inbox/costs").text
    poll = f'hx-get="/b/{admin.business_id}/items/{item.id}/reading?from=inbox" hx-trigger="every 2s"'
    assert poll in inbox and "Reading…" in inbox
    details = admin_client.get(f"/b/{admin.business_id}/items/{item.id}").text
    assert 'id="item-reading"' in details and 'hx-trigger="every 1s"' in details and "Reading…" in details
    assert admin_client.hx("GET", f"/b/{admin.business_id}/items/{item.id}/reading?from=inbox").status_code == 204

    read_documents(app)
    item = Item.get()
    assert (item.date, item.due_date, item.total, item.tax, item.net, item.reference, item.currency, item.type) == \
        (date(2026, 3, 12), date(2026, 4, 11), Decimal("120.00"), Decimal("20.00"), Decimal("100.00"), "INV-0042",
         "GBP", "invoice")
    assert item.contact_id == supplier.id and item.status == "inbox"  # no category yet: a person codes it
    done = admin_client.hx("GET", f"/b/{admin.business_id}/items/{item.id}/reading?from=inbox")
    assert done.status_code == 286 and json.loads(done.headers["HX-Trigger"]) == {"items-changed": True}
    sources = {h.field: h.source for h in ItemHistory.select().where(ItemHistory.item == item.id)}
    assert sources["total"] == sources["contact"] == "reading the document"
    assert ItemReading.get().state == "read"


def test_many_uploads_being_read_are_polled_by_one_row_of_the_inbox(app, admin_client, admin):
    for number in range(3):
        _upload(admin_client, admin.business_id, name=f"bill-{number}.pdf",
                content=pdf_bytes(*INVOICE, f"Copy {number}"))
    first, *others = Item.select().order_by(Item.id)
    inbox = admin_client.get(f"/b/{admin.business_id}/inbox/costs").text
    assert inbox.count("Reading…") == 3 and inbox.count('hx-trigger="every 2s"') == 1
    assert f"/items/{first.id}/reading?from=inbox" in inbox  # the one the queue reads first
    read_documents(app)
    assert 'hx-trigger="every 2s"' not in admin_client.get(f"/b/{admin.business_id}/inbox/costs").text


def test_the_finished_reading_redraws_item_details_in_place(app, admin_client, admin):
    make_contact(admin.business, "Acme Supplies Ltd")
    _upload(admin_client, admin.business_id)
    item = Item.get()
    read_documents(app)
    done = admin_client.hx("GET", f"/b/{admin.business_id}/items/{item.id}/reading?tab=details",
                           target="item-reading")
    assert done.status_code == 286 and "<html" not in done.text
    assert 'id="item-reading"' in done.text and "Read again" in done.text
    for region in ("item-status", "item-publish", "item-tab", "item-document-view"):
        assert f'id="{region}"' in done.text
    assert done.text.count('hx-swap-oob="true"') >= 5
    assert 'value="120.00"' in done.text and 'value="INV-0042"' in done.text
    marks = {mark.field: mark for mark in ReadField.select().where(ReadField.item == item.id)}
    assert marks["total"].page == 1 and 0 < marks["total"].top < marks["total"].bottom < 10_000
    assert f'data-field="total" data-box="{marks["total"].left} {marks["total"].top}' in done.text


def test_a_document_that_cant_be_read_stays_editable_with_the_reason(app, admin_client, admin):
    _upload(admin_client, admin.business_id, name="photo.png", content=image_bytes("PNG"))
    read_documents(app)
    item = Item.get()
    assert item.status == "inbox" and item.document.filename == "photo.png"
    page = admin_client.get(f"/b/{admin.business_id}/items/{item.id}").text
    assert "Docket couldn't read this document: the photo is blank: no text was found" in page
    edited = admin_client.hx("POST", f"/b/{admin.business_id}/items/{item.id}/fields/total", data={"value": "9.50"})
    assert edited.status_code == 200 and Item.get().total == Decimal("9.50")


def test_an_item_being_read_cant_be_edited_yet(app, admin_client, admin):
    _upload(admin_client, admin.business_id)
    item = Item.get()
    response = admin_client.hx("POST", f"/b/{admin.business_id}/items/{item.id}/fields/total", data={"value": "1"})
    assert response.status_code == 409 and Item.get().total is None
    page = admin_client.get(f"/b/{admin.business_id}/items/{item.id}").text
    assert "Docket is reading the document" in page


def test_a_reading_whose_worker_died_is_started_again_then_given_up(app, admin_client, admin):
    _upload(admin_client, admin.business_id)
    item = Item.get()
    with app.app_context():
        Queue("extract", connection=get_redis()).empty()  # the job went with its worker (or a Redis restart)
        ItemReading.update(started_at=utcnow() - timedelta(minutes=5)).execute()
        assert readings.recover_stalled() == 1
        assert Queue("extract", connection=get_redis()).job_ids == [f"read-{item.id}-2"]
        for attempt in (3, 4):
            Queue("extract", connection=get_redis()).empty()
            ItemReading.update(started_at=utcnow() - timedelta(minutes=5)).execute()
            readings.recover_stalled()
    item = Item.get()
    assert item.status == "inbox" and ItemReading.get().state == "failed"
    assert "it was interrupted before it could finish" in ItemReading.get().message
    page = admin_client.get(f"/b/{admin.business_id}/items/{item.id}").text
    assert "Docket couldn't read this document: it was interrupted" in page


def test_a_reading_whose_retry_found_the_killed_jobs_lock_is_started_again(app, admin_client, admin):
    _upload(admin_client, admin.business_id)
    item = Item.get()
    with app.app_context():
        killed = get_redis().lock(f"docket:reading:{item.id}", timeout=60)
        assert killed.acquire(blocking=False)  # held by a worker killed mid-read, until it lapses
    read_documents(app)  # its retry finds the lock, leaves the item to that worker and finishes
    assert Item.get().status == "processing"
    with app.app_context():
        killed.release()  # lapsed meanwhile
        ItemReading.update(started_at=utcnow() - timedelta(minutes=5)).execute()
        assert readings.recover_stalled() == 1
    read_documents(app)
    assert Item.get().status == "inbox" and ItemReading.get().state == "read"


def test_a_recent_reading_with_its_job_queued_is_left_alone(app, admin_client, admin):
    _upload(admin_client, admin.business_id)
    with app.app_context():
        ItemReading.update(started_at=utcnow() - timedelta(minutes=5)).execute()
        assert readings.recover_stalled() == 0  # its job is still queued: a worker will take it


def test_read_again_changes_only_what_nobody_edited_by_hand(app, admin_client, admin):
    _upload(admin_client, admin.business_id)
    read_documents(app)
    item = Item.get()
    base = f"/b/{admin.business_id}/items/{item.id}"
    admin_client.hx("POST", f"{base}/fields/reference", data={"value": "MY-REF"})
    admin_client.hx("POST", f"{base}/fields/date", data={"value": ""})
    Item.update(due_date=None).where(Item.id == item.id).execute()  # as if an earlier reading had left it empty
    response = admin_client.form(f"{base}/read-again")
    assert response.status_code == 303 and Item.get().status == "processing"
    read_documents(app)
    item = Item.get()
    assert (item.reference, item.date) == ("MY-REF", None)  # a person's values stay
    assert item.due_date == date(2026, 4, 11) and item.status == "inbox"  # the rest is read again
    history = admin_client.get(f"{base}?tab=history").text
    assert "Read again" in history and "reading the document" in history


def test_an_unsure_field_holds_the_item_back_until_confirmed(app, admin_client, admin, coding):
    undated = tuple("12 Mar 2026" if line.startswith("Invoice date") else line for line in INVOICE)
    _upload(admin_client, admin.business_id, content=pdf_bytes(*undated))  # the supplier is new to Xero
    read_documents(app)
    item = Item.get()
    base = f"/b/{admin.business_id}/items/{item.id}"
    assert item.contact.name == "ACME SUPPLIES LTD" and not item.contact.in_xero  # proposed as a new supplier
    assert item.contact.tax_number == "GB123456789"
    assert item.to_check_fields == ["date"]  # a date printed without its label
    admin_client.hx("POST", f"{base}/fields/category", data={"value": str(coding.fuel.id)})
    admin_client.hx("POST", f"{base}/fields/tax_rate", data={"value": str(coding.vat20.id)})
    page = admin_client.get(base).text
    assert "Check the date: Docket wasn&#39;t sure it read it right." in page
    assert 'class="check-mark" id="check-date">Check<' in page and Item.get().status == "inbox"
    row = admin_client.get(f"/b/{admin.business_id}/inbox/costs").text
    assert "Check the date" in row

    confirmed = admin_client.hx("POST", f"{base}/fields/date/confirm")
    assert confirmed.status_code == 200 and 'id="check-date"' not in confirmed.text
    item = Item.get()
    assert item.to_check == "" and item.status == "ready"
    assert ItemHistory.select().where((ItemHistory.field == "date") & (ItemHistory.source == "confirmed")).exists()


def test_editing_an_unsure_field_clears_its_check(app, admin_client, admin):
    _upload(admin_client, admin.business_id)
    read_documents(app)
    item = Item.get()
    admin_client.hx("POST", f"/b/{admin.business_id}/items/{item.id}/fields/contact", data={"value": "Acme Ltd"})
    assert Item.get().to_check == "" and Item.get().contact.name == "Acme Ltd"


def test_a_sales_invoice_of_the_business_in_costs_asks_to_check_the_type(app, admin_client, admin):
    own = admin.business.name
    _upload(admin_client, admin.business_id, content=pdf_bytes(own, "Invoice No: S-7", "Bill to: Bramley Homes",
                                                                "Invoice date: 1 May 2026", "Total 50.00"))
    read_documents(app)
    item = Item.get()
    assert item.type == "invoice" and item.contact_id is None  # never coded as a cost from the business itself
    assert "type" in item.to_check_fields
    page = admin_client.get(f"/b/{admin.business_id}/items/{item.id}").text
    assert "this may be a sales invoice issued by the business" in page


def test_page_images_of_a_pdf_are_png_and_only_the_first_pages(app, admin_client, admin, outsider):
    _upload(admin_client, admin.business_id, content=pdf_bytes(*INVOICE, pages=4))
    item = Item.get()
    base = f"/b/{admin.business_id}/items/{item.id}/pages"
    first = admin_client.get(f"{base}/1")
    assert first.status_code == 200 and first.mimetype == "image/png" and first.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert first.headers["ETag"].strip('"') == f"{item.document.sha256}-1"
    again = admin_client.get(f"{base}/1", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert admin_client.get(f"{base}/4").status_code == 404  # only the first three are shown as images
    assert admin_client.get(f"{base}/0").status_code == 404


def test_page_images_are_not_offered_for_photos(app, admin_client, admin):
    _upload(admin_client, admin.business_id, name="photo.png", content=image_bytes("PNG"))
    item = Item.get()
    assert admin_client.get(f"/b/{admin.business_id}/items/{item.id}/pages/1").status_code == 404


def test_the_reading_worker_reads_a_photo_in_its_own_process(app, admin_client, admin, migrated_url, tmp_path):
    """`python -m jobs.worker --reading`, as `make run` and the README's services start it: the OCR engine is
    loaded as it starts and a photographed receipt is read with it."""
    documents = tmp_path / "documents"
    app.config["DOCUMENT_STORAGE_PATH"] = str(documents)
    _upload(admin_client, admin.business_id, name="till.jpg", content=encoded(receipt_image(), "JPEG"))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": migrated_url, "REDIS_URL": REDIS_URL,
           "DOCKET_INSTANCE_PATH": str(tmp_path / "instance"), "DOCUMENT_STORAGE_PATH": str(documents)}
    worker = subprocess.run([sys.executable, "-m", "jobs.worker", "--reading", "--burst"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=180)
    assert worker.returncode == 0, worker.stderr
    item = Item.get()
    assert (item.status, item.total, item.date) == ("inbox", Decimal("12.34"), date(2024, 11, 5)), worker.stderr
    assert ItemReading.get(ItemReading.item == item.id).source == "ocr"


def test_what_a_reading_couldnt_use_is_said_on_item_details(app, admin_client, admin):
    invalid = cii_document(payable="lots")
    pdf = facturx.generate_from_binary(pdf_bytes(*INVOICE), invalid, check_xsd=False)
    _upload(admin_client, admin.business_id, name="factur-x.pdf", content=pdf)
    read_documents(app)
    item = Item.get()
    assert (item.status, item.reference, item.total) == ("inbox", "INV-0042", Decimal("120.00"))  # its text was read
    page = admin_client.get(f"/b/{admin.business_id}/items/{item.id}").text
    assert "The e-invoice inside the PDF couldn&#39;t be used (" in page
    assert "so the PDF was read instead." in page
