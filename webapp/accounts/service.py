"""Creating people and businesses, and managing who belongs to which business."""
import secrets

import peewee

from webapp.accounts.models import ROLE_ADMIN, ROLES, Business, Membership, User
from webapp.auth.service import hash_password, normalise_email
from webapp.db import database
from webapp.errors import Conflict, ValidationFailed
from webapp.inbound import addresses

MIN_PASSWORD_LENGTH = 10


def create_user(email: str, password: str, name: str = "") -> User:
    """A new user; the database's unique index decides whether the email is taken."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise ValidationFailed({"email": "Enter a valid email address."})
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed({"password": f"Use a password of at least {MIN_PASSWORD_LENGTH} characters."})
    try:
        with database.atomic():
            return User.create(email=email, name=name.strip()[:120], password_hash=hash_password(password))
    except peewee.IntegrityError:
        raise Conflict(f"There is already an account for {email}.") from None


def create_business(name: str, base_currency: str = "GBP", country: str = "GB") -> Business:
    name = name.strip()
    if not name or len(name) > 120:
        raise ValidationFailed({"name": "Give the business a name of up to 120 characters."})
    with database.atomic():
        business = Business.create(name=name, base_currency=base_currency.upper()[:3], country=country.upper()[:2])
        addresses.issue_all(business)  # its Costs and Sales email-in addresses, shown in each inbox
    return business


def add_member(business_id: int, user: User, role: str, can_publish: bool) -> Membership:
    _check_role(role)
    try:
        with database.atomic():
            return Membership.create(business=business_id, user=user, role=role, can_publish=can_publish)
    except peewee.IntegrityError:
        raise Conflict(f"{user.email} is already a member of this business.") from None


def invite_member(business_id: int, email: str, name: str, role: str, can_publish: bool) -> tuple[Membership, str | None]:
    """Add a person by email; a new account gets a one-time password, returned for the admin to pass on."""
    existing = User.get_or_none(User.email == normalise_email(email))
    temporary_password = None
    with database.atomic():
        if existing is None:
            temporary_password = secrets.token_urlsafe(12)
            existing = create_user(email, temporary_password, name)
        return add_member(business_id, existing, role, can_publish), temporary_password


def update_member(membership: Membership, role: str, can_publish: bool) -> Membership:
    """Change a member's role and publishing permission, keeping at least one admin."""
    _check_role(role)
    with database.atomic():
        if membership.is_admin and role != ROLE_ADMIN:
            _ensure_another_admin(membership)
        membership.role, membership.can_publish = role, can_publish
        membership.save()
    return membership


def remove_member(membership: Membership) -> None:
    with database.atomic():
        if membership.is_admin:
            _ensure_another_admin(membership)
        membership.delete_instance()


def members_of(business_id: int):
    return (Membership.select(Membership, User).join(User)
            .where(Membership.business == business_id).order_by(User.email))


def get_membership(business_id: int, membership_id: int) -> Membership | None:
    return Membership.get_or_none((Membership.id == membership_id) & (Membership.business == business_id))


def _ensure_another_admin(membership: Membership) -> None:
    others = (Membership.select().where((Membership.business == membership.business_id)
                                        & (Membership.role == ROLE_ADMIN) & (Membership.id != membership.id)))
    if isinstance(database.obj, peewee.PostgresqlDatabase):
        others = others.for_update()
    if not others.exists():
        raise Conflict("A business needs at least one admin. Make someone else an admin first.")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValidationFailed({"role": "Choose Admin or Standard."})
