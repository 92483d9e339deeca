"""Limits on signing in that a person (or an attacker) would run into: attempts per email across addresses, and a
session cookie that stops working when it is carried to another browser."""
import pytest

from tests import factories
from webapp.accounts.models import UserSession


def _login_page_token(client, **request):
    from tests.conftest import _form_token

    return _form_token(client.get("/login", **request).text)


def _post_login(client, email, password, address="10.0.0.1", agent="Firefox/120", **fields):
    request = {"environ_base": {"REMOTE_ADDR": address}, "headers": {"User-Agent": agent}}
    data = {"password": password, "csrf_token": _login_page_token(client, **request), **fields}
    if email is not None:
        data["email"] = email
    return client.post("/login", data=data, **request)


def test_failed_sign_ins_for_one_email_from_many_addresses_block_that_email_only(app, client, admin):
    app.config["LOGIN_RATE_LIMIT"] = "3 per hour"
    statuses = [_post_login(client, admin.user.email, "wrong", address=f"10.0.1.{n}").status_code for n in range(3)]
    assert statuses == [401, 401, 401]
    blocked = _post_login(client, admin.user.email, factories.PASSWORD, address="10.0.1.99")
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.text
    other = factories.make_user(email="other.person@example.com")
    assert _post_login(client, other.email, factories.PASSWORD, address="10.0.1.100").status_code == 302
    assert UserSession.select().where(UserSession.user == admin.user).count() == 0


def test_the_email_limit_ignores_letter_case_and_surrounding_spaces(app, client, admin):
    app.config["LOGIN_RATE_LIMIT"] = "2 per hour"
    email = admin.user.email
    _post_login(client, email.upper(), "wrong", address="10.0.2.1")
    _post_login(client, f"  {email}  ", "wrong", address="10.0.2.2")
    assert _post_login(client, email, factories.PASSWORD, address="10.0.2.3").status_code == 429


def test_overlong_emails_share_the_limit_of_their_first_254_characters(app, client, admin):
    app.config["LOGIN_RATE_LIMIT"] = "2 per hour"
    stem = "a" * 254
    assert _post_login(client, stem + "1", "wrong", address="10.0.3.1").status_code == 422
    assert _post_login(client, stem + "2", "wrong", address="10.0.3.2").status_code == 422
    assert _post_login(client, stem + "3", "wrong", address="10.0.3.3").status_code == 429
    assert _post_login(client, admin.user.email, factories.PASSWORD, address="10.0.3.4").status_code == 302


def test_a_form_without_an_email_field_is_asked_for_one(app, client, admin):
    response = _post_login(client, None, "whatever")
    assert response.status_code == 422
    assert "Enter your email address." in response.text


@pytest.mark.parametrize("agent, address", [("curl/8.0", "10.0.0.1"), ("Firefox/120", "203.0.113.9")],
                         ids=["another browser", "another address"])
def test_a_session_cookie_carried_elsewhere_is_signed_out(client, admin, agent, address):
    assert _post_login(client, admin.user.email, factories.PASSWORD).status_code == 302  # Firefox/120 at 10.0.0.1
    home = client.get("/", headers={"User-Agent": "Firefox/120"}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert not home.headers.get("Location", "").startswith("/login")
    elsewhere = client.get("/", headers={"User-Agent": agent}, environ_base={"REMOTE_ADDR": address})
    assert elsewhere.status_code == 302
    assert elsewhere.headers["Location"].startswith("/login")


def test_the_sign_in_records_the_browser_it_came_from(client, admin):
    _post_login(client, admin.user.email, factories.PASSWORD, agent="Mozilla/5.0 (X11) Firefox/120")
    session_row = UserSession.get(UserSession.user == admin.user)
    assert session_row.user_agent == "Mozilla/5.0 (X11) Firefox/120"
    assert session_row.revoked_at is None


def test_attempts_without_an_email_share_one_limit_whether_the_field_is_blank_or_missing(app, client, admin):
    app.config["LOGIN_RATE_LIMIT"] = "2 per hour"
    assert _post_login(client, "", "x", address="10.0.4.1").status_code == 422
    assert _post_login(client, "   ", "x", address="10.0.4.2").status_code == 422
    assert _post_login(client, None, "x", address="10.0.4.3").status_code == 429
    assert _post_login(client, "xxxx", "x", address="10.0.4.4").status_code == 401  # an email of its own


def test_a_next_with_three_slashes_does_not_leave_the_site(client, admin):
    # browsers read ///evil.example as //evil.example, another host
    response = _post_login(client, admin.user.email, factories.PASSWORD, next="///evil.example/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_the_signed_in_person_is_loaded_with_their_session_in_one_query(app, admin):
    from playhouse.test_utils import count_queries

    from webapp.auth import service

    token = service.open_session(admin.user, "Firefox/120").current_session.token
    with count_queries() as counter:
        user = service.user_for_session(token)
        assert (user.email, user.current_session.token) == (admin.user.email, token)
        assert user.current_session.user.email == admin.user.email
    assert counter.count == 1
