"""The Xero client library against recorded sandbox answers (betamax), plus its pure parts.

Cassettes replay with record mode `none`. To record them again against a live sandbox:
`RECORD_CASSETTES=1 .venv/bin/pytest tests/test_xero_client.py --backends sqlite`.
"""
import base64
import json
import os
from contextlib import nullcontext

import betamax
from betamax.cassette.cassette import Placeholder
import pytest
import requests

from webapp.xero.client import XeroClient
from webapp.xero.endpoints import XeroApp, XeroEndpoints
from webapp.xero.errors import (XeroAuthRequired, XeroNotFound, XeroRateLimited, XeroTenantDisconnected,
                                XeroValidationError, retry_after_seconds)
from webapp.xero.oauth import XeroIdentity
from webapp.xero.tokens import TokenKeeper, TokenSet

RECORDING = os.environ.get("RECORD_CASSETTES") == "1"
CASSETTES = os.path.join(os.path.dirname(__file__), "cassettes")
UK_TENANT = "8fbdc25a-7763-5be6-9543-774f37d90973"
REPLAY = {"base": "http://xero-sandbox.test", "access": "replayed-access-token",
          "refresh": "replayed-refresh-token", "secret": "replayed-client-secret"}
APP = "docket-demo"


class MemoryStore:
    def __init__(self, tokens: TokenSet):
        self.tokens, self.saved, self.flagged = tokens, [], []

    def load(self, connection_id):
        return self.tokens

    def save(self, connection_id, tokens):
        self.tokens = tokens
        self.saved.append(tokens)

    def mark_needs_reconnect(self, connection_id, reason):
        self.flagged.append(reason)


@pytest.fixture
def live(request):
    """Real values when recording (a live sandbox and fresh tokens), placeholders' values when replaying."""
    if not RECORDING:
        return dict(REPLAY)
    sandbox = request.getfixturevalue("sandbox")
    from xero_sandbox.identity.service import issue_access_token

    with sandbox.server.app.app_context():
        issued = issue_access_token([UK_TENANT])
    return {"base": sandbox.url, "access": issued["access_token"], "refresh": issued["refresh_token"],
            "secret": "docket-demo-secret"}


def _scrub(interaction, cassette):
    """Tokens Xero issues during a recording become placeholders too when the cassette is saved."""
    interaction.data["response"]["headers"].pop("Content-Length", None)  # placeholders change body lengths
    body = interaction.data["response"]["body"].get("string", "")
    if '"refresh_token"' not in body:
        return
    issued = json.loads(body)
    n = len(cassette.placeholders)
    for key in ("access_token", "refresh_token"):
        cassette.placeholders.append(Placeholder(f"<ISSUED_{key.upper()}_{n}>", issued[key]))


@pytest.fixture(scope="session", autouse=True)
def _scrub_recordings():
    with betamax.Betamax.configure() as config:
        config.before_record(callback=_scrub)


@pytest.fixture
def recorder(live, request):
    """A requests.Session that records to (or replays from) the test's own cassette."""
    name = request.node.name.split("[")[0]
    if RECORDING and os.path.exists(os.path.join(CASSETTES, f"{name}.json")):
        os.remove(os.path.join(CASSETTES, f"{name}.json"))
    session = requests.Session()
    config = betamax.Betamax(session, cassette_library_dir=CASSETTES)
    placeholders = [("<SANDBOX>", live["base"]), ("<ACCESS_TOKEN>", live["access"]),
                    ("<REFRESH_TOKEN>", live["refresh"]), ("<CLIENT_SECRET>", live["secret"]),
                    ("<TENANT_ID>", UK_TENANT),
                    ("<BASIC_AUTH>", base64.b64encode(f"{APP}:{live['secret']}".encode()).decode())]
    with config.use_cassette(name, record=("once" if RECORDING else "none"),
                             match_requests_on=["method", "uri", "body"], serialize_with="json",
                             placeholders=[{"placeholder": p, "replace": r} for p, r in placeholders]):
        yield session


def control(live, path, payload):
    """Operator actions on the sandbox; only needed (and only sent) while recording."""
    if RECORDING:
        requests.post(f"{live['base']}/operator/api/{path}", json=payload).raise_for_status()


def make_client(live, session, store=None, refresh=None):
    store = store or MemoryStore(TokenSet(live["access"], live["refresh"], 4_000_000_000))
    keeper = TokenKeeper(store, refresh or (lambda token: pytest.fail("no refresh expected")),
                         lambda _id: nullcontext())
    return XeroClient(f"{live['base']}/api.xro/2.0", UK_TENANT, 1, keeper, session), store


def identity(live, session):
    return XeroIdentity(XeroApp(APP, live["secret"]), XeroEndpoints.on_one_host(live["base"]), session)


def test_organisation_is_read_with_the_tenant_header_and_limits(live, recorder):
    client, _ = make_client(live, recorder)
    organisation = client.get("Organisation")["Organisations"][0]
    assert organisation["Name"] == "Hartley & Moss Joinery Ltd" and organisation["BaseCurrency"] == "GBP"
    assert client.limits.minute_remaining is not None and client.limits.day_remaining is not None


def test_refresh_rotates_the_refresh_token(live, recorder):
    rotated = identity(live, recorder).refresh(live["refresh"])
    assert rotated.access_token and rotated.refresh_token and rotated.refresh_token != live["refresh"]
    assert rotated.expires_at > 0 and "accounting.invoices" in rotated.scope


def test_refused_refresh_is_auth_required(live, recorder):
    control(live, "refresh-tokens/invalidate", {})
    with pytest.raises(XeroAuthRequired):
        identity(live, recorder).refresh(live["refresh"])


def test_connections_list_the_tenant(live, recorder):
    found = identity(live, recorder).connections(live["access"])
    assert [(c.tenant_id, c.tenant_type) for c in found] == [(UK_TENANT, "ORGANISATION")]


def test_expired_token_refreshes_once_and_repeats_the_call(live, recorder):
    control(live, "tokens/expire", {})
    refreshes = []

    def refresh(token):
        refreshes.append(token)
        return identity(live, recorder).refresh(token)

    client, store = make_client(live, recorder, refresh=refresh)
    assert client.get("Organisation")["Organisations"][0]["Name"] == "Hartley & Moss Joinery Ltd"
    assert refreshes == [live["refresh"]]
    assert store.saved[0].access_token not in ("", live["access"])


def test_disconnected_tenant_is_tenant_disconnected(live, recorder):
    if RECORDING:
        connection_id = requests.get(f"{live['base']}/operator/api/connections").json()["connections"][0]["id"]
        requests.delete(f"{live['base']}/operator/api/connections/{connection_id}").raise_for_status()
    client, store = make_client(live, recorder)
    with pytest.raises(XeroTenantDisconnected) as caught:
        client.get("Organisation")
    assert caught.value.status == 403 and "reconnect" in caught.value.user_message
    assert store.flagged == ["AuthenticationUnsuccessful"]


def test_rate_limit_carries_retry_after(live, recorder):
    control(live, "faults", {"kind": "status", "status": 429, "retry_after": 7, "count": 1})
    client, _ = make_client(live, recorder)
    with pytest.raises(XeroRateLimited) as caught:
        client.get("Organisation")
    assert caught.value.retry_after == 7


def test_validation_errors_carry_xeros_messages(live, recorder):
    client, _ = make_client(live, recorder)
    bill = {"Type": "ACCPAY", "Contact": {"Name": "Hartley Timber Supplies"}, "Date": "2026-11-20",
            "LineItems": [{"Description": "Oak boards", "Quantity": 1, "UnitAmount": 120, "AccountCode": "455",
                           "TaxType": "INPUT2"}]}
    with pytest.raises(XeroValidationError) as caught:
        client.put("Invoices", {"Invoices": [bill]})
    assert any("Account code '455' has been archived" in message for message in caught.value.messages)


def test_unknown_document_is_not_found(live, recorder):
    client, _ = make_client(live, recorder)
    with pytest.raises(XeroNotFound):
        client.get("Invoices/00000000-0000-0000-0000-000000000001")


@pytest.mark.parametrize("header, seconds", [("30", 30.0), (None, 60.0), ("soon", 60.0),
                                             ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)])
def test_retry_after_parsing(header, seconds):
    assert retry_after_seconds(header) == seconds


def test_keeper_refreshes_only_when_the_token_is_near_expiry():
    store = MemoryStore(TokenSet("old", "r1", expires_at=1_000))
    calls = []
    keeper = TokenKeeper(store, lambda token: calls.append(token) or TokenSet("new", "r2", 5_000),
                         lambda _id: nullcontext(), clock=lambda: 500.0)
    assert keeper.access_token(1) == "old" and calls == []
    keeper._clock = lambda: 900.0  # within the refresh margin
    assert keeper.access_token(1) == "new" and calls == ["r1"]
    assert store.tokens.refresh_token == "r2"


def test_keeper_flags_the_connection_when_xero_refuses_the_refresh():
    store = MemoryStore(TokenSet("old", "r1", expires_at=0))

    def refuse(token):
        raise XeroAuthRequired("invalid_grant")

    keeper = TokenKeeper(store, refuse, lambda _id: nullcontext())
    with pytest.raises(XeroAuthRequired):
        keeper.access_token(1)
    assert store.flagged == ["invalid_grant"]
