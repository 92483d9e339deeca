"""What the Xero client puts on the wire and what it makes of each kind of answer.

A requests transport adapter stands in for Xero: it records every request as Xero would receive it (method, URL,
headers, body, timeout) and answers from a script, so each test says exactly what Xero answered.
"""
import json
from contextlib import contextmanager, nullcontext

import pytest
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from webapp.xero.client import Limits, XeroClient
from webapp.xero.errors import (XeroAuthRequired, XeroError, XeroInsufficientScope, XeroNotFound, XeroRateLimited,
                                XeroTenantDisconnected, XeroUnavailable, XeroValidationError)
from webapp.xero.tokens import TokenKeeper, TokenSet

API = "https://api.xero.test/api.xro/2.0"
TENANT = "tenant-0001"


class FakeXero(BaseAdapter):
    """Answers each request with the next scripted answer: (status, headers, body) or an exception to raise."""

    def __init__(self, *answers):
        super().__init__()
        self.answers, self.received = list(answers), []

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        self.received.append((request, timeout))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, headers, body = answer
        response = requests.Response()
        response.status_code = status
        response.headers = CaseInsensitiveDict(headers)
        response._content = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
        response.request, response.url = request, request.url
        return response

    def close(self):
        pass

    @property
    def requests(self):
        return [request for request, _ in self.received]


class Store:
    def __init__(self, access="token-1"):
        self.tokens, self.flagged = TokenSet(access, "refresh-1", 4_000_000_000), []

    def load(self, connection_id):
        return self.tokens if connection_id == 7 else None  # only this client's connection has tokens

    def save(self, connection_id, tokens):
        self.tokens = tokens

    def mark_needs_reconnect(self, connection_id, reason):
        self.flagged.append((connection_id, reason))


class RecordingLimiter:
    """Records slots and observations in order, as the shared limiter would see them."""

    def __init__(self, xero):
        self.xero, self.events = xero, []

    @contextmanager
    def slot(self, tenant_id):
        self.events.append(("enter", tenant_id, len(self.xero.received)))
        yield "lease"
        self.events.append(("leave", tenant_id, len(self.xero.received)))

    def observe(self, tenant_id, status, headers):
        self.events.append(("observe", tenant_id, status, headers.get("X-MinLimit-Remaining")))


def client_for(xero, *, store=None, refresh=None, limiter=None, **kwargs):
    store = store or Store()
    session = requests.Session()
    session.mount("https://", xero)
    keeper = TokenKeeper(store, refresh or (lambda token: pytest.fail("no refresh expected")),
                         lambda _id: nullcontext())
    return XeroClient(API, TENANT, 7, keeper, session, limiter=limiter, **kwargs), store


OK = (200, {"Content-Type": "application/json"}, {"Invoices": []})


def test_a_get_carries_the_token_tenant_and_json_accept_and_nothing_else():
    xero = FakeXero(OK)
    client, _ = client_for(xero)
    assert client.get("/Invoices", params={"page": 2}) == {"Invoices": []}
    (sent, timeout), = xero.received
    assert sent.method == "GET"
    assert sent.url == f"{API}/Invoices?page=2"
    assert sent.headers["Authorization"] == "Bearer token-1"
    assert sent.headers["xero-tenant-id"] == TENANT
    assert sent.headers["Accept"] == "application/json"
    assert "Idempotency-Key" not in sent.headers
    assert "If-Modified-Since" not in sent.headers
    assert sent.body is None
    assert timeout == 30.0


@pytest.mark.parametrize("path, url", [("Contacts", f"{API}/Contacts"), ("/Contacts", f"{API}/Contacts"),
                                       ("XeroFiles/X1", f"{API}/XeroFiles/X1")])
def test_a_path_reaches_xero_as_given_with_or_without_a_leading_slash(path, url):
    xero = FakeXero(OK)
    client, _ = client_for(xero)
    client.get(path)
    assert xero.requests[0].url == url


def test_if_modified_since_is_sent_when_given_and_a_304_reads_as_nothing_changed():
    xero = FakeXero((304, {}, {"Contacts": [{"Name": "from a cache along the way"}]}))
    client, _ = client_for(xero)
    assert client.get("Contacts", if_modified_since="2026-12-01T10:00:00") == {}
    assert xero.requests[0].headers["If-Modified-Since"] == "2026-12-01T10:00:00"


def test_the_timeout_is_the_clients():
    xero = FakeXero(OK)
    client, _ = client_for(xero, timeout=4.5)
    client.get("Organisation")
    assert xero.received[0][1] == 4.5


@pytest.mark.parametrize("method", ["put", "post"])
def test_put_and_post_send_json_and_the_idempotency_key(method):
    xero = FakeXero(OK)
    client, _ = client_for(xero)
    getattr(client, method)("/Invoices", {"Invoices": [{"Reference": "A-1"}]}, params={"summarizeErrors": "false"},
                            idempotency_key="item-42-attempt-1")
    sent = xero.requests[0]
    assert sent.method == method.upper()
    assert sent.url == f"{API}/Invoices?summarizeErrors=false"
    assert json.loads(sent.body) == {"Invoices": [{"Reference": "A-1"}]}
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["Idempotency-Key"] == "item-42-attempt-1"
    assert sent.headers["Authorization"] == "Bearer token-1"
    assert sent.headers["xero-tenant-id"] == TENANT


@pytest.mark.parametrize("method", ["put", "post"])
def test_without_a_key_no_idempotency_header_is_sent(method):
    xero = FakeXero(OK)
    client, _ = client_for(xero)
    getattr(client, method)("Invoices", {"Invoices": []})
    assert "Idempotency-Key" not in xero.requests[0].headers
    assert xero.requests[0].url == f"{API}/Invoices"


def test_an_upload_posts_the_bytes_as_octet_stream():
    xero = FakeXero((200, {}, {"Attachments": [{"FileName": "r.pdf"}]}))
    client, _ = client_for(xero)
    content = b"%PDF-1.4\x00\xffbinary"
    assert client.upload("/Invoices/abc/Attachments/r.pdf", content) == {"Attachments": [{"FileName": "r.pdf"}]}
    sent = xero.requests[0]
    assert sent.method == "POST"
    assert sent.url == f"{API}/Invoices/abc/Attachments/r.pdf"
    assert sent.body == content
    assert sent.headers["Content-Type"] == "application/octet-stream"
    assert sent.headers["Accept"] == "application/json"
    assert sent.headers["Authorization"] == "Bearer token-1"
    assert sent.headers["xero-tenant-id"] == TENANT
    assert "Idempotency-Key" not in sent.headers


def test_an_empty_success_reads_as_an_empty_answer():
    xero = FakeXero((204, {}, b""))
    client, _ = client_for(xero)
    assert client.post("Invoices", {}) == {}


def test_an_expired_token_is_refreshed_once_and_the_call_repeated_with_the_new_one():
    refreshed = []

    def refresh(token):
        refreshed.append(token)
        return TokenSet("token-2", "refresh-2", 4_000_000_000)

    xero = FakeXero((401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}, {"Title": "Unauthorized"}), OK)
    client, store = client_for(xero, refresh=refresh)
    assert client.put("Invoices", {"Invoices": []}, idempotency_key="k-1") == {"Invoices": []}
    assert refreshed == ["refresh-1"]
    first, second = xero.requests
    assert first.headers["Authorization"] == "Bearer token-1"
    assert second.headers["Authorization"] == "Bearer token-2"
    assert (second.method, second.url, second.body) == (first.method, first.url, first.body)
    assert second.headers["Idempotency-Key"] == "k-1"
    assert store.flagged == []


def test_a_second_401_after_the_refresh_needs_a_reconnect_and_is_not_retried_again():
    xero = FakeXero((401, {}, {"Title": "Unauthorized", "Detail": "token expired"}),
                    (401, {"Xero-Correlation-Id": "corr-2"}, {"Title": "Unauthorized", "Detail": "still refused"}))
    client, store = client_for(xero, refresh=lambda token: TokenSet("token-2", "refresh-2", 4_000_000_000))
    with pytest.raises(XeroAuthRequired) as raised:
        client.get("Organisation")
    assert len(xero.requests) == 2
    assert raised.value.status == 401 and raised.value.correlation_id == "corr-2"
    assert len(store.flagged) == 1 and store.flagged[0][0] == 7


def test_insufficient_scope_is_not_refreshed_and_flags_the_connection():
    xero = FakeXero((401, {"WWW-Authenticate": 'Bearer error="insufficient_scope"'}, {"Detail": "scope missing"}))
    client, store = client_for(xero)  # a refresh would fail the test
    with pytest.raises(XeroInsufficientScope):
        client.get("Organisation")
    assert len(xero.requests) == 1
    assert store.flagged == [(7, "scope missing")]


def test_a_disconnected_tenant_flags_the_connection_with_xeros_detail():
    xero = FakeXero((403, {"Xero-Correlation-Id": "corr-403"},
                     {"Type": "AuthenticationUnsuccessful", "Detail": "tenant not connected"}))
    client, store = client_for(xero)
    with pytest.raises(XeroTenantDisconnected) as raised:
        client.get("Organisation")
    assert raised.value.status == 403 and raised.value.correlation_id == "corr-403"
    assert store.flagged == [(7, "tenant not connected")]


def test_an_auth_error_without_detail_flags_the_connection_with_the_user_message():
    xero = FakeXero((403, {}, b""))
    client, store = client_for(xero)
    with pytest.raises(XeroTenantDisconnected) as raised:
        client.get("Organisation")
    assert raised.value.detail == ""
    assert store.flagged == [(7, XeroTenantDisconnected.user_message)]


@pytest.mark.parametrize("status, kind", [(404, XeroNotFound), (500, XeroUnavailable), (503, XeroUnavailable),
                                          (400, XeroValidationError), (409, XeroError)])
def test_errors_are_typed_carry_status_and_correlation_id_and_are_not_retried(status, kind):
    xero = FakeXero((status, {"Xero-Correlation-Id": f"corr-{status}"}, {"Title": "x", "Detail": "went wrong"}))
    client, store = client_for(xero)
    with pytest.raises(kind) as raised:
        client.post("Invoices", {"Invoices": []}, idempotency_key="k")
    assert type(raised.value) is kind
    assert raised.value.status == status
    assert raised.value.correlation_id == f"corr-{status}"
    assert len(xero.requests) == 1
    assert store.flagged == []


def test_399_is_a_success_and_400_an_error():
    xero = FakeXero((399, {}, {"odd": True}), (400, {}, {"Detail": "bad"}))
    client, _ = client_for(xero)
    assert client.get("Organisation") == {"odd": True}
    with pytest.raises(XeroValidationError):
        client.get("Organisation")


def test_a_rate_limit_is_raised_with_its_retry_after_and_not_retried():
    xero = FakeXero((429, {"Retry-After": "17", "X-Rate-Limit-Problem": "minute", "X-MinLimit-Remaining": "0"}, b""))
    client, _ = client_for(xero)
    with pytest.raises(XeroRateLimited) as raised:
        client.get("Invoices")
    assert raised.value.retry_after == 17 and raised.value.status == 429
    assert len(xero.requests) == 1
    assert client.limits.minute_remaining == 0


@pytest.mark.parametrize("failure", [requests.ConnectTimeout("connect timed out"), requests.ReadTimeout("slow"),
                                     requests.ConnectionError("refused")])
def test_timeouts_and_dropped_connections_are_unavailable_once(failure):
    xero = FakeXero(failure)
    client, store = client_for(xero)
    with pytest.raises(XeroUnavailable) as raised:
        client.get("/Invoices")
    assert str(raised.value) == f"GET /Invoices: {failure.__class__.__name__}"
    assert raised.value.__cause__ is failure
    assert raised.value.status is None
    assert len(xero.requests) == 1
    assert store.flagged == []


def test_limits_follow_xeros_latest_headers():
    xero = FakeXero((200, {"X-MinLimit-Remaining": "59", "X-DayLimit-Remaining": "4999",
                           "X-AppMinLimit-Remaining": "9999"}, {}),
                    (200, {"X-MinLimit-Remaining": "58"}, {}),
                    (200, {"X-MinLimit-Remaining": "", "X-DayLimit-Remaining": "n/a"}, {}))
    client, _ = client_for(xero)
    client.get("Organisation")
    assert client.limits == Limits(59, 4999, 9999)
    client.get("Organisation")
    assert client.limits == Limits(58, 4999, 9999)
    client.get("Organisation")
    assert client.limits == Limits(58, 4999, 9999)


def test_limits_start_unknown():
    assert Limits() == Limits(None, None, None)


def test_with_a_limiter_each_call_holds_a_slot_and_is_observed_before_the_slot_is_freed():
    xero = FakeXero((401, {"X-MinLimit-Remaining": "40"}, {}), (200, {"X-MinLimit-Remaining": "39"}, {"ok": 1}))
    limiter = RecordingLimiter(xero)
    client, _ = client_for(xero, limiter=limiter,
                           refresh=lambda token: TokenSet("token-2", "refresh-2", 4_000_000_000))
    assert client.get("Organisation") == {"ok": 1}
    assert limiter.events == [("enter", TENANT, 0), ("observe", TENANT, 401, "40"), ("leave", TENANT, 1),
                              ("enter", TENANT, 1), ("observe", TENANT, 200, "39"), ("leave", TENANT, 2)]


def test_with_a_limiter_a_dropped_connection_still_frees_the_slot():
    xero = FakeXero(requests.ConnectionError("reset"))
    limiter = RecordingLimiter(xero)
    client, _ = client_for(xero, limiter=limiter)
    with pytest.raises(XeroUnavailable):
        client.get("Organisation")
    assert limiter.events[0] == ("enter", TENANT, 0)


def _refresh_to_token_2(token):
    return TokenSet("token-2", "refresh-2", 4_000_000_000)


EXPIRED = (401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}, {"Title": "Unauthorized"})


def test_after_a_refresh_a_get_is_repeated_with_its_params_and_if_modified_since():
    xero = FakeXero(EXPIRED, OK)
    client, _ = client_for(xero, refresh=_refresh_to_token_2)
    client.get("Contacts", params={"page": 3}, if_modified_since="2026-12-01T10:00:00")
    repeated = xero.requests[1]
    assert repeated.url == f"{API}/Contacts?page=3"
    assert repeated.headers["If-Modified-Since"] == "2026-12-01T10:00:00"
    assert repeated.headers["Authorization"] == "Bearer token-2"


def test_after_a_refresh_an_upload_is_repeated_with_its_bytes_as_octet_stream():
    xero = FakeXero(EXPIRED, (200, {}, {"Attachments": []}))
    client, _ = client_for(xero, refresh=_refresh_to_token_2)
    client.upload("Invoices/abc/Attachments/r.pdf", b"%PDF-bytes")
    repeated = xero.requests[1]
    assert repeated.body == b"%PDF-bytes"
    assert repeated.headers["Content-Type"] == "application/octet-stream"
    assert repeated.headers["Authorization"] == "Bearer token-2"


def test_with_a_limiter_the_request_sent_is_the_same():
    xero = FakeXero(OK, OK)
    client, _ = client_for(xero, limiter=RecordingLimiter(xero))
    client.put("Invoices", {"Invoices": [{"Reference": "A-1"}]}, params={"summarizeErrors": "false"},
               idempotency_key="item-42-attempt-1")
    client.upload("Invoices/abc/Attachments/r.pdf", b"%PDF-bytes")
    put, upload = xero.requests
    assert put.url == f"{API}/Invoices?summarizeErrors=false"
    assert json.loads(put.body) == {"Invoices": [{"Reference": "A-1"}]}
    assert put.headers["Idempotency-Key"] == "item-42-attempt-1"
    assert put.headers["Authorization"] == "Bearer token-1"
    assert upload.body == b"%PDF-bytes"
    assert upload.headers["Content-Type"] == "application/octet-stream"
