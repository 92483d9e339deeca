"""Operator actions on the emulated organisations: new organisations, lock dates, archiving, renaming, document
listings, the calls each organisation took."""
from datetime import date

from flask import current_app

from xero_sandbox.db import database

from . import models as m
from . import seed, seed_data, webhooks


class OperatorError(ValueError):
    """An operator action that can't be done; the message is shown as is."""


def organisations() -> list[m.Organisation]:
    return list(m.Organisation.select().order_by(m.Organisation.name))


def create_organisation(payload: dict) -> m.Organisation:
    """A new organisation from {"name", "country" (GB, AU, NZ, CA, US), "baseCurrency" (optional)}."""
    name = " ".join(str(payload.get("name") or "").split())
    country = str(payload.get("country") or "").strip().upper()
    if not name or len(name) > 255:
        raise OperatorError("name must be given, up to 255 characters.")
    if country not in seed.TEMPLATES:
        raise OperatorError(f"country must be one of {', '.join(sorted(seed.TEMPLATES))}.")
    base = str(payload.get("baseCurrency") or "").strip().upper() or None
    if base is not None and base not in seed_data.CURRENCY_NAMES:
        raise OperatorError(f"baseCurrency must be one of {', '.join(sorted(seed_data.CURRENCY_NAMES))}.")
    return seed.create_organisation(name, country, base)


def get_organisation(tenant_id: str) -> m.Organisation | None:
    return m.Organisation.get_or_none(m.Organisation.tenant_id == tenant_id.lower())


def organisation_json(org: m.Organisation) -> dict:
    return {"tenantId": org.tenant_id, "name": org.name, "country": org.country, "baseCurrency": org.base_currency,
            "periodLockDate": _iso(org.period_lock_date), "endOfYearLockDate": _iso(org.end_of_year_lock_date)}


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def parse_day(value: str | None, label: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise OperatorError(f"{label} must be a date like 2026-03-31.") from None


def set_lock_dates(org: m.Organisation, period: date | None, end_of_year: date | None) -> m.Organisation:
    """Set (or clear, with None) both lock dates; Xero requires end of year <= period lock."""
    if period and end_of_year and end_of_year > period:
        raise OperatorError("The end of year lock date can't be after the period lock date.")
    org.period_lock_date, org.end_of_year_lock_date = period, end_of_year
    org.save(only=[m.Organisation.period_lock_date, m.Organisation.end_of_year_lock_date])
    return org


def set_account_status(account_id: str, status: str) -> m.Account:
    account = m.Account.get_or_none(m.Account.id == account_id.lower())
    if account is None:
        raise OperatorError("That account doesn't exist.")
    if status not in ("ACTIVE", "ARCHIVED"):
        raise OperatorError("Status must be ACTIVE or ARCHIVED.")
    if status == "ARCHIVED" and account.system_account:
        raise OperatorError("System accounts can't be archived.")
    account.status, account.updated_at = status, m.utcnow()
    account.save()
    return account


def _contact(contact_id: str) -> m.Contact:
    contact = m.Contact.get_or_none(m.Contact.id == contact_id.lower())
    if contact is None:
        raise OperatorError("That contact doesn't exist.")
    return contact


def _name_clash(contact: m.Contact, name: str) -> bool:
    return m.Contact.select().where((m.Contact.org == contact.org) & (m.Contact.name == name)
                                    & (m.Contact.status == "ACTIVE") & (m.Contact.id != contact.id)).exists()


def set_contact_status(contact_id: str, status: str) -> m.Contact:
    contact = _contact(contact_id)
    if status not in ("ACTIVE", "ARCHIVED"):
        raise OperatorError("Status must be ACTIVE or ARCHIVED.")
    if status == "ACTIVE" and _name_clash(contact, contact.name):
        raise OperatorError(f"Another active contact is already called {contact.name}.")
    return _save_contact(contact, status=status)


def rename_contact(contact_id: str, name: str) -> m.Contact:
    contact = _contact(contact_id)
    name = (name or "").strip()
    if not name or len(name) > 255:
        raise OperatorError("A contact name must have 1 to 255 characters.")
    if contact.status == "ACTIVE" and _name_clash(contact, name):
        raise OperatorError(f"Another active contact is already called {name}.")
    return _save_contact(contact, name=name)


def _save_contact(contact: m.Contact, **changes) -> m.Contact:
    for key, value in changes.items():
        setattr(contact, key, value)
    contact.updated_at = m.utcnow()
    with database.atomic():
        contact.save()
    webhooks.dispatch([webhooks.event(contact.org.tenant_id, "CONTACT", "UPDATE", "Contacts", contact.id)])
    return contact


def documents(org: m.Organisation) -> list[dict]:
    """Every document of the organisation, newest first, with its attachments (for the operator)."""
    rows = (m.Document.select().where(m.Document.org == org).order_by(m.Document.created_at.desc()))
    attachments: dict[str, list] = {}
    for att in m.Attachment.select(m.Attachment.id, m.Attachment.owner_id, m.Attachment.file_name,
                                   m.Attachment.mime_type).where(m.Attachment.org == org):
        attachments.setdefault(att.owner_id, []).append(
            {"attachmentId": att.id, "fileName": att.file_name, "mimeType": att.mime_type})
    return [{"id": d.id, "kind": d.kind, "type": d.type, "number": d.number, "reference": d.reference,
             "contact": d.contact.name if d.contact else None, "date": d.date.isoformat(), "status": d.status,
             "currency": d.currency_code, "total": str(d.total), "amountDue": str(d.amount_due),
             "attachments": attachments.get(d.id, [])} for d in rows]


def attachment(attachment_id: str) -> m.Attachment | None:
    return m.Attachment.get_or_none(m.Attachment.id == attachment_id.lower())


def webhook_settings() -> dict:
    config = current_app.config
    return {"url": config.get("SANDBOX_WEBHOOK_URL") or "", "hasKey": bool(config.get("SANDBOX_WEBHOOK_KEY"))}
