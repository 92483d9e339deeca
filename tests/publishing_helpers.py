"""A business connected to the sandbox's UK organisation with its lists refreshed, and items coded from them; or,
without the sandbox, a connected business whose Xero is a script (`xero_double`)."""
import hashlib
import time
from datetime import date
from decimal import Decimal

import pytest
import requests

from tests import xero_helpers as xh
from tests.items_helpers import make_coded_item, pdf_bytes
from tests.test_integrations_flow import connect
from tests.test_lists_refresh import refresh
from tests.test_jobs import _work
from tests.test_xero_client_requests import FakeXero
from webapp.integrations.models import Connection
from webapp.integrations.token_store import DbTokenStore
from webapp.items import storage
from webapp.items.models import Document
from webapp.lists.models import Category, Contact, PaymentMethod, TaxRate
from webapp.xero.tokens import TokenSet

API = "https://api.xero.com/api.xro/2.0"  # Xero's, as the app has it without XERO_BASE_URL
SCRIPTED_TENANT = "tenant-scripted"


@pytest.fixture
def uk(xero_app, admin_client, admin, sandbox, tmp_path):
    """The admin's business connected to Hartley & Moss Joinery Ltd (UK) with lists refreshed."""
    xero_app.config["DOCUMENT_STORAGE_PATH"] = str(tmp_path / "documents")
    connect(admin_client, admin.business_id, organisations=[xh.UK_ORG], sandbox=sandbox)
    refresh(xero_app, admin.business_id)
    card = PaymentMethod.get(PaymentMethod.business == admin.business_id)
    card.bank_account = Category.get((Category.business == admin.business_id) & (Category.code == "090"))
    card.save()
    return admin.business_id


def stored_document(app, business_id: int, text: str) -> Document:
    content = pdf_bytes(text)
    sha256 = hashlib.sha256(content).hexdigest()
    with app.app_context():
        key = storage.save(sha256, content)
    return Document.create(business=business_id, sha256=sha256, filename=f"{text[:20]}.pdf",
                           content_type="application/pdf", size=len(content), page_count=1, storage_key=key)


def coded(app, business_id: int, *, workspace="costs", contact="Travis Perkins", code="429", tax="INPUT2",
          total="120.00", day=date(2026, 5, 14), text=None, **fields):
    """An item coded with the UK organisation's entries (category code, tax type, contact name) through the
    service an inline edit calls: Ready when nothing stops publishing (pass category=None to leave one out)."""
    category = Category.get((Category.business == business_id) & (Category.code == code))
    rate = TaxRate.get((TaxRate.business == business_id) & (TaxRate.xero_id == tax))
    who = Contact.get((Contact.business == business_id) & (Contact.name == contact))
    document = stored_document(app, business_id, text or f"{contact} {total} {day} {fields}")
    values = {"contact": who, "category": category, "tax_rate": rate, "date": day, "total": Decimal(total),
              "reference": f"INV-{document.id}"}
    return make_coded_item(business_id, workspace=workspace, document=document, **(values | fields))


def sandbox_documents(sandbox, tenant_id: str) -> list[dict]:
    answer = requests.get(f"{sandbox.url}/operator/api/organisations/{tenant_id}/documents", timeout=10)
    answer.raise_for_status()
    return answer.json()["documents"]


def sandbox_creates(sandbox, endpoint="Invoices") -> list[dict]:
    """The create calls (PUT to `endpoint`) the sandbox took, as it logged them, oldest first."""
    answer = requests.get(f"{sandbox.url}/operator/api/calls", timeout=10)
    answer.raise_for_status()
    return [call for call in answer.json()["calls"] if (call["method"], call["path"]) == ("PUT", endpoint)]


def work(app):
    """Run every queued job (publishing, then the attachments queued behind each document) until none is left."""
    _work(app)


def ok(body: dict):
    """A 200 answer from Xero with a JSON body, for FakeXero."""
    return 200, {"Content-Type": "application/json"}, body


def invoice(xero_id="inv-1", number="INV-9", **fields) -> dict:
    return {"InvoiceID": xero_id, "InvoiceNumber": number, "Status": "DRAFT", **fields}


ATTACHED = ok({"Attachments": [{"AttachmentID": "att-1"}]})


@pytest.fixture
def xero_double(app, admin, tmp_path):
    """The admin's business connected (its tokens sealed as the connect flow does) and Xero's API played by a
    script: append answers to `.answers`; `.requests` are the requests Xero received."""
    from webapp.integrations import xero_access

    app.config["DOCUMENT_STORAGE_PATH"] = str(tmp_path / "documents")
    app.config["XERO_BASE_URL"] = ""  # Xero's own addresses (and links to its pages); nothing leaves the fake
    xero_access.init_app(app)
    connection = Connection.create(business=admin.business_id, tenant_id=SCRIPTED_TENANT, tenant_name="Hartley",
                                   status="connected")
    DbTokenStore(app.extensions["xero"].cipher).save(connection.id, TokenSet("access-1", "refresh-1",
                                                                             time.time() + 3600))
    fake = FakeXero()
    app.extensions["xero"].http.mount("https://", fake)
    return fake


def run_attempt(app, attempt):
    """The attempt's job (or its retry) running once; the attempt as it was saved."""
    from jobs.publishing import publish_attempt
    from webapp.publishing.models import PublishAttempt

    with app.app_context():
        publish_attempt(attempt.id)
    return PublishAttempt.get_by_id(attempt.id)
