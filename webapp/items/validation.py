"""Decide what an uploaded file really is from its bytes (never its name or Content-Type), or reject it.

Accepted: PDF (parsed with pypdf: page count), JPEG, PNG, GIF, TIFF and HEIC (opened with Pillow,
checked against a pixel limit before decoding, then decoded), and e-invoice XML (a UBL invoice or credit note, or a
CII invoice: only its root element is looked at here; reading it says whether it is valid), and, for a message that
came in by email-in and had no attachments (an e-receipt), the message itself (message/rfc822, a `.eml` file).
Everything else, SVG, HTML, other XML and archives (zip) included, is refused."""
import io
import re
from dataclasses import dataclass
from email import message_from_bytes, policy

from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from webapp.reading.einvoice import is_einvoice_xml

try:  # HEIC (iPhone photos) needs the pillow-heif plugin
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIC_SUPPORTED = True
except ImportError:  # pragma: no cover - depends on the install
    HEIC_SUPPORTED = False

MAX_FILE_BYTES = 20 * 1024 * 1024  # Xero's attachment limit is 25 MB; 20 keeps a margin for the request
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; larger images are pixel floods, not receipts
MAX_PDF_PAGES = 200
ACCEPTED = "PDF, JPEG, PNG, GIF, TIFF" + (" or HEIC" if HEIC_SUPPORTED else "")

# Malformed files make pypdf and Pillow fail in many ways; each of these means "not a readable file".
PARSE_ERRORS = (PyPdfError, UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning,
                OSError, ValueError, KeyError, IndexError, TypeError, AttributeError, AssertionError,
                RecursionError, SyntaxError, EOFError, ZeroDivisionError, NotImplementedError)

IMAGE_SIGNATURES = (
    (b"\xff\xd8\xff", "JPEG", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "PNG", "image/png"),
    (b"GIF87a", "GIF", "image/gif"),
    (b"GIF89a", "GIF", "image/gif"),
    (b"II*\x00", "TIFF", "image/tiff"),
    (b"MM\x00*", "TIFF", "image/tiff"),
)
HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
MARKUP = re.compile(rb"^\s*(<\?xml|<!doctype|<html|<svg|<script|<!--)", re.IGNORECASE)
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", "image/gif": "gif",
              "image/tiff": "tiff", "image/heic": "heic", "application/xml": "xml", "message/rfc822": "eml"}
EMAIL = "message/rfc822"
ARCHIVE_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c", b"\x1f\x8b")
EMAIL_HEADERS = ("from", "date", "subject", "message-id")


class Rejected(Exception):
    """The file can't be accepted; `reason` completes the sentence "“name” …"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Inspected:
    content_type: str
    page_count: int | None = None


def inspect(data: bytes, filename: str = "", *, email: bool = False) -> Inspected:
    """What `data` is, or Rejected with a reason a bookkeeper understands. `email`: `data` is a whole message that
    came in by email-in, accepted as one (a browser upload of a .eml file is not)."""
    if not data:
        raise Rejected("is empty")
    if len(data) > MAX_FILE_BYTES:
        raise Rejected(f"is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    if data.startswith(b"%PDF-"):
        return _inspect_pdf(data)
    for signature, pillow_format, content_type in IMAGE_SIGNATURES:
        if data.startswith(signature):
            return _inspect_image(data, pillow_format, content_type)
    if data[4:8] == b"ftyp" and data[8:12] in HEIC_BRANDS:
        if not HEIC_SUPPORTED:
            raise Rejected("is a HEIC photo, which isn't supported here: export it as JPEG and upload that")
        return _inspect_image(data, "HEIF", "image/heic")
    if email:
        return _inspect_email(data)
    if data.startswith(ARCHIVE_SIGNATURES):
        raise Rejected("is an archive (zip or similar), which Docket doesn't open: send the documents inside it "
                       "as attachments of their own")
    if re.search(rb"<svg[\s>]", data[:4096], re.IGNORECASE):
        raise Rejected("is an SVG image, which isn't accepted: upload a PDF, JPEG or PNG")
    if is_einvoice_xml(data):
        return Inspected("application/xml")
    if filename.lower().endswith(".pdf"):
        raise Rejected("is named like a PDF but isn't one")
    if MARKUP.match(data[:512]):
        raise Rejected(f"is a web page or script, not a document: upload a {ACCEPTED} file")
    raise Rejected(f"isn't a file type we accept: upload a {ACCEPTED} file")


def _inspect_email(data: bytes) -> Inspected:
    """A message is one when its header block parses and names at least a sender, date, subject or message id."""
    try:
        message = message_from_bytes(data, policy=policy.default)
        has_headers = any(name.lower() in EMAIL_HEADERS for name in message.keys())
    except PARSE_ERRORS:
        has_headers = False
    if not has_headers:
        raise Rejected("isn't an email message that can be read")
    return Inspected(EMAIL)


def _inspect_pdf(data: bytes) -> Inspected:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise Rejected("is password-protected: save it without a password and upload it again")
        page_count = len(reader.pages)
    except Rejected:
        raise
    except PARSE_ERRORS:
        raise Rejected("is a damaged PDF that can't be read") from None
    if page_count == 0:
        raise Rejected("is a damaged PDF that can't be read")
    if page_count > MAX_PDF_PAGES:
        raise Rejected(f"has {page_count} pages; a document may have at most {MAX_PDF_PAGES}")
    return Inspected("application/pdf", page_count)


def _inspect_image(data: bytes, pillow_format: str, content_type: str) -> Inspected:
    try:
        with Image.open(io.BytesIO(data), formats=[pillow_format]) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise Rejected(f"is {width}×{height} pixels, larger than the {MAX_PIXELS // 1_000_000} "
                               "megapixels we accept")
            image.verify()
        with Image.open(io.BytesIO(data), formats=[pillow_format]) as image:
            if pillow_format == "JPEG":
                image.draft("RGB", (width // 8, height // 8))  # decode at 1/8 scale: same checks, less memory
            image.load()  # verify() skips the pixel data; decoding it catches truncated files
    except Rejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Rejected(f"has more than {MAX_PIXELS // 1_000_000} megapixels, more than we accept") from None
    except PARSE_ERRORS:
        raise Rejected(f"is a damaged {pillow_format if pillow_format != 'HEIF' else 'HEIC'} image "
                       "that can't be read") from None
    return Inspected(content_type)
