"""Printed-name memory: a supplier's name as its documents print it ("BOOK TA .K") and the contact a person chose
for it, so the next document that prints it gets that contact.

Names are compared normalised: Unicode compatibility forms folded (NFKC), case folded, and every character that is
not a letter or a digit removed, so "BOOK TA .K", "book ta k" and "Bookta-K" are one name."""
import unicodedata

from webapp.accounts.models import utcnow
from webapp.lists.models import ACTIVE, Contact
from webapp.rules.models import ContactAlias

KEY_LENGTH = 255  # ContactAlias.key and .printed


def normalise(printed: str) -> str:
    """The form a printed name is remembered and looked up by; "" when it has no letters or digits."""
    folded = unicodedata.normalize("NFKC", printed or "").casefold()
    return "".join(character for character in folded if character.isalnum())[:KEY_LENGTH]


def remember_printed_name(business_id: int, printed: str, contact_id: int) -> bool:
    """Remember that documents printing `printed` come from this contact of the business; a name remembered for
    another contact points at this one from now on (a person corrected it). False when there is nothing to
    remember: no letters or digits in the name, or a contact that isn't this business's."""
    key = normalise(printed)
    if not key or not Contact.select().where((Contact.id == contact_id) & (Contact.business == business_id)).exists():
        return False
    shown = " ".join(printed.split())[:KEY_LENGTH]
    (ContactAlias.insert(business=business_id, key=key, printed=shown, contact=contact_id, updated_at=utcnow())
     .on_conflict(conflict_target=[ContactAlias.business, ContactAlias.key],
                  update={ContactAlias.contact: contact_id, ContactAlias.printed: shown,
                          ContactAlias.updated_at: utcnow()})
     .execute())
    return True


def contact_for_printed_name(business_id: int, printed: str) -> int | None:
    """The contact remembered for this printed name, if it is still active in Xero (not archived or removed)."""
    key = normalise(printed)
    if not key:
        return None
    found = (Contact.select(Contact.id).join(ContactAlias, on=ContactAlias.contact == Contact.id)
             .where((ContactAlias.business == business_id) & (ContactAlias.key == key)
                    & (Contact.business == business_id) & (Contact.status == ACTIVE) & Contact.removed_at.is_null())
             .first())
    return found.id if found else None


def printed_names(contact_id: int) -> list[ContactAlias]:
    """The printed names remembered for the contact, alphabetically."""
    return list(ContactAlias.select().where(ContactAlias.contact == contact_id).order_by(ContactAlias.key))


def forget_printed_name(contact: Contact, alias_id: int | None) -> ContactAlias | None:
    """Forget one printed name of this contact; returns what was forgotten (None: it had no such name)."""
    alias = ContactAlias.get_or_none((ContactAlias.id == alias_id) & (ContactAlias.contact == contact.id)) \
        if alias_id else None
    if alias is not None:
        alias.delete_instance()
    return alias
