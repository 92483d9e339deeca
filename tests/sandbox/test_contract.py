"""Contract tests: sandbox responses and Docket's request bodies validate against Xero's own OpenAPI spec."""
import json
from pathlib import Path

import pytest
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from xero_sandbox.accounting import seed

from .accounting_helpers import (  # noqa: F401
    AU,
    CA,
    NZ,
    UK,
    US,
    acc_app,
    api,
    bill,
    contact_ref,
    create,
    make_api,
    sale,
    seeded_db_template,
    spend,
)

SPEC = Path(__file__).resolve().parents[2] / "xero_sandbox/spec/xero_accounting.yaml"
SERVER = "https://api.xero.com"
# openapi-core can't check the spec's oauth2 security scheme and warns; the token guard has its own tests.
pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type:UserWarning")


@pytest.fixture(scope="session")
def openapi() -> OpenAPI:
    return OpenAPI.from_file_path(str(SPEC), config=Config(spec_validator_cls=None))


def spec_request(method: str, path: str, body=None, query=None, content_type="application/json"):
    """A request as a Xero client sends it to api.xero.com, for openapi-core."""
    data = json.dumps(body).encode() if body is not None and not isinstance(body, bytes) else body
    environ = EnvironBuilder(path=f"/api.xro/2.0{path}", base_url=SERVER, method=method, data=data,
                             query_string=query, content_type=content_type if data is not None else None,
                             headers={"xero-tenant-id": UK, "Authorization": "Bearer t",
                                      "Accept": "application/json"}).get_environ()
    return WerkzeugOpenAPIRequest(Request(environ))


def assert_contract(openapi, response, method, path, body=None, query=None, content_type="application/json"):
    """The sandbox response validates against the spec's response schema for this operation."""
    request = spec_request(method, path, body, query, content_type)
    openapi.validate_response(request, WerkzeugOpenAPIResponse(response))
    return response.get_json()


def get_ok(openapi, api, path, **query):
    response = api.get(path, **query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return assert_contract(openapi, response, "GET", path, query=query)


@pytest.mark.parametrize("key", ["uk", "au", "ca", "us", "nz"])
def test_settings_lists_match_spec_for_every_demo_organisation(openapi, acc_app, key):
    api = make_api(acc_app, seed.tenant_id(key))
    org = get_ok(openapi, api, "/Organisation")["Organisations"][0]
    assert org["OrganisationID"] == seed.tenant_id(key)
    accounts = get_ok(openapi, api, "/Accounts")["Accounts"]
    assert len(accounts) >= 40
    rates = get_ok(openapi, api, "/TaxRates")["TaxRates"]
    assert rates and all("EffectiveRate" in r for r in rates)
    categories = get_ok(openapi, api, "/TrackingCategories")["TrackingCategories"]
    assert len(categories) == 2
    assert len(get_ok(openapi, api, "/Currencies")["Currencies"]) >= 3
    assert get_ok(openapi, api, "/Contacts", page=1)["pagination"]["itemCount"] == 40
    account_id = seed.account_id(key, "090")
    assert get_ok(openapi, api, f"/Accounts/{account_id}")["Accounts"][0]["Code"] == "090"
    contact_id = seed.contact_id(key, "Travis Perkins") if key == "uk" else accounts[0]["AccountID"]
    if key == "uk":
        assert get_ok(openapi, api, f"/Contacts/{contact_id}")["Contacts"][0]["Name"] == "Travis Perkins"
    rate = get_ok(openapi, api, f"/TaxRates/{rates[0]['TaxType']}")["TaxRates"][0]
    assert rate["TaxType"] == rates[0]["TaxType"]


def test_document_responses_match_spec(openapi, api):
    invoice = create(api, "Invoices", bill())
    assert invoice["Total"] == 164.99
    created = api.put("/Invoices", {"Invoices": [sale()]})
    assert_contract(openapi, created, "PUT", "/Invoices", {"Invoices": [sale()]})
    get_ok(openapi, api, "/Invoices")
    get_ok(openapi, api, "/Invoices", page=1, where='Type=="ACCPAY"')
    assert get_ok(openapi, api, f"/Invoices/{invoice['InvoiceID']}")["Invoices"][0]["InvoiceNumber"] == "TP-1001"
    note = {"Type": "ACCPAYCREDIT", "Contact": contact_ref("Travis Perkins"), "Date": "2026-10-02",
            "Status": "AUTHORISED", "LineItems": [{"Description": "Returned boards", "Quantity": 1,
                                                   "UnitAmount": 41.5, "AccountCode": "310", "TaxType": "INPUT2"}]}
    note_id = create(api, "CreditNotes", note)["CreditNoteID"]
    get_ok(openapi, api, "/CreditNotes", page=1)
    get_ok(openapi, api, f"/CreditNotes/{note_id}")
    spent = create(api, "BankTransactions", spend())
    get_ok(openapi, api, "/BankTransactions", page=1)
    get_ok(openapi, api, f"/BankTransactions/{spent['BankTransactionID']}")
    pay = {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Account": {"Code": "090"}, "Date": "2026-10-20",
           "Amount": 100}
    paid = api.put("/Payments", {"Payments": [pay]})
    assert_contract(openapi, paid, "PUT", "/Payments", {"Payments": [pay]})
    payment_id = paid.get_json()["Payments"][0]["PaymentID"]
    get_ok(openapi, api, "/Payments")
    get_ok(openapi, api, f"/Payments/{payment_id}")


def test_write_responses_and_errors_match_spec(openapi, api):
    contact = {"Name": "Contract Testing Ltd", "EmailAddress": "ap@contract.example"}
    response = api.put("/Contacts", {"Contacts": [contact]})
    assert assert_contract(openapi, response, "PUT", "/Contacts", {"Contacts": [contact]})["Contacts"][0]["Name"] \
        == "Contract Testing Ltd"
    account = {"Code": "499", "Name": "Software", "Type": "OVERHEADS", "TaxType": "INPUT2"}
    response = api.put("/Accounts", account)
    assert assert_contract(openapi, response, "PUT", "/Accounts", account)["Accounts"][0]["Code"] == "499"
    duplicate = {"Invoices": [sale(), sale()]}
    failed = api.put("/Invoices", duplicate)
    assert failed.status_code == 400
    assert_contract(openapi, failed, "PUT", "/Invoices", duplicate)
    partial = api.put("/Invoices", duplicate, summarizeErrors="false")
    body = assert_contract(openapi, partial, "PUT", "/Invoices", duplicate, query={"summarizeErrors": "false"})
    assert [i["StatusAttributeString"] for i in body["Invoices"]] == ["OK", "ERROR"]


def test_attachment_responses_match_spec(openapi, api):
    invoice_id = create(api, "Invoices", bill())["InvoiceID"]
    path = f"/Invoices/{invoice_id}/Attachments/receipt.pdf"
    uploaded = api.put(path, data=b"%PDF-1.4 test", content_type="application/pdf")
    assert uploaded.status_code == 200, uploaded.get_data(as_text=True)
    body = assert_contract(openapi, uploaded, "PUT", path, b"%PDF-1.4 test", content_type="application/octet-stream")
    assert body["Attachments"][0]["ContentLength"] == 13
    listed = api.get(f"/Invoices/{invoice_id}/Attachments")
    assert assert_contract(openapi, listed, "GET", f"/Invoices/{invoice_id}/Attachments")["Attachments"][0][
        "FileName"] == "receipt.pdf"


def receive_money() -> dict:
    return {"Type": "RECEIVE", "Contact": contact_ref("Bramley Homes"), "Date": "2026-10-09",
            "BankAccount": {"Code": "090"}, "LineAmountTypes": "Exclusive", "Reference": "Cash sale",
            "LineItems": [{"Description": "Offcuts", "Quantity": 2, "UnitAmount": 15, "AccountCode": "260",
                           "TaxType": "OUTPUT2", "Tracking": [{"Name": "Region", "Option": "North West"}]}]}


DOCKET_BODIES = [
    ("/Invoices", {"Invoices": [bill()]}),
    ("/Invoices", {"Invoices": [bill(Status="DRAFT"), bill(InvoiceNumber="TP-1002",
                                                           LineAmountTypes="Inclusive")]}),
    ("/Invoices", {"Invoices": [sale()]}),
    ("/Invoices", {"Invoices": [bill(LineItems=[{"Description": "Plasterboard", "Quantity": 1, "UnitAmount": 100,
                                                 "AccountCode": "320", "TaxType": "DRCHARGESUPPLY20",
                                                 "TaxAmount": 0}])]}),
    ("/BankTransactions", {"BankTransactions": [spend()]}),
    ("/BankTransactions", {"BankTransactions": [receive_money()]}),
    ("/CreditNotes", {"CreditNotes": [{"Type": "ACCPAYCREDIT", "Contact": contact_ref("Travis Perkins"),
                                       "Date": "2026-10-02", "Status": "AUTHORISED", "CreditNoteNumber": "CR-1",
                                       "LineItems": [{"Description": "Return", "Quantity": 1, "UnitAmount": 10,
                                                      "AccountCode": "310", "TaxType": "INPUT2"}]}]}),
    ("/Payments", {"Payments": [{"Invoice": {"InvoiceID": "0b5ef8ce-7a2c-4d48-9a5e-1b6b1d0a3a11"},
                                 "Account": {"Code": "090"}, "Date": "2026-10-20", "Amount": 164.99,
                                 "Reference": "Paid by card"}]}),
]


@pytest.mark.parametrize("path,body", DOCKET_BODIES, ids=lambda v: v if isinstance(v, str) else "")
def test_docket_request_bodies_match_spec_and_are_accepted(openapi, api, path, body):
    openapi.validate_request(spec_request("PUT", path, body, query={"summarizeErrors": "false"}))
    if path == "/Payments":
        invoice_id = create(api, "Invoices", bill())["InvoiceID"]
        body = {"Payments": [{**body["Payments"][0], "Invoice": {"InvoiceID": invoice_id}}]}
    response = api.put(path, body, summarizeErrors="false")
    key = path.strip("/")
    statuses = [item["StatusAttributeString"] for item in response.get_json()[key]]
    assert response.status_code == 200 and set(statuses) == {"OK"}, response.get_data(as_text=True)


def test_malformed_request_body_is_rejected_by_spec(openapi):
    from openapi_core.validation.request.exceptions import InvalidRequestBody

    with pytest.raises(InvalidRequestBody):
        openapi.validate_request(spec_request("PUT", "/Invoices", {"Invoices": [{"LineItems": "not a list"}]}))


def test_organisation_actions_match_spec(openapi, api):
    actions = get_ok(openapi, api, "/Organisation/Actions")["Actions"]
    assert {"Name": "UseMulticurrency", "Status": "ALLOWED"} in actions

