"""Each check a portal's launch token meets, at its edge: the exact refusal (status, what the page says, the reason
the log gets), times to the second, sizes to the character, single use per portal; what a launch grants and leaves
behind (the session row, the log line); the portals' configuration read exactly."""
import json
import logging
import uuid

import pytest

from tests import factories
from tests.test_embed import KEY, OTHER, PORTAL, launch_token, launched, set_cookie
from webapp.accounts.models import UserSession
from webapp.embed import launch as launching
from webapp.embed.portals import Portal, parse_portals
from webapp.embed.session import EMBED_COOKIE, EMBED_KEY
from webapp.redis_conn import get_redis

NOW = 1_900_000_000  # when Docket checks the tokens below
AGAIN = "Open Docket again from your portal to get a new one."
PORTALS = {PORTAL.id: PORTAL, OTHER.id: OTHER}


@pytest.fixture
def portals(app):
    app.config["EMBED_PORTALS"] = dict(PORTALS)
    return app


def token(member, iat=NOW, lifetime=60, **claims):
    """A launch token issued at `iat` (the portal's clock)."""
    return launch_token(member, iat=iat, exp=iat + lifetime, **claims)


def verify(app, value, now=NOW):
    """Docket's check of a token posted at `now`, as the launch view calls it."""
    with app.app_context():
        return launching.verify(value, PORTALS, now)


def refusal(app, value, now=NOW):
    with pytest.raises(launching.LaunchRefused) as refused:
        verify(app, value, now)
    return refused.value.reason, refused.value.status_code, refused.value.user_message


MALFORMED = ("malformed", 400, f"Docket couldn't read this launch token, so you weren't signed in. {AGAIN}")


@pytest.mark.parametrize("claims, reason, status, message", [
    ({"iss": "unknown-portal"}, "unknown_portal", 401, "This launch token comes from a portal Docket doesn't know, "
     "so you weren't signed in. Ask your administrator to add the portal to Docket."),
    ({"iss": [PORTAL.id]}, "unknown_portal", 401, "This launch token comes from a portal Docket doesn't know, "
     "so you weren't signed in. Ask your administrator to add the portal to Docket."),
    ({"key": OTHER.key}, "bad_signature", 401,
     f"This launch token wasn't signed with your portal's key, so you weren't signed in. {AGAIN}"),
    ({"lifetime": 61}, "lifetime", 401,
     f"This launch token is valid for longer than 60 seconds, so Docket didn't accept it. {AGAIN}"),
    ({"iat": NOW + 31}, "lifetime", 401,  # the portal's clock more than 30 s ahead of Docket's
     f"This launch token is valid for longer than 60 seconds, so Docket didn't accept it. {AGAIN}"),
    ({"iat": NOW - 60}, "expired", 401,  # exp is now: no leeway
     f"This launch token has expired (they last a minute at most). {AGAIN}"),
    ({"aud": "docket-staging"}, "wrong_audience", 401,
     "This launch token is meant for another app, not Docket, so you weren't signed in."),
    ({"aud": ["another-app"]}, "wrong_audience", 401,
     "This launch token is meant for another app, not Docket, so you weren't signed in."),
    ({"email": "nobody@example.com"}, "not_a_member", 403, "nobody@example.com isn't a member of that business in "
     "Docket, so you weren't signed in. Ask an admin of the business to add them on the Team page."),
    ({"role": "admin"}, "role_too_high", 403, "Your portal asked for admin access, but {email} is a standard member "
     "of this business in Docket, so you weren't signed in."),
    ({"can_publish": True}, "publish_too_high", 403, "Your portal asked for publishing to Xero, but {email} can't "
     "publish for this business in Docket, so you weren't signed in."),
    ({"jti": "a" * 7}, *MALFORMED),
    ({"jti": "a" * 129}, *MALFORMED),
    ({"jti": 12345678}, *MALFORMED),
    ({"business": True}, *MALFORMED),  # not business 1
    ({"email": ["nobody@example.com"]}, *MALFORMED),
])
def test_each_refusal_says_exactly_why(app, standard, claims, reason, status, message):
    refused = refusal(app, token(standard, **claims))
    assert refused == (reason, status, message.format(email=standard.user.email))
    assert used_tokens(app) == []  # a refused token isn't used up


def used_tokens(app) -> list[str]:
    with app.app_context():
        return list(get_redis().scan_iter("docket:embed-jti:*"))


@pytest.mark.parametrize("claims, now", [
    ({}, NOW),  # a lifetime of exactly 60 s
    ({"iat": NOW + 30}, NOW),  # the portal's clock 30 s ahead
    ({"iat": NOW - 59}, NOW),  # a second before it expires
    ({}, NOW + 59.999),
    ({"jti": "a" * 8}, NOW),
    ({"jti": "b" * 128}, NOW),
    ({"aud": ["another-app", "docket"]}, NOW),
])
def test_tokens_at_the_edges_are_accepted(app, standard, claims, now):
    assert verify(app, token(standard, **claims), now).user == standard.user


def test_a_launch_carries_the_person_business_and_grants(app, admin, standard):
    publisher = factories.make_member(business=admin.business, role="standard", can_publish=True)
    for member, claims, role, can_publish in [(admin, {}, "admin", False),
                                              (admin, {"role": "standard"}, "standard", False),
                                              (standard, {}, "standard", False),
                                              (publisher, {"can_publish": True}, "standard", True)]:
        launch = verify(app, token(member, **claims))
        assert (launch.portal, launch.user, launch.membership, launch.role, launch.can_publish) == \
            (PORTAL, member.user, member, role, can_publish)


def test_the_email_is_matched_as_a_sign_in_matches_it(app, standard):
    launch = verify(app, token(standard, email=f"  {standard.user.email.upper()} "))
    assert launch.user == standard.user and launch.membership == standard


def test_a_token_is_used_once_per_portal(app, standard):
    jti = uuid.uuid4().hex
    assert verify(app, token(standard, jti=jti)).portal == PORTAL
    assert verify(app, token(standard, jti=jti, iss=OTHER.id, key=OTHER.key)).portal == OTHER  # its own jti
    assert refusal(app, token(standard, jti=jti), NOW + 1) == (
        "reused", 401, f"This launch token was already used. {AGAIN}")


@pytest.mark.parametrize("iat, now, kept", [(NOW, NOW, 90), (NOW + 30, NOW, 120), (NOW, NOW + 59.5, 30)])
def test_a_used_token_is_remembered_until_it_could_no_longer_pass(app, standard, iat, now, kept):
    """exp - now, and 30 s more for a portal clock ahead of ours: a replay any earlier would be accepted."""
    verify(app, token(standard, iat=iat), now)
    [key] = used_tokens(app)
    with app.app_context():
        assert kept * 1000 - 1000 < get_redis().pttl(key) <= kept * 1000


def sized(member, length):
    """A launch token of exactly `length` characters, padded with a claim Docket doesn't read."""
    jti = uuid.uuid4().hex
    start = (length - len(token(member, jti=jti, pad=""))) * 3 // 4 - 3
    for pad in range(start, start + 6):
        value = token(member, jti=jti, pad="p" * pad)
        if len(value) == length:
            return value
    raise AssertionError(f"no token of {length} characters")


def test_tokens_of_every_length_up_to_4096_characters_are_read(app, standard):
    padded = [token(standard, pad="p" * pad) for pad in range(4)]
    # claims of every length base64 can have, so every amount of padding to restore before decoding them
    assert {len(value.split(".")[1]) % 4 for value in padded} == {0, 2, 3}
    for value in padded:
        assert verify(app, value).user == standard.user
    assert verify(app, sized(standard, 4096)).user == standard.user
    assert refusal(app, sized(standard, 4097)) == MALFORMED  # signed by the portal, but longer than Docket reads


def test_a_launch_records_the_browser_and_logs_what_it_granted(portals, admin, caplog):
    caplog.set_level(logging.INFO, logger="webapp.embed.launch")
    response = portals.test_client().post("/embed/launch", data={"token": launch_token(admin)},
                                          headers={"User-Agent": "Mozilla/5.0 (Portal frame) Firefox/120"})
    assert response.status_code == 303
    assert UserSession.get(UserSession.user == admin.user).user_agent == "Mozilla/5.0 (Portal frame) Firefox/120"
    assert caplog.messages == [f"embed launch portal=test-portal user_id={admin.user.id} "
                               f"business_id={admin.business_id} role=admin can_publish=False"]


def test_a_session_launched_before_launches_carried_can_publish_does_not_publish(portals, admin):
    """Sessions launched before launches carried can_publish (Docket 2026-12-03) have no such entry in their
    cookie: they can't publish, whatever the membership allows."""
    publisher = factories.make_member(business=admin.business, role="standard", can_publish=True)
    client = launched(portals, publisher, can_publish=True)
    publish = f"/b/{admin.business_id}/inbox/costs/publish"
    assert client.form(publish).status_code == 303  # allowed: back to the inbox to select items first
    with client.session_transaction() as session:
        session[EMBED_KEY] = {name: value for name, value in session[EMBED_KEY].items() if name != "can_publish"}
    assert client.form(publish).status_code == 403


@pytest.mark.parametrize("setting, value, top_level, present", [
    ("SESSION_COOKIE_DOMAIN", "docket.example", "; Domain=docket.example;", True),
    ("SESSION_COOKIE_PATH", "/docket", "; Path=/docket", True),
    ("SESSION_COOKIE_HTTPONLY", False, "HttpOnly", False),
    ("SESSION_COOKIE_SECURE", False, "Secure", False),  # plain http outside production
])
def test_the_frame_cookie_keeps_its_prefix_rules_whatever_top_level_sessions_use(portals, admin, setting, value,
                                                                                 top_level, present):
    """Browsers drop a __Host- cookie unless it is Secure with Path=/ and no Domain; HttpOnly keeps it from scripts.
    The settings of top-level session cookies change only those."""
    portals.config[setting] = value
    frame = set_cookie(portals.test_client().post("/embed/launch", data={"token": launch_token(admin)}), EMBED_COOKIE)
    attributes = {part.strip().partition("=")[0].lower(): part.strip() for part in frame.split(";")[1:]}
    assert attributes.keys() == {"secure", "httponly", "path", "samesite", "partitioned"}
    assert attributes["path"] == "Path=/"
    assert (top_level in set_cookie(portals.test_client().get("/login"), "session")) is present


def test_static_files_are_framed_alike_inside_and_outside_the_portal(portals, admin):
    response = launched(portals, admin).get("/static/js/embed.js")
    policy = response.headers["Content-Security-Policy"]  # the same as for a top-level session, whichever portal
    assert policy.endswith("; frame-ancestors 'self' https://portal.example https://clients.example")
    response.close()


# The portals' configuration

@pytest.mark.parametrize("value, in_file, message", [
    ("[]", True, "EMBED_PORTALS must be a JSON object keyed by portal id."),
    ("{not json", False, 'EMBED_PORTALS must be a JSON object like {"portal-id": {"origin": '
                         '"https://portal.example", "key": "..."}}.'),
    ("{not json", True, 'EMBED_PORTALS must be a JSON object like {"portal-id": {"origin": '
                        '"https://portal.example", "key": "..."}}.'),
])
def test_embed_portals_that_cant_be_used_say_what_is_wrong(tmp_path, value, in_file, message):
    if in_file:
        (tmp_path / "portals.json").write_text(value)
        value = str(tmp_path / "portals.json")
    with pytest.raises(ValueError) as error:
        parse_portals(value)
    assert str(error.value) == message


def test_an_unreadable_embed_portals_file_says_why(tmp_path):
    with pytest.raises(ValueError) as error:
        parse_portals(str(tmp_path / "portals.json"))
    assert str(error.value) == "EMBED_PORTALS names a file that can't be read (No such file or directory)."


def test_embed_portals_around_spaces_from_json_or_a_file(tmp_path):
    text = json.dumps({"acme": {"origin": "https://portal.example", "key": KEY}})
    path = tmp_path / "portals.json"
    path.write_text(text)
    expected = {"acme": Portal("acme", "https://portal.example", KEY)}
    assert parse_portals(f"\n {text} \n") == expected == parse_portals(f" {path}\n")
    assert parse_portals(" \n") == {}


def test_a_portal_key_of_32_characters_is_enough():
    key = "k" * 32
    assert parse_portals(json.dumps({"acme": {"origin": "https://portal.example", "key": key}}))["acme"].key == key
    with pytest.raises(ValueError, match="at least 32 characters"):
        parse_portals(json.dumps({"acme": {"origin": "https://portal.example", "key": key[1:]}}))


@pytest.mark.parametrize("origin, serialised", [
    ("HTTP://Portal.Example:80", "http://portal.example"),
    ("https://portal.example:443", "https://portal.example"),
    ("http://portal.example:443", "http://portal.example:443"),
    ("https://portal.example:80", "https://portal.example:80"),
    ("http://portal.example:8080", "http://portal.example:8080"),
])
def test_portal_origins_are_written_as_browsers_send_them(origin, serialised):
    assert parse_portals(json.dumps({"acme": {"origin": origin, "key": KEY}}))["acme"].origin == serialised
