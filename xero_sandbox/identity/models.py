"""Peewee models for the emulated Xero identity service: users, apps, grants, connections, tokens."""
import hashlib
import hmac
import secrets
import uuid
from datetime import timedelta
from ipaddress import ip_address
from urllib.parse import urlsplit

import peewee as pw
from authlib.oauth2.rfc6749 import scope_to_list
from werkzeug.security import check_password_hash

from xero_sandbox.clock import epoch, now
from xero_sandbox.db import BaseModel

REFRESH_GRACE = timedelta(minutes=30)
REFRESH_IDLE_LIFETIME = timedelta(days=60)
CODE_LIFETIME = timedelta(minutes=5)


def hash_client_secret(secret: str) -> str:
    """Client secrets are long random strings, so a plain SHA-256 digest is enough (and fast)."""
    return "sha256$" + hashlib.sha256(secret.encode()).hexdigest()


def new_id() -> str:
    return str(uuid.uuid4())


def is_loopback_uri(uri: str) -> bool:
    """True for http(s) URIs on localhost, 127.0.0.0/8 or [::1] with any port."""
    try:
        parts = urlsplit(uri)
        host = parts.hostname
    except ValueError:
        return False
    if parts.scheme not in {"http", "https"} or not host or parts.fragment:
        return False
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


class User(BaseModel):
    """A Xero login (demo users are seeded)."""

    id = pw.CharField(primary_key=True, default=new_id)
    email = pw.CharField(unique=True)
    password_hash = pw.CharField()
    given_name = pw.CharField(default="")
    family_name = pw.CharField(default="")

    class Meta:
        table_name = "identity_user"

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class Client(BaseModel):
    """A registered Xero app; authlib's ClientMixin contract."""

    client_id = pw.CharField(primary_key=True)
    client_secret_hash = pw.CharField(null=True)
    name = pw.CharField()
    redirect_uris = pw.TextField(default="")
    allow_loopback = pw.BooleanField(default=False)
    auth_methods = pw.CharField(default="client_secret_basic client_secret_post")

    class Meta:
        table_name = "identity_client"

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return None

    def get_allowed_scope(self, scope):
        return scope or ""

    def check_redirect_uri(self, redirect_uri):
        if redirect_uri in self.redirect_uris.split():
            return True
        return self.allow_loopback and is_loopback_uri(redirect_uri)

    def check_client_secret(self, client_secret):
        return bool(self.client_secret_hash) and hmac.compare_digest(
            self.client_secret_hash, hash_client_secret(client_secret))

    def check_endpoint_auth_method(self, method, endpoint):
        return method in self.auth_methods.split()

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type in {"authorization_code", "refresh_token"}


class Grant(BaseModel):
    """One user's authorisation of one app; revoking it removes all its connections."""

    id = pw.CharField(primary_key=True, default=new_id)
    user = pw.ForeignKeyField(User, backref="grants", on_delete="CASCADE")
    client = pw.ForeignKeyField(Client, backref="grants", on_delete="CASCADE")
    scope = pw.TextField(default="")
    created_at = pw.DateTimeField()
    revoked_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "identity_grant"

    @classmethod
    def active_for(cls, user, client):
        return cls.select().where(cls.user == user, cls.client == client, cls.revoked_at.is_null())


class Connection(BaseModel):
    """A tenant reachable through a grant (Xero's /connections item)."""

    id = pw.CharField(primary_key=True, default=new_id)
    grant = pw.ForeignKeyField(Grant, backref="connections", on_delete="CASCADE")
    tenant_id = pw.CharField()
    tenant_name = pw.CharField()
    tenant_type = pw.CharField(default="ORGANISATION")
    auth_event_id = pw.CharField()
    created_at = pw.DateTimeField()
    updated_at = pw.DateTimeField()
    disconnected_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "identity_connection"
        indexes = ((("grant", "tenant_id"), True),)

    @classmethod
    def active(cls):
        return cls.select().where(cls.disconnected_at.is_null())

    @classmethod
    def active_for_grant(cls, grant_id):
        return cls.active().where(cls.grant == grant_id).order_by(cls.created_at, cls.tenant_name)


class AuthorizationCode(BaseModel):
    """A single-use authorization code; authlib's AuthorizationCodeMixin contract."""

    code = pw.CharField(primary_key=True)
    client = pw.ForeignKeyField(Client, on_delete="CASCADE")
    grant = pw.ForeignKeyField(Grant, on_delete="CASCADE")
    redirect_uri = pw.TextField(default="")
    scope = pw.TextField(default="")
    auth_event_id = pw.CharField()
    code_challenge = pw.CharField(null=True)
    code_challenge_method = pw.CharField(null=True)
    nonce = pw.CharField(null=True)
    created_at = pw.DateTimeField()
    used_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "identity_authorization_code"

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return epoch(self.created_at)

    def is_usable(self) -> bool:
        return self.used_at is None and now() < self.created_at + CODE_LIFETIME


class Token(BaseModel):
    """An access token (JWT) with its refresh token; authlib's TokenMixin contract."""

    id = pw.CharField(primary_key=True, default=new_id)
    grant = pw.ForeignKeyField(Grant, backref="tokens", on_delete="CASCADE")
    client = pw.ForeignKeyField(Client, on_delete="CASCADE")
    auth_event_id = pw.CharField()
    access_token = pw.TextField(unique=True)
    refresh_token = pw.CharField(null=True, unique=True)
    scope = pw.TextField(default="")
    issued_at = pw.DateTimeField()
    access_expires_at = pw.DateTimeField()
    refresh_used_at = pw.DateTimeField(null=True)
    refresh_revoked_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "identity_token"

    def check_client(self, client):
        return self.client_id == client.client_id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return int((self.access_expires_at - self.issued_at).total_seconds())

    def is_expired(self):
        return now() >= self.access_expires_at

    def is_revoked(self):
        return self.refresh_revoked_at is not None

    def scopes(self) -> set[str]:
        return set(scope_to_list(self.scope) or [])

    def refresh_usable(self) -> bool:
        """Rotated tokens stay usable for 30 minutes; unused ones expire after 60 idle days."""
        moment = now()
        if self.refresh_revoked_at is not None or self.grant.revoked_at is not None:
            return False
        if self.refresh_used_at is not None:
            return moment < self.refresh_used_at + REFRESH_GRACE
        return moment < self.issued_at + REFRESH_IDLE_LIFETIME


def new_secret_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


MODELS = [User, Client, Grant, Connection, AuthorizationCode, Token]
