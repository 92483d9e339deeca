"""Connecting a business to a Xero organisation through the sandbox, as an admin would."""
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests import xero_helpers as xh
from webapp.integrations.models import ConnectAttempt, Connection


def start(client, business_id):
    response = client.form(f"/b/{business_id}/integrations/xero/connect")
    assert response.status_code == 303
    return response.headers["Location"]


def connect(client, business_id, organisations=(xh.UK_ORG, xh.AU_ORG), choose=xh.UK_ORG, sandbox=None):
    """The whole flow: Connect Software, consent at Xero, back, choose, Next. Returns the Connection."""
    callback = xh.consent(start(client, business_id), list(organisations))
    chosen = client.get(urlsplit(callback)._replace(scheme="", netloc="").geturl())
    assert chosen.headers["Location"] == f"/b/{business_id}/integrations/xero/choose"
    tenants = xh.tenant_ids(sandbox.url)
    response = client.form(f"/b/{business_id}/integrations/xero/choose", {"tenant_id": tenants[choose]})
    assert response.headers["Location"] == f"/b/{business_id}/integrations/xero/connected"
    return Connection.get(Connection.business == business_id)


def test_connect_summary_names_the_permissions(xero_app, admin_client, admin):
    page = admin_client.get(f"/b/{admin.business_id}/integrations/xero/connect").text
    assert "Connect Software" in page
    for scope in ("offline_access", "accounting.invoices", "accounting.banktransactions", "accounting.attachments"):
        assert scope in page
    assert "accounting.transactions" not in page  # granular scopes by default


def test_authorize_request_uses_state_and_pkce(xero_app, admin_client, admin, sandbox):
    query = parse_qs(urlsplit(start(admin_client, admin.business_id)).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert "offline_access" in query["scope"][0].split()
    attempt = ConnectAttempt.get(ConnectAttempt.state == query["state"][0])
    assert attempt.business_id == admin.business_id and query["code_challenge"][0] not in attempt.code_verifier


def test_full_connect_flow_choose_one_of_two(xero_app, admin_client, admin, sandbox):
    callback = xh.consent(start(admin_client, admin.business_id), [xh.UK_ORG, xh.AU_ORG])
    back = admin_client.get(urlsplit(callback)._replace(scheme="", netloc="").geturl())
    choose_page = admin_client.get(back.headers["Location"]).text
    assert "Choose an organisation" in choose_page
    assert xh.UK_ORG.replace("&", "&amp;") in choose_page and xh.AU_ORG in choose_page
    assert "Maple Ridge" not in choose_page  # organisations not ticked at Xero are not offered
    tenants = xh.tenant_ids(sandbox.url)
    admin_client.form(f"/b/{admin.business_id}/integrations/xero/choose", {"tenant_id": tenants[xh.AU_ORG]})
    confirmation = admin_client.get(f"/b/{admin.business_id}/integrations/xero/connected").text
    assert "Your organisation is connected" in confirmation and "Finish" in confirmation
    connection = Connection.get(Connection.business == admin.business_id)
    assert (connection.tenant_name, connection.status) == (xh.AU_ORG, "connected")
    assert set(xh.tenant_ids(sandbox.url)) == {xh.AU_ORG}  # the organisation not chosen was released
    finished = admin_client.form(f"/b/{admin.business_id}/integrations/xero/finish", follow_redirects=True)
    assert xh.AU_ORG in finished.text and "Manage Connection" in finished.text


def test_organisations_listed_without_a_name_are_named_from_xero(xero_app, admin_client, admin, sandbox):
    callback = xh.consent(start(admin_client, admin.business_id), [xh.UK_ORG, xh.AU_ORG])
    tenants = xh.tenant_ids(sandbox.url)
    xh.forget_tenant_names(sandbox.url)
    back = admin_client.get(urlsplit(callback)._replace(scheme="", netloc="").geturl())
    choose_page = admin_client.get(back.headers["Location"]).text
    assert xh.UK_ORG.replace("&", "&amp;") in choose_page and xh.AU_ORG in choose_page
    admin_client.form(f"/b/{admin.business_id}/integrations/xero/choose", {"tenant_id": tenants[xh.UK_ORG]})
    assert Connection.get(Connection.business == admin.business_id).tenant_name == xh.UK_ORG


def test_tokens_at_rest_are_unreadable_without_the_key(xero_app, admin_client, admin, sandbox):
    from webapp.integrations.token_store import connection_key
    from webapp.xero.crypto import TokenCipher, TokenDecryptionError, generate_key

    connection = connect(admin_client, admin.business_id, sandbox=sandbox)
    cipher = xero_app.extensions["xero"].cipher
    access = cipher.decrypt(connection.access_token, bound_to=connection_key(connection.id))
    assert access.startswith("eyJ") and "eyJ" not in connection.access_token
    with pytest.raises(TokenDecryptionError):
        TokenCipher(generate_key()).decrypt(connection.access_token, bound_to=connection_key(connection.id))
    with pytest.raises(TokenDecryptionError):  # copied to another row
        cipher.decrypt(connection.access_token, bound_to=connection_key(connection.id + 1))


@pytest.mark.parametrize("state", [None, "forged-state"])
def test_callback_with_missing_or_wrong_state_stores_nothing(xero_app, admin_client, admin, sandbox, state):
    callback = xh.consent(start(admin_client, admin.business_id), [xh.UK_ORG])
    query = parse_qs(urlsplit(callback).query)
    params = {"code": query["code"][0]} | ({"state": state} if state else {})
    response = admin_client.get("/integrations/xero/callback", query_string=params, follow_redirects=True)
    assert "did not start here, or it was already used" in response.text.replace("&#39;", "'")
    assert Connection.select().count() == 0
    assert ConnectAttempt.select().where(ConnectAttempt.access_token != "").count() == 0


def test_reused_callback_is_refused(xero_app, admin_client, admin, sandbox):
    connect(admin_client, admin.business_id, sandbox=sandbox)
    before = Connection.get(Connection.business == admin.business_id).access_token
    callback = xh.consent(start(admin_client, admin.business_id), [xh.UK_ORG])
    path = urlsplit(callback)._replace(scheme="", netloc="").geturl()
    admin_client.get(path)
    replay = admin_client.get(path, follow_redirects=True)
    assert "already used" in replay.text
    assert Connection.get(Connection.business == admin.business_id).access_token == before


def test_used_code_is_refused_by_xero_and_nothing_is_stored(xero_app, admin_client, admin, sandbox):
    from webapp.integrations import service

    callback = xh.consent(start(admin_client, admin.business_id), [xh.UK_ORG])
    query = parse_qs(urlsplit(callback).query)
    attempt = ConnectAttempt.get(ConnectAttempt.state == query["state"][0])
    services = xero_app.extensions["xero"]
    with xero_app.app_context():
        verifier = services.cipher.decrypt(attempt.code_verifier, bound_to=f"attempt:{attempt.state}")
        services.identity.exchange_code(query["code"][0], attempt.redirect_uri, verifier)  # someone used it first
        with pytest.raises(service.ConnectFailed, match="did not accept the sign-in"):
            service.complete_authorisation(attempt, query["code"][0])
    assert ConnectAttempt.get_by_id(attempt.id).access_token == ""


def test_user_who_cancels_at_xero_gets_a_plain_message(xero_app, admin_client, admin, sandbox):
    callback = xh.consent(start(admin_client, admin.business_id), [xh.UK_ORG], allow=False)
    assert "error=access_denied" in callback
    page = admin_client.get(urlsplit(callback)._replace(scheme="", netloc="").geturl(), follow_redirects=True)
    assert "You cancelled at Xero, so nothing was connected." in page.text
    assert Connection.select().count() == 0


def test_standard_user_gets_403_on_every_connection_route(xero_app, standard_client, standard):
    checked = 0
    for rule in xero_app.url_map.iter_rules():
        if not rule.endpoint.startswith("integrations.") or "business_id" not in rule.arguments:
            continue
        url = rule.rule.replace("<int:business_id>", str(standard.business_id))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert standard_client.open(url, method=method, data={"csrf_token": standard_client.token}
                                        ).status_code == 403, (method, url)
            checked += 1
    assert checked >= 10
    assert Connection.select().count() == 0


def test_callback_for_a_business_where_user_is_no_longer_admin_is_403(xero_app, admin_client, admin, sandbox):
    callback = xh.consent(start(admin_client, admin.business_id), [xh.UK_ORG])
    type(admin).update(role="standard").where(type(admin).id == admin.id).execute()
    response = admin_client.get(urlsplit(callback)._replace(scheme="", netloc="").geturl())
    assert response.status_code == 403
    assert ConnectAttempt.select().where(ConnectAttempt.access_token != "").count() == 0


def test_expired_access_token_is_refreshed_and_rotated(xero_app, admin_client, admin, sandbox):
    connection = connect(admin_client, admin.business_id, sandbox=sandbox)
    requests.post(f"{sandbox.url}/operator/api/tokens/expire", json={})
    issued = xh.tokens_issued(sandbox.url)
    with xero_app.app_context():
        organisation = xero_app.extensions["xero"].client_for(connection).get("Organisation")
    assert organisation["Organisations"][0]["Name"] == xh.UK_ORG
    assert xh.tokens_issued(sandbox.url) == issued + 1
    assert Connection.get_by_id(connection.id).refresh_token != connection.refresh_token


def test_refused_refresh_marks_needs_reconnect_with_banners_by_role(xero_app, admin_client, standard_client, admin,
                                                                     sandbox):
    from webapp.xero.errors import XeroAuthRequired

    connection = connect(admin_client, admin.business_id, sandbox=sandbox)
    requests.post(f"{sandbox.url}/operator/api/tokens/expire", json={})
    requests.post(f"{sandbox.url}/operator/api/refresh-tokens/invalidate", json={})
    with xero_app.app_context(), pytest.raises(XeroAuthRequired):
        xero_app.extensions["xero"].client_for(connection).get("Organisation")
    assert Connection.get_by_id(connection.id).status == "needs_reconnect"
    admin_page = admin_client.get(f"/b/{admin.business_id}/inbox/costs").text
    assert "Connection to Xero needs reconnecting" in admin_page and ">Reconnect</a>" in admin_page
    staff_page = standard_client.get(f"/b/{admin.business_id}/inbox/costs").text
    assert "Tell an admin of this business" in staff_page and ">Reconnect</a>" not in staff_page
    integrations = admin_client.get(f"/b/{admin.business_id}/integrations").text
    assert "Needs reconnect" in integrations and 'class="button success"' in integrations
    overview = admin_client.get("/?all=1").text
    assert "Needs reconnect" in overview


def test_organisation_disconnected_at_xero_needs_reconnect(xero_app, admin_client, admin, sandbox, app):
    from tests.test_jobs import _work
    from webapp.queues import enqueue_refresh

    connection = connect(admin_client, admin.business_id, sandbox=sandbox)
    requests.delete(f"{sandbox.url}/operator/api/connections/{connection.xero_connection_id}")
    with xero_app.app_context():
        enqueue_refresh(admin.business_id)
    _work(xero_app)
    reloaded = Connection.get_by_id(connection.id)
    assert reloaded.status == "needs_reconnect"
    assert "disconnected from Docket" in reloaded.last_refresh_outcome


def test_reconnect_same_organisation_keeps_the_connection(xero_app, admin_client, admin, sandbox):
    first = connect(admin_client, admin.business_id, sandbox=sandbox)
    Connection.update(status="needs_reconnect").where(Connection.id == first.id).execute()
    second = connect(admin_client, admin.business_id, organisations=[xh.UK_ORG], sandbox=sandbox)
    assert second.id == first.id and second.status == "connected"


def test_connected_since_stays_through_a_reconnect_and_starts_again_after_a_disconnect(xero_app, admin_client, admin,
                                                                                       sandbox):
    first = connect(admin_client, admin.business_id, organisations=[xh.UK_ORG], sandbox=sandbox)
    since = first.connected_at
    again = connect(admin_client, admin.business_id, organisations=[xh.UK_ORG], sandbox=sandbox)
    assert again.connected_at == since and again.connected_by_id == admin.user_id
    admin_client.form(f"/b/{admin.business_id}/integrations/xero/disconnect")
    fresh = connect(admin_client, admin.business_id, organisations=[xh.UK_ORG], sandbox=sandbox)
    assert fresh.id == first.id and fresh.connected_at > since


def test_reconnect_to_another_organisation_asks_first(xero_app, admin_client, admin, sandbox):
    connect(admin_client, admin.business_id, organisations=[xh.UK_ORG], sandbox=sandbox)
    callback = xh.consent(start(admin_client, admin.business_id), [xh.UK_ORG, xh.AU_ORG])
    admin_client.get(urlsplit(callback)._replace(scheme="", netloc="").geturl())
    au = xh.tenant_ids(sandbox.url)[xh.AU_ORG]
    ask = admin_client.form(f"/b/{admin.business_id}/integrations/xero/choose", {"tenant_id": au})
    assert "Connect a different organisation?" in ask.text
    assert Connection.get(Connection.business == admin.business_id).tenant_name == xh.UK_ORG
    admin_client.form(f"/b/{admin.business_id}/integrations/xero/choose", {"tenant_id": au, "confirm": "yes"})
    assert Connection.get(Connection.business == admin.business_id).tenant_name == xh.AU_ORG


def test_disconnect_removes_the_organisation_at_xero_and_forgets_tokens(xero_app, admin_client, admin, sandbox):
    connection = connect(admin_client, admin.business_id, sandbox=sandbox)
    confirm = admin_client.get(f"/b/{admin.business_id}/integrations/xero/disconnect").text
    assert "lists, rules, settings and items stay" in confirm
    page = admin_client.form(f"/b/{admin.business_id}/integrations/xero/disconnect", follow_redirects=True)
    assert "no longer connected" in page.text and ">Connect</a>" in page.text
    reloaded = Connection.get_by_id(connection.id)
    assert reloaded.status == "disconnected" and reloaded.access_token == "" and reloaded.refresh_token == ""
    assert xh.tenant_ids(sandbox.url) == {}


def test_manage_connection_dropdown_as_fragment_and_page(xero_app, admin_client, admin, sandbox):
    connect(admin_client, admin.business_id, sandbox=sandbox)
    url = f"/b/{admin.business_id}/integrations/xero/manage"
    fragment = admin_client.hx("GET", url, target="integrations-manage")
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'id="integrations-manage"' in fragment.text and "HX-Request" in fragment.headers["Vary"]
    for label in ("Refresh integration data", "Reconnect", "Settings", "Disconnect"):
        assert label in fragment.text
    page = admin_client.get(url)
    assert "<html" in page.text and "Refresh integration data" in page.text


def test_refresh_integration_data_runs_a_job_against_xero(xero_app, admin_client, admin, sandbox):
    from tests.test_jobs import _work

    connect(admin_client, admin.business_id, sandbox=sandbox)
    admin_client.form(f"/b/{admin.business_id}/integrations/xero/refresh")
    assert "Refresh in progress" in admin_client.get(f"/b/{admin.business_id}/integrations").text
    _work(xero_app)
    page = admin_client.get(f"/b/{admin.business_id}/integrations").text
    assert "Refresh finished at " in page and "Refresh in progress" not in page
    assert "Categories: " in page and "Suppliers and customers: " in page and " added" in page
