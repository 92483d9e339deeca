"""Attachments: raw-body upload to `/{Endpoint}/{Guid}/Attachments/{FileName}`, list and download."""
import mimetypes
import re

from flask import Response, request

from xero_sandbox.db import database

from . import models as m
from . import serialize
from .api import bp, current_org, flag, record_event
from .batch import idempotent
from .errors import NotFound, PostDataInvalid, validation_error
from .serialize import envelope, json_response

MAX_ATTACHMENTS = 10
MAX_BYTES = 10 * 1024 * 1024
_BAD_NAME = re.compile(r'[<>:"/\\|?*\x00]')
DOCUMENT_KINDS = {"Invoices": "invoice", "CreditNotes": "creditnote", "BankTransactions": "banktransaction"}


def _owner(org, endpoint: str, owner_id: str):
    """The document, contact or account the attachment hangs on, or a 404."""
    owner_id = owner_id.lower()
    if endpoint in DOCUMENT_KINDS:
        owner = m.Document.get_or_none((m.Document.org == org) & (m.Document.kind == DOCUMENT_KINDS[endpoint])
                                       & (m.Document.id == owner_id))
    elif endpoint == "Contacts":
        owner = m.Contact.get_or_none((m.Contact.org == org) & (m.Contact.id == owner_id))
    elif endpoint == "Accounts":
        owner = m.Account.get_or_none((m.Account.org == org) & (m.Account.id == owner_id))
    else:
        owner = None
    if owner is None:
        raise NotFound()
    return owner


def _attachments(org, owner_id: str):
    return m.Attachment.select().where((m.Attachment.org == org) & (m.Attachment.owner_id == owner_id)).order_by(
        m.Attachment.created_at)


def _check_upload(owner, endpoint: str, file_name: str, content: bytes, replacing: bool) -> None:
    element = {"FileName": file_name}
    if _BAD_NAME.search(file_name):
        raise validation_error(element, "The file name contains invalid characters")  # emulator text
    if not content:
        raise PostDataInvalid("No data has been received")
    if len(content) > MAX_BYTES:
        raise validation_error(element, "The file size exceeds the maximum allowed size of 10 MB")  # emulator text
    if not replacing and _attachments(owner.org, owner.id).count() >= MAX_ATTACHMENTS:
        raise validation_error(element, "The maximum number of attachments (10) has been reached")  # emulator text


def _mime_type(file_name: str) -> str:
    """Xero takes the file's type from its name (clients send application/octet-stream, as the spec says); a
    name it can't place keeps the type the client sent."""
    return mimetypes.guess_type(file_name)[0] or request.mimetype or "application/octet-stream"


def _upload(endpoint: str, owner_id: str, file_name: str):
    org = current_org()
    owner = _owner(org, endpoint, owner_id)
    content = request.get_data()
    existing = _attachments(org, owner.id).where(m.Attachment.file_name == file_name).first()
    _check_upload(owner, endpoint, file_name, content, replacing=existing is not None)
    mime = _mime_type(file_name)
    with database.atomic():
        if existing is not None:
            existing.delete_instance()
        attachment = m.Attachment.create(org=org, endpoint=endpoint, owner_id=owner.id, file_name=file_name,
                                         mime_type=mime, content=content, include_online=flag("IncludeOnline"))
        if isinstance(owner, m.Document):
            m.Document.update(updated_at=m.utcnow()).where(m.Document.id == owner.id).execute()
    if endpoint == "Invoices":
        record_event(org, "INVOICE", "UPDATE", "Invoices", owner.id)
    return json_response(envelope("Attachments", [serialize.attachment(attachment)]))


@bp.put("/<endpoint>/<owner_id>/Attachments/<file_name>")
@idempotent
def attachments_create(endpoint, owner_id, file_name):
    return _upload(endpoint, owner_id, file_name)


@bp.post("/<endpoint>/<owner_id>/Attachments/<file_name>")
@idempotent
def attachments_upsert(endpoint, owner_id, file_name):
    return _upload(endpoint, owner_id, file_name)


@bp.get("/<endpoint>/<owner_id>/Attachments")
def attachments_index(endpoint, owner_id):
    org = current_org()
    owner = _owner(org, endpoint, owner_id)
    return json_response(envelope("Attachments", [serialize.attachment(a) for a in _attachments(org, owner.id)]))


@bp.get("/<endpoint>/<owner_id>/Attachments/<file_name>")
def attachments_detail(endpoint, owner_id, file_name):
    org = current_org()
    owner = _owner(org, endpoint, owner_id)
    query = _attachments(org, owner.id)
    attachment = (query.where(m.Attachment.file_name == file_name).first()
                  or query.where(m.Attachment.id == file_name.lower()).first())
    if attachment is None:
        raise NotFound()
    return Response(bytes(attachment.content), mimetype=attachment.mime_type)
