"""Documents kept in an S3-compatible bucket (a local moto server): stored once under their SHA-256 with the server
checking it, refused when what comes back isn't what was saved, and an unreachable bucket said plainly, never with a
credential, by /readyz, by the publish it holds up, and by a worker that refuses to start."""
import base64
import hashlib
import html
import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REDIS_URL
from tests.items_helpers import pdf_bytes
from tests.publishing_helpers import ATTACHED, invoice, ok, run_attempt as run, xero_double  # noqa: F401
from tests.s3_helpers import CREDENTIALS, bucket, s3_server  # noqa: F401
from tests.test_outages import _closed_port
from tests.test_publishing_publisher import coded, fresh, press_publish, script, supplier  # noqa: F401
from tests.test_readiness import _ready, a_worker  # noqa: F401
from webapp import create_app
from webapp.items import storage
from webapp.items.models import Document, Item
from webapp.publishing.models import CREATED, DONE

ROOT = Path(__file__).resolve().parent.parent


def _upload(client, business_id, name, content):
    return client.form(f"/b/{business_id}/inbox/costs/upload", {"files": [(io.BytesIO(content), name)]},
                       content_type="multipart/form-data")


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def test_an_upload_is_kept_once_under_its_sha256_with_the_servers_checksum(admin_client, admin, bucket):
    content = pdf_bytes("Acme Fuels", "Total £12.00")
    _upload(admin_client, admin.business_id, "fuel.pdf", content)
    _upload(admin_client, admin.business_id, "fuel again.pdf", content)
    sha256 = _sha256(content)
    assert bucket.object_names() == [bucket.stored_name(sha256)]  # content-addressed: one object, no probes left
    kept = bucket.client.head_object(Bucket=bucket.name, Key=bucket.stored_name(sha256), ChecksumMode="ENABLED")
    assert kept["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(content).digest()).decode()
    item = Item.get()
    shown = admin_client.get(f"/b/{admin.business_id}/items/{item.id}/document")
    assert shown.status_code == 200 and shown.data == content and shown.mimetype == "application/pdf"
    assert Document.select().count() == 1


def test_a_document_changed_in_the_bucket_is_refused_naming_the_object(app, admin_client, admin, bucket):
    content = pdf_bytes("Acme Fuels")
    _upload(admin_client, admin.business_id, "fuel.pdf", content)
    name = bucket.stored_name(_sha256(content))
    bucket.client.put_object(Bucket=bucket.name, Key=name, Body=pdf_bytes("Someone else's figures"))
    shown = admin_client.get(f"/b/{admin.business_id}/items/{Item.get().id}/document")
    assert shown.status_code == 503 and "Docket can't show this document" in shown.text.replace("&#39;", "'")
    with app.app_context(), pytest.raises(OSError) as refused:
        storage.read(storage.key_for(_sha256(content)))
    assert isinstance(refused.value, storage.StorageError)
    assert str(refused.value).startswith(f"s3://{bucket.name}/{name} doesn't hold the document saved under that name")


def test_a_document_gone_from_the_bucket_is_not_found(app, admin_client, admin, bucket):
    content = pdf_bytes("Acme Fuels")
    _upload(admin_client, admin.business_id, "fuel.pdf", content)
    name = bucket.stored_name(_sha256(content))
    bucket.client.delete_object(Bucket=bucket.name, Key=name)
    assert admin_client.get(f"/b/{admin.business_id}/items/{Item.get().id}/document").status_code == 404
    with app.app_context(), pytest.raises(storage.StorageError, match=f"s3://{bucket.name}/{name} can't be read: "
                                                                      "NoSuchKey"):
        storage.read(storage.key_for(_sha256(content)))


def test_a_publish_whose_document_was_changed_says_so_on_the_item_and_attaches_once_it_is_put_back(
        app, admin_client, admin, coding, supplier, xero_double, bucket, caplog):
    item = coded(app, admin, coding, supplier)
    name = bucket.stored_name(item.document.sha256)
    original = bucket.client.get_object(Bucket=bucket.name, Key=name)["Body"].read()
    bucket.client.put_object(Bucket=bucket.name, Key=name, Body=b"damaged")
    attempt = press_publish(admin_client, item)
    script(xero_double, ok({"Invoices": [invoice()]}))
    stalled = run(app, attempt)
    assert (stalled.state, stalled.attached) == (CREATED, False) and stalled.message.startswith(
        "Docket can't read this item's stored document, so it isn't attached in Xero yet")
    panel = admin_client.hx("GET", f"/b/{item.business_id}/items/{item.id}/publish").text
    assert "Docket can't read this item" in html.unescape(panel)
    [line] = [r for r in caplog.records if "can't read its document" in r.getMessage()]
    assert f"s3://{bucket.name}/{name}" in line.getMessage()
    bucket.client.put_object(Bucket=bucket.name, Key=name, Body=original)  # restored from a copy
    script(xero_double, ATTACHED)
    assert run(app, attempt).state == DONE and fresh(item).status == "published"
    assert xero_double.requests[-1].body == original


def test_ready_with_the_bucket_and_the_probe_removed(client, a_worker, bucket):  # noqa: F811
    assert _ready(client) == (200, {"database": "ok", "redis": "ok", "documents": "ok", "workers": "ok"})
    assert bucket.object_names() == []


def test_not_ready_without_the_bucket_naming_it(app, client, a_worker, bucket):  # noqa: F811
    app.config["DOCUMENT_STORAGE_URL"] = "s3://no-such-bucket/documents"
    status, checks = _ready(client)
    assert status == 503 and checks["documents"].startswith(
        f"can't be written and read back at s3://no-such-bucket/documents at {bucket.endpoint}: "
        "s3://no-such-bucket/documents/.check/")
    assert checks["documents"].endswith("can't be written, read back and removed: NoSuchBucket")


def test_an_unreachable_store_is_named_without_its_credentials(app, client, a_worker, bucket):  # noqa: F811
    app.config["S3_ENDPOINT_URL"] = f"http://127.0.0.1:{_closed_port()}"
    status, checks = _ready(client)
    assert status == 503 and checks["documents"].endswith("EndpointConnectionError")
    assert not any(secret in checks["documents"] for secret in CREDENTIALS.values())


def test_a_web_process_says_where_documents_are_kept_as_it_starts(app, migrated_url, bucket, caplog):
    caplog.set_level(logging.INFO, logger="webapp")
    settings = {"TESTING": True, "DATABASE_URL": migrated_url, "DATABASE_POOL_SIZE": 0, "REDIS_URL": REDIS_URL,
                "RATELIMIT_STORAGE_URI": REDIS_URL, "CHECK_DOCUMENTS_AT_START": True, "S3_ENDPOINT_URL": bucket.endpoint}
    create_app(settings | {"DOCUMENT_STORAGE_URL": bucket.url})
    create_app(settings | {"DOCUMENT_STORAGE_URL": "s3://no-such-bucket/documents"})  # starts, and says why not
    said = [(r.levelname, r.getMessage()) for r in caplog.records if r.getMessage().startswith("documents ")]
    assert said[0] == ("INFO", f"documents are kept at {bucket.url} at {bucket.endpoint}: written and read back")
    assert said[1][0] == "ERROR" and said[1][1].startswith("documents can't be written and read back at "
                                                           "s3://no-such-bucket/documents")
    assert len(said) == 2 and bucket.object_names() == []


def test_a_worker_that_cant_write_its_documents_refuses_to_start(migrated_url, s3_server, tmp_path):  # noqa: F811
    env = {**os.environ, "DATABASE_URL": migrated_url, "REDIS_URL": REDIS_URL, "DOCKET_INSTANCE_PATH": str(tmp_path),
           "DOCUMENT_STORAGE_URL": "s3://no-such-bucket/documents", "S3_ENDPOINT_URL": s3_server}
    worker = subprocess.run([sys.executable, "-m", "jobs.worker", "publishing"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert worker.returncode != 0
    assert "\nThe worker didn't start: documents can't be written and read back at s3://no-such-bucket/documents" \
        in worker.stderr
    assert "NoSuchBucket" in worker.stderr and CREDENTIALS["AWS_SECRET_ACCESS_KEY"] not in worker.stderr

