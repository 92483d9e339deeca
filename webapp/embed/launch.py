"""Checking a portal's signed launch token and starting the embedded session it asks for.

The token is a compact JWT (HS256, joserfc) signed with the portal's key: `iss` = portal id, `aud` = "docket",
`email`, `business` (Docket's business id), `role` (admin|standard), `can_publish` (optional, false unless
given), `iat`, `exp` at most 60 s later, and a `jti` that Docket accepts once (Redis SET NX, kept until the
token could no longer be valid anyway).
"""
import base64
import binascii
import json
import logging
import time
from dataclasses import dataclass

from flask import session
from flask_login import login_user
from joserfc import jwt
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import OctKey

from webapp.accounts.models import ROLE_ADMIN, ROLES, Membership, User
from webapp.auth import service as auth_service
from webapp.embed.portals import Portal
from webapp.embed.session import EMBED_KEY, end_session, is_embedded_session
from webapp.errors import AppError
from webapp.redis_conn import get_redis

log = logging.getLogger(__name__)

AUDIENCE = "docket"
MAX_LIFETIME = 60  # seconds from iat to exp
CLOCK_SKEW = 30  # how far ahead of ours the portal's clock may be
MAX_TOKEN_LENGTH = 4096
_JTI_KEY = "docket:embed-jti:{}:{}"
AGAIN = "Open Docket again from your portal to get a new one."


class LaunchRefused(AppError):
    """The launch token can't start a session; `reason` is for the log, `user_message` for the page."""

    status_code = 401

    def __init__(self, reason: str, user_message: str, status_code: int = 401):
        super().__init__(user_message)
        self.reason = reason
        self.status_code = status_code


@dataclass(frozen=True)
class Launch:
    portal: Portal
    user: User
    membership: Membership
    role: str
    can_publish: bool


def verify(token: str, portals: dict[str, Portal], now: float | None = None) -> Launch:
    """The launch a token asks for, once every check passes; LaunchRefused otherwise (nothing is changed)."""
    now = time.time() if now is None else now
    portal = portals.get(_unverified_issuer(token))
    if portal is None:
        raise LaunchRefused("unknown_portal", "This launch token comes from a portal Docket doesn't know, so you "
                            "weren't signed in. Ask your administrator to add the portal to Docket.")
    try:
        claims = jwt.decode(token, OctKey.import_key(portal.key), algorithms=["HS256"]).claims
    except BadSignatureError:
        raise LaunchRefused("bad_signature", "This launch token wasn't signed with your portal's key, so you "
                            f"weren't signed in. {AGAIN}") from None
    except JoseError:
        raise _malformed() from None
    _check_times(claims, now)
    audience = claims.get("aud")
    if audience != AUDIENCE and not (isinstance(audience, list) and AUDIENCE in audience):
        raise LaunchRefused("wrong_audience", "This launch token is meant for another app, not Docket, so you "
                            "weren't signed in.")
    launch = _member_launch(portal, claims)
    _use_once(portal, claims, now)
    return launch


def start_session(launch: Launch, user_agent: str) -> None:
    """A fresh server-side session for the launched person and business."""
    if is_embedded_session():
        end_session()  # a relaunch in the same frame retires the session it replaces
    session.clear()
    login_user(auth_service.open_session(launch.user, user_agent))
    session[EMBED_KEY] = {"portal": launch.portal.id, "business": launch.membership.business_id, "role": launch.role,
                          "can_publish": launch.can_publish}
    log.info("embed launch portal=%s user_id=%s business_id=%s role=%s can_publish=%s", launch.portal.id,
             launch.user.id, launch.membership.business_id, launch.role, launch.can_publish)


def _malformed() -> LaunchRefused:
    return LaunchRefused("malformed", f"Docket couldn't read this launch token, so you weren't signed in. {AGAIN}",
                         400)


def _unverified_issuer(token: str) -> str | None:
    """`iss`, read before the signature is checked only to pick the portal's key."""
    if len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        raise _malformed()
    payload = token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=="))  # padding beyond the missing is ignored
    except (binascii.Error, ValueError, RecursionError):  # RecursionError: JSON nested past Python's limit
        raise _malformed() from None
    if not isinstance(claims, dict):
        raise _malformed()
    issuer = claims.get("iss")
    return issuer if isinstance(issuer, str) else None


def _number(claims: dict, name: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _malformed()
    return value


def _check_times(claims: dict, now: float) -> None:
    issued, expires = _number(claims, "iat"), _number(claims, "exp")
    if expires - issued > MAX_LIFETIME or issued > now + CLOCK_SKEW:
        raise LaunchRefused("lifetime", "This launch token is valid for longer than 60 seconds, so Docket didn't "
                            f"accept it. {AGAIN}")
    if now >= expires:
        raise LaunchRefused("expired", f"This launch token has expired (they last a minute at most). {AGAIN}")


def _member_launch(portal: Portal, claims: dict) -> Launch:
    email, business_id, role = claims.get("email"), claims.get("business"), claims.get("role")
    can_publish = claims.get("can_publish", False)
    if not isinstance(email, str) or isinstance(business_id, bool) or not isinstance(business_id, int) \
            or role not in ROLES or not isinstance(can_publish, bool):
        raise _malformed()
    user = User.get_or_none(User.email == auth_service.normalise_email(email))
    membership = Membership.of(user.id, business_id) if user else None
    if membership is None:
        raise LaunchRefused("not_a_member", f"{email} isn't a member of that business in Docket, so you weren't "
                            "signed in. Ask an admin of the business to add them on the Team page.", 403)
    if role == ROLE_ADMIN and not membership.is_admin:
        raise LaunchRefused("role_too_high", f"Your portal asked for admin access, but {email} is a standard member "
                            "of this business in Docket, so you weren't signed in.", 403)
    if can_publish and not membership.may_publish:
        raise LaunchRefused("publish_too_high", f"Your portal asked for publishing to Xero, but {email} can't "
                            "publish for this business in Docket, so you weren't signed in.", 403)
    return Launch(portal, user, membership, role, can_publish)


def _use_once(portal: Portal, claims: dict, now: float) -> None:
    jti = claims.get("jti")
    if not isinstance(jti, str) or not 8 <= len(jti) <= 128:
        raise _malformed()
    # Kept until the token could no longer pass the expiry check, whatever the portal's clock said (exp is after
    # now: _check_times saw to it).
    keep = int(claims["exp"] - now) + CLOCK_SKEW
    if not get_redis().set(_JTI_KEY.format(portal.id, jti), 1, nx=True, ex=keep):
        raise LaunchRefused("reused", f"This launch token was already used. {AGAIN}")
