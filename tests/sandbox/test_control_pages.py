"""The operator HTML page: shows connections and tokens; its forms need the form token."""
from tests.sandbox.conftest import form_token


def test_operator_page_lists_connections(bearer, tenants, sandbox_client):
    bearer(tenants[0][0])
    page = sandbox_client.get("/operator/")
    assert page.status_code == 200
    assert tenants[0][1].replace("&", "&amp;") in page.text
    assert "demo@xero.example" in page.text
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_revoke_from_the_page(bearer, tenants, probe, api_get, sandbox_client):
    token = bearer(tenants[0][0])
    [connection] = sandbox_client.get("/operator/api/connections").get_json()["connections"]
    page = sandbox_client.get("/operator/")
    response = sandbox_client.post(f"/operator/connections/{connection['id']}/revoke",
                                   data={"csrf_token": form_token(page.text)}, follow_redirects=True)
    assert response.status_code == 200
    assert "Connection revoked" in response.text
    assert api_get(probe, token, tenants[0][0]).status_code == 403


def test_forms_without_the_token_are_refused(bearer, tenants, probe, api_get, sandbox_client):
    token = bearer(tenants[0][0])
    sandbox_client.get("/operator/")
    response = sandbox_client.post("/operator/tokens/expire", data={"tenant_id": tenants[0][0]})
    assert response.status_code == 400
    assert api_get(probe, token, tenants[0][0]).status_code == 200


def test_fault_and_limit_forms(bearer, tenants, probe, api_get, sandbox_client):
    token = bearer(tenants[0][0])
    csrf = form_token(sandbox_client.get("/operator/").text)
    sandbox_client.post("/operator/faults", data={"csrf_token": csrf, "kind": "status", "status": "503", "count": "1"})
    assert "HTTP 503" in sandbox_client.get("/operator/").text
    assert api_get(probe, token, tenants[0][0]).status_code == 503
    sandbox_client.post("/operator/limits", data={"csrf_token": csrf, "enabled": "on", "minute": "1",
                                                  "concurrent": "5", "day": "5000", "app_minute": "10000"})
    assert [api_get(probe, token, tenants[0][0]).status_code for _ in range(2)] == [200, 429]
    sandbox_client.post("/operator/limits", data={"csrf_token": csrf, "minute": "1"})  # checkbox unticked
    assert api_get(probe, token, tenants[0][0]).status_code == 200
