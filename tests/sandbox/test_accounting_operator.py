"""Operator pages and their JSON twins: documents with attachments, lock dates, archive, rename."""
import re

from xero_sandbox.accounting import seed

from .accounting_helpers import UK, acc_app, api, bill, create, errors_of, seeded_db_template  # noqa: F401


def form_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_organisation_page_lists_documents_with_downloadable_attachments(acc_app, api):
    invoice = create(api, "Invoices", bill())
    api.put(f"/Invoices/{invoice['InvoiceID']}/Attachments/receipt.pdf", data=b"%PDF-1", content_type="application/pdf")
    client = acc_app.test_client()
    index = client.get("/operator/organisations")
    assert index.status_code == 200 and "Hartley &amp; Moss Joinery Ltd" in index.text
    page = client.get(f"/operator/organisations/{UK}")
    assert "TP-1001" in page.text and "receipt.pdf" in page.text and "<script" not in page.text
    link = re.search(r'href="(/operator/attachments/[^"]+)"', page.text).group(1)
    download = client.get(link)
    assert download.data == b"%PDF-1" and "receipt.pdf" in download.headers["Content-Disposition"]
    listed = client.get(f"/operator/api/organisations/{UK}/documents").get_json()["documents"]
    assert listed[0]["number"] == "TP-1001" and listed[0]["attachments"][0]["fileName"] == "receipt.pdf"


def test_lock_date_form_changes_what_the_api_accepts(acc_app, api):
    client = acc_app.test_client()
    token = form_token(client.get(f"/operator/organisations/{UK}").text)
    response = client.post(f"/operator/organisations/{UK}/lock-dates",
                           data={"csrf_token": token, "period_lock_date": "2026-10-31", "end_of_year_lock_date": ""})
    assert response.status_code == 303
    refused = api.put("/Invoices", {"Invoices": [bill()]})
    assert errors_of(refused) == [
        "The document date cannot be before the period lock date, currently set at 31-Oct-2026"]
    org = api.get("/Organisation").get_json()["Organisations"][0]
    assert "EndOfYearLockDate" not in org


def test_forms_without_token_are_refused(acc_app):
    response = acc_app.test_client().post(f"/operator/organisations/{UK}/lock-dates", data={})
    assert response.status_code == 400


def test_json_lock_dates_clear_and_validate(acc_app, api):
    client = acc_app.test_client()
    cleared = client.put(f"/operator/api/organisations/{UK}/lock-dates", json={})
    assert cleared.get_json()["periodLockDate"] is None
    assert create(api, "Invoices", bill(Date="2024-01-01"))["Status"] == "AUTHORISED"
    bad = client.put(f"/operator/api/organisations/{UK}/lock-dates",
                     json={"periodLockDate": "2026-01-01", "endOfYearLockDate": "2026-06-30"})
    assert bad.status_code == 400 and "after the period lock date" in bad.get_json()["error"]


def test_archive_and_unarchive_account_from_the_page(acc_app, api):
    client = acc_app.test_client()
    account_id = seed.account_id("uk", "425")
    token = form_token(client.get(f"/operator/organisations/{UK}").text)
    client.post(f"/operator/accounts/{account_id}/status", data={"csrf_token": token, "status": "ARCHIVED"})
    assert "has been archived" in errors_of(api.put("/Invoices", {"Invoices": [bill()]}))[0]
    client.put(f"/operator/api/accounts/{account_id}/status", json={"status": "ACTIVE"})
    assert api.put("/Invoices", {"Invoices": [bill()]}).status_code == 200


def test_archive_rename_contact_via_json(acc_app, api):
    client = acc_app.test_client()
    contact_id = seed.contact_id("uk", "Travis Perkins")
    archived = client.put(f"/operator/api/contacts/{contact_id}/status", json={"status": "ARCHIVED"})
    assert archived.get_json()["ContactStatus"] == "ARCHIVED"
    assert "has been archived" in errors_of(api.put("/Invoices", {"Invoices": [bill()]}))[0]
    client.put(f"/operator/api/contacts/{contact_id}/status", json={"status": "active"})
    renamed = client.put(f"/operator/api/contacts/{contact_id}/name", json={"name": "Travis Perkins Trading"})
    assert renamed.get_json()["Name"] == "Travis Perkins Trading"
    assert api.get(f"/Contacts/{contact_id}").get_json()["Contacts"][0]["Name"] == "Travis Perkins Trading"
    clash = client.put(f"/operator/api/contacts/{contact_id}/name", json={"name": "Jewson Ltd"})
    assert clash.status_code == 400


def test_rename_form_and_webhooks_page(acc_app):
    client = acc_app.test_client()
    contact_id = seed.contact_id("uk", "Toolstation")
    token = form_token(client.get(f"/operator/organisations/{UK}").text)
    response = client.post(f"/operator/contacts/{contact_id}/name",
                           data={"csrf_token": token, "name": "Toolstation UK"}, follow_redirects=True)
    assert "Contact renamed to Toolstation UK." in response.text
    page = client.get("/operator/webhooks")
    assert page.status_code == 200 and "No webhook URL is configured" in page.text
