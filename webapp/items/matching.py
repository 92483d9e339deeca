"""Which of the business's Xero contacts a document names: by tax number, then by email or website domain, then by
a name close enough to be the same one (rapidfuzz), and how sure that makes it."""
import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from webapp.items.choices import contact_role, live
from webapp.lists.models import Contact

# 90 of 100 (rapidfuzz's ratio of the names once cased, stripped of punctuation and of "Ltd", "Limited", "Inc"...):
# a misread letter or two still matches ("Jewsons Ltd" for "Jewson Ltd" scores 92, "Travis Perklns" 93), while
# two firms sharing a word don't ("Acme Fuels" against "Acme Foods" scores 70, "Screwfix Direct" against
# "Screwfix" 70). tests/test_reading_apply.py holds the cases on both sides.
NAME_THRESHOLD = 90
CLOSE_RIVAL = 3  # a second contact within this many points of the best: too close to choose between them
SUFFIXES = re.compile(r"\b(ltd|limited|plc|llc|llp|inc|incorporated|corp|corporation|co|company|pty|gmbh|sa|the)\b")
FREE_MAIL = {"gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "icloud.com", "live.com", "aol.com",
             "proton.me", "protonmail.com", "btinternet.com", "googlemail.com"}


@dataclass(frozen=True)
class Match:
    contact: Contact
    confidence: float  # how sure the match is, 0 to 1
    by: str  # "tax number" | "email" | "website" | "name"


def normalised(name: str) -> str:
    return " ".join(SUFFIXES.sub(" ", utils.default_process(name or "")).split())


def name_score(printed: str, known: str) -> float:
    return fuzz.ratio(normalised(printed), normalised(known))


def find(business_id: int, workspace: str, *, name: str = "", tax_number: str = "", email: str = "",
         website: str = "") -> Match | None:
    """The one live contact of the workspace's role the printed details point to, or None."""
    contacts = list(Contact.select(Contact.id, Contact.name, Contact.email, Contact.tax_number, Contact.xero_id,
                                   Contact.status, Contact.removed_at)
                    .where((Contact.business == business_id) & live(Contact) & contact_role(workspace)))
    return (_by_tax_number(contacts, tax_number) or _by_domain(contacts, email, "email")
            or _by_domain(contacts, website, "website") or _by_name(contacts, name))


def named_in_xero_archive(business_id: int, name: str) -> bool:
    """Whether an archived (or removed) contact has this name: Xero keeps archived names, so a new contact of the
    same name would clash; a person should restore it in Xero or choose another."""
    archived = Contact.select(Contact.name).where((Contact.business == business_id) & ~live(Contact))
    return any(name_score(name, contact.name) >= NAME_THRESHOLD for contact in archived)


def _by_tax_number(contacts, printed: str) -> Match | None:
    wanted = compact_tax_number(printed)
    found = [contact for contact in contacts if wanted and compact_tax_number(contact.tax_number) == wanted]
    return Match(found[0], 0.99, "tax number") if len(found) == 1 else None


def _by_domain(contacts, printed: str, by: str) -> Match | None:
    domain = _domain(printed)
    if not domain or domain in FREE_MAIL:
        return None
    found = [contact for contact in contacts if _domain(contact.email) == domain]
    return Match(found[0], 0.95, by) if len(found) == 1 else None


def _by_name(contacts, printed: str) -> Match | None:
    if not normalised(printed):
        return None
    ranked = process.extract(printed, {contact.id: contact.name for contact in contacts}, scorer=fuzz.ratio,
                             processor=normalised, limit=2, score_cutoff=NAME_THRESHOLD)
    if not ranked or (len(ranked) > 1 and ranked[0][1] - ranked[1][1] < CLOSE_RIVAL):
        return None
    best_id, score = ranked[0][2], ranked[0][1]
    return Match(next(contact for contact in contacts if contact.id == best_id), round(score / 100, 2), "name")


def compact_tax_number(number: str) -> str:
    """A tax number as compared: letters and digits only, upper case ("gb 123 4567-89" → "GB123456789")."""
    return re.sub(r"[^0-9A-Z]", "", (number or "").upper())


def _domain(text: str) -> str:
    text = (text or "").strip().lower()
    text = text.rsplit("@", 1)[-1] if "@" in text else re.sub(r"^[a-z]+://", "", text).split("/", 1)[0]
    return text.removeprefix("www.")
