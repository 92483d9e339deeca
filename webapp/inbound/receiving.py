"""Receiving a message for one or more email-in addresses (from the SMTP receiver or the HTTP hook): kept in the
document store and recorded, one row per address, before the channel says yes; then its job is queued.

If queueing fails (Redis out of reach) the message is already safe: the workers' recovery pass queues it."""
import hashlib
import logging
from dataclasses import dataclass

from flask import current_app
from redis.exceptions import RedisError

from webapp.accounts.models import utcnow
from webapp.db import database
from webapp.inbound import addresses, parsing
from webapp.inbound.models import InboundAddress, InboundMessage
from webapp.items import storage
from webapp.queues import enqueue_inbound

log = logging.getLogger(__name__)


class NoAddress(ValueError):
    """None of the recipients is an active email-in address."""


class TooLarge(ValueError):
    """The message is larger than MAX_UPLOAD_MB."""


@dataclass(frozen=True)
class Received:
    message_ids: list[int]


def max_bytes() -> int:
    return current_app.config["MAX_CONTENT_LENGTH"]


def too_large_reason() -> str:
    return (f"it is larger than {max_bytes() // (1024 * 1024)} MB, the most a message may be: the sender was told "
            "it couldn't be delivered")


def resolve_all(recipients) -> list[InboundAddress]:
    """The active addresses among `recipients`, each once."""
    found = {}
    for recipient in recipients:
        address = addresses.resolve(recipient)
        if address is not None:
            found.setdefault(address.id, address)
    return list(found.values())


def receive(raw: bytes, recipients, *, channel: str, mail_from: str = "") -> Received:
    """Store `raw` durably and record it for each address among `recipients`; NoAddress or TooLarge otherwise."""
    targets = resolve_all(recipients)
    if not targets:
        raise NoAddress("no Docket email-in address among the recipients")
    if len(raw) > max_bytes():
        refuse(targets, channel=channel, mail_from=mail_from, size=len(raw), reason=too_large_reason())
        raise TooLarge(too_large_reason())
    sha256 = hashlib.sha256(raw).hexdigest()
    key = storage.save(sha256, raw)  # written and synced to disk (or in the bucket) before the row says so
    sender, subject = parsing.summary(raw)
    with database.atomic():
        ids = [InboundMessage.create(business=address.business_id, workspace=address.workspace, address=address.id,
                                     channel=channel, mail_from=parsing.clean(mail_from).lower(), sender=sender,
                                     subject=subject, sha256=sha256, storage_key=key, size=len(raw)).id
               for address in targets]
    for message_id in ids:
        queue(message_id)
    log.info("email-in received channel=%s messages=%s bytes=%d", channel, ids, len(raw))
    return Received(ids)


def refuse(targets: list[InboundAddress], *, channel: str, mail_from: str, size: int, reason: str) -> None:
    """A message turned away unread (too large): recorded so that an admin sees it was, and why."""
    InboundMessage.insert_many([
        {"business": address.business_id, "workspace": address.workspace, "address": address.id,
         "channel": channel, "mail_from": parsing.clean(mail_from).lower(), "size": size, "state": "refused",
         "reason": reason, "received_at": utcnow(), "finished_at": utcnow()} for address in targets]).execute()
    log.warning("email-in refused channel=%s bytes=%d reason=too_large", channel, size)


def queue(message_id: int) -> None:
    """Put the message's job on the `inbound` queue; with Redis out of reach the recovery pass queues it later."""
    message = InboundMessage.get_by_id(message_id)
    try:
        job = enqueue_inbound(message_id, attempt=message.attempts + 1)
    except RedisError as error:
        log.warning("email-in message %s not queued yet: %s", message_id, error)
        return
    InboundMessage.update(job_id=job.id, attempts=InboundMessage.attempts + 1).where(
        InboundMessage.id == message_id).execute()
