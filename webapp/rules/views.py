"""A supplier's (or customer's) page: its Xero details, its rule (admins edit it), what Docket remembers for it
(admins may forget a printed name) and its recent items."""
from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_login import current_user

from webapp.accounts.access import admin_required, member_required
from webapp.errors import ValidationFailed
from webapp.htmx import render
from webapp.inputs import parse_id
from webapp.items.choices import Choices
from webapp.rules import aliases, form, memory, queries, service

bp = Blueprint("rules", __name__)

CONTACT = "/b/<int:business_id>/lists/<list_name>/<int:contact_id>"


@bp.get(CONTACT)
@member_required
def contact(list_name: str, contact_id: int):
    found = _contact_or_404(list_name, contact_id)
    from_item = None
    if "item" in request.args:  # from the item page's "Set supplier rules": start from that item's coding
        item_id = parse_id(request.args["item"])
        from_item = (queries.item(g.business.id, item_id) if item_id else None) or abort(404)
    return _page(found, list_name, from_item=from_item)


@bp.post(CONTACT + "/rule")
@admin_required
def save(list_name: str, contact_id: int):
    found = _contact_or_404(list_name, contact_id)
    try:
        rule = service.save_rule(found, request.form, workspace=queries.ROLES[list_name], user_id=current_user.id)
    except ValidationFailed as failure:
        return _page(found, list_name, values=request.form, errors=failure.errors, status=422)
    if rule is None:
        flash(f"Rule cleared for {found.name}: it had nothing to set.", "info")
    elif request.form.get("apply_to_inbox"):
        flash(f"Rule saved for {found.name}. {_updated(service.reapply(g.business.id, found, current_user.id))}",
              "success")
    else:
        flash(f"Rule saved for {found.name}.", "success")
    return _back(list_name, found)


@bp.post(CONTACT + "/rule/apply")
@admin_required
def apply_rule(list_name: str, contact_id: int):
    found = _contact_or_404(list_name, contact_id)
    if found.rule is None:
        flash(f"{found.name} has no rule to apply yet.", "warning")
    else:
        flash(f"Rule for {found.name} applied. {_updated(service.reapply(g.business.id, found, current_user.id))}",
              "success")
    return _back(list_name, found)


@bp.post(CONTACT + "/rule/clear")
@admin_required
def clear(list_name: str, contact_id: int):
    found = _contact_or_404(list_name, contact_id)
    if service.clear_rule(found):
        flash(f"Rule cleared for {found.name}. Items it already set keep their values.", "success")
    else:
        flash(f"{found.name} has no rule to clear.", "info")
    return _back(list_name, found)


@bp.post(CONTACT + "/rule/printed-names/forget")
@admin_required
def forget_printed_name(list_name: str, contact_id: int):
    found = _contact_or_404(list_name, contact_id)
    forgotten = aliases.forget_printed_name(found, parse_id(request.form.get("printed_name")))
    if forgotten is None:
        flash(f"Docket has no such printed name for {found.name}: it may have been forgotten already.", "info")
    else:
        flash(f"Forgotten: documents printing “{forgotten.printed}” no longer get {found.name} by that name.",
              "success")
    return redirect(url_for("rules.contact", list_name=list_name, contact_id=found.id), 303)


def _page(contact, list_name: str, *, values=None, errors=None, from_item=None, status=200):
    workspace, rule = queries.ROLES[list_name], contact.rule
    choices = Choices(g.business.id, workspace)
    if values is None:
        values = form.shown(rule, workspace=workspace) if rule else {}
        if from_item is not None:
            values |= {name: value for name, value in form.shown(from_item, workspace=workspace).items() if value}
    return render("rules/contact.html", status=status, title=contact.name, contact=contact, list_name=list_name,
                  workspace=workspace, rule=rule, values=values, errors=errors or {}, from_item=from_item,
                  choices=choices, labels=form.labels(choices), options=form.options, archived=form.archived(rule),
                  summary=form.summary(rule, workspace) if rule else [],
                  items=queries.recent_items(g.business.id, contact.id), can_edit=g.membership.is_admin,
                  remembered=memory.described(g.business.id, workspace, contact.id),
                  printed_names=aliases.printed_names(contact.id))


def _contact_or_404(list_name: str, contact_id: int):
    return queries.contact(g.business.id, list_name, contact_id) or abort(404)


def _back(list_name: str, contact):
    """To the item the admin came from ("Set supplier rules"), else to the contact's page."""
    item_id = parse_id(request.form.get("item"))
    if item_id:
        return redirect(url_for("items.detail", item_id=item_id), 303)
    return redirect(url_for("rules.contact", list_name=list_name, contact_id=contact.id), 303)


def _updated(count: int) -> str:
    if count == 0:
        return "No inbox items needed changes."
    return f"{count} inbox item{'s' if count != 1 else ''} updated."
