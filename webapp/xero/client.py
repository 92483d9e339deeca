"""Calls to the Accounting API for one organisation: tenant header, JSON, typed errors, limit headers."""
from dataclasses import dataclass, field

import requests

from webapp.xero.errors import XeroAuthRequired, XeroUnavailable, error_from_response
from webapp.xero.limiter import XeroLimiter
from webapp.xero.tokens import TokenKeeper


@dataclass
class Limits:
    """What Xero's last answer said about the organisation's remaining calls."""

    minute_remaining: int | None = None
    day_remaining: int | None = None
    app_minute_remaining: int | None = None

    def update(self, headers) -> None:
        for attr, header in (("minute_remaining", "X-MinLimit-Remaining"), ("day_remaining", "X-DayLimit-Remaining"),
                             ("app_minute_remaining", "X-AppMinLimit-Remaining")):
            if headers.get(header, "").isdigit():
                setattr(self, attr, int(headers[header]))


@dataclass
class XeroClient:
    """The Accounting API for one connection (`connection_id` names its stored tokens)."""

    api_url: str
    tenant_id: str
    connection_id: int
    keeper: TokenKeeper
    http: requests.Session = field(default_factory=requests.Session)
    timeout: float = 30.0
    limits: Limits = field(default_factory=Limits)
    limiter: XeroLimiter | None = None  # paces calls per organisation across processes; None: unpaced

    def get(self, path: str, *, params: dict | None = None, if_modified_since: str | None = None) -> dict:
        headers = {"If-Modified-Since": if_modified_since} if if_modified_since else {}
        return self.request("GET", path, params=params, headers=headers)

    def put(self, path: str, payload: dict, *, params: dict | None = None, idempotency_key: str | None = None) -> dict:
        return self.request("PUT", path, params=params, json=payload, idempotency_key=idempotency_key)

    def post(self, path: str, payload: dict, *, params: dict | None = None, idempotency_key: str | None = None) -> dict:
        return self.request("POST", path, params=params, json=payload, idempotency_key=idempotency_key)

    def upload(self, path: str, content: bytes) -> dict:
        """POST a file to an Attachments path. The spec allows only application/octet-stream (what Xero's SDKs
        send); Xero takes the file's type from the name in the path. POST replaces a file of the same name."""
        return self.request("POST", path, data=content, headers={"Content-Type": "application/octet-stream"})

    def request(self, method: str, path: str, *, params=None, json=None, data=None, headers=None,
                idempotency_key: str | None = None) -> dict:
        """One API call; an access token Xero calls expired is refreshed once and the call repeated."""
        token = self.keeper.access_token(self.connection_id)
        response = self._send(method, path, token, params, json, data, headers, idempotency_key)
        if response.status_code == 401 and "insufficient_scope" not in response.headers.get("WWW-Authenticate", ""):
            token = self.keeper.access_token(self.connection_id, force_refresh_of=token)
            response = self._send(method, path, token, params, json, data, headers, idempotency_key)
        if response.status_code == 304:
            return {}
        if response.status_code >= 400:
            error = error_from_response(response)
            if isinstance(error, XeroAuthRequired):  # every later call would fail the same way
                self.keeper.store.mark_needs_reconnect(self.connection_id, error.detail or error.user_message)
            raise error
        return response.json() if response.content else {}

    def _send(self, method, path, token, params, json, data, headers, idempotency_key) -> requests.Response:
        """One HTTP call, inside a limiter slot when there is a limiter; what Xero says of the limits is
        reported before the slot is freed, so no waiting worker slips in ahead of a pause."""
        if self.limiter is None:
            return self._http(method, path, token, params, json, data, headers, idempotency_key)
        with self.limiter.slot(self.tenant_id):
            response = self._http(method, path, token, params, json, data, headers, idempotency_key)
            self.limiter.observe(self.tenant_id, response.status_code, response.headers)
        return response

    def _http(self, method, path, token, params, json, data, headers, idempotency_key) -> requests.Response:
        all_headers = {"Authorization": f"Bearer {token}", "xero-tenant-id": self.tenant_id,
                       "Accept": "application/json", **(headers or {})}
        if idempotency_key:
            all_headers["Idempotency-Key"] = idempotency_key
        try:
            response = self.http.request(method, f"{self.api_url}/{path.lstrip('/')}", params=params, json=json,
                                         data=data, headers=all_headers, timeout=self.timeout)
        except requests.RequestException as error:
            raise XeroUnavailable(f"{method} {path}: {error.__class__.__name__}") from error
        self.limits.update(response.headers)
        return response
