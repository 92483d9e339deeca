"""Inbox pages for Costs and Sales: upload documents, list and filter items, open one item and its file."""
import logging

from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from webapp.accounts.access import member_required
from webapp.embed.session import frame_ancestors
from webapp.errors import error_response
from webapp.inbound import addresses, preview
from webapp.htmx import render, wants_fragment, with_trigger
from webapp.items import bulk, options, pages, queries, service, storage
from webapp.items.choices import Choices
from webapp.items.editing import EDITABLE_STATUSES
from webapp.items.models import STATUSES, TYPES, WORKSPACES, ReadField
from webapp.items.reasons import why_not_ready
from webapp.items.review import Review
from webapp.items.validation import ACCEPTED, MAX_FILE_BYTES

bp = Blueprint("items", __name__)
log = logging.getLogger(__name__)
DOCUMENT_UNREADABLE = ("Docket can't show this document: the document store doesn't hold the file that was uploaded "
                       "(an operator can see why in the log). Nothing was changed; try again later.")

TABLE_ID = "items-table"  # the results region that filters, sorting and page links swap
UPLOAD_ID = "items-upload"  # the upload area, which shows each file's outcome after an upload
BULK_ID = "bulk-edit"  # the region above the inbox table where "Edit selected" opens the bulk edit form
NO_FILES = service.UploadOutcome("", "rejected", "Choose at least one file to upload.")
TABS = ("details", "notes", "history")


@bp.get("/b/<int:business_id>/inbox/<workspace>")
@member_required
def inbox(workspace: str):
    _check_workspace(workspace)
    view = queries.inbox(g.business.id, workspace, request.args)
    return render("items/inbox.html", "items/_table.html", targets=(TABLE_ID,), **_page_context(workspace, view))


@bp.post("/b/<int:business_id>/inbox/<workspace>/upload")
@member_required
def upload(workspace: str):
    _check_workspace(workspace)
    files = [upload for upload in request.files.getlist("files") if upload.filename]
    outcomes = service.upload_documents(g.business, workspace, current_user.id, files) if files else [NO_FILES]
    status = 422 if all(outcome.outcome == "rejected" for outcome in outcomes) else 200
    if _wants_json():  # Snap (static/js/snap.js) sends each photo on its own and shows its outcome on the photo
        return {"outcomes": [_outcome_json(outcome) for outcome in outcomes]}, status
    if wants_fragment(UPLOAD_ID):
        response = render("items/inbox.html", "items/_upload.html", targets=(UPLOAD_ID,), status=status,
                          outcomes=outcomes, **_upload_context(workspace))
        added = any(outcome.outcome == "added" for outcome in outcomes)
        return with_trigger(response, "items-changed") if added else response
    view = queries.inbox(g.business.id, workspace, {})
    return render("items/inbox.html", status=status, outcomes=outcomes, **_page_context(workspace, view))


@bp.get("/b/<int:business_id>/inbox/<workspace>/bulk")
@member_required
def bulk_form(workspace: str):
    _check_workspace(workspace)
    items = bulk.selected(g.business.id, workspace, request.args.getlist("item"))
    return render("items/bulk.html", "items/_bulk_form.html", targets=(BULK_ID,), **_bulk_context(workspace, items))


@bp.post("/b/<int:business_id>/inbox/<workspace>/bulk")
@member_required
def bulk_edit(workspace: str):
    _check_workspace(workspace)
    items = bulk.selected(g.business.id, workspace, request.form.getlist("item"))
    outcome = bulk.apply(items, request.form, user_id=current_user.id)
    if wants_fragment(BULK_ID):
        response = render("items/bulk.html", "items/_bulk_form.html", targets=(BULK_ID,),
                          status=422 if outcome.errors else 200, outcome=outcome, **_bulk_context(workspace, items))
        return response if outcome.errors else with_trigger(response, "items-changed")
    if outcome.errors:
        return render("items/bulk.html", status=422, outcome=outcome, **_bulk_context(workspace, items))
    flash(outcome.message, "success")
    return redirect(url_for("items.inbox", workspace=workspace), 303)


@bp.get("/b/<int:business_id>/items/<int:item_id>")
@member_required
def detail(item_id: int):
    item = queries.item(g.business.id, item_id) or abort(404)
    tab = request.args.get("tab") if request.args.get("tab") in TABS else "details"
    queue_args = {name: value for name, value in request.args.items() if name != "tab"}  # the inbox view it came from
    return render("items/detail.html", "items/_tab_response.html", targets=("item-tab",), item=item, tab=tab,
                  queue_args=queue_args, title=item.reference or item.document.filename, workspaces=WORKSPACES,
                  **tab_context(item, tab), **reading_context(item))


@bp.get("/b/<int:business_id>/items/<int:item_id>/queue")
@member_required
def queue(item_id: int):
    """Previous and Next for Item details, in the order of the inbox tab it was opened from (loaded after the page:
    the page itself stays within its query budget)."""
    item = queries.item_only(g.business.id, item_id) or abort(404)
    view = queries.parse(item.workspace, request.args)
    previous, following = queries.neighbours(g.business.id, view, item)
    return render_template("items/_queue.html", item=item, view=view, previous=previous, following=following,
                           queues=queries.TABS)


@bp.get("/b/<int:business_id>/items/<int:item_id>/document")
@member_required
def document(item_id: int):
    document = queries.document(g.business.id, item_id) or abort(404)
    try:
        stored = storage.file_for(document.storage_key)  # one look at the store: a bucket's answer is the object
    except OSError as error:
        if storage.is_missing(error):
            abort(404)
        log.error("document %s can't be shown: %s", document.id, error)  # out of reach, or not what was uploaded
        return error_response(503, DOCUMENT_UNREADABLE)
    response = send_file(stored, mimetype=document.content_type, etag=document.sha256, conditional=True, max_age=0)
    # XML or an email shown inline would be a page of the app's own origin (both can carry markup): only downloaded
    disposition = "attachment" if document.is_einvoice_xml or document.is_email else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{service.download_name(document)}"'
    response.headers["Content-Security-Policy"] = _file_policy()
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def tab_context(item, tab: str) -> dict:
    """What one tab shows: the fields, line items and checks; the notes; or the history."""
    if tab == "notes":
        return {"notes": list(queries.notes(item.id))}
    if tab == "history":  # fields named as on the page: Supplier or Customer, the organisation's tracking names
        return {"history": list(queries.history(item.id)),
                "field_names": options.labels(item.workspace, Choices.for_item(item))}
    review = Review(item)
    return {"choices": review.choices, "lines": review.lines, "checks": review.checks(),
            "editable": item.status in EDITABLE_STATUSES, "fields": options.shown_fields(review.choices),
            "label": options.label, "options": options.for_field}


def reading_context(item) -> dict:
    """The document's reading (joined in by queries.item): how it went (Reading…, why it failed) and the regions
    read, for the pages shown; an item never read has none to ask for. An emailed e-receipt's body, sanitised."""
    reading = getattr(item, "reading", None)
    reading = reading if reading is not None and reading.id else None
    marks = [] if reading is None else [
        mark for mark in ReadField.select().where(ReadField.item == item.id).order_by(ReadField.field)
        if mark.page is not None]
    return {"reading": reading, "marks": marks,
            "mark_labels": {mark.field: options.label(item.workspace, mark.field, None) for mark in marks},
            "page_numbers": pages.shown_pages(item.document), "email_body": _email_body(item.document)}


def _email_body(document):
    if not document.is_email:
        return None
    try:
        return preview.body_html(storage.read(document.storage_key))
    except OSError as error:
        log.error("document %s can't be shown: %s", document.id, error)
        return None


def _bulk_context(workspace: str, items: list) -> dict:
    choices = Choices(g.business.id, workspace)
    return {"workspace": workspace, "items": items, "choices": choices, "fields": bulk.BULK_FIELDS,
            "label": options.label, "options": options.for_field,
            "title": f"Edit {WORKSPACES[workspace].lower()} items"}


def _check_workspace(workspace: str) -> None:
    if workspace not in WORKSPACES:
        abort(404)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _outcome_json(outcome: service.UploadOutcome) -> dict:
    url = url_for("items.detail", item_id=outcome.item_id) if outcome.item_id else None
    return {"filename": outcome.filename, "outcome": outcome.outcome, "message": outcome.message, "item_url": url}


def _upload_context(workspace: str) -> dict:
    return {"workspace": workspace, "accepted": ACCEPTED, "max_mb": MAX_FILE_BYTES // (1024 * 1024)}


def _page_context(workspace: str, view: queries.Inbox) -> dict:
    return {"inbox": view, "title": WORKSPACES[workspace], "statuses": STATUSES, "sorts": queries.SORTS,
            "queues": queries.TABS, "types": TYPES, "why_not_ready": why_not_ready,
            "email_address": addresses.shown(g.business.id, workspace),
            **_upload_context(workspace)}


def _file_policy() -> str:
    """A stored file is shown as a file, never as a page: no scripts, no plugins' origin, framed only by Docket
    (and, inside an embedded session, by the portal framing Docket: frame-ancestors checks every ancestor)."""
    ancestors = " ".join(("'self'",) + frame_ancestors())
    return f"sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors {ancestors}"
