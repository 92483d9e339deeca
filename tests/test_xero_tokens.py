"""Token sets as Xero's identity service answers them, and TokenKeeper: a fresh access token per connection,
refreshed at most once at a time under that connection's lock, with Xero's refusals marking the connection."""
import base64
import json
import time
from contextlib import contextmanager

import pytest

from webapp.xero.errors import XeroAuthRequired
from webapp.xero.tokens import TokenKeeper, TokenSet

NOW = 1_800_000_000.0


def jwt(claims: dict) -> str:
    """An access token as Xero issues them: base64url header, claims and signature, without padding."""
    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    return ".".join([part(b'{"alg":"RS256","typ":"JWT"}'), part(json.dumps(claims).encode()), part(b"signature")])


def test_a_token_answer_is_read_with_its_lifetime_from_now():
    before = time.time()
    tokens = TokenSet.from_response({"access_token": "a1", "refresh_token": "r1", "expires_in": 600,
                                     "scope": "offline_access accounting.invoices", "token_type": "Bearer"})
    assert (tokens.access_token, tokens.refresh_token) == ("a1", "r1")
    assert tokens.scope == "offline_access accounting.invoices"
    assert before + 600 <= tokens.expires_at <= time.time() + 600


def test_a_token_answer_without_refresh_token_lifetime_or_scope():
    before = time.time()
    tokens = TokenSet.from_response({"access_token": "a1"})  # no offline_access: nothing to refresh with
    assert (tokens.refresh_token, tokens.scope) == ("", "")
    assert before + 1800 <= tokens.expires_at <= time.time() + 1800  # Xero's access tokens last 30 minutes


@pytest.mark.parametrize("event_id", ["e", "ev", "evt", "event"])
def test_the_consents_auth_event_is_read_from_the_access_token(event_id):
    token = jwt({"xero_userid": "u-1", "authentication_event_id": event_id})
    assert TokenSet(token, "r1", NOW).auth_event_id == event_id


def test_claims_of_every_length_are_read():
    """base64url drops the padding; the claims part of a real token can be any length (but 1) modulo 4."""
    lengths = set()
    for filler in range(4):
        claims = {"authentication_event_id": "ev-1", "filler": "x" * filler}
        token = jwt(claims)
        lengths.add(len(token.split(".")[1]) % 4)
        assert TokenSet(token, "r1", NOW).claims() == claims
    assert lengths == {0, 2, 3}


@pytest.mark.parametrize("token", ["opaque-token", "a.%%%%.c", "a.bm90IGpzb24.c"])
def test_a_token_that_is_not_a_readable_jwt_has_no_claims(token):
    assert TokenSet(token, "r1", NOW).claims() == {} and TokenSet(token, "r1", NOW).auth_event_id is None


class Store:
    """Tokens per connection, as the database keeps them."""

    def __init__(self, tokens: dict[int, TokenSet]):
        self.tokens, self.saved, self.flagged = dict(tokens), [], []

    def load(self, connection_id):
        return self.tokens.get(connection_id)

    def save(self, connection_id, tokens):
        self.tokens[connection_id] = tokens
        self.saved.append((connection_id, tokens.access_token))

    def mark_needs_reconnect(self, connection_id, reason):
        self.flagged.append((connection_id, reason))


class Locks:
    """The per-connection refresh lock: notes each connection locked; `meanwhile` runs as it is taken (what other
    processes did while this one waited)."""

    def __init__(self, meanwhile=None):
        self.taken, self.meanwhile = [], meanwhile

    @contextmanager
    def __call__(self, connection_id):
        self.taken.append(connection_id)
        if self.meanwhile:
            self.meanwhile(connection_id)
        yield


class Xero:
    """Xero's token endpoint: rotates the pair, or refuses."""

    def __init__(self, refusal: XeroAuthRequired | None = None):
        self.refreshed, self.refusal = [], refusal

    def refresh(self, refresh_token):
        self.refreshed.append(refresh_token)
        if self.refusal:
            raise self.refusal
        return TokenSet(f"access-after-{refresh_token}", f"{refresh_token}-rotated", NOW + 1800)


def keeper_for(store, xero=None, locks=None, now=NOW):
    return TokenKeeper(store, (xero or Xero()).refresh, locks or Locks(), clock=lambda: now)


def two_connections(expires_at_2: float) -> Store:
    return Store({1: TokenSet("access-1", "refresh-1", NOW + 1800), 2: TokenSet("access-2", "refresh-2", expires_at_2)})


def test_a_token_with_more_than_two_minutes_left_is_used_without_locking():
    store, xero, locks = two_connections(NOW + 121), Xero(), Locks()
    assert keeper_for(store, xero, locks).access_token(2) == "access-2"
    assert xero.refreshed == [] and locks.taken == [] and store.saved == []


def test_a_token_with_two_minutes_left_is_refreshed_under_its_connections_lock():
    store, xero, locks = two_connections(NOW + 120), Xero(), Locks()
    assert keeper_for(store, xero, locks).access_token(2) == "access-after-refresh-2"
    assert xero.refreshed == ["refresh-2"] and locks.taken == [2]
    assert store.saved == [(2, "access-after-refresh-2")] and store.tokens[2].refresh_token == "refresh-2-rotated"
    assert store.tokens[1].access_token == "access-1"


def test_a_token_another_process_refreshed_while_this_one_waited_for_the_lock_is_used():
    store, xero = two_connections(NOW), Xero()
    locks = Locks(meanwhile=lambda connection_id: store.save(connection_id, TokenSet("theirs", "r", NOW + 1800)))
    assert keeper_for(store, xero, locks).access_token(2) == "theirs"
    assert xero.refreshed == [] and store.saved == [(2, "theirs")]  # their save only


def test_a_token_xero_refused_is_refreshed_though_it_looks_fresh():
    store, xero, locks = two_connections(NOW + 1800), Xero(), Locks()
    assert keeper_for(store, xero, locks).access_token(2, force_refresh_of="access-2") == "access-after-refresh-2"
    assert xero.refreshed == ["refresh-2"] and locks.taken == [2]


def test_a_refused_token_another_process_already_replaced_is_not_refreshed_again():
    store, xero = two_connections(NOW + 1800), Xero()
    locks = Locks(meanwhile=lambda connection_id: store.save(connection_id, TokenSet("theirs", "r", NOW + 1800)))
    assert keeper_for(store, xero, locks).access_token(2, force_refresh_of="access-2") == "theirs"
    assert xero.refreshed == []
    assert keeper_for(store, xero, Locks()).access_token(2, force_refresh_of="access-2") == "theirs"  # no lock


@pytest.mark.parametrize("refusal, reason", [(XeroAuthRequired("invalid_grant"), "invalid_grant"),
                                             (XeroAuthRequired(), "refresh refused")])
def test_a_refresh_xero_refuses_marks_that_connection_for_reconnecting(refusal, reason):
    store = two_connections(NOW)
    with pytest.raises(XeroAuthRequired) as refused:
        keeper_for(store, Xero(refusal)).access_token(2)
    assert refused.value is refusal and store.flagged == [(2, reason)] and store.saved == []


def test_a_connection_without_tokens_needs_reconnecting():
    store, locks = two_connections(NOW), Locks()
    with pytest.raises(XeroAuthRequired, match="^no tokens stored for this connection$"):
        keeper_for(store, locks=locks).access_token(3)
    assert locks.taken == []
    disconnecting = Locks(meanwhile=lambda connection_id: store.tokens.pop(connection_id))  # forgotten meanwhile
    with pytest.raises(XeroAuthRequired, match="^no tokens stored for this connection$"):
        keeper_for(store, locks=disconnecting).access_token(2)
    assert store.flagged == [] and store.saved == []
