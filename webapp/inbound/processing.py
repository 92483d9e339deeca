"""Turning a stored email-in message into items (the `inbound` queue's job): each attached document of an accepted
type becomes an item through the same path as an upload (items.service.add_document: checked by its bytes,
de-duplicated by content); a message without attachments (an e-receipt) becomes one item whose document is the
message itself (`.eml`).

A run may be cut short anywhere (the worker killed) and run again: each attachment's outcome is an InboundPart
saved in the same transaction as the item it made, so a second run skips what the first finished and never makes
an item twice. Messages whose job was lost are queued again by recover_stalled, at most MAX_ATTEMPTS times."""
import logging
from datetime import timedelta


from webapp.accounts.models import Business, utcnow
from webapp.db import database
from webapp.inbound import addresses, parsing, receiving
from webapp.inbound.models import InboundMessage, InboundPart
from webapp.items import service, storage
from webapp.queues import job_not_running

log = logging.getLogger(__name__)
SOURCE = "email"
MAX_ATTEMPTS = 5  # starts of one message's job, the first included, before it is set aside as failing
STALLED_AFTER = timedelta(seconds=30)  # a message saved this recently may just be waiting for its job to start
STOPPED = ("Docket couldn't turn it into items: its job stopped {attempts} times. Nothing was lost: download the "
           "message and upload its documents")


def run(message_id: int) -> None:
    """Make the message's items, or set it aside with the reason; a message already finished is left as it is."""
    message = InboundMessage.get_or_none(InboundMessage.id == message_id)
    if message is None or message.state != "received":
        return
    raw = storage.read(message.storage_key)  # OSError: the store is out of reach; the job is retried
    parsed = parsing.parse_message(raw)
    if parsed.unreadable:
        set_aside(message, f"Set aside: {parsed.unreadable}.")
        return
    unlisted = _unlisted_sender(message, parsed)
    if unlisted:
        set_aside(message, f"Set aside: sent by {unlisted}, who isn't on the allowed senders list. Release it to "
                           "add its documents, or add the sender to the list.", unlisted_sender=True)
        return
    business = Business.get_by_id(message.business_id)
    done = {part.position for part in InboundPart.select(InboundPart.position)
            .where(InboundPart.message == message.id)}
    if parsed.body_only:
        name = service.display_name(f"{parsed.subject or 'Email'}.eml")
        _add(message, business, done, 0, name, raw, email=True)
    for position, attachment in enumerate(parsed.attachments, start=1):
        _add(message, business, done, position, attachment.name, attachment.data)
    first_aside = len(parsed.attachments) + 1
    for position, (name, reason) in enumerate(parsed.set_aside, start=first_aside):
        _record(message, position, name, "set_aside", f"“{name}” was set aside: {reason}.")
    finish(message)


def _add(message, business, done: set[int], position: int, name: str, data: bytes, *, email: bool = False):
    if position in done:
        return
    origin = service.Origin(None, SOURCE, history=f"{name}: {emailed(message)}")

    def record(item):
        InboundPart.create(message=message.id, position=position, filename=name, outcome="added",
                           detail=f"“{name}” was added to the inbox.", item=item.id)

    outcome = service.add_document(business, message.workspace, name, data, origin, email=email, also=record)
    if outcome.outcome != "added":
        _record(message, position, name, outcome.outcome, outcome.message, item_id=outcome.item_id)


def _record(message, position: int, name: str, outcome: str, detail: str, item_id: int | None = None) -> None:
    (InboundPart.insert(message=message.id, position=position, filename=name[:255], outcome=outcome, detail=detail,
                        item=item_id)
     .on_conflict_ignore().execute())


def emailed(message: InboundMessage) -> str:
    """How Item History tells where the document came from."""
    when = message.received_at
    sender = message.sender or message.mail_from or "an unknown sender"
    subject = f", subject “{message.subject}”" if message.subject else ", no subject"
    return f"Emailed by {sender} on {when.day} {when:%b %Y}{subject}"


def _unlisted_sender(message: InboundMessage, parsed: parsing.Parsed) -> str:
    """The sender not on the business's list, if it keeps one: both the From header and the envelope sender
    (MAIL FROM) must be on it, as either alone is easily forged. Empty when the message may go on."""
    if message.released_by_id:
        return ""
    allowed = addresses.allowed_senders(message.business_id)
    envelope = [message.mail_from] if message.channel == "smtp" or message.mail_from else []  # a hook may pass none
    for sender in [parsed.sender] + envelope:
        if not addresses.sender_allowed(allowed, sender):
            return sender or "an unknown sender"
    return ""


def finish(message: InboundMessage) -> None:
    parts = list(InboundPart.select().where(InboundPart.message == message.id))
    problems = [part.detail for part in parts if part.outcome in ("rejected", "set_aside")]
    added = sum(part.outcome == "added" for part in parts)
    reason = ""
    if problems:
        reason = f"{added} of {len(parts)} became items. " + " ".join(problems)
    InboundMessage.update(state="done", reason=reason[:20000], finished_at=utcnow()).where(
        (InboundMessage.id == message.id) & (InboundMessage.state == "received")).execute()
    log.info("email-in message %s done: %d items of %d parts", message.id, added, len(parts))


def set_aside(message: InboundMessage, reason: str, *, unlisted_sender: bool = False) -> None:
    InboundMessage.update(state="set_aside", reason=reason, unlisted_sender=unlisted_sender,
                          finished_at=utcnow()).where(
        (InboundMessage.id == message.id) & (InboundMessage.state == "received")).execute()
    log.info("email-in message %s set aside: %s", message.id, reason)


def fail(message_id: int, reason: str) -> None:
    message = InboundMessage.get_or_none(InboundMessage.id == message_id)
    if message is not None:
        set_aside(message, reason)


def release(message: InboundMessage, *, user_id: int) -> bool:
    """An admin lets a message set aside for its sender through: its documents are added as if the sender were
    listed. False when it wasn't set aside for that reason."""
    with database.atomic():
        changed = InboundMessage.update(state="received", reason="", released_by=user_id, unlisted_sender=False,
                                        attempts=0, job_id="", finished_at=None).where(
            (InboundMessage.id == message.id) & (InboundMessage.state == "set_aside")
            & InboundMessage.unlisted_sender).execute()
    if changed:
        receiving.queue(message.id)
    return bool(changed)


def recover_stalled() -> int:
    """Messages stored but not finished whose job is gone or ended without finishing them (a worker killed, Redis
    restarted or out of reach when they came in; a retry of a killed job that found the killed job's lock still
    held and left it): queued again, or set aside after MAX_ATTEMPTS starts."""
    waiting = InboundMessage.select().where((InboundMessage.state == "received")
                                            & (InboundMessage.received_at < utcnow() - STALLED_AFTER))
    stalled = [message for message in waiting if job_not_running(message.job_id)]
    for message in stalled:
        if message.attempts >= MAX_ATTEMPTS:
            log.warning("email-in message %s set aside after %s starts", message.id, message.attempts)
            set_aside(message, STOPPED.format(attempts=message.attempts))
        else:
            log.info("email-in message %s queued again after its job stopped", message.id)
            receiving.queue(message.id)
    return len(stalled)


