"""People, the businesses they keep books for, and who may do what in each."""
import secrets
from datetime import datetime, timezone

import peewee
from flask_login import UserMixin

from webapp.db import BaseModel

ROLE_ADMIN = "admin"
ROLE_STANDARD = "standard"
ROLES = (ROLE_ADMIN, ROLE_STANDARD)


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class User(BaseModel, UserMixin):
    email = peewee.CharField(max_length=254, unique=True)
    name = peewee.CharField(max_length=120, default="")
    password_hash = peewee.CharField(max_length=255)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "user_account"

    # Set by the login loader: the UserSession this request was authenticated with.
    current_session = None

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def get_id(self) -> str:
        """flask-login stores the session token, not the user id, so logout can revoke it."""
        return self.current_session.token


class Business(BaseModel):
    name = peewee.CharField(max_length=120)
    base_currency = peewee.CharField(max_length=3, default="GBP")
    country = peewee.CharField(max_length=2, default="GB")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "business"


class Membership(BaseModel):
    user = peewee.ForeignKeyField(User, backref="memberships", on_delete="CASCADE")
    business = peewee.ForeignKeyField(Business, backref="memberships", on_delete="CASCADE")
    role = peewee.CharField(max_length=16, default=ROLE_STANDARD)
    can_publish = peewee.BooleanField(default=False)
    created_at = peewee.DateTimeField(default=utcnow)
    publish_withheld = False  # not stored: set for a request of an embedded session launched without can_publish

    class Meta:
        table_name = "membership"
        indexes = ((("user", "business"), True),)

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN

    @property
    def may_publish(self) -> bool:
        return (self.is_admin or self.can_publish) and not self.publish_withheld

    @classmethod
    def of(cls, user_id: int, business_id: int) -> "Membership | None":
        """The user's membership of one business, with the business loaded, or None."""
        return (cls.select(cls, Business).join(Business)
                .where((cls.user == user_id) & (cls.business == business_id)).first())

    @classmethod
    def for_user(cls, user_id: int):
        """The user's memberships with their businesses, by business name."""
        return (cls.select(cls, Business).join(Business)
                .where(cls.user == user_id).order_by(Business.name))


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class UserSession(BaseModel):
    """A signed-in browser: its id is what the cookie carries, so logout can revoke it server-side."""

    token = peewee.CharField(max_length=64, unique=True, default=new_session_token)
    user = peewee.ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    created_at = peewee.DateTimeField(default=utcnow)
    revoked_at = peewee.DateTimeField(null=True)
    user_agent = peewee.CharField(max_length=255, default="")

    class Meta:
        table_name = "user_session"
