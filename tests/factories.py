"""Plain factory functions returning saved rows; a counter keeps unique fields unique."""
import itertools

from werkzeug.security import generate_password_hash

from webapp.accounts import service
from webapp.accounts.models import Business, Membership, User

PASSWORD = "correct horse battery"
# The app's own scrypt at 1/32 of its cost: every sign-in of a factory user checks it, and at full cost each took
# ~0.15 s. Accounts made through the app (tests/test_team.py, tests/test_cli.py) still get the app's hash.
PASSWORD_HASH = generate_password_hash(PASSWORD, method="scrypt:1024:8:1")
_counter = itertools.count(1)


def make_user(**overrides) -> User:
    n = next(_counter)
    fields = {"email": f"person{n}@example.com", "name": f"Person {n}", "password_hash": PASSWORD_HASH}
    return User.create(**(fields | overrides))


def make_business(**overrides) -> Business:
    n = next(_counter)
    return service.create_business(**({"name": f"Business {n} Ltd"} | overrides))


def make_member(business=None, user=None, role="standard", can_publish=False) -> Membership:
    return Membership.create(business=business or make_business(), user=user or make_user(),
                             role=role, can_publish=can_publish)
