"""Each business's email-in addresses (one for Costs, one for Sales) and the senders it accepts mail from.

An address's local part is readable and unguessable enough: the business's name and a random suffix, e.g.
`harbour-lane-7k3p` (Costs) and `harbour-lane-sales-m4qe` (Sales), at INBOUND_EMAIL_DOMAIN. Issuing a new one
retires the old: mail to a retired address is refused at RCPT time like mail to an address that never existed."""
import re
import secrets
import unicodedata
from email.utils import parseaddr

import peewee
from flask import current_app

from webapp.accounts.models import utcnow
from webapp.db import database
from webapp.inbound.models import InboundAddress, InboundSender
from webapp.items.models import WORKSPACES

SUFFIX_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud or copied by hand without mistakes
SUFFIX_LENGTH = 4
NAME_WORDS = 2
MAX_SENDERS = 100
SENDER = re.compile(r"^(?:[^@\s]+@|@)[a-z0-9.-]+\.[a-z]{2,}$")


def domain() -> str:
    return current_app.config["INBOUND_EMAIL_DOMAIN"]


def full(address: InboundAddress) -> str:
    return f"{address.local_part}@{domain()}"


def current(business_id: int, workspace: str) -> InboundAddress | None:
    """The inbox's active address (every business gets both when it is created; an admin can issue new ones)."""
    return (InboundAddress.select().where((InboundAddress.business == business_id)
                                          & (InboundAddress.workspace == workspace) & InboundAddress.active)
            .order_by(InboundAddress.id.desc()).first())


def shown(business_id: int, workspace: str) -> str:
    """The inbox's address as people write it, or empty when it has none (an admin issues one)."""
    address = current(business_id, workspace)
    return full(address) if address else ""


def issue_all(business) -> None:
    for workspace in WORKSPACES:
        issue(business, workspace, user_id=None)


def issue(business, workspace: str, *, user_id: int | None) -> InboundAddress:
    """A new address for the inbox; the one it replaces stops receiving mail at once."""
    for _ in range(10):  # a clash of suffixes is rare; another draw settles it
        try:
            with database.atomic():
                InboundAddress.update(active=False, retired_at=utcnow()).where(
                    (InboundAddress.business == business.id) & (InboundAddress.workspace == workspace)
                    & InboundAddress.active).execute()
                return InboundAddress.create(business=business.id, workspace=workspace, created_by=user_id,
                                             local_part=_local_part(business.name, workspace))
        except peewee.IntegrityError:
            continue
    raise RuntimeError("no free email-in address after 10 draws")


def resolve(recipient: str) -> InboundAddress | None:
    """The active address a recipient (`local@domain`, any case, with or without <>) names, or None."""
    address = parseaddr(recipient)[1].strip().lower()
    local, _, at_domain = address.rpartition("@")
    if not local or at_domain != domain():
        return None
    return (InboundAddress.select().where((InboundAddress.local_part == local) & InboundAddress.active)
            .first())


def _local_part(name: str, workspace: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", ascii_name)[:NAME_WORDS] or ["docket"]
    suffix = "".join(secrets.choice(SUFFIX_ALPHABET) for _ in range(SUFFIX_LENGTH))
    stem = "-".join(words)[:40]
    return f"{stem}-sales-{suffix}" if workspace == "sales" else f"{stem}-{suffix}"


def allowed_senders(business_id: int) -> list[str]:
    return [row.sender for row in InboundSender.select().where(InboundSender.business == business_id)
            .order_by(InboundSender.sender)]


def save_allowed_senders(business_id: int, text: str) -> tuple[list[str], str]:
    """Replace the list with the addresses (or @domains) in `text`, one per line or comma separated. Returns the
    list, or the unchanged list and a sentence saying what is wrong with the entry."""
    entries = list(dict.fromkeys(entry.strip().lower() for entry in re.split(r"[\s,;]+", text) if entry.strip()))
    wrong = [entry for entry in entries if not SENDER.match(entry) or len(entry) > 254]
    if wrong:
        return allowed_senders(business_id), (f"“{wrong[0][:80]}” isn't an email address or @domain: write one "
                                              "address (name@supplier.com) or domain (@supplier.com) per line.")
    if len(entries) > MAX_SENDERS:
        return allowed_senders(business_id), f"At most {MAX_SENDERS} senders can be listed."
    with database.atomic():
        InboundSender.delete().where(InboundSender.business == business_id).execute()
        if entries:
            InboundSender.insert_many([{"business": business_id, "sender": entry} for entry in entries]).execute()
    return entries, ""


def sender_allowed(allowed: list[str], sender: str) -> bool:
    """Whether `sender` is on the list (an empty list allows anyone)."""
    if not allowed:
        return True
    sender = sender.strip().lower()
    return sender in allowed or ("@" in sender and "@" + sender.rpartition("@")[2] in allowed)
