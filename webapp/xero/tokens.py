"""Token sets, where they are kept, and refreshing them exactly once across every process.

Xero rotates the refresh token at each refresh, so two processes refreshing the same grant can
lose it. `TokenKeeper` refreshes under a per-connection lock shared by all processes, re-reads
the stored token after taking the lock, and saves the rotated pair before anyone uses it.
"""
import base64
import json
import time
from dataclasses import dataclass
from typing import Callable, ContextManager, Protocol

from webapp.xero.errors import XeroAuthRequired

REFRESH_MARGIN = 120  # seconds: refresh a little early so a call never starts with a dying token


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str
    expires_at: float  # unix seconds
    scope: str = ""

    @classmethod
    def from_response(cls, payload: dict) -> "TokenSet":
        return cls(payload["access_token"], payload.get("refresh_token", ""),
                   time.time() + int(payload.get("expires_in", 1800)), payload.get("scope", ""))

    def is_fresh(self, now: float) -> bool:
        return now < self.expires_at - REFRESH_MARGIN

    def claims(self) -> dict:
        """The access token's JWT claims, read without verification (it came straight from Xero over TLS)."""
        try:
            payload = self.access_token.split(".")[1]
            return json.loads(base64.urlsafe_b64decode(payload + "=="))  # padding beyond what is needed is ignored
        except (IndexError, ValueError):
            return {}

    @property
    def auth_event_id(self) -> str | None:
        return self.claims().get("authentication_event_id")


class TokenStore(Protocol):
    """Where a connection's tokens live (the app keeps them encrypted in its database)."""

    def load(self, connection_id: int) -> TokenSet | None: ...

    def save(self, connection_id: int, tokens: TokenSet) -> None: ...

    def mark_needs_reconnect(self, connection_id: int, reason: str) -> None: ...


class TokenKeeper:
    """Hands out a fresh access token for a connection, refreshing it at most once at a time."""

    def __init__(self, store: TokenStore, refresh: Callable[[str], TokenSet],
                 lock: Callable[[int], ContextManager], clock: Callable[[], float] = time.time):
        self.store, self._refresh, self._lock, self._clock = store, refresh, lock, clock

    def access_token(self, connection_id: int, *, force_refresh_of: str | None = None) -> str:
        """A usable access token; `force_refresh_of` names a token Xero just refused as expired."""
        tokens = self._load(connection_id)
        if tokens.is_fresh(self._clock()) and tokens.access_token != force_refresh_of:
            return tokens.access_token
        with self._lock(connection_id):
            tokens = self._load(connection_id)  # another process may have refreshed while we waited
            if tokens.is_fresh(self._clock()) and tokens.access_token != force_refresh_of:
                return tokens.access_token
            try:
                rotated = self._refresh(tokens.refresh_token)
            except XeroAuthRequired as error:
                self.store.mark_needs_reconnect(connection_id, error.detail or "refresh refused")
                raise
            self.store.save(connection_id, rotated)
            return rotated.access_token

    def _load(self, connection_id: int) -> TokenSet:
        tokens = self.store.load(connection_id)
        if tokens is None:
            raise XeroAuthRequired("no tokens stored for this connection")
        return tokens
