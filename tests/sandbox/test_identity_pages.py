"""Login and consent pages: wrong passwords, form tokens, empty picks, safe redirects, framing."""
from tests.sandbox.conftest import form_token


def test_wrong_password_shows_the_login_again(dance, sandbox_client):
    url = dance.authorize_url()
    response = dance.login(url, password="nope")
    assert response.status_code == 422
    assert "Your email or password is incorrect" in response.text
    assert "Log in to Xero" in sandbox_client.get(url).text


def test_login_without_form_token_is_refused(dance, sandbox_client):
    url = dance.authorize_url()
    sandbox_client.get(url)
    response = sandbox_client.post("/identity/login", data={
        "email": "demo@xero.example", "password": "docket-demo", "next": url})
    assert response.status_code == 400
    assert "Log in to Xero" in sandbox_client.get(url).text


def test_login_only_returns_to_the_authorize_page(dance, sandbox_client):
    page = sandbox_client.get(dance.authorize_url())
    response = sandbox_client.post("/identity/login", data={
        "email": "demo@xero.example", "password": "docket-demo", "next": "https://evil.example/",
        "csrf_token": form_token(page.text)})
    assert response.status_code == 303
    assert response.headers["Location"] == "/identity/connect/authorize"


def test_consent_without_an_organisation_is_422(dance, sandbox_client):
    url = dance.authorize_url()
    dance.login(url)
    response = dance.consent(url, [])
    assert response.status_code == 422
    assert "Choose at least one organisation." in response.text


def test_consent_without_form_token_is_refused(dance, tenants, sandbox_client):
    url = dance.authorize_url()
    dance.login(url)
    response = sandbox_client.post(url, data={"tenant_id": tenants[0][0], "action": "allow"})
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_consent_lists_organisations_and_scopes(dance, tenants, sandbox_client):
    url = dance.authorize_url()
    dance.login(url)
    page = sandbox_client.get(url)
    for _tenant_id, name in tenants:
        assert name.replace("&", "&amp;") in page.text
    assert "View and manage your transactions" in page.text
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert "<script>" not in page.text


def test_logout_shows_login_again(dance, sandbox_client):
    url = dance.authorize_url()
    dance.login(url)
    page = sandbox_client.get(url)
    response = sandbox_client.post("/identity/logout", data={"csrf_token": form_token(page.text), "next": url})
    assert response.status_code == 303
    assert "Log in to Xero" in sandbox_client.get(url).text
