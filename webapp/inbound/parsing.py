"""What a stored message holds: who sent it, its subject, and its attachments, found with the standard library's
`email` package (policy=default, which mends malformed MIME and undecodable headers instead of raising).

Nothing here trusts the message: forwarded messages are followed at most MAX_DEPTH deep, at most MAX_ATTACHMENTS
attachments become documents (the rest are set aside with the reason), archives are never opened, and every header
read comes back as clean text, whatever bytes it was sent as."""
import logging
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import getaddresses

from webapp.items.service import CONTROL, display_name
from webapp.reading.message import parse

log = logging.getLogger(__name__)
MAX_ATTACHMENTS = 50
MAX_DEPTH = 3  # a bill forwarded inside a forward inside a forward; deeper nesting is set aside
MAX_PARTS = 1000  # MIME parts looked at in one message, however they nest
HEADER_CHARS = 500

# Anything the parser or a part's decoding can raise on hostile input: each only sets that part (or message) aside.
BROKEN = (LookupError, ValueError, TypeError, AttributeError, IndexError, AssertionError, UnicodeError,
          RecursionError)


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes


@dataclass
class Parsed:
    """A message's sender (the From header's address), subject, the attachments to make documents of, and those
    set aside, each with its reason."""

    sender: str = ""
    subject: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    set_aside: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)
    unreadable: str = ""  # why the message as a whole can't be used

    @property
    def body_only(self) -> bool:
        """No attachment at all (an e-receipt in the body): the message itself becomes the document."""
        return not self.attachments and not self.set_aside


def clean(text, limit: int = HEADER_CHARS) -> str:
    """A header's value as one line of plain text: no control or bidirectional characters, at most `limit`."""
    text = str(text or "").encode("utf-8", "replace").decode("utf-8")  # lone surrogates from undecodable bytes
    return " ".join(CONTROL.sub(" ", text).split())[:limit]


def header(message: EmailMessage, name: str) -> str:
    try:
        return clean(message.get(name, ""))
    except BROKEN:
        return ""


def sender_of(message: EmailMessage) -> str:
    """The From header's address, lower case (empty when it has none that parses)."""
    try:
        value = message.get("from")
        addresses = getattr(value, "addresses", None)
        if addresses:
            first: Address = addresses[0]
            return clean(first.addr_spec).lower()
        return clean(getaddresses([str(value or "")])[0][1]).lower()
    except BROKEN:
        return ""


def summary(raw: bytes) -> tuple[str, str]:
    """(sender, subject) of a raw message, for the record kept when it is received (its headers only: quick for a
    message of many megabytes)."""
    try:
        message = BytesHeaderParser(policy=policy.default).parsebytes(raw)
    except BROKEN:
        return "", ""
    return sender_of(message), header(message, "subject")


def parse_message(raw: bytes) -> Parsed:
    try:
        message = parse(raw)
    except BROKEN as error:
        log.warning("inbound message can't be parsed: %s", error)
        return Parsed(unreadable="its MIME structure is too damaged to read")
    parsed = Parsed(sender=sender_of(message), subject=header(message, "subject"))
    if not any(name.lower() in ("from", "subject", "date", "to", "content-type") for name in message.keys()):
        parsed.unreadable = "it has no email headers: it isn't an email message"
        return parsed
    budget = [MAX_PARTS]
    try:
        _collect(message, parsed, depth=0, budget=budget)
    except BROKEN as error:
        log.warning("inbound message's MIME structure is broken: %s", error)
        parsed.unreadable = "its MIME structure is too damaged to read"
    return parsed


def _collect(message: EmailMessage, parsed: Parsed, *, depth: int, budget: list[int]) -> None:
    for part in _attachments(message):
        budget[0] -= 1
        if budget[0] < 0:
            parsed.set_aside.append(("the rest of the message", f"it has more than {MAX_PARTS} MIME parts; the "
                                     "rest weren't looked at"))
            return
        if part.get_content_type() == "message/rfc822":
            _forwarded(part, parsed, depth=depth, budget=budget)
            continue
        if part.is_multipart():  # a group of parts inside the message (some mail programs nest them)
            _collect(part, parsed, depth=depth, budget=budget)
            continue
        if _is_body_text(part):
            continue
        name = display_name(clean(_filename(part), 255)) if _filename(part) else _unnamed(part)
        if len(parsed.attachments) >= MAX_ATTACHMENTS:
            parsed.set_aside.append((name, f"the message has more than {MAX_ATTACHMENTS} attachments; only the "
                                     f"first {MAX_ATTACHMENTS} were added: forward the rest in another email"))
            continue
        try:
            data = part.get_payload(decode=True)
        except BROKEN:
            data = None
        if not data:
            parsed.set_aside.append((name, "it is empty or its encoding is damaged"))
            continue
        parsed.attachments.append(Attachment(name, data))


def _forwarded(part, parsed: Parsed, *, depth: int, budget: list[int]) -> None:
    """A message attached to this one (a forwarded bill): its attachments count as this message's."""
    if depth + 1 > MAX_DEPTH:
        parsed.set_aside.append(("a forwarded message", f"it is nested more than {MAX_DEPTH} forwarded messages "
                                 "deep; open the message and forward the document itself"))
        return
    try:
        inner = part.get_content()
    except BROKEN:
        inner = None
    if not isinstance(inner, EmailMessage):
        parsed.set_aside.append(("a forwarded message", "it is damaged and can't be read"))
        return
    _collect(inner, parsed, depth=depth + 1, budget=budget)


def _attachments(message: EmailMessage):
    """The message's attachments (not its body, nor the images an HTML body shows inline); a message that is
    itself one file (Content-Disposition: attachment on the top part) is that file."""
    if not message.is_multipart():
        return [message] if message.get_content_disposition() == "attachment" else []
    return list(message.iter_attachments())


def _is_body_text(part) -> bool:
    """More of the message's text (mail programs split a body around pictures), not a file someone attached."""
    return (part.get_content_maintype() == "text" and not _filename(part)
            and part.get_content_disposition() != "attachment")


def _filename(part) -> str:
    try:
        return part.get_filename() or ""
    except BROKEN:
        return ""


def _unnamed(part) -> str:
    try:
        return f"Attachment ({clean(part.get_content_type(), 60)})"
    except BROKEN:
        return "Attachment"
