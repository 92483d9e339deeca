"""Signing in and out: rotated sessions, clear failures, safe redirects, rate limits."""
import pytest

from tests import factories
from webapp.accounts.models import UserSession
from webapp.auth.views import WRONG_LOGIN


def _login_page_token(client):
    from tests.conftest import _form_token

    return _form_token(client.get("/login").text)


def _post_login(client, email, password, **extra):
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": _login_page_token(client), **extra})


def test_login_with_right_password_lands_on_home(client, admin):
    response = _post_login(client, admin.user.email, factories.PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/", follow_redirects=True)
    assert admin.business.name in page.text


@pytest.mark.parametrize("email, password", [
    ("person-who-does-not-exist@example.com", factories.PASSWORD),
    (None, "wrong password entirely"),
])
def test_login_failure_says_so_plainly_and_signs_nobody_in(client, admin, email, password):
    response = _post_login(client, email or admin.user.email, password)
    assert response.status_code == 401
    assert WRONG_LOGIN.replace("'", "&#39;") in response.text
    assert "Traceback" not in response.text
    assert UserSession.select().count() == 0
    assert client.get("/").status_code == 302


def test_login_with_empty_fields_shows_field_messages(client, admin, caplog):
    response = _post_login(client, "", "")
    assert response.status_code == 422
    assert "Enter your email address." in response.text
    assert "Enter your password." in response.text
    assert not [r for r in caplog.records if r.levelname == "ERROR"]  # a blank email still has a rate-limit key


def test_each_login_starts_a_new_session_and_drops_earlier_session_data(client, admin):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker before login"
    _post_login(client, admin.user.email, factories.PASSWORD)
    with client.session_transaction() as session:
        first_token = session["_user_id"]
        assert "planted" not in session
    client.post("/logout", data={"csrf_token": _page_token(client)})
    _post_login(client, admin.user.email, factories.PASSWORD)
    with client.session_transaction() as session:
        assert session["_user_id"] != first_token


def _page_token(client):
    from tests.conftest import CSRF_IN_PAGE

    return CSRF_IN_PAGE.search(client.get("/", follow_redirects=True).text).group(1)


def test_logout_is_post_only_and_revokes_the_session_server_side(admin_client, app):
    assert admin_client.get("/logout").status_code == 405
    with admin_client.session_transaction() as session:
        stolen = dict(session)
    response = admin_client.form("/logout")
    assert response.status_code == 302
    assert UserSession.get(UserSession.token == stolen["_user_id"]).revoked_at is not None
    replay = app.test_client()
    with replay.session_transaction() as session:
        session.update(stolen)
    assert replay.get("/").headers["Location"].startswith("/login")


@pytest.mark.parametrize("target, lands_on", [
    ("/b/{business}/team", "/b/{business}/team"),
    ("https://evil.example/phish", "/"),
    ("//evil.example/phish", "/"),
    ("/\\evil.example", "/"),
])
def test_login_follows_only_safe_next(client, admin, target, lands_on):
    business = admin.business_id
    response = _post_login(client, admin.user.email, factories.PASSWORD, next=target.format(business=business))
    assert response.headers["Location"] == lands_on.format(business=business)


def test_pages_redirect_to_login_with_next(client, admin):
    response = client.get(f"/b/{admin.business_id}/team")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next=/b/{admin.business_id}/team"


def test_htmx_request_when_signed_out_gets_hx_redirect(client, admin):
    response = client.get(f"/b/{admin.business_id}/banners", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login?next=")


def test_login_attempts_are_rate_limited(app, client, admin):
    app.config["LOGIN_RATE_LIMIT"] = "3 per hour"  # not per minute: four attempts could straddle a minute
    statuses = [_post_login(client, admin.user.email, "wrong").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    blocked = _post_login(client, admin.user.email, factories.PASSWORD)
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.text
    assert UserSession.select().count() == 0


def test_tampered_session_cookie_counts_as_signed_out(admin_client):
    cookie = admin_client.get_cookie("session")
    admin_client.set_cookie("session", cookie.value[:-4] + "AAAA")
    response = admin_client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_oversized_form_gets_a_clear_message(client, admin):
    response = _post_login(client, "x" * (26 * 1024 * 1024), "p")
    assert response.status_code == 413
    assert "too large" in response.text
    assert "Traceback" not in response.text


def test_overlong_email_is_refused_with_a_field_message(client, admin):
    response = _post_login(client, "x" * 5000, "p")
    assert response.status_code == 422
    assert "Field cannot be longer than 254 characters." in response.text
