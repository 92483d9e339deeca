"""Xero-style webhook delivery: signed payloads POSTed to SANDBOX_WEBHOOK_URL from a background thread.

Config: SANDBOX_WEBHOOK_URL (empty = off), SANDBOX_WEBHOOK_KEY (HMAC key),
SANDBOX_WEBHOOK_BACKGROUND (False sends inline, for tests)."""
import base64
import hashlib
import hmac
import itertools
import json
import logging
import secrets
import threading
from collections import deque
from datetime import datetime, timezone

import requests
from flask import current_app

log = logging.getLogger(__name__)
API_BASE = "https://api.xero.com/api.xro/2.0"
_sequence = itertools.count(1)
_sequence_lock = threading.Lock()


def event(tenant_id: str, category: str, event_type: str, resource: str, resource_id: str,
          data: dict | None = None) -> dict:
    """One webhook event; CREDITNOTE events also carry `data: {Type, Status}` (Xero, since Mar 2026)."""
    now = datetime.now(timezone.utc)
    body = {
        "resourceUrl": f"{API_BASE}/{resource}/{resource_id}", "resourceId": resource_id,
        "eventDateUtc": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}",
        "eventType": event_type, "eventCategory": category, "tenantId": tenant_id, "tenantType": "ORGANISATION",
    }
    if data is not None:
        body["data"] = data
    return body


def sign(body: bytes, key: str) -> str:
    """`x-xero-signature`: base64 of HMAC-SHA256 over the raw body."""
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def payload(events: list[dict]) -> bytes:
    with _sequence_lock:
        if events:
            first = next(_sequence)
            last = first
            for _ in events[1:]:
                last = next(_sequence)
        else:
            first = last = 0
    body = {"events": events, "firstEventSequence": first, "lastEventSequence": last,
            "entropy": secrets.token_urlsafe(15)}
    return json.dumps(body, separators=(",", ":")).encode()


def delivery_log() -> deque:
    """Recent deliveries (newest last) for the operator page."""
    return current_app.extensions.setdefault("accounting_webhook_log", deque(maxlen=50))


def dispatch(events: list[dict]) -> None:
    """Send one signed payload for `events`, unless no webhook URL is configured."""
    url = current_app.config.get("SANDBOX_WEBHOOK_URL")
    if not url or not events:
        return
    body = payload(events)
    _send(url, body, sign(body, current_app.config.get("SANDBOX_WEBHOOK_KEY", "")))


def send_intent_to_receive() -> list[dict]:
    """Xero's validation of a new webhook: an empty payload signed correctly, then one signed wrongly."""
    url = current_app.config.get("SANDBOX_WEBHOOK_URL")
    if not url:
        return []
    key = current_app.config.get("SANDBOX_WEBHOOK_KEY", "")
    good, bad = payload([]), payload([])
    _send(url, good, sign(good, key), background=False)
    _send(url, bad, sign(bad, key + "-wrong"), background=False)
    return list(delivery_log())[-2:]


def _send(url: str, body: bytes, signature: str, background: bool | None = None) -> None:
    log_entries = delivery_log()
    if background is None:
        background = current_app.config.get("SANDBOX_WEBHOOK_BACKGROUND", True)
    if background:
        threading.Thread(target=_post, args=(url, body, signature, log_entries), daemon=True).start()
    else:
        _post(url, body, signature, log_entries)


def _post(url: str, body: bytes, signature: str, log_entries: deque) -> None:
    entry = {"url": url, "signature": signature, "body": body.decode(), "status": None, "error": None,
             "sent_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")}
    try:
        response = requests.post(url, data=body, timeout=5, headers={
            "Content-Type": "application/json", "x-xero-signature": signature})
        entry["status"] = response.status_code
    except requests.RequestException as exc:
        entry["error"] = type(exc).__name__
        log.warning("webhook delivery failed url=%s error=%s", url, type(exc).__name__)
    log_entries.append(entry)
