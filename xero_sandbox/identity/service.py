"""Identity operations: seed demo users, connect tenants, mint/resolve tokens, revoke grants."""
import functools
import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from werkzeug.security import generate_password_hash

from xero_sandbox.clock import epoch, now
from xero_sandbox.db import database
from xero_sandbox.identity import jwt
from xero_sandbox.identity.models import (
    AuthorizationCode, Client, Connection, Grant, Token, User, hash_client_secret, new_secret_token)
from xero_sandbox.identity.scopes import DEFAULT_TOKEN_SCOPES

ACCESS_TOKEN_LIFETIME = 1800
DEMO_PASSWORD = "docket-demo"
DEMO_USERS = (
    ("demo@xero.example", "Demo", "User"),
    ("other@xero.example", "Other", "User"),
)
DEMO_CLIENT_ID = "docket-demo"
DEMO_CLIENT_SECRET = "docket-demo-secret"


class IdentityError(Exception):
    """An identity operation refers to something that does not exist."""


@dataclass
class Principal:
    """Who a token is being issued to: user, grant and the consent (auth event) behind it."""

    user: User
    grant: Grant
    auth_event_id: str

    def get_user_id(self):
        return self.user.id


@functools.cache
def _demo_password_hash() -> str:
    """Hash the published demo password once per process (scrypt is deliberately slow)."""
    return generate_password_hash(DEMO_PASSWORD)


def seed_identity() -> None:
    """Create the demo users and the demo client if they are missing."""
    with database.atomic():
        for email, given, family in DEMO_USERS:
            if not User.select().where(User.email == email).exists():
                User.create(email=email, password_hash=_demo_password_hash(),
                            given_name=given, family_name=family)
        if not Client.select().where(Client.client_id == DEMO_CLIENT_ID).exists():
            Client.create(client_id=DEMO_CLIENT_ID, name="Docket (demo)", allow_loopback=True,
                          client_secret_hash=hash_client_secret(DEMO_CLIENT_SECRET))


def authenticate_user(email: str, password: str) -> User | None:
    """The user with this email and password, or None."""
    user = User.get_or_none(User.email == email.strip().lower())
    return user if user and user.check_password(password) else None


def organisations() -> list[tuple[str, str]]:
    """(tenant_id, name) of every emulated organisation, by name."""
    from xero_sandbox.accounting.models import Organisation
    return [(o.tenant_id, o.name) for o in Organisation.select().order_by(Organisation.name)]


def active_grant(user: User, client: Client) -> Grant | None:
    """The user's live grant for this app, if any."""
    return Grant.active_for(user, client).first()


def connected_tenant_ids(user: User, client: Client) -> set[str]:
    """Tenants this user has already connected to this app."""
    grant = active_grant(user, client)
    return {c.tenant_id for c in Connection.active_for_grant(grant.id)} if grant else set()


def connect_tenants(user: User, client: Client, tenant_ids: list[str], scope: str) -> Principal:
    """Record one consent: (re)connect the tenants under the user's grant with a new auth event id."""
    names = dict(organisations())
    unknown = [t for t in tenant_ids if t not in names]
    if unknown or not tenant_ids:
        raise IdentityError(f"Unknown or missing tenants: {unknown}")
    moment, auth_event_id = now(), str(uuid.uuid4())
    with database.atomic():
        grant = active_grant(user, client) or Grant.create(user=user, client=client, created_at=moment)
        grant.scope = " ".join(sorted(set(grant.scope.split()) | set(scope.split())))
        grant.save()
        for tenant_id in tenant_ids:
            _upsert_connection(grant, tenant_id, names[tenant_id], auth_event_id, moment)
    return Principal(user, grant, auth_event_id)


def _upsert_connection(grant, tenant_id, name, auth_event_id, moment):
    connection = Connection.get_or_none(Connection.grant == grant, Connection.tenant_id == tenant_id)
    if connection is None:
        Connection.create(grant=grant, tenant_id=tenant_id, tenant_name=name, auth_event_id=auth_event_id,
                          created_at=moment, updated_at=moment)
        return
    connection.auth_event_id, connection.updated_at, connection.tenant_name = auth_event_id, moment, name
    connection.disconnected_at = None
    connection.save()


def build_token_response(client: Client, principal: Principal, scope: str, include_refresh: bool = True) -> dict:
    """A Xero-shaped token response: JWT access token, optional refresh token and id token."""
    issued = epoch(now())
    scopes = scope.split()
    issuer = current_app.config.get("SANDBOX_PUBLIC_URL") or "https://identity.xero.com"
    claims = {
        "nbf": issued, "exp": issued + ACCESS_TOKEN_LIFETIME,
        "iss": issuer, "aud": f"{issuer}/resources", "client_id": client.client_id,
        "sub": principal.user.id, "auth_time": issued, "xero_userid": principal.user.id,
        "global_session_id": principal.grant.id, "sid": principal.grant.id, "jti": uuid.uuid4().hex,
        "authentication_event_id": principal.auth_event_id, "scope": scopes,
    }
    key = current_app.config["SECRET_KEY"]
    token = {"access_token": jwt.encode(claims, key), "expires_in": ACCESS_TOKEN_LIFETIME,
             "token_type": "Bearer", "scope": scope}
    if include_refresh and "offline_access" in scopes:
        token["refresh_token"] = new_secret_token()
    if "openid" in scopes:
        token["id_token"] = jwt.encode(_id_claims(claims, client, principal.user), key)
    return token


def _id_claims(claims: dict, client: Client, user: User) -> dict:
    return {"nbf": claims["nbf"], "exp": claims["nbf"] + 300, "iss": claims["iss"], "aud": client.client_id,
            "iat": claims["nbf"], "sub": user.id, "xero_userid": user.id, "email": user.email,
            "given_name": user.given_name, "family_name": user.family_name,
            "preferred_username": user.email, "global_session_id": claims["global_session_id"]}


def save_token(token: dict, client: Client, principal: Principal) -> Token:
    """Store an issued token response."""
    moment = now()
    return Token.create(grant=principal.grant, client=client, auth_event_id=principal.auth_event_id,
                        access_token=token["access_token"], refresh_token=token.get("refresh_token"),
                        scope=token.get("scope", ""), issued_at=moment,
                        access_expires_at=moment + timedelta(seconds=token["expires_in"]))


def issue_access_token(tenant_ids: list[str], scopes: list[str] | None = None,
                       client_id: str = DEMO_CLIENT_ID, user_email: str = "demo@xero.example") -> dict:
    """Connect the tenants and return a token response, skipping the browser dance (tests, demos)."""
    client = Client.get_by_id(client_id)
    user = User.get(User.email == user_email)
    scope = " ".join(scopes if scopes is not None else DEFAULT_TOKEN_SCOPES)
    principal = connect_tenants(user, client, list(tenant_ids), scope)
    token = build_token_response(client, principal, scope)
    save_token(token, client, principal)
    return token


def resolve_access_token(raw: str) -> Token | None:
    """The stored token for a Bearer value (expired or not), or None when unknown or revoked."""
    token = Token.get_or_none(Token.access_token == raw)
    if token is None or token.grant.revoked_at is not None:
        return None
    return token


def find_refresh_token(raw: str) -> Token | None:
    """The stored token whose refresh token is `raw` and still usable (rotation grace, idle expiry)."""
    token = Token.get_or_none(Token.refresh_token == raw)
    return token if token is not None and token.refresh_usable() else None


def mark_refresh_used(token: Token) -> None:
    """Start the 30-minute grace of a rotated refresh token (first use only)."""
    if token.refresh_used_at is None:
        token.refresh_used_at = now()
        token.save()


def revoke_grant(grant: Grant) -> None:
    """Kill the grant: every token dies and every connection goes."""
    moment = now()
    with database.atomic():
        Grant.update(revoked_at=moment).where(Grant.id == grant.id).execute()
        Token.update(refresh_revoked_at=moment, access_expires_at=moment).where(
            Token.grant == grant.id).execute()
        Connection.update(disconnected_at=moment).where(
            Connection.grant == grant.id, Connection.disconnected_at.is_null()).execute()


def list_connections(grant_id: str, auth_event_id: str | None = None) -> list[Connection]:
    """The grant's live connections, optionally only those from one consent."""
    query = Connection.active_for_grant(grant_id)
    if auth_event_id:
        query = query.where(Connection.auth_event_id == auth_event_id)
    return list(query)


def disconnect(connection_id: str, grant_id: str | None = None) -> bool:
    """Remove one connection (restricted to a grant when given); False if there is none."""
    query = Connection.active().where(Connection.id == connection_id)
    if grant_id is not None:
        query = query.where(Connection.grant == grant_id)
    connection = query.first()
    if connection is None:
        return False
    connection.disconnected_at = now()
    connection.save()
    return True


def delete_used_code(code: AuthorizationCode) -> None:
    """Mark a code used (kept, so a replay is recognised as invalid_grant)."""
    code.used_at = now()
    code.save()
