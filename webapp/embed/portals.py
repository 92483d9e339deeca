"""The practice portals allowed to embed Docket (EMBED_PORTALS): each one's origin and launch-signing key."""
import json
import re
from dataclasses import dataclass
from pathlib import Path

_ORIGIN = re.compile(r"(?i)^https?://[A-Za-z0-9.\-]+(:\d{1,5})?$|^https?://\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")
_PORTAL_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")
MIN_KEY_LENGTH = 32  # HS256 keys shorter than its 256-bit output only weaken it


@dataclass(frozen=True)
class Portal:
    id: str  # the launch token's `iss`
    origin: str  # the only window Docket posts events to and the only parent allowed to frame its pages
    key: str  # shared HS256 secret the portal's server signs launch tokens with

    def __repr__(self) -> str:  # keep the key out of logs and tracebacks
        return f"Portal(id={self.id!r}, origin={self.origin!r})"


def parse_portals(value: str) -> dict[str, Portal]:
    """EMBED_PORTALS: JSON `{"<id>": {"origin": ..., "key": ...}}`, or the path of a file holding it."""
    value = value.strip()
    if not value:
        return {}
    if not value.startswith("{"):
        try:
            value = Path(value).read_text()
        except OSError as error:
            raise ValueError(f"EMBED_PORTALS names a file that can't be read ({error.strerror}).") from None
    try:
        entries = json.loads(value)
    except json.JSONDecodeError:
        raise ValueError("EMBED_PORTALS must be a JSON object like "
                         '{"portal-id": {"origin": "https://portal.example", "key": "..."}}.') from None
    if not isinstance(entries, dict):
        raise ValueError("EMBED_PORTALS must be a JSON object keyed by portal id.")
    return {portal_id: _portal(portal_id, entry) for portal_id, entry in entries.items()}


def _portal(portal_id: str, entry) -> Portal:
    if not _PORTAL_ID.match(portal_id):
        raise ValueError(f"EMBED_PORTALS: {portal_id!r} is not a usable portal id (letters, digits, . _ : -).")
    if not isinstance(entry, dict):
        raise ValueError(f"EMBED_PORTALS: {portal_id} must be an object with origin and key.")
    origin, key = entry.get("origin"), entry.get("key")
    if not isinstance(origin, str) or not _ORIGIN.match(origin):
        raise ValueError(f"EMBED_PORTALS: {portal_id}'s origin must be scheme://host[:port] with no path, "
                         f"not {origin!r}.")
    if not isinstance(key, str) or len(key) < MIN_KEY_LENGTH:
        raise ValueError(f"EMBED_PORTALS: {portal_id}'s key must be a secret of at least {MIN_KEY_LENGTH} characters.")
    return Portal(portal_id, _serialised(origin), key)


def _serialised(origin: str) -> str:
    """The origin as browsers write it (event.origin, CSP matching): lower case, without a default port."""
    origin = origin.lower()
    for scheme, port in (("https://", ":443"), ("http://", ":80")):
        if origin.startswith(scheme) and origin.endswith(port):
            return origin[: -len(port)]
    return origin
