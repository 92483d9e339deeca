"""Where a sign-in may send a person next (never off the site), and the server-side sessions behind the cookie:
each sign-in its own, a sign-out ends only that one."""
import pytest

from tests.factories import make_user
from webapp.accounts.models import UserSession
from webapp.auth import service
from webapp.auth.guard import is_safe_next


@pytest.mark.parametrize("target", ["/", "/b/7/inbox/costs?page=2", "/b/7/items/3#history"])
def test_a_path_on_this_site_is_a_safe_next(target):
    assert is_safe_next(target)


@pytest.mark.parametrize("target", [None, "", "b/7", "https://evil.example/", "//evil.example/", "/\\evil.example",
                                    "/\t/evil.example", "/\n/evil.example"])
def test_anything_that_could_leave_the_site_is_not(target):
    assert not is_safe_next(target)


def test_a_password_is_stored_hashed_and_checks(app):
    hashed = service.hash_password("correct horse battery")
    assert "correct horse" not in hashed
    user = make_user(email="ann@example.com", password_hash=hashed)
    assert service.authenticate(" Ann@Example.com ", "correct horse battery") == user
    assert service.authenticate("ann@example.com", "wrong") is None


def test_each_sign_in_is_its_own_session_and_a_sign_out_ends_only_that_one(app):
    user = make_user()
    laptop = service.open_session(user, "Firefox " + "x" * 300).current_session
    phone = service.open_session(user).current_session
    assert laptop.token != phone.token
    assert UserSession.get_by_id(laptop.id).user_agent == ("Firefox " + "x" * 300)[:255]
    assert service.user_for_session(laptop.token).current_session.id == laptop.id
    service.revoke_session(laptop.token)
    assert service.user_for_session(laptop.token) is None
    assert service.user_for_session(phone.token) == user
    first_revoked = UserSession.get_by_id(laptop.id).revoked_at
    service.revoke_session(laptop.token)
    assert UserSession.get_by_id(laptop.id).revoked_at == first_revoked
    assert service.user_for_session("unknown") is None
