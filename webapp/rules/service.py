"""Writes behind supplier and customer rules: save one from the form, clear it, apply it to the inbox."""
from webapp.accounts.models import utcnow
from webapp.db import database
from webapp.items import editing
from webapp.lists.models import Contact
from webapp.rules import apply, form, queries
from webapp.rules.models import ContactRule


def save_rule(contact: Contact, values: dict, *, workspace: str, user_id: int) -> ContactRule | None:
    """Validate the form's values and save them as the contact's rule (nothing is saved on any error).

    A rule that would set nothing is cleared instead. Raises ValidationFailed with every field's message."""
    parsed = form.parse(values, form.Scope(contact.business_id, workspace))
    if form.is_empty(parsed):
        clear_rule(contact)
        return None
    row = {"business": contact.business_id, "contact": contact.id, "updated_by": user_id, "updated_at": utcnow(),
           **parsed}
    kept = [field for name, field in ContactRule._meta.fields.items() if name not in ("id", "business", "contact")]
    with database.atomic():  # one row per contact, even when two admins save at once
        ContactRule.insert(row).on_conflict(conflict_target=[ContactRule.contact], preserve=kept).execute()
    return queries.rule(contact.id)


def clear_rule(contact: Contact) -> bool:
    """Forget the contact's rule; items it already set keep their values. False if there was none."""
    return ContactRule.delete().where(ContactRule.contact == contact.id).execute() > 0


def reapply(business_id: int, contact: Contact, user_id: int) -> int:
    """Apply the contact's rule to its items still in the inbox (or ready); returns how many changed."""
    updated = 0
    with database.atomic():
        for item in queries.inbox_items(business_id, contact.id):
            changed = apply.apply_contact_rule(item, user_id=user_id)
            if changed:
                editing.after_change(item, changed, user_id=user_id)
                updated += 1
    return updated
