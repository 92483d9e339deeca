"""Batches with and without summarizeErrors, Idempotency-Key replay, and malformed requests."""
import json
import threading
from datetime import timedelta

import pytest
import requests
from werkzeug.serving import make_server

from xero_sandbox.accounting import models as m

from .accounting_helpers import (  # noqa: F401
    UK,
    acc_app,
    api,
    bill,
    create,
    errors_of,
    sale,
    seeded_db_template,
)


def count_invoices(api) -> int:
    return len(api.get("/Invoices").get_json()["Invoices"])


def test_summarised_batch_with_one_bad_element_saves_nothing(api):
    body = {"Invoices": [bill(), bill(InvoiceNumber="TP-2", LineItems=[{"Description": "x", "Quantity": 1,
                                                                        "UnitAmount": 5, "AccountCode": "999"}])]}
    response = api.put("/Invoices", body)
    assert response.status_code == 400
    elements = response.get_json()["Elements"]
    assert [e["InvoiceNumber"] for e in elements] == ["TP-2"]
    assert errors_of(response) == ["Account code '999' is not a valid code for this document."]
    assert count_invoices(api) == 0


def test_unsummarised_batch_saves_good_elements_and_reports_bad_ones(api):
    body = {"Invoices": [bill(), bill(InvoiceNumber="TP-2", CurrencyCode="JPY"), sale()]}
    response = api.put("/Invoices", body, summarizeErrors="false")
    assert response.status_code == 200
    items = response.get_json()["Invoices"]
    assert [i["StatusAttributeString"] for i in items] == ["OK", "ERROR", "OK"]
    assert items[1]["HasErrors"] is True
    assert items[1]["ValidationErrors"] == [{"Message": "Organisation is not subscribed to currency JPY"}]
    assert items[1]["InvoiceID"] == "00000000-0000-0000-0000-000000000000"
    assert items[0]["InvoiceID"] != items[1]["InvoiceID"] and count_invoices(api) == 2


def test_bare_object_body_is_accepted_as_a_batch_of_one(api):
    response = api.put("/Invoices", bill())
    assert response.status_code == 200 and response.get_json()["Invoices"][0]["InvoiceNumber"] == "TP-1001"


def test_envelope_carries_id_status_provider_and_time(api):
    response = api.get("/Organisation")
    body = response.get_json()
    assert body["Id"] == response.headers["Xero-Correlation-Id"]
    assert body["Status"] == "OK" and body["ProviderName"] == "Docket (demo)"
    assert body["DateTimeUTC"].startswith("/Date(")
    assert len(body["Id"]) == 36


def test_same_idempotency_key_and_body_replays_without_a_second_invoice(api):
    headers = {"Idempotency-Key": "publish-item-42-rev-1"}
    first = api.put("/Invoices", {"Invoices": [bill()]}, headers=headers)
    second = api.put("/Invoices", {"Invoices": [bill()]}, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.get_data() == second.get_data()
    assert count_invoices(api) == 1


def test_idempotency_key_reused_with_another_body_is_rejected(api):
    headers = {"Idempotency-Key": "publish-item-42-rev-1"}
    api.put("/Invoices", {"Invoices": [bill()]}, headers=headers)
    response = api.put("/Invoices", {"Invoices": [bill(InvoiceNumber="OTHER")]}, headers=headers)
    assert response.status_code == 400
    assert "is used with a different request" in response.get_json()["Message"]
    assert count_invoices(api) == 1


def test_cached_error_is_replayed_for_the_same_key(api):
    headers = {"Idempotency-Key": "k-err"}
    bad = {"Invoices": [bill(CurrencyCode="JPY")]}
    first = api.put("/Invoices", bad, headers=headers)
    second = api.put("/Invoices", bad, headers=headers)
    assert first.status_code == second.status_code == 400 and first.get_data() == second.get_data()


def test_idempotency_key_expires_after_six_minutes(api, acc_app):
    headers = {"Idempotency-Key": "k-expire"}
    api.put("/Invoices", {"Invoices": [bill()]}, headers=headers)
    with acc_app.app_context():
        m.IdempotencyRecord.update(created_at=m.utcnow() - timedelta(minutes=7)).execute()
    api.put("/Invoices", {"Invoices": [bill()]}, headers=headers)
    assert count_invoices(api) == 2


def test_a_body_over_xeros_three_and_a_half_megabytes_is_refused_with_413(api):
    line = {"Description": "x" * 1000, "Quantity": 1, "UnitAmount": 1, "AccountCode": "310", "TaxType": "INPUT2"}
    big = {"Invoices": [bill(LineItems=[line] * 3700)]}  # about 3.6 MB
    assert len(json.dumps(big)) > 3.5 * 1024 * 1024
    response = api.put("/Invoices", big)
    assert (response.status_code, response.get_data(as_text=True)) == (413, "Request Entity Too Large")
    assert count_invoices(api) == 0
    assert api.put("/Invoices", {"Invoices": [bill(LineItems=[line] * 3000)]}).status_code == 200  # under: taken


def test_the_call_log_shows_each_call_with_its_idempotency_key_and_elements(api):
    api.put("/Invoices", {"Invoices": [bill(), bill(InvoiceNumber="TP-2")]}, headers={"Idempotency-Key": "k-1"})
    api.get("/Invoices")
    calls = [{key: call[key] for key in ("method", "path", "idempotency_key", "elements", "tenant_id")}
             for call in api.client.get("/operator/api/calls").get_json()["calls"]]
    assert calls == [{"method": "PUT", "path": "Invoices", "idempotency_key": "k-1", "elements": 2, "tenant_id": UK},
                     {"method": "GET", "path": "Invoices", "idempotency_key": None, "elements": None,
                      "tenant_id": UK}]
    api.client.post("/operator/api/reset", json={})
    assert api.client.get("/operator/api/calls").get_json()["calls"] == []


@pytest.mark.parametrize("raw", [b"{not json", b"", b"[1, 2]", b'{"Invoices": "x"}'])
def test_malformed_body_is_post_data_invalid(api, raw):
    response = api.put("/Invoices", data=raw)
    assert response.status_code == 400
    body = response.get_json()
    assert body["ErrorNumber"] == 14 and body["Type"] == "PostDataInvalidException" and body["Message"]
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize("overrides,path", [
    ({"Date": "first of October"}, "Date"),
    ({"LineItems": [{"Description": "x", "Quantity": "three", "UnitAmount": 1}]}, "LineItems[0].Quantity"),
    ({"Status": "APPROVED"}, "Status"),
    ({"LineItems": "none"}, "LineItems"),
    ({"Contact": "Travis Perkins"}, "Contact"),
])
def test_wrong_types_are_post_data_invalid(api, overrides, path):
    response = api.put("/Invoices", {"Invoices": [bill(**overrides)]})
    assert response.status_code == 400
    body = response.get_json()
    assert body["Type"] == "PostDataInvalidException" and f"'{path}'" in body["Message"]


def test_bad_where_clause_is_query_parse_exception(api):
    response = api.get("/Contacts", where='Colour=="Blue"')
    assert response.status_code == 400
    assert response.get_json()["Type"] == "QueryParseException"


def test_updating_organisation_is_not_implemented(api):
    response = api.post("/Organisation", {"Name": "x"})
    assert response.status_code == 501
    assert response.get_json()["Type"] == "ApiMethodNotImplementedException"


def test_concurrent_writers_over_http_all_succeed(acc_app, api):
    """A threaded server (as `flask run` serves the sandbox) must not fail writes with 'database is locked'."""
    server = make_server("127.0.0.1", 0, acc_app, threaded=True)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/api.xro/2.0/Invoices"
    statuses = []

    def publish(worker: int):
        with requests.Session() as session:
            for n in range(5):
                body = {"Invoices": [bill(InvoiceNumber=f"W{worker}-{n}")]}
                statuses.append(session.put(url, json=body, headers=api.headers(), timeout=10).status_code)

    threads = [threading.Thread(target=publish, args=(w,)) for w in range(4)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        server.shutdown()
        server.server_close()
    assert statuses == [200] * 20
    assert count_invoices(api) == 20
