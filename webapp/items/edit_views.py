"""Item details edits: one field at a time (HTMX, saved on change), notes, archive, "Not a duplicate"."""
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.accounts.access import member_required
from webapp.errors import Conflict
from webapp.htmx import wants_fragment
from webapp.items import choices as lists, duplicates, editing, notes, options, queries, tax_components
from webapp.items.fields import FIELDS
from webapp.items.review import Review

bp = Blueprint("item_edits", __name__)
NOT_EDITABLE = "This item is publishing or published (or archived), so it can't be changed here."


@bp.post("/b/<int:business_id>/items/<int:item_id>/fields/<name>")
@member_required
def edit_field(item_id: int, name: str):
    if name not in FIELDS:
        abort(404)
    item = _item(item_id)
    review = Review(item)
    try:
        edit = editing.edit_field(item, name, request.form.get("value", ""), user_id=current_user.id, review=review)
    except editing.NotEditable:
        raise Conflict(NOT_EDITABLE) from None
    if not wants_fragment():
        flash(edit.error or f"{options.label(item.workspace, name, review.choices)} saved.",
              "error" if edit.error else "success")
        return redirect(url_for("items.detail", item_id=item.id, _anchor=f"field-{name}"), 303)
    return redraw(review, edit), 422 if edit.error else 200


@bp.post("/b/<int:business_id>/items/<int:item_id>/tax-components")
@member_required
def edit_component(item_id: int):
    """One tax component's amount (GST, PST…) of an item whose tax rate has several."""
    item = _item(item_id)
    review = Review(item)
    name = request.form.get("component", "")
    if not name:
        abort(400)
    try:
        edit = editing.edit_component(item, name, request.form.get("value", ""), user_id=current_user.id,
                                      review=review)
    except editing.NotEditable:
        raise Conflict(NOT_EDITABLE) from None
    if not wants_fragment():
        flash(edit.error or f"{name} saved.", "error" if edit.error else "success")
        return redirect(url_for("items.detail", item_id=item.id, _anchor="field-tax"), 303)
    return redraw(review, edit), 422 if edit.error else 200


@bp.app_template_global()
def item_tax_components(item, choices) -> list[tax_components.Component]:
    """The item's tax components to show under Tax (none unless its rate has several, on a Canadian organisation)."""
    found = tax_components.parts(item.tax_rate if item.tax_rate_id else None, choices)
    return tax_components.of(found, item.net, tax_components.typed(item.tax_components)) if found else []


@bp.get("/b/<int:business_id>/items/<int:item_id>/contact-options")
@member_required
def contact_options(item_id: int):
    item = _item(item_id)
    found = lists.contact_suggestions(g.business.id, item.workspace, request.args.get("value", "").strip())
    return render_template("items/_contact_options.html", contacts=found)


@bp.post("/b/<int:business_id>/items/<int:item_id>/notes")
@member_required
def add_note(item_id: int):
    item = _item(item_id)
    problem = notes.add(item, request.form.get("text", ""), user_id=current_user.id)
    if wants_fragment():
        return render_template("items/_notes.html", item=item, notes=queries.notes(item.id), problem=problem,
                               text=request.form.get("text", "") if problem else ""), 422 if problem else 200
    flash(problem or "Note added.", "error" if problem else "success")
    return redirect(url_for("items.detail", item_id=item.id, tab="notes"), 303)


@bp.post("/b/<int:business_id>/items/<int:item_id>/archive")
@member_required
def archive(item_id: int):
    item = _item(item_id)
    if not editing.archive(item, user_id=current_user.id):
        raise Conflict(NOT_EDITABLE)
    flash("Item archived. It stays in Docket; find it with the Archived status filter.", "success")
    return redirect(url_for("items.detail", item_id=item.id), 303)


@bp.post("/b/<int:business_id>/items/<int:item_id>/restore")
@member_required
def restore(item_id: int):
    item = _item(item_id)
    if not editing.restore(item, user_id=current_user.id):
        raise Conflict("Only an archived item can be moved back to the inbox.")
    flash("Item moved back to the inbox.", "success")
    return redirect(url_for("items.detail", item_id=item.id), 303)


@bp.post("/b/<int:business_id>/items/<int:item_id>/not-duplicate")
@member_required
def not_duplicate(item_id: int):
    item = _item(item_id)
    duplicates.not_a_duplicate(item, user_id=current_user.id)
    editing.settle(item, user_id=current_user.id)
    flash("Marked as not a duplicate.", "success")
    return redirect(url_for("items.detail", item_id=item.id), 303)


def _item(item_id: int):
    return queries.item(g.business.id, item_id) or abort(404)


def redraw(review: Review, edit: editing.Edit) -> str:
    """The edited field (with its message or "Saved"), every field the change set, the status and the checks."""
    redrawn = [edit.field] + [name for name in edit.changed if name in FIELDS and name != edit.field]
    if "tax_rate" in redrawn and "tax" not in redrawn:  # its components come and go with the rate
        redrawn.append("tax")
    return render_template("items/_edit_response.html", item=review.item, edit=edit, choices=review.choices,
                           fields=redrawn, editable=True, checks=None if edit.error else review.checks(),
                           lines=review.lines if "total" in edit.changed else [],
                           label=options.label, options=options.for_field)
