"""Inbox pages for Costs and Sales: upload documents, list and filter items, open one item and its file."""
from flask import Blueprint, abort, current_app, g, request, send_file
from flask_login import current_user

from webapp.htmx import render, wants_fragment, with_trigger
from webapp.items import queries, service, storage
from webapp.items.models import STATUSES, TYPES, WORKSPACES
from webapp.items.validation import ACCEPTED, MAX_FILE_BYTES

bp = Blueprint("items", __name__)

TABLE_ID = "items-table"  # the results region that filters, sorting and page links swap
UPLOAD_ID = "items-upload"  # the upload area, which shows each file's outcome after an upload
NO_FILES = service.UploadOutcome("", "rejected", "Choose at least one file to upload.")


@bp.get("/b/<int:business_id>/inbox/<workspace>")
def inbox(workspace: str):
    _check_workspace(workspace)
    view = queries.inbox(g.business.id, workspace, request.args)
    return render("items/inbox.html", "items/_table.html", targets=(TABLE_ID,), **_page_context(workspace, view))


@bp.post("/b/<int:business_id>/inbox/<workspace>/upload")
def upload(workspace: str):
    _check_workspace(workspace)
    files = [upload for upload in request.files.getlist("files") if upload.filename]
    outcomes = service.upload_documents(g.business, workspace, current_user.id, files) if files else [NO_FILES]
    status = 422 if all(outcome.outcome == "rejected" for outcome in outcomes) else 200
    if wants_fragment(UPLOAD_ID):
        response = render("items/inbox.html", "items/_upload.html", targets=(UPLOAD_ID,), status=status,
                          outcomes=outcomes, **_upload_context(workspace))
        added = any(outcome.outcome == "added" for outcome in outcomes)
        return with_trigger(response, "items-changed") if added else response
    view = queries.inbox(g.business.id, workspace, {})
    return render("items/inbox.html", status=status, outcomes=outcomes, **_page_context(workspace, view))


@bp.get("/b/<int:business_id>/items/<int:item_id>")
def detail(item_id: int):
    item = queries.item(g.business.id, item_id) or abort(404)
    return render("items/detail.html", item=item, history=list(queries.history(item.id)),
                  title=item.reference or item.document.filename, statuses=STATUSES, types=TYPES, workspaces=WORKSPACES)


@bp.get("/b/<int:business_id>/items/<int:item_id>/document")
def document(item_id: int):
    document = queries.document(g.business.id, item_id) or abort(404)
    if not storage.exists(document.storage_key):
        abort(404)
    response = send_file(storage.path_for(document.storage_key), mimetype=document.content_type,
                         etag=document.sha256, conditional=True, max_age=0)
    response.headers["Content-Disposition"] = f'inline; filename="{service.download_name(document)}"'
    response.headers["Content-Security-Policy"] = _file_policy()
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _check_workspace(workspace: str) -> None:
    if workspace not in WORKSPACES:
        abort(404)


def _upload_context(workspace: str) -> dict:
    return {"workspace": workspace, "accepted": ACCEPTED, "max_mb": MAX_FILE_BYTES // (1024 * 1024)}


def _page_context(workspace: str, view: queries.Inbox) -> dict:
    return {"inbox": view, "title": WORKSPACES[workspace], "statuses": STATUSES, "sorts": queries.SORTS,
            **_upload_context(workspace)}


def _file_policy() -> str:
    """A stored file is shown as a file, never as a page: no scripts, no plugins' origin, framed only by Docket."""
    ancestors = " ".join(("'self'",) + tuple(current_app.config["FRAME_ANCESTORS"]))
    return f"sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors {ancestors}"
