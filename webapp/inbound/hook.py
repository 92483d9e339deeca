"""The HTTP hook's checks: the body's signature, and who a posted message is for."""
import hashlib
import hmac
from email import policy
from email.parser import BytesHeaderParser
from email.utils import getaddresses

from webapp.inbound import parsing

RECIPIENT_HEADERS = ("delivered-to", "x-original-to", "to", "cc")
MAX_RECIPIENTS = 50


def sign(body: bytes, secret: str) -> str:
    """`X-Docket-Signature`'s value for `body`: sha256= and the hex HMAC-SHA256 of the body with the secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_is_valid(body: bytes, signature: str | None, secret: str) -> bool:
    """Compared in constant time; the `sha256=` prefix may be left out."""
    if not signature or not secret:
        return False
    given = signature.strip()
    given = given if given.startswith("sha256=") else "sha256=" + given
    return hmac.compare_digest(sign(body, secret).encode(), given.encode("ascii", "replace"))


def recipients(body: bytes, header: str | None) -> list[str]:
    """The provider's list where it passes one, else the addresses the message's own headers name."""
    if header:
        return [entry.strip() for entry in header.split(",") if entry.strip()][:MAX_RECIPIENTS]
    try:
        headers = BytesHeaderParser(policy=policy.default).parsebytes(body)
        values = [str(value) for name in RECIPIENT_HEADERS for value in (headers.get_all(name) or [])]
        return [address for _, address in getaddresses(values) if address][:MAX_RECIPIENTS]
    except parsing.BROKEN:
        return []

