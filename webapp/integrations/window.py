"""Connecting Xero from inside a portal's iframe (security-reliability.md §3.4).

Xero's sign-in can't be framed and the iframe's partitioned cookie isn't sent to a top-level window, so the
admin's click in the iframe makes a one-time pending record (business, admin, random id, 10 minutes); a new
top-level window redeems it once, carries the OAuth state in its own first-party cookie, and the callback
records the outcome here. The iframe polls that outcome and then asks the admin to choose the organisation,
so nothing is connected until the signed-in admin confirms it inside the iframe.
"""
import secrets
from dataclasses import dataclass

from webapp.redis_conn import get_redis

LIFETIME = 600  # seconds: the same as a connect attempt's
AUTHORISED = "authorised"
STATE_COOKIE = "__Host-docket-xero-state"
_RECORD = "docket:xero-window:{}"
_REDEEMED = "docket:xero-window:{}:redeemed"
_BY_STATE = "docket:xero-window-state:{}"


@dataclass(frozen=True)
class PendingConnect:
    id: str
    business_id: int
    user_id: int
    state: str  # the OAuth state, once the window was opened
    outcome: str  # "", AUTHORISED, or the message saying why nothing was connected


def create(business_id: int, user_id: int) -> str:
    """A new pending record; its id goes into the window's address."""
    pending_id = secrets.token_urlsafe(24)
    key = _RECORD.format(pending_id)
    with get_redis().pipeline() as pipe:
        pipe.hset(key, mapping={"business_id": business_id, "user_id": user_id, "state": "", "outcome": ""})
        pipe.expire(key, LIFETIME)
        pipe.execute()
    return pending_id


def redeem(pending_id: str) -> PendingConnect | None:
    """The record for the first window that opens it; None when unknown, expired or already opened."""
    if not get_redis().set(_REDEEMED.format(pending_id), 1, nx=True, ex=LIFETIME):
        return None
    return find(pending_id)


def started(pending_id: str, state: str) -> None:
    """Remember the OAuth state the window went to Xero with, so the callback can report back."""
    with get_redis().pipeline() as pipe:
        pipe.hset(_RECORD.format(pending_id), "state", state)
        pipe.set(_BY_STATE.format(state), pending_id, ex=LIFETIME)
        pipe.execute()


def finished(state: str, outcome: str) -> None:
    """Record the callback's outcome for the iframe's poll (AUTHORISED or a message)."""
    pending_id = get_redis().get(_BY_STATE.format(state))
    if pending_id is not None:
        get_redis().hset(_RECORD.format(pending_id.decode()), "outcome", outcome)


def find(pending_id: str, business_id: int | None = None, user_id: int | None = None) -> PendingConnect | None:
    """The live record, only for its own business and admin when they are given."""
    fields = {k.decode(): v.decode() for k, v in get_redis().hgetall(_RECORD.format(pending_id)).items()}
    if not fields:
        return None
    record = PendingConnect(pending_id, int(fields["business_id"]), int(fields["user_id"]), fields["state"],
                            fields["outcome"])
    if business_id is not None and record.business_id != business_id:
        return None
    if user_id is not None and record.user_id != user_id:
        return None
    return record
