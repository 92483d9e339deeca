"""Operator pages and their JSON twins: documents with attachments, lock dates, archive, rename; new
organisations and the calls each took a minute."""
import re
from datetime import datetime

import pytest

from xero_sandbox.accounting import seed
from xero_sandbox.clock import EXTENSION_KEY as CLOCK_KEY, FakeClock

from .accounting_helpers import UK, acc_app, api, bill, create, errors_of, make_api, seeded_db_template  # noqa: F401


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


def test_an_operator_creates_organisations_that_an_app_can_connect_to_and_use(acc_app):
    client = acc_app.test_client()
    made = client.post("/operator/api/organisations", json={"name": "Client 07 Ltd", "country": "AU"})
    assert made.status_code == 201
    org = made.get_json()["organisation"]
    assert (org["name"], org["country"], org["baseCurrency"]) == ("Client 07 Ltd", "AU", "AUD")
    other = client.post("/operator/api/organisations", json={"name": "Client 08 Ltd", "country": "GB",
                                                              "baseCurrency": "EUR"}).get_json()["organisation"]
    assert other["baseCurrency"] == "EUR" and other["tenantId"] != org["tenantId"]
    listed = {entry["tenantId"] for entry in client.get("/operator/api/organisations").get_json()["organisations"]}
    assert {org["tenantId"], other["tenantId"]} <= listed
    api = make_api(acc_app, org["tenantId"])
    assert api.get("/Organisation").get_json()["Organisations"][0]["Name"] == "Client 07 Ltd"
    rates = {rate["TaxType"] for rate in api.get("/TaxRates").get_json()["TaxRates"]}
    assert {"INPUT", "OUTPUT", "CAPEXINPUT"} <= rates  # the Australian chart and GST
    assert api.get("/Contacts").get_json()["Contacts"]  # seeded suppliers and customers, ids of its own
    currencies = [c["Code"] for c in make_api(acc_app, other["tenantId"]).get("/Currencies").get_json()["Currencies"]]
    assert currencies[0] == "EUR" and "GBP" in currencies


@pytest.mark.parametrize("payload, problem", [
    ({"country": "GB"}, "name must be given"),
    ({"name": "X", "country": "FR"}, "country must be one of AU, CA, GB, NZ, US"),
    ({"name": "X", "country": "GB", "baseCurrency": "XYZ"}, "baseCurrency must be one of"),
    ({"name": "x" * 256, "country": "GB"}, "up to 255 characters"),
])
def test_a_bad_new_organisation_is_refused_plainly(acc_app, payload, problem):
    refused = acc_app.test_client().post("/operator/api/organisations", json=payload)
    assert refused.status_code == 400 and problem in refused.get_json()["error"]


def test_each_organisations_calls_by_kind_this_minute_and_the_last(acc_app):
    clock = acc_app.extensions[CLOCK_KEY] = FakeClock(datetime(2026, 12, 5, 9, 30, 0))
    client = acc_app.test_client()
    other = client.post("/operator/api/organisations", json={"name": "Client 09", "country": "GB"}).get_json()
    uk, second = make_api(acc_app, UK), make_api(acc_app, other["organisation"]["tenantId"])
    invoice = create(uk, "Invoices", bill())
    clock.advance(seconds=61)
    uk.put(f"/Invoices/{invoice['InvoiceID']}/Attachments/receipt.pdf", data=b"%PDF-1", content_type="application/pdf")
    uk.get("/Invoices")
    second.get("/Contacts")
    second.get("/Contacts")
    seen = client.get("/operator/api/calls/per-minute").get_json()
    assert seen["organisations"][UK] == {"lastMinute": {"PUT Invoices": 1},
                                         "thisMinute": {"GET Invoices": 1, "PUT Invoices/Attachments": 1}}
    assert seen["organisations"][other["organisation"]["tenantId"]] == {"lastMinute": {},
                                                                         "thisMinute": {"GET Contacts": 2}}
    clock.advance(seconds=120)
    assert client.get("/operator/api/calls/per-minute").get_json()["organisations"] == {}
