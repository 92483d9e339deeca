"""Plain factory functions returning saved rows; a counter keeps unique fields unique."""
import itertools

from webapp.accounts.models import Business, Membership, User
from webapp.auth.service import hash_password

PASSWORD = "correct horse battery"
_counter = itertools.count(1)
_password_hash = None


def _hashed_password() -> str:
    global _password_hash  # hashing is deliberately slow; every factory user shares one hash
    if _password_hash is None:
        _password_hash = hash_password(PASSWORD)
    return _password_hash


def make_user(**overrides) -> User:
    n = next(_counter)
    fields = {"email": f"person{n}@example.com", "name": f"Person {n}", "password_hash": _hashed_password()}
    return User.create(**(fields | overrides))


def make_business(**overrides) -> Business:
    n = next(_counter)
    return Business.create(**({"name": f"Business {n} Ltd"} | overrides))


def make_member(business=None, user=None, role="standard", can_publish=False) -> Membership:
    return Membership.create(business=business or make_business(), user=user or make_user(),
                             role=role, can_publish=can_publish)
