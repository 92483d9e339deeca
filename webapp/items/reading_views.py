"""Item details and the inbox while a document is read: "Reading…" polled until done, Read again, confirming a
field the reading wasn't sure of, and a PDF's pages as images with the read regions marked on them."""
import logging

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.accounts.access import member_required
from webapp.errors import Conflict, error_response
from webapp.htmx import stop_polling, wants_fragment, with_trigger
from webapp.items import editing, pages, queries, readings, storage
from webapp.items.edit_views import NOT_EDITABLE, redraw
from webapp.items.fields import FIELDS
from webapp.items.review import Review
from webapp.items.views import reading_context, tab_context

bp = Blueprint("item_reading", __name__)
log = logging.getLogger(__name__)
PANEL_ID = "item-reading"
ROW_POLL = "inbox"  # ?from=inbox: a row of the inbox asks, and its table reloads once the reading is done


@bp.get("/b/<int:business_id>/items/<int:item_id>/reading")
@member_required
def status(item_id: int):
    """Polled while the item is read: nothing to swap until it is done, then the item's page redrawn in place (or,
    for an inbox row, the table told to reload)."""
    item = queries.item(g.business.id, item_id) or abort(404)
    if not wants_fragment():
        return redirect(url_for("items.detail", item_id=item.id), 303)
    if item.status == "processing":
        return "", 204  # htmx swaps nothing and keeps polling
    if request.args.get("from") == ROW_POLL:
        return with_trigger(stop_polling(""), "items-changed")
    tab = "details" if request.args.get("tab", "details") == "details" else ""
    context = {"item": item, "tab": tab, **reading_context(item)}
    if tab:
        context |= tab_context(item, tab)
    return stop_polling(render_template("items/_reading_done.html", **context))


@bp.post("/b/<int:business_id>/items/<int:item_id>/read-again")
@member_required
def read_again(item_id: int):
    item = queries.item(g.business.id, item_id) or abort(404)
    if not readings.read_again(item, user_id=current_user.id):
        raise Conflict(NOT_EDITABLE)
    flash("Docket is reading the document again; fields you changed by hand stay as they are.", "info")
    return redirect(url_for("items.detail", item_id=item.id), 303)


@bp.post("/b/<int:business_id>/items/<int:item_id>/fields/<name>/confirm")
@member_required
def confirm(item_id: int, name: str):
    """The value read is right: the field's Check mark goes."""
    if name not in FIELDS:
        abort(404)
    item = queries.item(g.business.id, item_id) or abort(404)
    review = Review(item)
    try:
        edit = editing.confirm(item, name, user_id=current_user.id, review=review)
    except editing.NotEditable:
        raise Conflict(NOT_EDITABLE) from None
    if not wants_fragment():
        flash("Confirmed.", "success")
        return redirect(url_for("items.detail", item_id=item.id, _anchor=f"field-{name}"), 303)
    return redraw(review, edit)


@bp.get("/b/<int:business_id>/items/<int:item_id>/pages/<int:page>")
@member_required
def page_image(item_id: int, page: int):
    """One of the first pages of a PDF document as a PNG, for marking the regions read on it."""
    document = queries.document(g.business.id, item_id) or abort(404)
    if not document.is_pdf:
        abort(404)
    if request.if_none_match.contains(f"{document.sha256}-{page}"):
        return "", 304
    try:
        png = pages.page_png(document.sha256, lambda: storage.read(document.storage_key), page)
    except pages.NoPage:
        abort(404)
    except OSError as error:
        if storage.is_missing(error):
            abort(404)
        log.error("page %s of document %s can't be shown: %s", page, document.id, error)
        return error_response(503, "Docket can't show this page now: the document store can't be reached. "
                                   "Nothing was changed; try again later.")
    response = make_response(png)
    response.headers["Content-Type"] = "image/png"
    response.set_etag(f"{document.sha256}-{page}")
    response.headers["Cache-Control"] = "private, max-age=86400"  # the page of this content never changes
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
