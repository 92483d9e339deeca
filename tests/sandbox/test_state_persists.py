"""The sandbox keeps its state in its own SQLite file: a restart loses no connection, token or document."""
from xero_sandbox import create_app
from xero_sandbox.accounting.seed import tenant_id
from xero_sandbox.identity.service import issue_access_token


def test_connections_tokens_and_documents_survive_a_restart(tmp_path):
    config = {"TESTING": True, "SANDBOX_DATABASE": str(tmp_path / "state.db"), "SECRET_KEY": "persist-test-secret"}
    first = create_app(config)
    with first.app_context():
        token = issue_access_token([tenant_id("uk")])["access_token"]
    headers = {"Authorization": f"Bearer {token}", "xero-tenant-id": tenant_id("uk"), "Accept": "application/json"}
    bill = {"Type": "ACCPAY", "Contact": {"Name": "Jewson Ltd"}, "Date": "2026-11-20", "LineAmountTypes": "Exclusive",
            "LineItems": [{"Description": "Timber", "Quantity": 1, "UnitAmount": 50, "AccountCode": "429",
                           "TaxType": "INPUT2"}]}
    created = first.test_client().put("/api.xro/2.0/Invoices", json={"Invoices": [bill]}, headers=headers)
    assert created.status_code == 200, created.text
    invoice_id = created.get_json()["Invoices"][0]["InvoiceID"]

    restarted = create_app(config)
    client = restarted.test_client()
    assert [c["tenantId"] for c in client.get("/connections", headers={"Authorization": f"Bearer {token}"}).get_json()
            ] == [tenant_id("uk")]
    again = client.get(f"/api.xro/2.0/Invoices/{invoice_id}", headers=headers)
    assert again.status_code == 200 and again.get_json()["Invoices"][0]["Contact"]["Name"] == "Jewson Ltd"
