"""An e-receipt's body shown on Item details: HTML sanitised by nh3 (a maintained sanitiser), never as sent.

Kept: text and structure (paragraphs, tables, lists, links). Dropped: scripts, styles and style attributes (the
page's Content-Security-Policy allows neither), images (remote ones would be fetched from the sender's server, a
tracking pixel; embedded ones aren't worth the risk), forms, frames, and every event handler attribute."""
import nh3
from markupsafe import Markup, escape

from webapp.reading.message import body_part, parse, part_text

TAGS = nh3.ALLOWED_TAGS - {"img", "map", "area"}
URL_SCHEMES = {"http", "https", "mailto"}
MAX_CHARS = 200_000


def body_html(raw: bytes) -> Markup:
    """The message's body as safe markup: sanitised HTML, or the plain text in a <pre>."""
    part = body_part(parse(raw))
    if part is None:
        return Markup('<p class="empty">This email has no text.</p>')
    text = part_text(part)[:MAX_CHARS]
    if part.get_content_subtype() == "html":
        return Markup(nh3.clean(text, tags=TAGS, url_schemes=URL_SCHEMES, link_rel="noopener noreferrer nofollow",
                                set_tag_attribute_values={"a": {"target": "_blank"}}))
    return Markup(f'<pre class="email-text">{escape(text)}</pre>')
