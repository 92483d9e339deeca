"""Docket behind a TLS proxy: which forwarded headers it believes (TRUSTED_PROXIES), the sign-in limit per client
behind it, what production refuses to start without, and what a person is told over plain http."""
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import REDIS_URL
from tests.test_csrf_and_headers import production
from tests.test_sign_in_limits import _login_page_token
from webapp import create_app, proxies
from webapp.config import ConfigError, load_settings
from webapp.errors import CSRF_MESSAGE, HTTPS_NEEDED

BASE = {"DOCKET_ENV": "test", "SECRET_KEY": "s", "TOKEN_ENCRYPTION_KEYS": "k:" + "A" * 43 + "="}


def _signed_in_through(app, admin, trusted: str, proxy_address: str):
    """The admin's browser reaching Docket through a proxy at `proxy_address` that ends TLS for docket.example."""
    app.wsgi_app = proxies.wrap(app.wsgi_app, proxies.parse(trusted))
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=proxy_address, HTTP_X_FORWARDED_FOR="203.0.113.9",
                               HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_HOST="docket.example",
                               HTTP_REFERER="https://docket.example/")
    return client.login(admin.user)


@pytest.mark.parametrize("trusted, proxy_address, expected", [
    ("1", "10.0.0.5", "https://docket.example/integrations/xero/callback"),
    ("10.0.0.0/8", "10.0.0.5", "https://docket.example/integrations/xero/callback"),
    ("10.0.0.0/8", "192.0.2.44", "http://localhost/integrations/xero/callback"),  # not our proxy: headers ignored
    ("", "10.0.0.5", "http://localhost/integrations/xero/callback"),
])
def test_xeros_redirect_uri_is_https_only_behind_a_trusted_proxy(app, admin, trusted, proxy_address, expected):
    client = _signed_in_through(app, admin, trusted, proxy_address)
    response = client.form(f"/b/{admin.business_id}/integrations/xero/connect")
    assert response.status_code == 303
    assert parse_qs(urlsplit(response.headers["Location"]).query)["redirect_uri"] == [expected]


def test_trusted_proxies_is_read_from_the_environment(monkeypatch, migrated_url):
    monkeypatch.setenv("TRUSTED_PROXIES", "2")
    app = create_app({"DATABASE_URL": migrated_url, "REDIS_URL": REDIS_URL})
    assert isinstance(app.wsgi_app, proxies.ProxyFix) and (app.wsgi_app.x_for, app.wsgi_app.x_proto) == (2, 1)


def test_the_sign_in_limit_counts_each_client_behind_the_proxy_not_the_proxy(app, client):
    app.wsgi_app = proxies.wrap(app.wsgi_app, proxies.parse("10.0.0.0/8"))
    app.config["LOGIN_RATE_LIMIT"] = "3 per hour"

    def attempt(person: int, client_address: str) -> int:
        request = {"environ_base": {"REMOTE_ADDR": "10.0.0.5"}, "headers": {"X-Forwarded-For": client_address}}
        token = _login_page_token(client, **request)
        return client.post("/login", data={"email": f"person{person}@example.com", "password": "wrong",
                                           "csrf_token": token}, **request).status_code
    assert [attempt(n, f"198.51.100.{n}") for n in range(5)] == [401] * 5  # five people, one proxy: nobody blocked
    assert [attempt(10 + n, "198.51.100.200") for n in range(4)] == [401, 401, 401, 429]  # one client: blocked


def test_production_refuses_to_start_without_xero_credentials_or_an_https_public_url():
    production = BASE | {"DOCKET_ENV": "production", "XERO_CLIENT_ID": "id", "XERO_CLIENT_SECRET": "secret",
                         "PUBLIC_URL": "https://docket.example"}
    assert load_settings(production).public_url == "https://docket.example"
    with pytest.raises(ConfigError, match="XERO_CLIENT_ID and XERO_CLIENT_SECRET must be set in production"):
        load_settings({**production, "XERO_CLIENT_ID": ""})
    for public_url in ("", "http://docket.example"):
        with pytest.raises(ConfigError, match="PUBLIC_URL must be set in production to the https:// address"):
            load_settings({**production, "PUBLIC_URL": public_url})
    assert load_settings(BASE).xero_client_id == "docket-demo"  # outside production: the sandbox's demo app


@pytest.mark.parametrize("value, parsed", [("", 0), ("2", 2), (" 10.0.0.0/8, 192.0.2.7 ", ("10.0.0.0/8",
                                                                                            "192.0.2.7/32"))])
def test_trusted_proxies_takes_a_count_or_addresses(value, parsed):
    found = load_settings(BASE | {"TRUSTED_PROXIES": value}).trusted_proxies
    assert (tuple(map(str, found)) if isinstance(found, tuple) else found) == parsed


def test_a_bad_trusted_proxies_stops_the_start_with_what_to_write():
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES must be a number of proxies or a list of addresses"):
        load_settings(BASE | {"TRUSTED_PROXIES": "the load balancer"})


def test_a_form_sent_over_plain_http_in_production_says_https_is_needed(monkeypatch, migrated_url):
    production(monkeypatch)
    app = create_app({"DATABASE_URL": migrated_url, "REDIS_URL": REDIS_URL})
    plain = app.test_client().post("/login", data={"email": "a@example.com", "password": "x"},
                                   base_url="http://docket.example")
    assert plain.status_code == 400 and HTTPS_NEEDED in unescape(plain.text)
    secure = app.test_client().post("/login", data={"email": "a@example.com", "password": "x"},
                                    base_url="https://docket.example")
    assert secure.status_code == 400 and CSRF_MESSAGE in unescape(secure.text)
