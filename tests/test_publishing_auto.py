"""Auto-publish on arrival: the payment method's Always or Never comes first, "Defer to other rules" leaves it to the
supplier's rule, and an item that can't go (not ready, not connected) stays for a person."""
import io
from decimal import Decimal

import pytest

from tests.items_helpers import make_contact, make_item, pdf_bytes, read_documents
from webapp.integrations.models import Connection
from webapp.items.models import Item
from webapp.publishing.models import PublishAttempt

PUBLISHING = '<span class="badge badge-publishing"'  # the row's badge in the Published tab once queued


@pytest.fixture
def acme(admin):
    return make_contact(admin.business, "Acme Fuels")


def connect(business_id):
    """The connection row as choosing an organisation leaves it (nothing here calls Xero)."""
    Connection.create(business=business_id, tenant_id="tenant-auto", tenant_name="Hartley", status="connected")


def save_rule(admin_client, contact, coding, *, auto_publish: bool, payment_method=None):
    form = {"category": coding.fuel.id, "tax_rate": coding.vat20.id, "auto_publish": "yes" if auto_publish else ""}
    if payment_method is not None:
        form["payment_method"] = payment_method.id
    response = admin_client.form(f"/b/{contact.business_id}/lists/suppliers/{contact.id}/rule", form)
    assert response.status_code == 303, response.text


def set_auto_publish(admin_client, method, setting: str):
    response = admin_client.form(f"/b/{method.business_id}/lists/payment-methods/{method.id}",
                                 {"auto_publish": setting})
    assert response.status_code == 303, response.text


def upload(admin_client, business_id, *lines) -> str:
    content = pdf_bytes("Acme Fuels", "Invoice No: AF-1", "Invoice date: 12 May 2026", "Total 60.00", *lines)
    response = admin_client.form(f"/b/{business_id}/inbox/costs/upload",
                                 {"files": [(io.BytesIO(content), "acme.pdf")]}, content_type="multipart/form-data",
                                 follow_redirects=True)
    assert response.status_code == 200
    read_documents(admin_client.application)  # auto-publish follows the reading of the document
    return admin_client.get(f"/b/{business_id}/inbox/costs?queue=published").text


@pytest.mark.parametrize("method_setting, rule_says, queued", [
    (None, True, True),  # no payment method: the supplier's rule decides
    (None, False, False),
    ("always", False, True),  # the method's Always wins over the rule
    ("never", True, False),  # and so does its Never
    ("defer", True, True),
    ("defer", False, False),
])
def test_the_payment_method_decides_first_then_the_suppliers_rule(admin_client, admin, coding, acme, method_setting,
                                                                 rule_says, queued):
    connect(admin.business_id)
    method = coding.card if method_setting else None
    if method:
        set_auto_publish(admin_client, method, method_setting)
    save_rule(admin_client, acme, coding, auto_publish=rule_says, payment_method=method)
    page = upload(admin_client, admin.business_id)
    item = Item.get()
    assert item.payment_method_id == (method.id if method else None)
    assert (PUBLISHING in page) == queued
    assert item.status == ("publishing" if queued else "ready")
    assert PublishAttempt.select().where(PublishAttempt.item == item.id).exists() == queued


def test_an_item_arriving_without_a_rule_just_lands_in_the_inbox(admin_client, admin, coding, acme):
    connect(admin.business_id)
    page = upload(admin_client, admin.business_id)
    assert PUBLISHING not in page
    item = Item.get()
    assert (item.contact_id, item.status) == (acme.id, "inbox")  # no category: a person codes it


def test_an_item_that_is_not_ready_waits_for_a_person_though_its_rule_says_auto_publish(admin_client, admin, coding,
                                                                                       acme):
    connect(admin.business_id)
    set_auto_publish(admin_client, coding.card, "always")
    save_rule(admin_client, acme, coding, auto_publish=True, payment_method=coding.card)
    content = pdf_bytes("Acme Fuels", "Invoice No: AF-2")  # no date, no total: the checks stop it
    admin_client.form(f"/b/{admin.business_id}/inbox/costs/upload", {"files": [(io.BytesIO(content), "acme.pdf")]},
                      content_type="multipart/form-data")
    read_documents(admin_client.application)
    assert Item.get().status == "inbox" and not PublishAttempt.select().exists()


def test_a_business_not_connected_keeps_the_item_ready_for_a_person(admin_client, admin, coding, acme):
    save_rule(admin_client, acme, coding, auto_publish=True)
    page = upload(admin_client, admin.business_id)
    assert PUBLISHING not in page
    assert Item.get().status == "ready" and not PublishAttempt.select().exists()


def test_a_payment_method_that_supplier_memory_proposed_doesnt_publish_by_its_always(admin_client, admin, coding,
                                                                                    acme):
    connect(admin.business_id)
    set_auto_publish(admin_client, coding.card, "always")
    for earlier in [make_item(admin.business, contact=acme, total=Decimal("60.00")) for _ in range(3)]:
        for name, value in (("category", coding.fuel.id), ("tax_rate", coding.vat20.id),
                            ("payment_method", coding.card.id)):  # a person codes the supplier's documents
            admin_client.hx("POST", f"/b/{admin.business_id}/items/{earlier.id}/fields/{name}", data={"value": value})
    page = upload(admin_client, admin.business_id)
    item = Item.select().order_by(Item.id.desc()).get()
    assert item.payment_method_id == coding.card.id  # proposed from the supplier's last 3 documents
    assert item.status == "ready" and PUBLISHING not in page  # a guess: a person sends it
    assert not PublishAttempt.select().where(PublishAttempt.item == item.id).exists()
