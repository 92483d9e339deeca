"""Wires the plain Xero library to this app: endpoints and credentials from config, tokens in the
database, the refresh lock in Redis. Built once per process in create_app()."""
from contextlib import contextmanager
from dataclasses import dataclass

import requests
from flask import current_app

from webapp.integrations.models import Connection
from webapp.integrations.token_store import DbTokenStore
from webapp.redis_conn import get_redis
from webapp.xero.client import XeroClient
from webapp.xero.crypto import TokenCipher
from webapp.xero.endpoints import XeroApp, XeroEndpoints
from webapp.xero.errors import XeroUnavailable
from webapp.xero.limiter import XeroLimiter
from webapp.xero.oauth import XeroIdentity
from webapp.xero.tokens import TokenKeeper

LOCK_TIMEOUT = 60  # longer than one token request may take, so the lock never expires mid-refresh
LOCK_WAIT = 45


@dataclass
class XeroServices:
    endpoints: XeroEndpoints
    identity: XeroIdentity
    cipher: TokenCipher
    keeper: TokenKeeper
    http: requests.Session
    limiter: XeroLimiter | None = None

    def client_for(self, connection: Connection) -> XeroClient:
        """A client whose calls share the organisation's pace with every other process."""
        return XeroClient(self.endpoints.api_url, connection.tenant_id, connection.id, self.keeper, self.http,
                          limiter=self.limiter)


def init_app(app) -> None:
    config = app.config
    endpoints = (XeroEndpoints.on_one_host(config["XERO_BASE_URL"]) if config["XERO_BASE_URL"]
                 else XeroEndpoints.real_xero())
    http = requests.Session()
    identity = XeroIdentity(XeroApp(config["XERO_CLIENT_ID"], config["XERO_CLIENT_SECRET"], config["XERO_SCOPES"]),
                            endpoints, http)
    cipher = TokenCipher(config["TOKEN_ENCRYPTION_KEYS"])
    keeper = TokenKeeper(DbTokenStore(cipher), identity.refresh, refresh_lock)
    limiter = XeroLimiter(app.extensions["redis"], per_minute=int(config.get("XERO_CALLS_PER_MINUTE", 58)),
                          app_per_minute=int(config.get("XERO_APP_CALLS_PER_MINUTE", 9600)),
                          max_wait=float(config.get("XERO_LIMIT_MAX_WAIT", 2)))
    app.extensions["xero"] = XeroServices(endpoints, identity, cipher, keeper, http, limiter)


def xero() -> XeroServices:
    return current_app.extensions["xero"]


@contextmanager
def refresh_lock(connection_id: int):
    """One token refresh per connection at a time, across every web and worker process."""
    lock = get_redis().lock(f"docket:xero-refresh:{connection_id}", timeout=LOCK_TIMEOUT,
                            blocking_timeout=LOCK_WAIT)
    if not lock.acquire():
        raise XeroUnavailable("another process is still refreshing this connection's token")
    try:
        yield
    finally:
        lock.release()
