"""Web processes keep their PostgreSQL connections open between requests, and drop one the server closed."""
import psycopg2
import pytest

from tests.conftest import POSTGRES_ADMIN_URL
from webapp import create_app
from webapp.db import database

pytestmark = pytest.mark.postgres


@pytest.fixture
def pooled_app(app):
    pooled = create_app({**app.config, "DATABASE_POOL_SIZE": 2})
    yield pooled
    database.close_all()


def _admin(sql: str, *args):
    connection = psycopg2.connect(POSTGRES_ADMIN_URL)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        rows = cursor.fetchall()
    connection.close()
    return rows


def _sessions_opened(database_name: str) -> int:
    return _admin("SELECT sessions FROM pg_stat_database WHERE datname = %s", database_name)[0][0]


def test_requests_reuse_the_pooled_connection(pooled_app, migrated_url):
    name = migrated_url.rsplit("/", 1)[1]
    client = pooled_app.test_client()
    assert client.get("/healthz").status_code == 200
    before = _sessions_opened(name)
    for _ in range(20):
        assert client.get("/healthz").status_code == 200
    assert _sessions_opened(name) - before == 0


def test_a_connection_the_server_closed_is_replaced_without_an_error(pooled_app, migrated_url):
    client = pooled_app.test_client()
    assert client.get("/healthz").status_code == 200
    terminated = _admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = %s AND pid <> pg_backend_pid() AND state = 'idle'",
                        migrated_url.rsplit("/", 1)[1])
    assert terminated  # the pooled connection, idle between requests
    assert client.get("/healthz").status_code == 200
