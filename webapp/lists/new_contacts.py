"""Suppliers and customers typed in Docket before Xero has them.

Such a contact is kept in the business's list with a placeholder for its Xero id (`NEW_IN_DOCKET…`), so items can
use it like any other. Publishing creates it in Xero before the first document that needs it and saves the
ContactID Xero gives; a refresh that finds Xero already has an active contact of that name links the two instead.
"""
import uuid

from peewee import fn

from webapp.db import database
from webapp.items.models import Item
from webapp.lists.models import ACTIVE, NEW_IN_DOCKET, Contact
from webapp.rules.models import ContactAlias, ContactRule

NAME_LIMIT = 255  # Xero's limit for a contact's name


def waiting(business_id: int, name: str) -> Contact | None:
    """The business's contact of this name (any letter case) that is still waiting to be created in Xero."""
    return Contact.get_or_none((Contact.business == business_id) & ~Contact.from_xero()
                               & (fn.LOWER(Contact.name) == name.lower()))


def add(business_id: int, workspace: str, name: str, *, email: str = "", tax_number: str = "") -> Contact:
    """A contact to be created in Xero when the first item using it is published (one per name)."""
    existing = waiting(business_id, name)
    if existing:
        role = "is_supplier" if workspace == "costs" else "is_customer"
        Contact.update(**{role: True}).where(Contact.id == existing.id).execute()
        return existing
    return Contact.create(business=business_id, xero_id=f"{NEW_IN_DOCKET}{uuid.uuid4()}", name=name, email=email,
                          tax_number=tax_number, is_supplier=workspace == "costs", is_customer=workspace == "sales")


def link(contact: Contact, row: dict) -> None:
    """Xero has this contact now (`row`: mapping.contact of Xero's answer): keep its id and details. Should another
    entry of the list hold that id already, the items, rule and printed names move to that entry and this one goes."""
    with database.atomic():
        holder = Contact.get_or_none((Contact.business == contact.business_id) & (Contact.xero_id == row["xero_id"])
                                     & (Contact.id != contact.id))
        if holder is None:
            Contact.update(**row).where(Contact.id == contact.id).execute()
        else:
            Item.update(contact=holder.id).where(Item.contact == contact.id).execute()
            if not ContactRule.select().where(ContactRule.contact == holder.id).exists():
                ContactRule.update(contact=holder.id).where(ContactRule.contact == contact.id).execute()
            ContactAlias.update(contact=holder.id).where(ContactAlias.contact == contact.id).execute()
            Contact.delete().where(Contact.id == contact.id).execute()
    for name, value in row.items():
        setattr(contact, name, value)


def link_from_refresh(business_id: int, rows: list[dict]) -> None:
    """Before a refresh saves Xero's contacts: an active one with the name of a contact waiting here is that
    contact (created in Xero by hand meanwhile, or by a publish that was cut short before it could save the id)."""
    waiting_ones = {contact.name.lower(): contact for contact in
                    Contact.select().where((Contact.business == business_id) & ~Contact.from_xero())}
    if not waiting_ones:
        return
    known = {row.xero_id for row in Contact.select(Contact.xero_id).where(
        (Contact.business == business_id) & Contact.xero_id.in_([row["xero_id"] for row in rows]))}
    for row in rows:
        contact = waiting_ones.get(row["name"].lower())
        if contact and row["status"] == ACTIVE and row["xero_id"] not in known:
            Contact.update(xero_id=row["xero_id"]).where(Contact.id == contact.id).execute()
            del waiting_ones[row["name"].lower()]
