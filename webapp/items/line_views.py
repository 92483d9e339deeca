"""The line items editor on Item details: add, edit one field (saved on change), delete, split into a new item."""
from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.accounts.access import member_required
from webapp.errors import Conflict
from webapp.htmx import wants_fragment
from webapp.items import amounts, lines as service, options, queries
from webapp.items.editing import EDITABLE_STATUSES, NotEditable
from webapp.items.review import Review

bp = Blueprint("lines", __name__)

LINES = "/b/<int:business_id>/items/<int:item_id>/lines"
SECTION_ID = "line-items"
NOT_EDITABLE = "This item is publishing or published (or archived), so its line items can't be changed."


@bp.post(LINES)
@member_required
def add(item_id: int):
    review = _review(item_id)
    _do(service.add, review.item, user_id=current_user.id, review=review)
    return _respond(review, "Line added.")


@bp.post(f"{LINES}/<int:line_id>")
@member_required
def edit(item_id: int, line_id: int):
    review = _review(item_id)
    line = _line(review, line_id)
    name, raw = request.form.get("field", ""), request.form.get("value", "")
    if name not in service.LABELS:
        abort(400)
    error = _do(service.edit, review.item, line, name, raw, user_id=current_user.id, review=review)
    return _line_saved(review, line, name, raw, error)


@bp.post(f"{LINES}/<int:line_id>/tax-components")
@member_required
def edit_component(item_id: int, line_id: int):
    """One tax component's amount (GST, PST…) of a line whose tax rate has several."""
    review = _review(item_id)
    line = _line(review, line_id)
    name, raw = request.form.get("component", ""), request.form.get("value", "")
    if not name:
        abort(400)
    error = _do(service.edit_component, review.item, line, name, raw, user_id=current_user.id, review=review)
    return _line_saved(review, line, f"component:{name}", raw, error)


def _line_saved(review, line, field: str, raw: str, error: str):
    """The line redrawn (with the message in place when the value couldn't be used), or, without HTMX, a flash."""
    if not wants_fragment(f"items-line-{line.id}"):
        flash(error or f"Line {service.number_of(line, review.lines)} saved.", "error" if error else "success")
        return _back(review.item)
    problem = {"line_id": line.id, "field": field, "message": error, "raw": raw} if error else None
    return _render(review, line=line, problem=problem, status=422 if error else 200)


@bp.post(f"{LINES}/<int:line_id>/delete")
@member_required
def delete(item_id: int, line_id: int):
    review = _review(item_id)
    line = _line(review, line_id)
    number = service.number_of(line, review.lines)
    _do(service.delete, review.item, line, user_id=current_user.id, review=review)
    return _respond(review, f"Line {number} deleted.")


@bp.post(f"{LINES}/split")
@member_required
def split(item_id: int):
    review = _review(item_id)
    chosen = request.form.getlist("line_ids")
    if any(value not in {str(line.id) for line in review.lines} for value in chosen):
        abort(404)
    ids = {int(value) for value in chosen}
    try:
        new = _do(service.split, review.item, ids, user_id=current_user.id, review=review)
    except service.SplitRefused as refused:
        if not wants_fragment(SECTION_ID):
            flash(str(refused), "error")
            return _back(review.item)
        return _render(review, split_error=str(refused), status=422)
    flash(f"Split into a new item with {len(ids)} line{'s' if len(ids) != 1 else ''}.", "success")
    url = url_for("items.detail", item_id=new.id)
    return ("", 200, {"HX-Redirect": url}) if wants_fragment() else redirect(url, 303)


@bp.app_template_global()
def line_totals(item, lines) -> service.Totals:
    return service.totals(item, lines)


@bp.app_template_global()
def line_tax_components(line, choices) -> list:
    return service.components(line, choices)


@bp.app_template_global()
def line_net(line):
    return amounts.line_net(line)


@bp.app_template_global()
def line_options(line, name: str, choices) -> list[tuple]:
    """A line's select options: the live entries, plus the line's own if it is archived in Xero."""
    return options.for_field(line, name, choices)


@bp.app_template_filter()
def decimal_text(value, places: int = 2) -> str:
    return service.decimal_text(value, places)


def _review(item_id: int) -> Review:
    """The item with the business's lists and the item's lines, each loaded once for the whole request."""
    return Review(queries.item(g.business.id, item_id) or abort(404))


def _line(review: Review, line_id: int):
    return next((line for line in review.lines if line.id == line_id), None) or abort(404)


def _do(action, *args, **kwargs):
    try:
        return action(*args, **kwargs)
    except NotEditable:
        raise Conflict(NOT_EDITABLE) from None


def _back(item):
    return redirect(url_for("items.detail", item_id=item.id, _anchor=SECTION_ID), 303)


def _respond(review: Review, message: str):
    """After add or delete: the whole section (HTMX), else back to the item page."""
    if not wants_fragment(SECTION_ID):
        flash(message, "success")
        return _back(review.item)
    return _render(review)


def _render(review: Review, *, line=None, problem=None, split_error: str = "", status: int = 200):
    """One row (or the section), then the running totals, the status and the checks out of band, in one render
    (each render runs the context processors again)."""
    item, lines = review.item, review.lines
    html = render_template("items/_lines_response.html", item=item, lines=lines, choices=review.choices, line=line,
                           number=service.number_of(line, lines) if line else None, problem=problem,
                           split_error=split_error, editable=item.status in EDITABLE_STATUSES, checks=review.checks())
    response = make_response(html, status)
    response.vary.update(("HX-Request", "HX-Target"))
    return response
