"""CSRF on every state change (forms and HTMX) and the security headers on every page."""
import pytest

from tests.conftest import REDIS_URL
from webapp import create_app
from webapp.accounts.models import User
from webapp.errors import CSRF_MESSAGE


def test_form_without_csrf_token_is_refused_and_changes_nothing(admin_client, admin):
    response = admin_client.post(f"/b/{admin.business_id}/team", data={"email": "x@example.com", "role": "admin"})
    assert response.status_code == 400
    assert CSRF_MESSAGE in response.text.replace("&#39;", "'")
    assert not User.select().where(User.email == "x@example.com").exists()


def test_token_from_another_session_is_refused(app, admin_client, admin, standard):
    other = app.test_client().login(standard.user)
    response = admin_client.post(f"/b/{admin.business_id}/team",
                                 data={"email": "x@example.com", "role": "admin", "csrf_token": other.token})
    assert response.status_code == 400
    assert not User.select().where(User.email == "x@example.com").exists()


def test_htmx_request_with_header_token_is_accepted(admin_client, admin, standard):
    response = admin_client.hx("POST", f"/b/{admin.business_id}/team/{standard.id}",
                               target=f"team-member-{standard.id}", data={"role": "admin"})
    assert response.status_code == 200 and type(standard).get_by_id(standard.id).is_admin


def test_htmx_request_without_token_gets_the_message_in_the_flash_region(admin_client, admin, standard):
    response = admin_client.post(f"/b/{admin.business_id}/team/{standard.id}", data={"role": "admin"},
                                 headers={"HX-Request": "true", "HX-Target": f"team-member-{standard.id}"})
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#flash"
    assert "security token" in response.text and "<html" not in response.text
    assert not type(standard).get_by_id(standard.id).is_admin


def test_security_headers_on_pages(admin_client, admin):
    response = admin_client.get(f"/b/{admin.business_id}/team")
    csp = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    assert csp["script-src"] == "'self'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert csp["frame-ancestors"] == "'self'"
    assert csp["form-action"] == "'self' http://127.0.0.1:8001"  # Connect Software leads to Xero's login
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "X-Frame-Options" not in response.headers
    assert "<script>" not in response.text and " on" + "click=" not in response.text


def test_frame_ancestors_name_the_configured_portals(monkeypatch, migrated_url):
    monkeypatch.setenv("FRAME_ANCESTORS", "https://portal.example https://clients.example")
    app = create_app({"TESTING": True, "DATABASE_URL": migrated_url, "REDIS_URL": REDIS_URL})
    response = app.test_client().get("/login")
    assert "frame-ancestors 'self' https://portal.example https://clients.example" in \
        response.headers["Content-Security-Policy"]


def test_production_sets_secure_cookies_and_hsts(monkeypatch, migrated_url):
    monkeypatch.setenv("DOCKET_ENV", "production")
    app = create_app({"DATABASE_URL": migrated_url, "REDIS_URL": REDIS_URL})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    response = app.test_client().get("/login", base_url="https://docket.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    from webapp.config import ConfigError

    monkeypatch.setenv("DOCKET_ENV", "production")
    monkeypatch.delenv("SECRET_KEY")
    with pytest.raises(ConfigError, match="SECRET_KEY and TOKEN_ENCRYPTION_KEYS must be set"):
        create_app()
