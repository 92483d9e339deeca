"""Fixtures for the Xero sandbox's own tests: a fresh sandbox app per test on a temp SQLite file."""
import base64
import hashlib
import re
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.conftest import LiveServer, sandbox_config
from xero_sandbox import create_app
from xero_sandbox.clock import EXTENSION_KEY as CLOCK_KEY, FakeClock
from xero_sandbox.identity.service import issue_access_token


@pytest.fixture
def sandbox_app(sandbox_db):
    """The sandbox app (not served) on a fresh copy of the seeded database."""
    return create_app(sandbox_config(sandbox_db))


@pytest.fixture
def sandbox_client(sandbox_app):
    return sandbox_app.test_client()


@pytest.fixture
def bearer(sandbox_app):
    """Return a function that issues an access token for the given tenant ids (no OAuth dance)."""

    def issue(*tenant_ids, scopes=None):
        with sandbox_app.app_context():
            return issue_access_token(list(tenant_ids), scopes=scopes)["access_token"]

    return issue


# --- identity helpers (OAuth dance without a browser) ------------------------------------------

REDIRECT_URI = "http://127.0.0.1:5077/xero/callback"


@pytest.fixture
def clock(sandbox_app):
    """Replace the sandbox's clock with one the test moves by hand."""
    fake = FakeClock()
    sandbox_app.extensions[CLOCK_KEY] = fake
    return fake


@pytest.fixture
def tenants(sandbox_app):
    """(tenant_id, name) of the seeded organisations, by name."""
    from xero_sandbox.identity.service import organisations
    with sandbox_app.app_context():
        return organisations()


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def form_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


class OAuthDance:
    """Drives authorize → login → consent → token with the Flask test client."""

    def __init__(self, client):
        self.client = client

    def authorize_url(self, scope="openid profile email accounting.transactions accounting.settings "
                      "accounting.contacts offline_access", redirect_uri=REDIRECT_URI, **extra):
        params = {"response_type": "code", "client_id": "docket-demo", "redirect_uri": redirect_uri,
                  "scope": scope, "state": "st-123", **extra}
        return "/identity/connect/authorize?" + urlencode(params)

    def login(self, url, email="demo@xero.example", password="docket-demo"):
        page = self.client.get(url)
        return self.client.post("/identity/login", data={
            "email": email, "password": password, "next": url, "csrf_token": form_token(page.text)})

    def consent(self, url, tenant_ids, action="allow"):
        page = self.client.get(url)
        assert page.status_code == 200, page.text
        return self.client.post(url, data={"tenant_id": list(tenant_ids), "action": action,
                                           "csrf_token": form_token(page.text)})

    def code(self, tenant_ids, email="demo@xero.example", **params) -> str:
        url = self.authorize_url(**params)
        if "Log in to Xero" in self.client.get(url).text:
            self.login(url, email=email)
        response = self.consent(url, tenant_ids)
        assert response.status_code == 302, response.text
        query = parse_qs(urlsplit(response.headers["Location"]).query)
        assert query["state"] == ["st-123"]
        return query["code"][0]

    def exchange(self, code, auth="basic", **extra):
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, **extra}
        return self.token_request(data, auth)

    def refresh(self, refresh_token, auth="basic"):
        return self.token_request({"grant_type": "refresh_token", "refresh_token": refresh_token}, auth)

    def token_request(self, data, auth="basic", path="/connect/token"):
        headers = {}
        if auth == "basic":
            headers["Authorization"] = "Basic " + base64.b64encode(b"docket-demo:docket-demo-secret").decode()
        elif auth == "post":
            data = {**data, "client_id": "docket-demo", "client_secret": "docket-demo-secret"}
        return self.client.post(path, data=data, headers=headers)


@pytest.fixture
def dance(sandbox_client):
    return OAuthDance(sandbox_client)


@pytest.fixture
def probe(sandbox_app):
    """A guarded test-only API route (/_probe) that behaves like an Accounting API endpoint."""
    from flask import Blueprint, jsonify

    from xero_sandbox.identity.guard import begin_api_call, finish_api_call

    bp = Blueprint("probe", __name__, url_prefix="/_probe")
    bp.before_request(lambda: begin_api_call({"accounting.settings", "accounting.settings.read"}) and None)
    bp.after_request(finish_api_call)

    @bp.get("/")
    def ok():
        return jsonify({"Status": "OK"})

    @bp.get("/boom")
    def boom():
        raise RuntimeError("view failed")

    sandbox_app.register_blueprint(bp)
    return "/_probe/"


@pytest.fixture
def api_get(sandbox_client):
    """GET an API path with a Bearer token and tenant header."""

    def get(path, token, tenant_id):
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if tenant_id is not None:
            headers["xero-tenant-id"] = tenant_id
        return sandbox_client.get(path, headers=headers)

    return get


@pytest.fixture
def live_sandbox(sandbox_app):
    """The sandbox served on a free loopback port by a threaded server, for real HTTP clients."""
    with LiveServer(sandbox_app) as server:
        yield server.url
