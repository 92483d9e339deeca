"""Who sees what: business membership on every business URL, admin-only routes, the sidebar by role."""
import pytest

from tests import factories

ADMIN_ONLY_GETS = ["integrations.index", "accounts.settings"]
ADMIN_ONLY_POSTS = ["accounts.add_member", "jobruns.run_housekeeping"]


def _business_rules(app):
    """Every URL rule that takes a business id, with sample values for its other arguments."""
    samples = {"workspace": "costs", "list_name": "categories", "membership_id": 1, "payment_method_id": 1,
               "item_id": 1, "contact_id": 1, "name": "reference", "line_id": 1, "pending_id": "pending"}
    for rule in app.url_map.iter_rules():
        if "business_id" in rule.arguments:
            yield rule, {name: samples[name] for name in rule.arguments if name != "business_id"}


def test_every_business_url_is_404_for_non_members(app, admin, outsider):
    client = app.test_client().login(outsider.user)
    checked = 0
    for rule, values in _business_rules(app):
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, business_id=admin.business_id, **values)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method, data={"csrf_token": client.token})
            assert response.status_code == 404, (method, url)
            assert admin.business.name not in response.text
            checked += 1
    assert checked >= 10


def test_member_ids_of_another_business_are_404(app, admin, outsider):
    client = app.test_client().login(admin.user)
    other = factories.make_member(business=outsider.business)
    url = f"/b/{admin.business_id}/team/{other.id}"
    assert client.form(url, {"role": "admin"}).status_code == 404
    assert client.form(url + "/remove").status_code == 404
    other_reloaded = type(other).get_by_id(other.id)
    assert other_reloaded.role == "standard"


@pytest.mark.parametrize("endpoint", ADMIN_ONLY_GETS)
def test_standard_users_get_403_on_admin_pages(app, standard_client, standard, endpoint):
    with app.test_request_context():
        from flask import url_for

        url = url_for(endpoint, business_id=standard.business_id)
    response = standard_client.get(url)
    assert response.status_code == 403
    assert "Ask an admin of this business" in response.text


@pytest.mark.parametrize("endpoint", ADMIN_ONLY_POSTS)
def test_standard_users_get_403_on_admin_actions(app, standard_client, standard, endpoint):
    with app.test_request_context():
        from flask import url_for

        url = url_for(endpoint, business_id=standard.business_id)
    response = standard_client.form(url, {"email": "new@example.com", "role": "admin"})
    assert response.status_code == 403
    assert type(standard.user).select().where(type(standard.user).email == "new@example.com").count() == 0


def test_sidebar_shows_connections_to_admins_only(admin_client, standard_client, admin):
    admin_page = admin_client.get(f"/b/{admin.business_id}/inbox/costs").text
    standard_page = standard_client.get(f"/b/{admin.business_id}/inbox/costs").text
    assert "Integrations" in admin_page and "Connections" in admin_page
    assert "Integrations" not in standard_page and "Connections" not in standard_page
    for label in ("Costs", "Sales", "Categories", "Suppliers", "Customers", "Tracking", "Payment methods",
                  "Tax rates", "Team"):
        assert label in standard_page


def test_every_sidebar_link_works(admin_client, admin):
    import re

    page = admin_client.get(f"/b/{admin.business_id}/inbox/costs").text
    sidebar = page.split('id="sidebar"')[1].split("</nav>")[0]
    links = re.findall(r'href="([^"]+)"', sidebar)
    assert len(links) == 11
    for link in links:
        assert admin_client.get(link).status_code == 200, link


def test_practice_overview_lists_every_business_and_switches(app, admin):
    second = factories.make_member(user=admin.user, role="standard")
    client = app.test_client().login(admin.user)
    overview = client.get("/")
    assert overview.status_code == 200
    assert admin.business.name in overview.text and second.business.name in overview.text
    switched = client.get(f"/b/{second.business_id}/", follow_redirects=True)
    assert f'<p class="sidebar-business">{second.business.name}</p>' in switched.text
    assert "Integrations" not in switched.text  # standard in this business, admin in the other
