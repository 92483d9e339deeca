"""A business connected to the sandbox's UK organisation with its lists refreshed, and items coded from them."""
import hashlib
from datetime import date
from decimal import Decimal

import pytest
import requests

from tests import xero_helpers as xh
from tests.items_helpers import make_coded_item, pdf_bytes
from tests.test_integrations_flow import connect
from tests.test_lists_refresh import refresh
from tests.test_jobs import _work
from webapp.items import storage
from webapp.items.models import Document
from webapp.lists.models import Category, Contact, PaymentMethod, TaxRate


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
