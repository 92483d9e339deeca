"""Shared fixtures: the app on SQLite and on the real PostgreSQL, real Redis, clients per role."""
import os
import re
import shutil
import threading

import psycopg2
import pytest
import redis
from flask.testing import FlaskClient
from playwright.sync_api import Page, sync_playwright
from werkzeug.serving import make_server

from tests import factories
from tests.items_helpers import make_coding
from webapp import create_app, migrations
from webapp.db import database
from webapp.models import ALL_MODELS
from webapp.xero.crypto import generate_key

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/docket_test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
if WORKER := os.environ.get("PYTEST_XDIST_WORKER"):  # under `pytest -n N`, worker gwK has databases of its own:
    POSTGRES_URL = f"{POSTGRES_URL}_{WORKER}"  # docket_test_gw0, docket_test_gw1, …
    _server, _db = REDIS_URL.rsplit("/", 1)
    REDIS_URL = f"{_server}/{int(_db) + int(WORKER[2:])}"  # and Redis db 13, 14, … (TEST_REDIS_URL's db + K)
CSRF_IN_PAGE = re.compile(r'"X-CSRFToken": "([^"]+)"')
CSRF_IN_FORM = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def pytest_addoption(parser):
    parser.addoption("--backends", default="sqlite,postgres",
                     help="database backends the app tests run against (comma separated)")


def pytest_configure(config):
    os.environ["DOCKET_ENV"] = "test"
    os.environ.setdefault("SECRET_KEY", "test-secret-key")
    os.environ.setdefault("TOKEN_ENCRYPTION_KEYS", generate_key())


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        backends = metafunc.config.getoption("--backends").split(",")
        if metafunc.definition.get_closest_marker("postgres"):  # skipped visibly, with why, when left out
            skip = pytest.mark.skip(reason="needs PostgreSQL, which --backends leaves out")
            backends = ["postgres"] if "postgres" in backends else [pytest.param("postgres", marks=skip)]
        elif _one_backend(metafunc):
            backends = ["sqlite"] if "sqlite" in backends else backends[:1]
        metafunc.parametrize("backend", backends, scope="session")


def _one_backend(metafunc) -> bool:
    """Browser flows, and publishing flows against the live Xero sandbox, check pages, Xero calls and jobs rather
    than the database, so they run once, on SQLite: the cheaper one to set up and the one `make run` starts with.
    Queries, locking, migrations, concurrency and list refreshes (upserts) are checked on both; tests needing
    PostgreSQL are marked `postgres`."""
    module = metafunc.module.__name__
    return module.startswith("tests.browser.") or (module.startswith("tests.test_publishing")
                                                   and "sandbox" in metafunc.fixturenames)


@pytest.fixture(scope="session")
def migrated_url(backend, tmp_path_factory):
    """A database of `backend` with every migration applied once for the session."""
    if backend == "postgres":
        _create_postgres_database(POSTGRES_ADMIN_URL, POSTGRES_URL.rsplit("/", 1)[1])
        url = POSTGRES_URL
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'docket.db'}"
    from webapp.db import open_database

    db = open_database(url)
    with db.connection_context():
        if backend == "postgres":
            db.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        migrations.upgrade(db)
    return url


@pytest.fixture
def app(migrated_url):
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": migrated_url,
        "DATABASE_POOL_SIZE": 0,  # a new app per test: a pool each would hold its connections until collected
        "REDIS_URL": REDIS_URL,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
    })
    app.test_client_class = DocketClient
    redis.Redis.from_url(REDIS_URL).flushdb()
    with database.connection_context():
        _empty_tables()
    yield app
    database.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def admin(app):
    """An admin (who can publish) of a fresh business."""
    return factories.make_member(role="admin", can_publish=True)


@pytest.fixture
def standard(admin):
    """A standard member of the admin's business, without publishing rights."""
    return factories.make_member(business=admin.business, role="standard", can_publish=False)


@pytest.fixture
def outsider(app):
    """An admin of another business, who must see nothing of the first one."""
    return factories.make_member(role="admin", can_publish=True)


@pytest.fixture
def coding(admin):
    """The admin's business with a small UK chart, VAT rates, tracking and a payment method to code items with."""
    return make_coding(admin.business)


@pytest.fixture
def admin_client(app, admin):
    return app.test_client().login(admin.user)


@pytest.fixture
def standard_client(app, standard):
    return app.test_client().login(standard.user)


class DocketClient(FlaskClient):
    """A test client that signs in through the real login form and sends CSRF tokens like the browser."""

    token: str | None = None

    def login(self, user, password=factories.PASSWORD):
        page = self.get("/login")
        response = self.post("/login", data={"email": user.email, "password": password,
                                             "csrf_token": _form_token(page.text)})
        assert response.status_code == 302, response.text
        self.token = CSRF_IN_PAGE.search(self.get("/", follow_redirects=True).text).group(1)
        return self

    def form(self, url, data=None, **kwargs):
        """POST a form with the page's CSRF token, as the browser does."""
        return self.post(url, data={"csrf_token": self.token, **(data or {})}, **kwargs)

    def hx(self, method, url, target=None, **kwargs):
        """An HTMX request: HX-Request, HX-Target and the CSRF header htmx sends from <body hx-headers>."""
        headers = {"HX-Request": "true", "X-CSRFToken": self.token or ""}
        if target:
            headers["HX-Target"] = target
        return self.open(url, method=method, headers=headers, **kwargs)


def _form_token(html: str) -> str:
    return CSRF_IN_FORM.search(html).group(1)


def _empty_tables():
    for model in reversed(ALL_MODELS):
        model.delete().execute()


def _create_postgres_database(admin_url: str, name: str) -> None:
    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


class LiveServer:
    """The app served over HTTP on a free loopback port in a background thread."""

    POLL_SECONDS = 0.01  # how often the server looks for shutdown(); werkzeug's 0.5 s made every stop wait that long

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(self.POLL_SECONDS,), daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()


@pytest.fixture
def live_server(app):
    with LiveServer(app) as server:
        yield server


def sandbox_config(database) -> dict:
    return {"TESTING": True, "SANDBOX_DATABASE": str(database), "SECRET_KEY": "sandbox-test-secret"}


@pytest.fixture(scope="session")
def sandbox_template_db(tmp_path_factory):
    """A created and seeded sandbox database, built once; each test starts from a copy (seeding is slow)."""
    from xero_sandbox import create_app as create_sandbox

    path = tmp_path_factory.mktemp("sandbox-template") / "sandbox.db"
    db = create_sandbox(sandbox_config(path)).extensions["xero_sandbox.db"]
    with db.connection_context():
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def sandbox_db(tmp_path, sandbox_template_db):
    """A fresh copy of the seeded sandbox database for this test."""
    return shutil.copyfile(sandbox_template_db, tmp_path / "sandbox.db")


@pytest.fixture
def sandbox(sandbox_db):
    """The Xero sandbox served live on a free loopback port, with its own fresh state."""
    from xero_sandbox import create_app as create_sandbox

    with LiveServer(create_sandbox(sandbox_config(sandbox_db))) as server:
        yield server


@pytest.fixture
def xero_app(app, sandbox):
    """The app talking to the live sandbox as its Xero."""
    from webapp.integrations import xero_access

    app.config["XERO_BASE_URL"] = sandbox.url
    xero_access.init_app(app)
    return app


# Chromium logs every 422 an HTMX form gets back; those are Docket's answers to bad input, shown on the page. And a
# request still on its way when a test's live server stops is reset; what a test waits for would fail it anyway.
EXPECTED_CONSOLE_ERROR = re.compile(r"Failed to load resource: (the server responded with a status of 422"
                                    r"|net::ERR_CONNECTION_(RESET|REFUSED))")


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (one per session: Playwright's sync API allows one loop)."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Close a test's browser page as soon as the test ends, before its live servers stop: a page left open
    while they stop logs errors for its polls and late requests that no person would ever see."""
    try:
        return (yield)
    finally:
        page = item.funcargs.get("page")
        if isinstance(page, Page):  # not a test's own argument that happens to be called "page"
            page.context.close()


@pytest.fixture
def page(browser):
    """A fresh page with its own cookie jar; the test fails if any page or frame logged a console error."""
    yield from checked_page(browser)


def checked_page(browser, **context_options):
    """The `page` fixture's page in a context of its own with these options (a phone's viewport, for one)."""
    context = browser.new_context(**context_options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = []
    context.on("console", lambda message: errors.append(f"{message.text} ({message.location.get('url')})")
               if message.type == "error" and not EXPECTED_CONSOLE_ERROR.search(message.text) else None)
    context.on("weberror", lambda error: errors.append(str(error.error)))
    page.console_errors = errors  # a test that provokes one takes it out (tests.browser.helpers.expected_errors)
    yield page
    context.close()
    assert not errors, errors
