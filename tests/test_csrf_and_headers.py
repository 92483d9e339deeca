"""CSRF on every state change (forms and HTMX), swept from app.url_map, and the security headers on every page."""
import time
from html import unescape

import pytest

from tests.conftest import REDIS_URL
from tests.routes import Visits, snapshot, url
from webapp import create_app
from webapp.errors import CSRF_MESSAGE
from webapp.extensions import csrf

CHANGES = {"POST", "PUT", "PATCH", "DELETE"}
# Exempt from CSRF by design, each because it checks a proof of its own that a forged request can't carry.
EXEMPT = {"webhooks.xero", "inbound.hook", "embed.launch"}


def bad_tokens(visits) -> dict:
    """(form, headers) of a request whose token isn't its session's, in each way a forger could send one."""
    return {"no token": ({}, {}),
            "another session's token": ({"csrf_token": visits.clients["standard, can publish"].token}, {}),
            "a malformed token, from HTMX": ({}, {"HX-Request": "true", "X-CSRFToken": "not-a-token"})}


def state_changing(app):
    """(method, rule) for every rule and method that may change something."""
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & CHANGES):
            yield method, rule


def exempt_from_csrf(app, rule) -> bool:
    """What flask-wtf skips: views marked @csrf.exempt, and every view of a blueprint marked so."""
    view = app.view_functions[rule.endpoint]
    return (app.blueprints.get(rule.endpoint.rpartition(".")[0]) in csrf._exempt_blueprints
            or f"{view.__module__}.{view.__name__}" in csrf._exempt_views)


def test_every_state_change_refuses_a_missing_foreign_or_malformed_token_and_changes_nothing(app, backend):
    visits = Visits(app)
    admin = visits.clients["admin"]  # who may do everything in the business: only the token is wrong
    baseline, started, requests = snapshot(), time.monotonic(), 0
    for method, rule in state_changing(app):
        if rule.endpoint in EXEMPT:
            continue
        for how, (form, headers) in bad_tokens(visits).items():
            response = admin.open(url(rule.rule, visits.ours), method=method, data=form, headers=headers)
            where = f"{how}: {method} {rule}"
            assert response.status_code == 400 and CSRF_MESSAGE in unescape(response.text), where
            if "HX-Request" in headers:  # the message in the page's flash region, not a page in the target
                assert response.headers["HX-Retarget"] == "#flash" and "<html" not in response.text, where
            requests += 1
        assert snapshot() == baseline, f"refused, but the database changed: {method} {rule}"
    print(f"\ncsrf sweep on {backend}: {requests} requests in {time.monotonic() - started:.1f}s")


def test_only_the_webhooks_and_the_portal_launch_skip_csrf_and_each_checks_its_own_proof(app, client):
    assert {rule.endpoint for _, rule in state_changing(app) if exempt_from_csrf(app, rule)} == EXEMPT
    baseline = snapshot()
    forged = {"x-xero-signature": "forged"}
    assert client.post("/webhooks/xero", data=b'{"events": []}', headers=forged).status_code == 401
    assert client.post("/inbound/email", data=b"From: a@b.test\r\n\r\nhi",
                       headers={"X-Docket-Signature": "sha256=forged"}).status_code == 401
    assert client.post("/embed/launch", data={"token": "forged"}).status_code == 400
    assert snapshot() == baseline
    assert client.get("/").location.startswith("/login")  # nobody was signed in


def test_htmx_request_with_header_token_is_accepted(admin_client, admin, standard):
    response = admin_client.hx("POST", f"/b/{admin.business_id}/team/{standard.id}",
                               target=f"team-member-{standard.id}", data={"role": "admin"})
    assert response.status_code == 200 and type(standard).get_by_id(standard.id).is_admin


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


def production(monkeypatch, **settings):
    """The process environment of a production deployment."""
    for name, value in {"DOCKET_ENV": "production", "XERO_CLIENT_ID": "id", "XERO_CLIENT_SECRET": "secret",
                        "PUBLIC_URL": "https://docket.example", **settings}.items():
        monkeypatch.setenv(name, value)


def test_production_sets_secure_cookies_and_hsts(monkeypatch, migrated_url):
    production(monkeypatch)
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
