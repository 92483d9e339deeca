"""Email-in over HTTP and its settings.

POST /inbound/email: a raw RFC 822 message, as mail providers' inbound hooks post it, signed with
INBOUND_EMAIL_SECRET (`X-Docket-Signature: sha256=<hex HMAC-SHA256 of the body>`); no user, no session, no CSRF
token. Recipients from `X-Docket-Recipients` (comma separated) or the message's Delivered-To, X-Original-To, To and
Cc; the envelope sender from `X-Docket-Mail-From` where the provider passes it. Answers are plain text.

/b/<id>/settings/email: admins see the Costs and Sales addresses, issue new ones, list the senders allowed, and go
through the messages set aside or refused (each with its reason), downloading or releasing them."""
import logging

from flask import Blueprint, Response, abort, current_app, g, request
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from webapp.accounts.access import admin_required, public
from webapp.extensions import csrf
from webapp.htmx import render
from webapp.inbound import addresses, hook, processing, receiving
from webapp.inbound.models import InboundMessage
from webapp.items import storage
from webapp.items.models import WORKSPACES

log = logging.getLogger(__name__)
bp = Blueprint("inbound", __name__)
ADDRESSES_ID, SENDERS_ID, MESSAGES_ID = "email-addresses", "email-senders", "email-messages"
LISTED = 50


@bp.post("/inbound/email", endpoint="hook")
@csrf.exempt
@public
def receive_hook():
    secret = current_app.config.get("INBOUND_EMAIL_SECRET")
    if not secret:
        log.error("email-in hook refused reason=not_configured hint=set INBOUND_EMAIL_SECRET")
        return _plain("Email-in over HTTP is not configured", 503)
    try:
        body = request.get_data(cache=True)  # the raw bytes: the signature covers exactly these
    except RequestEntityTooLarge:  # unread, so unsigned as far as Docket knows: logged, not recorded for anyone
        log.warning("email-in hook refused reason=too_large bytes=%s", request.content_length)
        return _plain(f"Refused: the message is larger than {receiving.max_bytes() // (1024 * 1024)} MB", 413)
    if not hook.signature_is_valid(body, request.headers.get("X-Docket-Signature"), secret):
        log.warning("email-in hook refused reason=bad_signature remote=%s", request.remote_addr)
        return _plain("Refused: the signature doesn't match", 401)
    if not body.strip():
        return _plain("Refused: the request has no message", 400)
    try:
        received = receiving.receive(body, hook.recipients(body, request.headers.get("X-Docket-Recipients")),
                                     channel="http", mail_from=request.headers.get("X-Docket-Mail-From", ""))
    except receiving.NoAddress:
        return _plain("Refused: no Docket email-in address among the recipients", 404)
    except receiving.TooLarge:
        return _plain(f"Refused: {receiving.too_large_reason()}", 413)
    return _plain(f"Accepted: stored as message {', '.join(map(str, received.message_ids))}", 200)


@bp.get("/b/<int:business_id>/settings/email")
@admin_required
def settings():
    return render("inbound/settings.html", **_context())


@bp.post("/b/<int:business_id>/settings/email/address/<workspace>")
@admin_required
def new_address(workspace: str):
    if workspace not in WORKSPACES:
        abort(404)
    addresses.issue(g.business, workspace, user_id=current_user.id)
    return render("inbound/settings.html", "inbound/_addresses.html", targets=(ADDRESSES_ID,),
                  issued=workspace, **_context())


@bp.post("/b/<int:business_id>/settings/email/senders")
@admin_required
def senders():
    text = request.form.get("senders", "")[:30000]
    _, error = addresses.save_allowed_senders(g.business.id, text)
    return render("inbound/settings.html", "inbound/_senders.html", targets=(SENDERS_ID,),
                  status=422 if error else 200, senders_error=error, senders_saved=not error,
                  senders_text=text if error else None, **_context())


@bp.post("/b/<int:business_id>/settings/email/messages/<int:message_id>/release")
@admin_required
def release(message_id: int):
    message = _message(message_id)
    released = processing.release(message, user_id=current_user.id)
    return render("inbound/settings.html", "inbound/_messages.html", targets=(MESSAGES_ID,),
                  status=200 if released else 422, released=message.id if released else None,
                  refused_release=None if released else message.id, **_context())


@bp.get("/b/<int:business_id>/settings/email/messages/<int:message_id>/raw")
@admin_required
def raw(message_id: int):
    message = _message(message_id)
    if not message.storage_key:
        abort(404)  # refused unread: there is nothing to download
    try:
        data = storage.read(message.storage_key)
    except OSError as error:
        log.error("email-in message %s can't be downloaded: %s", message.id, error)
        return _plain("Docket can't give this message back right now: the document store is out of reach.", 503)
    response = Response(data, mimetype="message/rfc822")
    response.headers["Content-Disposition"] = f'attachment; filename="message-{message.id}.eml"'
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _message(message_id: int) -> InboundMessage:
    return InboundMessage.get_or_none((InboundMessage.id == message_id)
                                      & (InboundMessage.business == g.business.id)) or abort(404)


def _context() -> dict:
    listed = (InboundMessage.select().where((InboundMessage.business == g.business.id)
                                            & ((InboundMessage.state != "done") | (InboundMessage.reason != "")))
              .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc()).limit(LISTED))
    return {"addresses": {workspace: addresses.shown(g.business.id, workspace) for workspace in WORKSPACES},
            "workspaces": WORKSPACES, "allowed": addresses.allowed_senders(g.business.id),
            "messages": list(listed), "title": "Email-in"}


def _plain(text: str, status: int) -> Response:
    return Response(text + "\n", status=status, mimetype="text/plain")


