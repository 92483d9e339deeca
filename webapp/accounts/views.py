"""Practice overview, business home, Team and Settings pages."""
from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_login import current_user

from webapp.accounts import service
from webapp.accounts.access import admin_required, member_required, signed_in
from webapp.accounts.forms import AddMemberForm, MemberForm
from webapp.accounts.models import Membership
from webapp.errors import AppError
from webapp.htmx import render, wants_fragment
from webapp.integrations.status import health_by_business
from webapp.items.queries import counts_by_business
from webapp.jobruns.models import JobRun

bp = Blueprint("accounts", __name__)


@bp.get("/")
@signed_in
def home():
    memberships = list(Membership.for_user(current_user.id))
    if len(memberships) == 1 and not request.args.get("all"):
        return redirect(url_for("accounts.business_home", business_id=memberships[0].business_id))
    business_ids = [m.business_id for m in memberships]
    return render("accounts/overview.html", memberships=memberships, health=health_by_business(business_ids),
                  counts=counts_by_business(business_ids))


@bp.get("/b/<int:business_id>/")
@member_required
def business_home():
    return redirect(url_for("items.inbox", workspace="costs"))


@bp.get("/b/<int:business_id>/team")
@member_required
def team():
    return _team_page(AddMemberForm())


@bp.post("/b/<int:business_id>/team")
@admin_required
def add_member():
    form = AddMemberForm()
    if not form.validate():
        return _team_page(form, status=422)
    try:
        membership, password = service.invite_member(g.business.id, form.email.data, form.name.data or "",
                                                     form.role.data, form.can_publish.data)
    except AppError as error:
        form.email.errors = [error.user_message]
        return _team_page(form, status=error.status_code)
    flash(f"{membership.user.email} was added to {g.business.name}.", "success")
    if password:
        flash(f"Their temporary password is {password} — share it with them privately.", "info")
    return redirect(url_for("accounts.team"), code=303)


@bp.post("/b/<int:business_id>/team/<int:membership_id>")
@admin_required
def update_member(membership_id: int):
    membership = _membership_or_404(membership_id)
    form = MemberForm()
    error = None
    if form.validate():
        try:
            service.update_member(membership, form.role.data, form.can_publish.data)
        except AppError as failure:
            error = failure.user_message
    else:
        error = "Choose Admin or Standard."
    row_id = f"team-member-{membership.id}"
    if wants_fragment(row_id):  # only the row is redrawn: no need to load the whole team
        return render("accounts/team.html", "accounts/_member_row.html", targets=(row_id,),
                      status=422 if error else 200, member=membership, row_error=error)
    flash(error or f"{membership.user.email} is now {membership.role.capitalize()}.", "error" if error else "success")
    return render("accounts/team.html", status=422 if error else 200, **_team_context(AddMemberForm()))


@bp.post("/b/<int:business_id>/team/<int:membership_id>/remove")
@admin_required
def remove_member(membership_id: int):
    membership = _membership_or_404(membership_id)
    try:
        service.remove_member(membership)
    except AppError as error:
        flash(error.user_message, "error")
        return redirect(url_for("accounts.team"), code=303)
    flash(f"{membership.user.email} no longer has access to {g.business.name}.", "success")
    return redirect(url_for("accounts.team"), code=303)


@bp.get("/b/<int:business_id>/settings")
@admin_required
def settings():
    return render("accounts/settings.html", housekeeping=JobRun.latest(g.business.id, "housekeeping"))


def _membership_or_404(membership_id: int) -> Membership:
    membership = service.get_membership(g.business.id, membership_id)
    if membership is None:
        abort(404)
    return membership


def _team_context(form) -> dict:
    return {"members": list(service.members_of(g.business.id)), "form": form, "member_form": MemberForm()}


def _team_page(form, status: int = 200):
    return render("accounts/team.html", status=status, **_team_context(form))
