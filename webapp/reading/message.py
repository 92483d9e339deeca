"""An email message's own text (an e-receipt sent as the message body, no attachment): its plain-text part, or its
HTML part turned into text, as lines the field reader reads like a document's.

Parsed with the standard library's `email` package (policy=default: it mends what it can of malformed MIME and
never raises on it); HTML with lxml, scripts and styles dropped, one line per block element."""
from email import message_from_bytes, policy
from email.message import EmailMessage

import lxml.html
from lxml.etree import ParserError

from webapp.reading.model import Box, Line, Text, Unreadable

BLOCKS = ("p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "article",
          "header", "footer", "blockquote", "pre", "hr", "dt", "dd")
MAX_LINES = 400  # an e-receipt is far shorter; a newsletter's tail holds nothing to read


def parse(data: bytes) -> EmailMessage:
    return message_from_bytes(data, policy=policy.default)


def body_part(message: EmailMessage):
    """The part a mail program shows: HTML where there is one, else plain text; None for a message with neither."""
    try:
        return message.get_body(preferencelist=("html", "plain"))
    except (KeyError, ValueError, LookupError):
        return None


def part_text(part) -> str:
    """A text part's content as str, whatever charset it claims (an unknown or wrong one is read as Latin-1)."""
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError, UnicodeError):
        content = part.get_payload(decode=True) or b""
    if isinstance(content, bytes):
        content = content.decode("latin-1")
    return content


def html_text(html: str) -> str:
    """The text a person sees in an HTML body: one line per block, no scripts or styles."""
    try:
        root = lxml.html.document_fromstring(html)
    except (ParserError, ValueError):
        return ""
    for element in list(root.iter("script", "style", "head", "title")):
        element.drop_tree()
    for element in root.iter(*BLOCKS):
        element.tail = "\n" + (element.tail or "")
    for cell in root.iter("td", "th"):
        cell.tail = "  " + (cell.tail or "")
    return root.text_content()


def message_text(data: bytes) -> str:
    """The body's text: plain as it is, HTML as text; then the subject (receipts often say the amount there). The
    body comes first: its heading is the shop's name, where a subject says "Your receipt"."""
    message = parse(data)
    part = body_part(message)
    body = "" if part is None else part_text(part)
    if part is not None and part.get_content_subtype() == "html":
        body = html_text(body)
    subject = str(message.get("subject", "") or "")
    return f"{body}\n{subject}" if subject else body


def document_text(data: bytes) -> Text:
    """The message's text as lines, each as wide as the page, one under the other."""
    lines = [" ".join(line.split()) for line in message_text(data).splitlines()]
    lines = [line for line in lines if line][:MAX_LINES]
    if not lines:
        raise Unreadable("the email has no text to read")
    height = 1 / len(lines)
    return Text(tuple(Line(text, Box(1, 0.0, index * height, 1.0, (index + 1) * height))
                      for index, text in enumerate(lines)), 1, "email text")
