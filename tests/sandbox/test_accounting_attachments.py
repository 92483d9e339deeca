"""Attachments: raw upload, same-name replace, 10 per document, 10 MB each, IncludeOnline, download."""
import pytest

from xero_sandbox.accounting import seed

from .accounting_helpers import acc_app, api, bill, create, errors_of, make_api, sale, seeded_db_template  # noqa: F401

PDF = b"%PDF-1.4\n% Docket receipt\n"


def upload(api, path, content=PDF, content_type="application/octet-stream", method="PUT", **params):
    """As Xero's SDKs upload: the raw bytes as application/octet-stream, the file's type in its name."""
    return api.send(method, path, data=content, content_type=content_type, **params)


@pytest.fixture
def invoice_id(api):
    return create(api, "Invoices", bill())["InvoiceID"]


def test_upload_lists_and_downloads_the_raw_file(api, invoice_id):
    response = upload(api, f"/Invoices/{invoice_id}/Attachments/receipt 1.pdf")
    assert response.status_code == 200
    attachment = response.get_json()["Attachments"][0]
    assert attachment["FileName"] == "receipt 1.pdf" and attachment["MimeType"] == "application/pdf"
    assert attachment["ContentLength"] == len(PDF)
    assert attachment["Url"].startswith(f"https://api.xero.com/api.xro/2.0/Invoices/{invoice_id}/Attachments/")
    download = api.get(f"/Invoices/{invoice_id}/Attachments/receipt 1.pdf")
    assert download.data == PDF and download.mimetype == "application/pdf"
    by_id = api.get(f"/Invoices/{invoice_id}/Attachments/{attachment['AttachmentID']}")
    assert by_id.data == PDF
    assert api.get(f"/Invoices/{invoice_id}").get_json()["Invoices"][0]["HasAttachments"] is True


def test_same_file_name_replaces_the_attachment(api, invoice_id):
    upload(api, f"/Invoices/{invoice_id}/Attachments/receipt.pdf")
    upload(api, f"/Invoices/{invoice_id}/Attachments/receipt.pdf", b"second version", "text/plain", method="POST")
    listed = api.get(f"/Invoices/{invoice_id}/Attachments").get_json()["Attachments"]
    assert [(a["FileName"], a["ContentLength"]) for a in listed] == [("receipt.pdf", 14)]
    assert api.get(f"/Invoices/{invoice_id}/Attachments/receipt.pdf").data == b"second version"


def test_eleventh_attachment_is_refused(api, invoice_id):
    for n in range(10):
        assert upload(api, f"/Invoices/{invoice_id}/Attachments/page-{n}.pdf").status_code == 200
    response = upload(api, f"/Invoices/{invoice_id}/Attachments/page-10.pdf")
    assert response.status_code == 400
    assert errors_of(response) == ["The maximum number of attachments (10) has been reached"]
    assert upload(api, f"/Invoices/{invoice_id}/Attachments/page-3.pdf", b"replaced").status_code == 200
    assert len(api.get(f"/Invoices/{invoice_id}/Attachments").get_json()["Attachments"]) == 10


def test_file_over_10mb_is_refused(api, invoice_id):
    response = upload(api, f"/Invoices/{invoice_id}/Attachments/huge.pdf", b"x" * (10 * 1024 * 1024 + 1))
    assert response.status_code == 400
    assert errors_of(response) == ["The file size exceeds the maximum allowed size of 10 MB"]
    exactly = upload(api, f"/Invoices/{invoice_id}/Attachments/max.pdf", b"x" * (10 * 1024 * 1024))
    assert exactly.status_code == 200


def test_include_online_is_accepted_on_bills_and_sales(api, invoice_id):
    sale_id = create(api, "Invoices", sale())["InvoiceID"]
    for document_id in (invoice_id, sale_id):
        accepted = upload(api, f"/Invoices/{document_id}/Attachments/r.pdf", IncludeOnline="true")
        assert accepted.status_code == 200 and accepted.get_json()["Attachments"][0]["IncludeOnline"] is True


@pytest.mark.parametrize("name, mime_type", [("receipt.pdf", "application/pdf"), ("till slip.JPG", "image/jpeg"),
                                             ("scan.png", "image/png")])
def test_the_type_of_a_file_sent_as_octet_stream_comes_from_its_name(api, invoice_id, name, mime_type):
    uploaded = upload(api, f"/Invoices/{invoice_id}/Attachments/{name}")
    assert uploaded.get_json()["Attachments"][0]["MimeType"] == mime_type
    assert api.get(f"/Invoices/{invoice_id}/Attachments/{name}").mimetype == mime_type


@pytest.mark.parametrize("name", ["a<b.pdf", "a|b.pdf", 'quote".pdf', "star*.pdf"])
def test_bad_file_names_are_refused(api, invoice_id, name):
    response = upload(api, f"/Invoices/{invoice_id}/Attachments/{name}")
    assert response.status_code == 400
    assert errors_of(response) == ["The file name contains invalid characters"]


def test_empty_body_and_unknown_document(api, invoice_id):
    empty = upload(api, f"/Invoices/{invoice_id}/Attachments/empty.pdf", b"")
    assert empty.status_code == 400 and empty.get_json()["Type"] == "PostDataInvalidException"
    missing = upload(api, "/Invoices/0b5ef8ce-7a2c-4d48-9a5e-1b6b1d0a3a11/Attachments/r.pdf")
    assert missing.status_code == 404


def test_attachments_on_bank_transactions_and_contacts(api):
    spent = create(api, "BankTransactions", {"Type": "SPEND", "Contact": {"Name": "Screwfix Direct"},
                                             "Date": "2026-10-07", "BankAccount": {"Code": "090"},
                                             "LineItems": [{"Description": "Screws", "Quantity": 1,
                                                            "UnitAmount": 12, "AccountCode": "429"}]})
    path = f"/BankTransactions/{spent['BankTransactionID']}/Attachments/receipt.jpg"
    assert upload(api, path, b"\xff\xd8jpeg").get_json()["Attachments"][0]["MimeType"] == "image/jpeg"
    contact_path = f"/Contacts/{seed.contact_id('uk', 'Screwfix Direct')}/Attachments/terms.pdf"
    assert upload(api, contact_path).status_code == 200


def test_attachments_need_the_attachments_scope(acc_app, invoice_id):
    limited = make_api(acc_app, seed.tenant_id("uk"), scopes=["accounting.transactions"])
    assert upload(limited, f"/Invoices/{invoice_id}/Attachments/r.pdf").status_code in (401, 403)
