"""Team page: admins add people, set role and publishing, remove them; the last admin stays."""
import pytest

from tests import factories
from webapp.accounts.models import Membership, User


def test_team_page_renders(admin_client, admin):
    assert admin_client.get(f"/b/{admin.business_id}/team").status_code == 200


def test_admin_adds_a_new_person_who_gets_a_temporary_password(admin_client, admin, app):
    response = admin_client.form(f"/b/{admin.business_id}/team",
                                 {"email": "New.Person@Example.com", "name": "New Person", "role": "standard",
                                  "can_publish": "y"}, follow_redirects=True)
    assert "new.person@example.com was added" in response.text
    membership = Membership.get(Membership.user == User.get(User.email == "new.person@example.com"))
    assert membership.business_id == admin.business_id and membership.can_publish and not membership.is_admin
    password = response.text.split("temporary password is ")[1].split(" ")[0]
    assert app.test_client().login(membership.user, password=password).token


def test_adding_an_existing_member_again_says_so(admin_client, admin, standard):
    response = admin_client.form(f"/b/{admin.business_id}/team", {"email": standard.user.email, "role": "admin"})
    assert response.status_code == 409
    assert "is already a member of this business" in response.text
    assert Membership.get_by_id(standard.id).role == "standard"


@pytest.mark.parametrize("email, message", [("", "Enter their email address."),
                                            ("not-an-email", "Enter a valid email address.")])
def test_add_person_validation_messages(admin_client, admin, email, message):
    count = User.select().count()
    response = admin_client.form(f"/b/{admin.business_id}/team", {"email": email, "role": "standard"})
    assert response.status_code == 422
    assert message in response.text
    assert User.select().count() == count


def test_role_change_by_htmx_returns_the_row(admin_client, admin, standard):
    row_id = f"team-member-{standard.id}"
    response = admin_client.hx("POST", f"/b/{admin.business_id}/team/{standard.id}", target=row_id,
                                data={"role": "admin", "can_publish": "y"})
    assert response.status_code == 200
    assert "<html" not in response.text and f'id="{row_id}"' in response.text
    assert "HX-Request" in response.headers["Vary"]
    updated = Membership.get_by_id(standard.id)
    assert updated.is_admin and updated.can_publish


def test_role_change_without_htmx_redirects_back_with_the_page(admin_client, admin, standard):
    response = admin_client.form(f"/b/{admin.business_id}/team/{standard.id}", {"role": "standard"})
    assert response.status_code == 200
    assert "<html" in response.text and "is now Standard" in response.text
    assert not Membership.get_by_id(standard.id).can_publish


def test_last_admin_cannot_be_demoted(admin_client, admin):
    response = admin_client.hx("POST", f"/b/{admin.business_id}/team/{admin.id}",
                                target=f"team-member-{admin.id}", data={"role": "standard"})
    assert response.status_code == 422
    assert "needs at least one admin" in response.text
    assert Membership.get_by_id(admin.id).is_admin


def test_last_admin_cannot_be_removed_but_others_can(admin_client, admin, standard):
    refused = admin_client.form(f"/b/{admin.business_id}/team/{admin.id}/remove", follow_redirects=True)
    assert "needs at least one admin" in refused.text
    assert Membership.get_or_none(Membership.id == admin.id)
    removed = admin_client.form(f"/b/{admin.business_id}/team/{standard.id}/remove", follow_redirects=True)
    assert f"{standard.user.email} no longer has access" in removed.text
    assert Membership.get_or_none(Membership.id == standard.id) is None


def test_an_admin_can_step_down_when_another_admin_exists(admin_client, admin):
    factories.make_member(business=admin.business, role="admin")
    admin_client.form(f"/b/{admin.business_id}/team/{admin.id}", {"role": "standard"})
    assert not Membership.get_by_id(admin.id).is_admin


def test_standard_users_see_the_team_without_controls(standard_client, standard):
    page = standard_client.get(f"/b/{standard.business_id}/team").text
    assert standard.user.email in page
    assert "Add a person" not in page and "Remove" not in page


def test_last_admin_demotion_without_htmx_says_why_on_the_page(admin_client, admin):
    response = admin_client.form(f"/b/{admin.business_id}/team/{admin.id}", {"role": "standard"})
    assert response.status_code == 422
    assert "<html" in response.text and "needs at least one admin" in response.text
    assert Membership.get_by_id(admin.id).is_admin
