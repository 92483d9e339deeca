"""A PDF's first pages as PNG images (pypdfium2), for Item details to mark where each field was read: a browser's
PDF viewer in an <iframe> can't be drawn over. Rendered once per page and kept in a small cache by content."""
import io
import threading
from collections import OrderedDict

import pypdfium2 as pdfium

SHOWN_PAGES = 3  # the fields sit on the first pages; the whole PDF stays one click away
WIDTH = 1000  # pixels: sharp beside the fields on a laptop, small enough to send quickly
CACHED = 24  # rendered pages kept per process (about 100 KB each)


_cache: OrderedDict = OrderedDict()  # (sha256, page) -> PNG, least recently used first
_lock = threading.Lock()


class NoPage(Exception):
    """The page isn't one that is shown, or the PDF can't be drawn."""


def shown_pages(document) -> list[int]:
    """The page numbers Item details shows as images (none for a document that isn't a PDF)."""
    return list(range(1, min(document.page_count or 1, SHOWN_PAGES) + 1)) if document.is_pdf else []


def page_png(sha256: str, read, number: int) -> bytes:
    """Page `number` (1-based) of the PDF whose content has this sha256; `read()` gives its bytes when the page
    isn't in the cache."""
    if not 1 <= number <= SHOWN_PAGES:
        raise NoPage
    key = (sha256, number)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    png = _render(read(), number)
    with _lock:
        _cache[key] = png
        while len(_cache) > CACHED:
            _cache.popitem(last=False)
    return png


def _render(data: bytes, number: int) -> bytes:
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        raise NoPage from None
    try:
        if number > len(pdf):
            raise NoPage
        page = pdf[number - 1]
        image = page.render(scale=WIDTH / max(page.get_width(), 1)).to_pil()
        out = io.BytesIO()
        image.convert("RGB").save(out, format="PNG", optimize=True)
        return out.getvalue()
    finally:
        pdf.close()
