"""Creating in Xero the suppliers and customers typed in Docket, just before the first document that needs them.

Exactly once, however often a run is cut short:
- One PUT Contacts carries every new name a publish needs (summarizeErrors=false: each name succeeds or fails
  alone), with an Idempotency-Key made from those contacts, so a repeat of the same call gets Xero's first answer.
- Each ContactID is saved as soon as Xero answers. A run cut short before that sends again: Xero refuses a second
  active contact of the same name, and Docket then looks the name up and uses the contact Xero has (as it does when
  someone added that name in Xero meanwhile).
"""
import hashlib

from webapp.lists import mapping, new_contacts
from webapp.lists.models import Contact

NAME_TAKEN = "is already assigned to another contact"


def create_in_xero(client, contacts: list) -> dict[int, str]:
    """Give every contact here that Xero doesn't have yet its ContactID (the objects are updated in place).
    Returns contact id → why Xero refused it; XeroError (a 429, an outage) propagates."""
    waiting = [contact for contact in contacts if contact is not None and not contact.in_xero]
    if not waiting:
        return {}
    saved = {row.id: row for row in Contact.select().where(Contact.id.in_([c.id for c in waiting]))}
    to_create = sorted({c.id: saved[c.id] for c in waiting if c.id in saved and not saved[c.id].in_xero}.values(),
                       key=lambda contact: contact.id)
    refused = _create(client, to_create) if to_create else {}
    for contact in waiting:  # created now, or by another run since this one read the item
        if contact.id in saved and contact.id not in refused:
            contact.xero_id = saved[contact.id].xero_id
    return refused


def _create(client, contacts: list[Contact]) -> dict[int, str]:
    key = hashlib.sha256(("contacts:" + "\n".join(f"{c.id}:{c.name}" for c in contacts)).encode()).hexdigest()
    answer = client.put("Contacts", {"Contacts": [_body(contact) for contact in contacts]},
                        params={"summarizeErrors": "false"}, idempotency_key=key)
    refused = {}
    for contact, element in zip(contacts, answer["Contacts"]):
        errors = [error["Message"] for error in element.get("ValidationErrors") or [] if error.get("Message")]
        found = element if not errors else (_look_up(client, contact.name)
                                            if any(NAME_TAKEN in error for error in errors) else None)
        if found:
            new_contacts.link(contact, mapping.contact(found))
        else:
            who = "supplier" if contact.is_supplier else "customer"
            refused[contact.id] = (f"Xero didn't create the new {who} “{contact.name}”: {' '.join(errors)} Change "
                                   f"the {who} on the item, or add them in Xero and use Refresh integration data.")
    return refused


def _body(contact: Contact) -> dict:
    body = {"Name": contact.name}
    if contact.email:
        body["EmailAddress"] = contact.email
    if contact.tax_number:
        body["TaxNumber"] = contact.tax_number
    return body


def _look_up(client, name: str) -> dict | None:
    """Xero's active contact of this name (any letter case)."""
    literal = name.lower().replace("\\", "\\\\").replace('"', '\\"')
    answer = client.get("Contacts", params={"where": f'Name.ToLower()=="{literal}" AND ContactStatus=="ACTIVE"'})
    return next(iter(answer.get("Contacts") or []), None)
