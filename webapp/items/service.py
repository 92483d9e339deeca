"""Item operations: turn files (uploaded in the browser, or attached to a message sent to the business's email-in
address) into documents and items, each read in the background (webapp.items.readings): adding never waits for the
reading."""
import hashlib
import re
from dataclasses import dataclass

import peewee

from webapp.db import database
from webapp.items import readings, storage, validation
from webapp.items.models import DEFAULT_TYPE, Document, Item, ItemHistory
from webapp.publishing.models import PublishingSettings

# Control characters, and bidirectional controls (embeddings, overrides, isolates, marks), which reorder what
# follows them on screen: U+202E makes "invoice\u202egpj.exe.pdf" read as "invoicefdp.exe.jpg".
CONTROL = re.compile("[\x00-\x1f\x7f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class UploadOutcome:
    """What happened to one uploaded file: added, duplicate or rejected, with the sentence to show."""

    filename: str
    outcome: str
    message: str
    item_id: int | None = None


@dataclass(frozen=True)
class Origin:
    """Who or what a file came from: the person uploading it, or Docket receiving an email (no user). `source` and
    `history` are what Item History shows for the new item's document; empty `history` shows the file's name."""

    user_id: int | None
    source: str = "upload"
    history: str = ""


def upload_documents(business, workspace: str, user_id: int, files) -> list[UploadOutcome]:
    """Store each valid file once per business, create its item and queue its reading; a bad file never stops the
    others. The item shows "Reading…" until the `extract` worker has read it."""
    origin = Origin(user_id)
    return [add_document(business, workspace, display_name(upload.filename),
                         upload.stream.read(validation.MAX_FILE_BYTES + 1), origin) for upload in files]


def add_document(business, workspace: str, name: str, data: bytes, origin: Origin, *, email: bool = False,
                 also=None) -> UploadOutcome:
    """One file of any channel: checked by its bytes (`email`: a whole message may be one), stored once per business
    by content, and made an item whose reading is queued. `also(item)` runs in the item's own transaction (a
    channel's record of what it made: saved together with the item, or not at all)."""
    try:
        inspected = validation.inspect(data, name, email=email)
    except validation.Rejected as rejected:
        return UploadOutcome(name, "rejected", f"“{name}” {rejected.reason}, so it wasn't uploaded.")
    sha256 = hashlib.sha256(data).hexdigest()
    if Document.select().where((Document.business == business.id) & (Document.sha256 == sha256)).exists():
        return _duplicate(business.id, name, sha256)
    key = storage.save(sha256, data)
    try:
        with database.atomic():
            item = _create_item(business, workspace, origin, name, sha256, key, len(data), inspected)
            if also is not None:
                also(item)
    except peewee.IntegrityError:  # the same file arrived in a parallel request a moment ago
        return _duplicate(business.id, name, sha256)
    readings.queue(item.id)
    return UploadOutcome(name, "added", f"“{name}” was added to the inbox.", item.id)


def _create_item(business, workspace, origin: Origin, name, sha256, key, size, inspected) -> Item:
    document = Document.create(business=business.id, sha256=sha256, filename=name,
                               content_type=inspected.content_type, size=size, page_count=inspected.page_count,
                               storage_key=key, uploaded_by=origin.user_id)
    defaults = PublishingSettings.of(business.id)
    item = Item.create(business=business.id, workspace=workspace, type=DEFAULT_TYPE[workspace], status="processing",
                       document=document, currency=business.base_currency, created_by=origin.user_id,
                       publish_to=getattr(defaults, f"{workspace}_publish_to"),
                       publish_as=getattr(defaults, f"{workspace}_publish_as"))
    ItemHistory.create(item=item.id, user=origin.user_id, field="document", new=origin.history or name,
                       source=origin.source)
    readings.created(item, requested_by=origin.user_id)
    return item


def _duplicate(business_id: int, name: str, sha256: str) -> UploadOutcome:
    existing = (Item.select(Item.id).join(Document)
                .where((Document.business == business_id) & (Document.sha256 == sha256))
                .order_by(Item.id).first())
    return UploadOutcome(name, "duplicate", f"“{name}” is a duplicate upload: the same file is already here, "
                         "so it wasn't added again.", existing.id if existing else None)


def display_name(filename: str | None) -> str:
    """The uploaded name for display only: no folders, no control or bidirectional characters, at most 255."""
    name = CONTROL.sub("", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = " ".join(name.split())[:255]
    return name or "Unnamed file"


def download_name(document: Document) -> str:
    """An ASCII file name safe inside a quoted Content-Disposition, with the extension of the real type."""
    stem = document.filename.rsplit(".", 1)[0] if "." in document.filename else document.filename
    stem = re.sub(r"[^A-Za-z0-9._ -]+", "_", stem).strip(" ._") or "document"
    return f"{stem[:100]}.{validation.EXTENSIONS.get(document.content_type, 'bin')}"

