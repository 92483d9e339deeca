"""What the document says about who sent it, as its reading found it: a supplier a person names that Xero doesn't
have yet goes to Xero with the document's email address and tax number."""
from webapp.accounts.models import Membership, User
from webapp.items.matching import compact_tax_number
from webapp.items.models import ItemReading
from webapp.lists.models import Organisation


def details(item) -> dict:
    """The email address and tax number printed on a cost item's document, leaving out the business's own (its
    members' addresses, its organisation's tax number), which a document addressed to it may print."""
    if item.workspace != "costs":
        return {}
    reading = ItemReading.get_or_none(ItemReading.item == item.id)
    if reading is None:
        return {}
    own_emails = {user.email.casefold() for user in User.select(User.email).join(Membership)
                  .where(Membership.business == item.business_id)}
    own_numbers = {compact_tax_number(org.tax_number) for org in Organisation.select(Organisation.tax_number)
                   .where(Organisation.business == item.business_id) if org.tax_number}
    found = {}
    if reading.printed_email and reading.printed_email.casefold() not in own_emails:
        found["email"] = reading.printed_email
    if reading.printed_tax_number and compact_tax_number(reading.printed_tax_number) not in own_numbers:
        found["tax_number"] = reading.printed_tax_number
    return found
