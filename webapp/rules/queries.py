"""Read side of supplier and customer rules: a rule with its list entries, a contact's page, its recent items."""
from peewee import JOIN

from webapp.items.choices import contact_role
from webapp.items.models import Document, Item
from webapp.items.queries import with_coding
from webapp.lists.models import Category, Contact, PaymentMethod
from webapp.rules.models import ContactRule

ROLES = {"suppliers": "costs", "customers": "sales"}  # list name → the workspace its items live in
RECENT_ITEMS = 50


def rule(contact_id: int | None) -> ContactRule | None:
    """The contact's rule with the contact and every list entry it names, in one query."""
    if contact_id is None:
        return None
    query = ContactRule.select(ContactRule, Contact).join(Contact)
    return _with_entries(query).where(ContactRule.contact == contact_id).first()


def contact(business_id: int, list_name: str, contact_id: int) -> Contact | None:
    """A supplier (or customer) of this business in one query, with its default Xero account as `account` and its
    rule as `rule` (None when it has none)."""
    if list_name not in ROLES:
        return None
    code = Contact.purchases_account_code if list_name == "suppliers" else Contact.sales_account_code
    account = Category.alias()
    query = (Contact.select(Contact, account.code, account.name, ContactRule)
             .join_from(Contact, account, JOIN.LEFT_OUTER, attr="account",
                        on=(account.business == Contact.business) & (account.code == code) & (code != ""))
             .join_from(Contact, ContactRule, JOIN.LEFT_OUTER, on=ContactRule.contact == Contact.id, attr="rule"))
    return _with_entries(query).where((Contact.business == business_id) & (Contact.id == contact_id)
                                      & contact_role(ROLES[list_name])).first()


def _with_entries(query):
    """Join in the list entries a rule names, each loaded onto the rule under its field's name."""
    return (with_coding(query, ContactRule).select_extend(PaymentMethod)
            .join_from(ContactRule, PaymentMethod, JOIN.LEFT_OUTER))


def recent_items(business_id: int, contact_id: int) -> list[Item]:
    """The contact's most recent items, newest first, each with its document's file name."""
    return list(Item.select(Item, Document.filename).join(Document)
                .where((Item.business == business_id) & (Item.contact == contact_id))
                .order_by(Item.created_at.desc(), Item.id.desc()).limit(RECENT_ITEMS))


def item(business_id: int, item_id: int) -> Item | None:
    return Item.select().where((Item.business == business_id) & (Item.id == item_id)).first()


def inbox_items(business_id: int, contact_id: int) -> list[Item]:
    """The contact's items a rule may still change (not yet publishing, published or archived)."""
    return list(Item.select().where((Item.business == business_id) & (Item.contact == contact_id)
                                    & Item.status.in_(("inbox", "ready"))).order_by(Item.id))
