"""Putting one item into Xero step by step (create, attach the document, record the payment), saving the state
after each step so that a run cut short at any moment can start again without making a second document.

- queued: a supplier or customer typed in Docket is created in Xero first (see contacts).
- queued → sending: the request body is saved, then the create call goes out with the attempt's
  Idempotency-Key (Xero replays its first answer to a repeat of the same call).
- A run that finds the attempt still "sending" doesn't know whether Xero got it: it looks the document up by
  the attempt's own link (the document's Url) before sending again.
- created: the document exists; the file is attached with POST, which replaces a file of the same name, so
  repeating it is harmless; a paid document gets its payment, looked up first when the run is a resumed one.
"""
import json
from datetime import timedelta
from decimal import Decimal
from urllib.parse import quote

from webapp.accounts.models import utcnow
from webapp.db import database
from webapp.items import changes, storage
from webapp.items.models import Item
from webapp.publishing import contacts, payload
from webapp.publishing.models import CREATED, DONE, QUEUED, SENDING, PublishAttempt
from webapp.xero.errors import XeroValidationError

ID_FIELDS = {"Invoice": "InvoiceID", "BankTransaction": "BankTransactionID", "CreditNote": "CreditNoteID"}
NUMBER_FIELDS = {"Invoice": "InvoiceNumber", "BankTransaction": "Reference", "CreditNote": "CreditNoteNumber"}
EDITABLE_IN_XERO = ("DRAFT", "SUBMITTED")
LANDING_WINDOW = timedelta(minutes=2)  # Xero doesn't say how long it may work on a call; ours wait 30 s for it
PAYING = "paying"  # payment_id while the payment call is out: a run that finds it looks the payment up first
OBJECT_NAMES = {"ACCPAY": "bill", "ACCREC": "sales invoice", "SPEND": "spend money", "RECEIVE": "receive money",
                "ACCPAYCREDIT": "supplier credit note", "ACCRECCREDIT": "customer credit note"}


class DocumentUnreadable(Exception):
    """This worker can't read the item's stored file (a document store not shared with it, a file gone)."""

    MESSAGE = ("Docket can't read this item's stored document, so it isn't attached in Xero yet (the document itself "
               "is there). The document store isn't shared with the worker that sends it, or the file is missing: "
               "an operator needs to fix that (README, “Where documents are kept”). Docket tries again every minute "
               "by itself.")


class StillLanding(Exception):
    """An earlier create call of this attempt may still land in Xero; look again after `seconds`."""

    def __init__(self, seconds: float):
        super().__init__()
        self.seconds = seconds


class Publisher:
    def __init__(self, client, endpoints, attempt: PublishAttempt, item: Item, lines: list, context):
        self.client, self.endpoints = client, endpoints
        self.attempt, self.item, self.lines, self.context = attempt, item, lines, context
        self.destination = payload.destination(item)

    def advance(self) -> None:
        """Take the attempt from wherever it stopped to done; Xero's errors propagate as XeroError."""
        if self.attempt.state == QUEUED:
            self._create_new_contact()
            body = payload.build(self.item, self.lines, self.context)
            self._save(state=SENDING, request_body=json.dumps(body))
            self._create(body)
        elif self.attempt.state == SENDING:
            found = self._find()
            if found:
                self._created(found)
            else:
                self._check_landing_window()
                self._create(json.loads(self.attempt.request_body))
        self._attach()
        if self.destination.pays and self.attempt.payment_id in ("", PAYING):
            self._pay()
        self._finish()

    def _create_new_contact(self) -> None:
        refused = contacts.create_in_xero(self.client, [self.item.contact])
        if refused:
            raise payload.NotPublishable(refused[self.item.contact_id])

    def _create(self, body: dict) -> None:
        endpoint = self.destination.endpoint
        params = {"unitdp": 4} if payload.needs_unitdp4(body) else None
        if self.item.xero_id:  # publishing again: update the document Xero already has, only while a draft
            self._check_still_a_draft()
            body = {**body, ID_FIELDS[self.destination.xero_object]: self.item.xero_id}
            answer = self.client.post(f"{endpoint}/{self.item.xero_id}", {endpoint: [body]}, params=params,
                                      idempotency_key=self.attempt.idempotency_key)
        else:
            answer = self.client.put(endpoint, {endpoint: [body]}, params=params,
                                     idempotency_key=self.attempt.idempotency_key)
        self._created(element_of(answer, endpoint))

    def _check_still_a_draft(self) -> None:
        endpoint = self.destination.endpoint
        status = element_of(self.client.get(f"{endpoint}/{self.item.xero_id}"), endpoint)["Status"]
        if status not in EDITABLE_IN_XERO:
            raise payload.NotPublishable(
                f"The document in Xero is no longer a draft (its status is {status.title()}), so Docket won't "
                "change it. Change it in Xero, or archive this item and use “Unarchive and clear publishing data” "
                "to publish it as a new document.")

    def _check_landing_window(self) -> None:
        """Not found yet is not the same as never created: a create Docket stopped waiting for may still be at work
        in Xero (and its Idempotency-Key doesn't cover a call still in progress). Send again only once it can no
        longer land; the attempt was last saved after that call went out."""
        waited = utcnow() - self.attempt.updated_at
        if waited < LANDING_WINDOW:
            raise StillLanding((LANDING_WINDOW - waited).total_seconds())

    def _find(self) -> dict | None:
        """The document an earlier run of this attempt created, if Xero has it (matched by its Url)."""
        body = json.loads(self.attempt.request_body)  # its contact and date are never missing: the checks see to it
        year, month, day = body["Date"].split("-")
        where = (f'Contact.ContactID==Guid("{body["Contact"]["ContactID"]}") '
                 f"AND Date==DateTime({int(year)},{int(month)},{int(day)})")
        answer = self.client.get(self.destination.endpoint, params={"where": where})
        return next((element for element in answer[self.destination.endpoint] if self._is_ours(element, body)), None)

    def _is_ours(self, element: dict, body: dict) -> bool:
        """Invoices and bank transactions carry the attempt's link as their Url. Credit notes have no Url in
        Xero: one with the same contact, date, number and total that no other item published is taken as ours (a
        supplier's credit note carries the supplier's number, a customer's the business's own, as payload sends
        them; Xero numbers a customer's credit note sent without one)."""
        if self.destination.xero_object != "CreditNote":
            return element.get("Url") == self.context.url
        sent = body.get("CreditNoteNumber") or ""
        numbered_by_xero = not sent and self.destination.type == "ACCRECCREDIT"
        same = (numbered_by_xero or (element.get("CreditNoteNumber") or "") == sent) \
            and Decimal(str(element.get("Total"))) == Decimal(str(self.item.total))
        return same and not Item.select().where((Item.xero_id == element.get("CreditNoteID"))
                                                & (Item.id != self.item.id)).exists()

    def _created(self, element: dict) -> None:
        record_created(self.attempt, self.destination, element)

    def _attach(self) -> None:
        if self.attempt.attached:
            return
        document = self.item.document
        if document.is_einvoice_xml:  # Xero's attachments take no XML files: the e-invoice's XML stays in Docket
            return
        try:
            content = storage.read(document.storage_key)
        except OSError as error:
            raise DocumentUnreadable(str(error)) from error
        name = quote(document.filename, safe="")
        self.client.upload(f"{self.destination.endpoint}/{self.attempt.xero_id}/Attachments/{name}", content)
        self._save(attached=True)

    def _pay(self) -> None:
        endpoint, xero_id = self.destination.endpoint, self.attempt.xero_id
        if self.attempt.payment_id == PAYING:  # an earlier run was paying when it was cut short: did it pay?
            current = element_of(self.client.get(f"{endpoint}/{xero_id}"), endpoint)
            if current.get("Payments"):
                self._save(payment_id=current["Payments"][0]["PaymentID"])
                return
        else:
            self._save(payment_id=PAYING)
        answer = self.client.put("Payments", {"Payments": [payload.payment(self.item, xero_id, self.context)]},
                                 idempotency_key=f"{self.attempt.idempotency_key}:payment")
        self._save(payment_id=element_of(answer, "Payments")["PaymentID"])

    def _finish(self) -> None:
        link = self.endpoints.document_link(self.client.tenant_id, self.destination.type, self.attempt.xero_id)
        what = OBJECT_NAMES[self.destination.type]
        with database.atomic():
            self._save(state=DONE, message="")
            changes.change(self.item, {"status": "published", "xero_object": self.destination.xero_object,
                                       "xero_id": self.attempt.xero_id, "xero_url": link, "published_at": utcnow(),
                                       "publish_message": ""}, user_id=None, source="publishing")
            changes.note(self.item, "publish", f"Published to Xero as a {what}"
                         + (f" ({self.attempt.xero_number})" if self.attempt.xero_number else ""),
                         user_id=None, source="publishing")

    def _save(self, **values) -> None:
        save_step(self.attempt, **values)


def save_step(attempt: PublishAttempt, **values) -> None:
    """Record a step at once (its own transaction): the next run starts from here."""
    for name, value in values.items():
        setattr(attempt, name, value)
    attempt.updated_at = utcnow()
    attempt.save()


def record_created(attempt: PublishAttempt, destination, element: dict) -> None:
    """Xero has the document: keep its id and number on the attempt."""
    xero_object = destination.xero_object
    save_step(attempt, state=CREATED, xero_object=xero_object, xero_id=element[ID_FIELDS[xero_object]],
              xero_number=element.get(NUMBER_FIELDS[xero_object]) or "")


def element_of(answer: dict, endpoint: str) -> dict:
    """The single element of a Xero answer, or the element's own validation errors raised as Xero's error."""
    elements = answer.get(endpoint) or [{}]
    element = elements[0]
    errors = [error["Message"] for error in element.get("ValidationErrors") or [] if error.get("Message")]
    if errors or element.get("StatusAttributeString") == "ERROR":
        raise XeroValidationError(errors or ["Xero did not accept this document."])
    return element
