"""Fixtures and helpers for the Accounting API tests: a seeded sandbox per test (copied from one template DB)."""
import json
import shutil

import pytest

from xero_sandbox import create_app
from xero_sandbox.accounting import seed
from xero_sandbox.identity.service import issue_access_token

UK, AU, CA, US, NZ = (seed.tenant_id(k) for k in ("uk", "au", "ca", "us", "nz"))
BASE = "/api.xro/2.0"


def sandbox_config(db_path: str, **extra) -> dict:
    return {"TESTING": True, "SANDBOX_DATABASE": db_path, "SECRET_KEY": "sandbox-test-secret",
            "SANDBOX_LIMITS_ENABLED": False, "SANDBOX_WEBHOOK_URL": "", "SANDBOX_WEBHOOK_BACKGROUND": False,
            **extra}


@pytest.fixture(scope="session")
def seeded_db_template(tmp_path_factory):
    """Seed once per session; each test copies the file instead of seeding again."""
    path = tmp_path_factory.mktemp("accounting-template") / "sandbox.db"
    db = create_app(sandbox_config(str(path))).extensions["xero_sandbox.db"]
    with db.connection_context():
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # the copy must not depend on a -wal file
    db.close()
    return path


@pytest.fixture
def acc_app(seeded_db_template, tmp_path):
    target = tmp_path / "sandbox.db"
    shutil.copyfile(seeded_db_template, target)
    return create_app(sandbox_config(str(target)))


class Api:
    """Calls the emulated Accounting API as one connected app would (Bearer + xero-tenant-id, JSON)."""

    def __init__(self, client, token: str, tenant_id: str):
        self.client, self.token, self.tenant_id = client, token, tenant_id

    def headers(self, extra=None) -> dict:
        return {"Authorization": f"Bearer {self.token}", "xero-tenant-id": self.tenant_id,
                "Accept": "application/json", **(extra or {})}

    def get(self, path: str, headers=None, **params):
        return self.client.get(BASE + path, headers=self.headers(headers), query_string=params)

    def send(self, method: str, path: str, body=None, headers=None, data=None, content_type="application/json",
             **params):
        raw = data if data is not None else json.dumps(body)
        return self.client.open(BASE + path, method=method, data=raw, headers=self.headers(headers),
                                content_type=content_type, query_string=params)

    def put(self, path, body=None, **kw):
        return self.send("PUT", path, body, **kw)

    def post(self, path, body=None, **kw):
        return self.send("POST", path, body, **kw)


def make_api(app, tenant_id: str = UK, scopes=None) -> Api:
    with app.app_context():
        token = issue_access_token([tenant_id], scopes=scopes)["access_token"]
    return Api(app.test_client(), token, tenant_id)


@pytest.fixture
def api(acc_app) -> Api:
    """The UK demo organisation (GBP, VAT) with every accounting scope."""
    return make_api(acc_app, UK)


def errors_of(response) -> list[str]:
    """All ValidationErrors messages of a 400 ValidationException body."""
    body = response.get_json()
    assert body["ErrorNumber"] == 10 and body["Type"] == "ValidationException", body
    assert body["Message"] == "A validation exception occurred"
    return [e["Message"] for el in body["Elements"] for e in el["ValidationErrors"]]


def contact_ref(name: str, key: str = "uk") -> dict:
    return {"ContactID": seed.contact_id(key, name)}


def bill(**overrides) -> dict:
    """A UK supplier bill as Docket sends it: AUTHORISED, two lines, tax and tracking."""
    body = {
        "Type": "ACCPAY", "Contact": contact_ref("Travis Perkins"), "Date": "2026-10-01",
        "DueDate": "2026-10-31", "InvoiceNumber": "TP-1001", "Status": "AUTHORISED",
        "LineAmountTypes": "Exclusive", "CurrencyCode": "GBP", "Url": "https://docket.example/items/1",
        "LineItems": [
            {"Description": "Oak boards", "Quantity": 3, "UnitAmount": 41.50, "AccountCode": "310",
             "TaxType": "INPUT2", "Tracking": [{"Name": "Region", "Option": "Midlands"},
                                               {"Name": "Department", "Option": "Workshop"}]},
            {"Description": "Delivery", "Quantity": 1, "UnitAmount": 12.99, "AccountCode": "425",
             "TaxType": "INPUT2"},
        ],
    }
    body.update(overrides)
    return body


def sale(**overrides) -> dict:
    body = {
        "Type": "ACCREC", "Contact": contact_ref("Ashworth Developments"), "Date": "2026-10-05",
        "DueDate": "2026-11-04", "InvoiceNumber": "INV-9001", "Reference": "PO-77", "Status": "AUTHORISED",
        "LineItems": [{"Description": "Fitted wardrobe", "Quantity": 1, "UnitAmount": 1200, "AccountCode": "200",
                       "TaxType": "OUTPUT2"}],
    }
    body.update(overrides)
    return body


def spend(**overrides) -> dict:
    body = {
        "Type": "SPEND", "Contact": contact_ref("Screwfix Direct"), "Date": "2026-10-07",
        "BankAccount": {"Code": "090"}, "Reference": "Card receipt 4411", "LineAmountTypes": "Inclusive",
        "LineItems": [{"Description": "Screws and fixings", "Quantity": 1, "UnitAmount": 24.00,
                       "AccountCode": "429", "TaxType": "INPUT2"}],
    }
    body.update(overrides)
    return body


def create(api: Api, key: str, element: dict, **params) -> dict:
    """PUT one element and return the created object (asserting a 200)."""
    response = api.put(f"/{key}", {key: [element]}, **params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()[key][0]
