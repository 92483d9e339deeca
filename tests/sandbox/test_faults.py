"""Injected faults on real Accounting API calls: aimed at one kind of call, Xero's 503 body, and a 500 that answers a
call which took effect (the caller can't tell whether its document was saved)."""
from xml.etree import ElementTree

from .accounting_helpers import acc_app, api, bill, seeded_db_template  # noqa: F401


def _arm(api, **fault):
    response = api.client.post("/operator/api/faults", json=fault)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _invoices(api) -> list[dict]:
    return api.get("/Invoices").get_json()["Invoices"]


def test_a_fault_aimed_at_creates_leaves_reads_and_attachments_alone(api):
    _arm(api, status=503, count=1, method="PUT", path="Invoices")
    assert api.get("/Invoices").status_code == 200
    created = api.put("/Invoices", bill(), summarizeErrors="false")
    assert created.status_code == 503 and _invoices(api) == []
    assert api.put("/Invoices", bill(), summarizeErrors="false").status_code == 200
    assert len(_invoices(api)) == 1


def test_a_fault_path_can_be_a_pattern(api):
    invoice_id = api.put("/Invoices", bill()).get_json()["Invoices"][0]["InvoiceID"]
    _arm(api, status=500, count=1, path="Invoices/*/Attachments/*")
    assert api.put("/Invoices", bill(InvoiceNumber="TP-2")).status_code == 200
    attach = api.send("POST", f"/Invoices/{invoice_id}/Attachments/bill.pdf", data=b"%PDF-1.4 x",
                      content_type="application/pdf")
    assert attach.status_code == 500
    assert api.client.get("/operator/api/faults").get_json()["faults"] == []


def test_an_injected_503_is_xeros_plain_text(api):
    _arm(api, status=503, retry_after=300)
    response = api.get("/Invoices")
    assert response.status_code == 503 and response.headers["Retry-After"] == "300"
    assert response.mimetype == "text/plain" and response.text == "The Xero API is temporarily unavailable"
    assert response.headers["Xero-Correlation-Id"]


def test_a_500_after_work_saves_the_document_and_still_answers_500(api):
    _arm(api, status=500, method="PUT", path="Invoices", after_work=True)
    response = api.put("/Invoices", bill(Url="https://docket.example/b/1/items/7?publish=k"),
                       summarizeErrors="false")
    assert response.status_code == 500 and response.get_json()["Status"] == 500
    assert "Invoices" not in response.get_json()
    [saved] = _invoices(api)
    assert saved["Url"] == "https://docket.example/b/1/items/7?publish=k"


def test_only_a_500_can_follow_the_work(api):
    for fault in ({"status": 503, "after_work": True}, {"status": 429, "after_work": True}):
        response = api.client.post("/operator/api/faults", json=fault)
        assert response.status_code == 400 and "500" in response.get_json()["error"]


def test_an_injected_daily_limit_comes_without_retry_after(api):
    _arm(api, status=429, problem="day")
    response = api.get("/Invoices")
    assert response.status_code == 429 and "Retry-After" not in response.headers
    assert response.headers["X-Rate-Limit-Problem"] == "day" and response.headers["X-DayLimit-Remaining"] == "0"
    assert response.mimetype == "text/plain"
    assert api.get("/Invoices").status_code == 200


def test_an_injected_validation_error_is_xeros_xml(api):
    _arm(api, status=400, method="PUT", path="Invoices", message="Account code '455' has been archived & deleted.")
    response = api.put("/Invoices", bill(), summarizeErrors="false")
    assert response.status_code == 400 and response.mimetype == "text/xml"
    root = ElementTree.fromstring(response.data)
    assert root.tag == "ApiException" and root.findtext("Type") == "ValidationException"
    assert [m.text for m in root.iter("Message")][1:] == ["Account code '455' has been archived & deleted."]
    assert _invoices(api) == []
    assert api.client.post("/operator/api/faults", json={"status": 400}).status_code == 400  # no message to carry

