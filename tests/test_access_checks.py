"""The access decorators and checks of webapp/accounts/access.py on views of their own: a view of each level under a
business's address and one outside any business, each visitor's answer, and the business a page is about.
(tests/test_access.py checks the app's own routes against the product's rules.)"""
import pytest
from flask import g, url_for

from tests import factories
from webapp.accounts.access import (ADMIN, MEMBER, PUBLIC, PUBLISHER, SIGNED_IN, access_of, admin_required,
                                    member_required, public, publisher_required, signed_in)

DECORATORS = {PUBLIC: public, SIGNED_IN: signed_in, MEMBER: member_required, PUBLISHER: publisher_required,
              ADMIN: admin_required}
GUARDED = (MEMBER, PUBLISHER, ADMIN)
# visitor -> what a view of each guarded level under their business's address answers them
LET_IN = {"admin": {MEMBER: 200, PUBLISHER: 200, ADMIN: 200},
          "standard, can publish": {MEMBER: 200, PUBLISHER: 200, ADMIN: 403},
          "standard, no Can publish": {MEMBER: 200, PUBLISHER: 403, ADMIN: 403},
          "other business": {MEMBER: 404, PUBLISHER: 404, ADMIN: 404}}


def _probe(level: str):
    def probe():  # no arguments: the business's id is taken out of the view's arguments
        """What a view knows of the request: the business it is about, and the addresses url_for builds from it."""
        business = g.get("business")
        return {"business": business and business.name, "here": business and url_for("probe_member"),
                "another business": url_for("probe_member", business_id=999),
                "elsewhere": url_for("static", filename="css/docket.css")}
    probe.__name__ = f"probe_{level.replace(' ', '_')}"
    return DECORATORS[level](probe)


@pytest.fixture
def probes(app):
    """A view of each level at /b/<id>/probe/<level>, and one of each guarded level at /probe/<level> (no business)."""
    for level in DECORATORS:
        name = level.replace(" ", "_")
        app.add_url_rule(f"/b/<int:business_id>/probe/{name}", view_func=_probe(level))
        if level in GUARDED:
            app.add_url_rule(f"/probe/{name}", f"outside_{name}", _probe(level))
    return app


@pytest.fixture
def visitors(probes, admin):
    business = admin.business
    people = {"admin": admin,
              "standard, can publish": factories.make_member(business=business, can_publish=True),
              "standard, no Can publish": factories.make_member(business=business, can_publish=False),
              "other business": factories.make_member(role="admin", can_publish=True)}
    clients = {name: probes.test_client().login(membership.user) for name, membership in people.items()}
    clients["logged out"] = probes.test_client()
    return business, clients


@pytest.mark.parametrize("level", sorted(DECORATORS))
def test_each_decorator_declares_its_level_and_keeps_the_view(level):
    def view():
        return "the view's own answer"

    decorated = DECORATORS[level](view)
    assert access_of(decorated) == level
    assert decorated.__name__ == "view"  # Flask names the endpoint after it


def test_a_view_that_declares_nothing_has_no_level():
    assert access_of(lambda: None) is None


@pytest.mark.parametrize("visitor", sorted(LET_IN))
def test_each_visitor_gets_what_each_level_promises_under_a_business(visitors, visitor):
    business, clients = visitors
    for level in GUARDED:
        response = clients[visitor].get(f"/b/{business.id}/probe/{level}")
        assert response.status_code == LET_IN[visitor][level], (visitor, level)
        if response.status_code == 200:
            assert response.json == {"business": business.name, "here": f"/b/{business.id}/probe/member",
                                     "another business": "/b/999/probe/member",  # as the business switcher links
                                     "elsewhere": "/static/css/docket.css"}
    signed_in_page = clients[visitor].get(f"/b/{business.id}/probe/signed_in")
    assert signed_in_page.status_code == LET_IN[visitor][MEMBER]  # a business's address is for its members only


def test_a_guarded_view_outside_any_business_lets_nobody_in(visitors):
    _, clients = visitors
    for level in GUARDED:
        expected = 404 if level == MEMBER else 403
        assert clients["admin"].get(f"/probe/{level}").status_code == expected, level


def test_logged_out_visitors_reach_only_public_views(visitors):
    business, clients = visitors
    logged_out = clients["logged out"]
    for level in (SIGNED_IN, *GUARDED):
        response = logged_out.get(f"/b/{business.id}/probe/{level.replace(' ', '_')}")
        assert response.status_code == 302 and response.location.startswith("/login"), level
    public_page = logged_out.get(f"/b/{business.id}/probe/public")
    assert public_page.status_code == 200 and public_page.json["business"] is None  # no membership looked up


def test_an_address_with_values_but_no_business_is_served(visitors):
    _, clients = visitors
    for client in clients.values():
        assert client.get("/static/css/docket.css").status_code == 200


def test_a_member_of_several_businesses_sees_the_one_in_the_address(probes, admin):
    second = factories.make_member(user=admin.user, role="standard", can_publish=False)
    client = probes.test_client().login(admin.user)
    for business, admin_page in ((admin.business, 200), (second.business, 403)):
        page = client.get(f"/b/{business.id}/probe/member")
        assert page.json["business"] == business.name and page.json["here"] == f"/b/{business.id}/probe/member"
        assert client.get(f"/b/{business.id}/probe/admin").status_code == admin_page
