"""POST /webhooks/xero: Xero calls it (no user, no session, no CSRF token); answers carry no body or cookies."""
import logging

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from webapp.accounts.access import public
from webapp.extensions import csrf
from webapp.webhooks import service

log = logging.getLogger(__name__)

bp = Blueprint("webhooks", __name__)

MAX_BODY_BYTES = 1024 * 1024  # Xero's payloads are a few KB; anything near this is not from Xero


@bp.post("/webhooks/xero", endpoint="xero")
@csrf.exempt
@public
def receive_xero():
    key = current_app.config.get("XERO_WEBHOOK_KEY")
    if not key:
        log.error("webhook refused reason=not_configured hint=set XERO_WEBHOOK_KEY")
        return Response("Webhooks are not configured", status=503, mimetype="text/plain")
    request.max_content_length = MAX_BODY_BYTES
    try:
        body = request.get_data(cache=True)  # the raw bytes, before anything parses them: the signature covers these
    except RequestEntityTooLarge:
        return _empty(413)
    if not service.signature_is_valid(body, request.headers.get("x-xero-signature"), key):
        log.warning("webhook refused reason=bad_signature remote=%s", request.remote_addr)
        return _empty(401)
    try:
        events = service.parse_delivery(body)
    except service.MalformedDelivery as error:
        log.warning("webhook refused reason=malformed detail=%s", error)
        return _empty(400)
    counts = service.accept_delivery(events)
    log.info("webhook accepted events=%(events)d new=%(new)d replayed=%(replayed)d jobs=%(jobs)d", counts)
    return _empty(200)


def _empty(status: int) -> Response:
    """Xero wants no body: a 200 for a good signature, a 401 for a bad one."""
    return Response(status=status)
