"""Create and update invoices, credit notes and bank transactions once the draft passes validation."""
import peewee

from . import models as m
from . import serialize
from .batch import ElementInvalid, Saved, echo_element
from .validation import KINDS, DocumentBuilder, DocumentDraft

WEBHOOK_CATEGORY = {"invoice": "INVOICE", "creditnote": "CREDITNOTE"}


def find_document(org: m.Organisation, kind: str, ident: str) -> m.Document | None:
    """By id, or (invoices and credit notes) by number, as Xero's `/{Endpoint}/{id-or-number}` allows."""
    query = m.Document.select().where((m.Document.org == org) & (m.Document.kind == kind))
    return query.where(m.Document.id == ident.lower()).first() or query.where(m.Document.number == ident).first()


def has_attachments(doc: m.Document) -> bool:
    return m.Attachment.select().where(m.Attachment.owner_id == doc.id).exists()


def document_json(doc: m.Document, with_lines: bool = True) -> dict:
    return serialize.document(doc, has_attachments=has_attachments(doc), with_lines=with_lines)


def documents_json(query, with_lines: bool) -> list[dict]:
    """Serialise a page of documents with a fixed number of queries (contacts, lines, payments, attachments)."""
    bank = m.Account.alias()
    query = (query.select_extend(m.Contact, bank).join_from(m.Document, m.Contact, peewee.JOIN.LEFT_OUTER)
             .join_from(m.Document, bank, peewee.JOIN.LEFT_OUTER, on=(m.Document.bank_account == bank.id)))
    docs = list(peewee.prefetch(query, m.Line, m.Payment))
    ids = [d.id for d in docs]
    attached = set()
    for start in range(0, len(ids), 500):
        attached |= {a.owner_id for a in m.Attachment.select(m.Attachment.owner_id).where(
            m.Attachment.owner_id.in_(ids[start:start + 500]))}
    return [serialize.document(d, has_attachments=d.id in attached, with_lines=with_lines) for d in docs]


def _existing_for(org, kind: str, data: dict, target: str | None):
    """The stored document an element updates: the URL's id, the element's id, or (ACCREC) its number."""
    spec = KINDS[kind]
    ident = target or data.get(spec.id_key)
    if ident:
        found = find_document(org, kind, str(ident))
        if found is None:
            raise ElementInvalid(echo_element(data, spec.id_key),
                                 [f"An existing {spec.label} with the specified ID could not be found"])
        return found
    number = data.get(spec.number_key) if spec.number_key else None
    if kind == "invoice" and number and str(data.get("Type", "")).upper() == "ACCREC":
        return m.Document.get_or_none((m.Document.org == org) & (m.Document.kind == "invoice")
                                      & (m.Document.type == "ACCREC") & (m.Document.number == str(number))
                                      & (m.Document.status.in_(["DRAFT", "SUBMITTED"])))
    return None


def save_document(org: m.Organisation, kind: str, data: dict, record_event, target: str | None = None,
                  create_only: bool = False, unit_dp: int = 2) -> Saved:
    """Validate one element and create or update its document; raises ElementInvalid with Xero's messages."""
    existing = None if create_only and not target else _existing_for(org, kind, data, target)
    draft = DocumentBuilder(org, kind, data, existing, unit_dp).build()
    if draft.errors:
        echo = echo_element(data, KINDS[kind].id_key, existing.id if existing else None)
        if draft.line_errors and isinstance(data.get("LineItems"), list):
            echo["LineItems"] = [
                {**line, "ValidationErrors": [{"Message": msg} for msg in draft.line_errors[i]]}
                if i in draft.line_errors else line for i, line in enumerate(data["LineItems"])]
        raise ElementInvalid(echo, draft.errors)
    doc = existing or m.Document(org=org, kind=kind)
    _apply(org, doc, draft, created=existing is None)
    category = WEBHOOK_CATEGORY.get(kind)
    if category:
        data = {"Type": doc.type, "Status": doc.status} if category == "CREDITNOTE" else None
        record_event(org, category, "UPDATE" if existing else "CREATE", serialize.DOCUMENT_ENDPOINTS[kind], doc.id,
                     data)
    if draft.contact is not None and draft.new_contact_name:
        record_event(org, "CONTACT", "CREATE", "Contacts", draft.contact.id)
    return Saved(document_json(doc), draft.warnings)


def _apply(org: m.Organisation, doc: m.Document, draft: DocumentDraft, created: bool) -> None:
    if draft.new_contact_name:
        draft.contact = m.Contact.create(org=org, name=draft.new_contact_name)
    if created and not draft.number and draft.type in ("ACCREC", "ACCRECCREDIT"):
        draft.number = _next_number(org, draft.type)
    for name in ("type", "contact", "number", "reference", "date", "due_date", "status", "line_amount_types",
                 "currency_code", "currency_rate", "url", "bank_account", "is_reconciled", "sub_total",
                 "total_tax", "total"):
        setattr(doc, name, getattr(draft, name))
    doc.updated_at = m.utcnow()
    doc.save(force_insert=created)
    _save_lines(doc, draft)
    _mark_contact(draft)


def _next_number(org: m.Organisation, doc_type: str) -> str:
    field, prefix = (("next_invoice_number", "INV") if doc_type == "ACCREC" else ("next_credit_note_number", "CN"))
    while True:
        value = getattr(org, field)
        setattr(org, field, value + 1)
        number = f"{prefix}-{value:04d}"
        if not m.Document.select().where((m.Document.org == org) & (m.Document.number == number)).exists():
            org.save(only=[getattr(m.Organisation, field)])
            return number


def _save_lines(doc: m.Document, draft: DocumentDraft) -> None:
    current = {li.id: li for li in doc.lines} if doc.id else {}
    keep = set()
    for position, line in enumerate(draft.lines):
        row = current.get((line.id or "").lower()) or m.Line(document=doc)
        created = row.id not in current
        keep.add(row.id)
        row.position = position
        for name in ("description", "quantity", "unit_amount", "account_code", "tax_type", "tax_amount",
                     "line_amount", "discount_rate", "tracking"):
            setattr(row, name, getattr(line, name))
        row.save(force_insert=created)
    stale = [line_id for line_id in current if line_id not in keep]
    if stale:
        m.Line.delete().where(m.Line.id.in_(stale)).execute()


def _mark_contact(draft: DocumentDraft) -> None:
    """Xero sets IsSupplier/IsCustomer once a bill or sale exists (without bumping UpdatedDateUTC)."""
    contact = draft.contact
    if contact is None:
        return
    if draft.type in ("ACCPAY", "ACCPAYCREDIT", "SPEND") and not contact.is_supplier:
        m.Contact.update(is_supplier=True).where(m.Contact.id == contact.id).execute()
    if draft.type in ("ACCREC", "ACCRECCREDIT", "RECEIVE") and not contact.is_customer:
        m.Contact.update(is_customer=True).where(m.Contact.id == contact.id).execute()
