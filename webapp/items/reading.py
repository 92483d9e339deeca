"""What a document says about who sent it, read when a person names a supplier Xero doesn't have yet."""
from webapp.accounts.models import Membership, User
from webapp.items import prefill, storage
from webapp.lists.models import Organisation
from webapp.reading.model import Unreadable
from webapp.reading.text import text_layer

LIMITS = {"email": 255, "tax_number": 50}  # Docket's columns (Xero's TaxNumber takes 50)


def contact_details(item) -> dict:
    """The email address and tax number printed on a cost item's document, leaving out the business's own (its
    members' addresses, its organisation's tax number): a new supplier goes to Xero with them."""
    if item.workspace != "costs":
        return {}
    document = item.document
    if not document.is_pdf:
        return {}
    try:
        text = text_layer(storage.read(document.storage_key))
    except (Unreadable, OSError):
        return {}
    own_emails = tuple(user.email for user in User.select(User.email).join(Membership)
                       .where(Membership.business == item.business_id))
    own_numbers = tuple(org.tax_number for org in Organisation.select(Organisation.tax_number)
                        .where(Organisation.business == item.business_id))
    found = {"email": prefill.find_email(text, not_these=own_emails),
             "tax_number": prefill.find_tax_number(text, not_these=own_numbers)}
    return {name: value for name, value in found.items() if value and len(value) <= LIMITS[name]}
