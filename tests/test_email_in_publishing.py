"""An emailed e-receipt (the message itself is its document) is published to Xero with the .eml attached, which
Xero types by its name as message/rfc822, as it does every attachment."""
from decimal import Decimal

from tests import xero_helpers as xh
from tests.email_helpers import post_message
from tests.publishing_helpers import sandbox_documents, uk, work  # noqa: F401
from webapp.items import changes, editing
from webapp.items.models import Item
from webapp.lists.models import Category, Contact, TaxRate


def test_an_emailed_e_receipt_is_published_with_the_message_attached(xero_app, admin_client, uk, sandbox):
    post_message(xero_app, uk, sender="receipts@corner.example", subject="Corner Cafe receipt",
                 text="Corner Cafe\nDate: 05/11/2026\nTotal 12.34")
    work(xero_app)  # the message into an item, then its reading
    item = Item.get(Item.business == uk)
    assert (item.document.filename, item.total) == ("Corner Cafe receipt.eml", Decimal("12.34"))
    coding = {"contact": Contact.get((Contact.business == uk) & (Contact.name == "Travis Perkins")),
              "category": Category.get((Category.business == uk) & (Category.code == "429")),
              "tax_rate": TaxRate.get((TaxRate.business == uk) & (TaxRate.xero_id == "INPUT2"))}
    with xero_app.app_context():
        changes.change(item, coding, user_id=None)
        editing.after_change(item, list(coding), user_id=None)
    assert Item.get_by_id(item.id).to_check_fields == ["date"]  # 05/11: the reading asks a person to confirm it
    assert admin_client.hx("POST", f"/b/{uk}/items/{item.id}/fields/date", data={"value": "2026-11-05"}).status_code \
        == 200
    assert admin_client.form(f"/b/{uk}/items/{item.id}/publish").status_code == 303
    work(xero_app)
    published = Item.get_by_id(item.id)
    assert published.status == "published", (published.publish_message, published.attention_reason)
    [document] = sandbox_documents(sandbox, xh.tenant_ids(sandbox.url)[xh.UK_ORG])
    assert [(a["fileName"], a["mimeType"]) for a in document["attachments"]] == [
        ("Corner Cafe receipt.eml", "message/rfc822")]
