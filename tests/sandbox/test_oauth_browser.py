"""Chromium drives the sandbox's login and consent pages; a plain HTTP client finishes the dance."""
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from tests.sandbox.conftest import pkce_pair

CALLBACK = "http://127.0.0.1:5099/xero/callback"
pytestmark = pytest.mark.browser


def _capture_callback(page) -> list[str]:
    """Answer requests to the app's callback in the browser and record their URLs."""
    seen = []

    def fulfil(route):
        seen.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<p>Connected</p>")

    page.route(CALLBACK + "*", fulfil)
    return seen


def _authorize_url(base, challenge):
    return base + "/identity/connect/authorize?" + urlencode({
        "response_type": "code", "client_id": "docket-demo", "redirect_uri": CALLBACK, "state": "browser-1",
        "scope": "openid profile email accounting.transactions accounting.settings offline_access",
        "code_challenge": challenge, "code_challenge_method": "S256"})


def test_login_consent_two_organisations_then_continue(live_sandbox, page, tenants):
    page, seen = page, _capture_callback(page)
    verifier, challenge = pkce_pair()
    page.goto(_authorize_url(live_sandbox, challenge))
    assert page.get_by_role("heading", name="Log in to Xero").is_visible()
    page.get_by_label("Email address").fill("demo@xero.example")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").inner_text() == "Your email or password is incorrect"
    page.get_by_label("Password").fill("docket-demo")
    page.get_by_role("button", name="Log in").click()

    allow = page.locator("#consent-allow")
    assert allow.inner_text() == "Allow access for 1 organisation"
    page.get_by_label(tenants[1][1]).check()
    assert allow.inner_text() == "Allow access for 2 organisations"
    allow.click()
    page.wait_for_url(CALLBACK + "*")

    query = parse_qs(urlsplit(seen[-1]).query)
    assert query["state"] == ["browser-1"]
    token = requests.post(live_sandbox + "/connect/token", auth=("docket-demo", "docket-demo-secret"), data={
        "grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": CALLBACK,
        "code_verifier": verifier}, timeout=5).json()
    connections = requests.get(live_sandbox + "/connections", timeout=5,
                               headers={"Authorization": f"Bearer {token['access_token']}"}).json()
    assert {c["tenantName"] for c in connections} == {tenants[0][1], tenants[1][1]}

    page.goto(_authorize_url(live_sandbox, challenge))
    assert allow.inner_text() == "Continue with 2 organisations"
    page.get_by_label(tenants[0][1]).uncheck()
    page.get_by_label(tenants[1][1]).uncheck()
    assert allow.is_disabled()


def test_cancel_returns_access_denied(live_sandbox, page):
    page, seen = page, _capture_callback(page)
    page.goto(_authorize_url(live_sandbox, pkce_pair()[1]))
    page.get_by_label("Email address").fill("other@xero.example")
    page.get_by_label("Password").fill("docket-demo")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Cancel").click()
    page.wait_for_url(CALLBACK + "*")
    assert parse_qs(urlsplit(seen[-1]).query)["error"] == ["access_denied"]
