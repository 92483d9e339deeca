"""Ids, page numbers and amounts a person (or anyone) can type: digits of other scripts, numbers past 64 bits, NUL and
JSON nested past Python's limit get a clear message or a 404, never a 500, and change nothing."""
import base64
import html
import json
from datetime import date
from decimal import Decimal

import pytest

from tests.items_helpers import make_contact, make_item
from tests.test_embed import launch
from tests.test_webhooks import connected, deliver, event, payload, queued
from webapp.accounts.models import Membership
from webapp.items.models import Item, LineItem
from webapp.lists.models import PaymentMethod
from webapp.rules.models import ContactRule
from webapp.webhooks.models import WebhookEvent

HUGE = "99999999999999999999999"
PAST_64_BITS = str(2**63)
NOT_IDS = ["²", "٣", HUGE, PAST_64_BITS]


def said(response) -> str:
    return html.unescape(response.text)


@pytest.fixture
def supplier(admin):
    return make_contact(admin.business, "Acme Fuels Ltd")


@pytest.fixture
def item(admin, coding, supplier):
    return make_item(admin.business, contact=supplier, date=date(2026, 5, 14), total=Decimal("120.00"))


@pytest.mark.parametrize("number", [HUGE, PAST_64_BITS, "٣"])
def test_an_id_in_an_address_that_is_no_id_is_404(admin_client, admin, item, number):
    b = admin.business_id
    for method, url in [("GET", f"/b/{number}/inbox/costs"), ("GET", f"/b/{b}/items/{number}"),
                        ("POST", f"/b/{b}/items/{item.id}/lines/{number}"), ("POST", f"/b/{b}/team/{number}"),
                        ("GET", f"/b/{b}/lists/suppliers/{number}")]:
        response = admin_client.hx(method, url) if method == "POST" else admin_client.get(url)
        assert response.status_code == 404, url
        assert "We couldn't find that page." in said(response)


def test_the_largest_id_is_an_id_no_row_has(admin_client, admin):
    assert admin_client.get(f"/b/{admin.business_id}/items/{2**63 - 1}").status_code == 404


@pytest.mark.parametrize("query", ["contact=²", f"contact={HUGE}", "page=²", f"page={HUGE}", "contact=-3&page=0"])
def test_an_inbox_filter_or_page_that_is_no_id_shows_the_inbox_unfiltered(admin_client, admin, item, query):
    response = admin_client.get(f"/b/{admin.business_id}/inbox/costs?{query}")
    assert response.status_code == 200 and "Acme Fuels Ltd" in response.text


@pytest.mark.parametrize("page", ["²", HUGE])
def test_a_list_page_that_is_no_number_shows_the_first_page(admin_client, admin, supplier, page):
    response = admin_client.get(f"/b/{admin.business_id}/lists/suppliers?page={page}")
    assert response.status_code == 200 and "Acme Fuels Ltd" in response.text


@pytest.mark.parametrize("value", NOT_IDS)
def test_bulk_edit_and_publish_ignore_item_values_that_are_no_ids(admin_client, admin, coding, item, value):
    b = admin.business_id
    form = admin_client.hx("GET", f"/b/{b}/inbox/costs/bulk?item={value}", target="bulk-edit")
    assert form.status_code == 200
    edit = admin_client.hx("POST", f"/b/{b}/inbox/costs/bulk", target="bulk-edit",
                           data={"item": [value], "category": coding.fuel.id})
    assert edit.status_code == 422 and "Select at least one item." in edit.text
    publish = admin_client.form(f"/b/{b}/inbox/costs/publish", {"item": [value]})
    assert publish.status_code == 303
    assert "Select the items to publish first." in admin_client.get(publish.headers["Location"]).text
    assert Item.get_by_id(item.id).category_id is None


@pytest.mark.parametrize("value", NOT_IDS)
def test_bulk_edit_refuses_a_category_that_is_no_id(admin_client, admin, item, value):
    response = admin_client.hx("POST", f"/b/{admin.business_id}/inbox/costs/bulk", target="bulk-edit",
                               data={"item": [item.id], "category": value})
    assert response.status_code == 422 and "Category: Choose a category from the list." in response.text
    assert Item.get_by_id(item.id).category_id is None


@pytest.mark.parametrize("name, message", [("category", "Choose a category from the list."),
                                           ("tax_rate", "Choose a tax rate from the list."),
                                           ("payment_method", "Choose a payment method from the list."),
                                           ("tracking_option_1", "Choose an option from the list.")])
@pytest.mark.parametrize("value", NOT_IDS)
def test_an_item_field_given_no_id_says_what_to_choose_and_saves_nothing(admin_client, item, name, message, value):
    response = admin_client.hx("POST", f"/b/{item.business_id}/items/{item.id}/fields/{name}", data={"value": value})
    assert response.status_code == 422 and message in said(response)
    assert Item.get_by_id(item.id).__data__[name] is None


@pytest.mark.parametrize("value", NOT_IDS)
def test_a_line_category_given_no_id_says_what_to_choose_and_saves_nothing(admin_client, coding, item, value):
    line = _add_line(admin_client, item)
    response = admin_client.hx("POST", f"/b/{item.business_id}/items/{item.id}/lines/{line.id}",
                               target=f"items-line-{line.id}", data={"field": "category", "value": value})
    assert response.status_code == 422 and "Choose a category from the list." in said(response)
    assert LineItem.get_by_id(line.id).category_id == line.category_id


@pytest.mark.parametrize("value", NOT_IDS)
def test_a_payment_method_bank_account_that_is_no_id_is_refused(admin_client, admin, coding, value):
    card = coding.card
    response = admin_client.hx("POST", f"/b/{admin.business_id}/lists/payment-methods/{card.id}",
                               target=f"lists-payment-method-{card.id}", data={"bank_account": value})
    assert response.status_code == 422 and "Choose one of this business's Xero bank accounts." in said(response)
    assert PaymentMethod.get_by_id(card.id).bank_account_id == coding.bank.id


@pytest.mark.parametrize("value", NOT_IDS)
def test_supplier_page_from_an_item_that_is_no_id_is_404(admin_client, admin, supplier, value):
    response = admin_client.get(f"/b/{admin.business_id}/lists/suppliers/{supplier.id}?item={value}")
    assert response.status_code == 404


def test_a_saved_rule_whose_item_is_no_id_goes_back_to_the_supplier(admin_client, admin, coding, supplier):
    response = admin_client.form(f"/b/{admin.business_id}/lists/suppliers/{supplier.id}/rule",
                                 {"category": coding.fuel.id, "item": "²"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/lists/suppliers/{supplier.id}")
    assert ContactRule.get(ContactRule.contact == supplier.id).category_id == coding.fuel.id


def test_a_webhook_nested_past_pythons_limit_is_400_and_stores_nothing(client, admin):
    body = b'{"events": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = deliver(client, body)
    assert response.status_code == 400 and response.data == b""
    assert WebhookEvent.select().count() == 0 and queued() == 0


def test_a_launch_token_nested_past_pythons_limit_is_unreadable(client, admin):
    part = lambda text: base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()  # noqa: E731
    token = ".".join([part(json.dumps({"alg": "HS256"})), part("[" * 1500 + "]" * 1500), "c2ln"])
    response = launch(client, token)
    assert response.status_code == 400 and "couldn't read this launch token" in said(response)


@pytest.mark.parametrize("name", ["total", "net", "tax"])
@pytest.mark.parametrize("value", ["١٢٣", "١٢٣.٤٥", "12²", "１２"])
def test_an_amount_in_other_digits_is_refused_with_how_to_type_it(admin_client, item, name, value):
    response = admin_client.hx("POST", f"/b/{item.business_id}/items/{item.id}/fields/{name}", data={"value": value})
    assert response.status_code == 422 and "Type the amount with the digits 0–9." in response.text
    saved = Item.get_by_id(item.id)
    assert (saved.total, saved.net, saved.tax) == (Decimal("120.00"), None, None)


@pytest.mark.parametrize("name, message", [("unit_amount", "Type the amount with the digits 0–9."),
                                           ("tax_amount", "Type the amount with the digits 0–9."),
                                           ("quantity", "Type the quantity with the digits 0–9.")])
def test_a_line_amount_in_other_digits_is_refused_the_same_way(admin_client, item, name, message):
    line = _add_line(admin_client, item)
    before = LineItem.get_by_id(line.id).__data__[name]
    response = admin_client.hx("POST", f"/b/{item.business_id}/items/{item.id}/lines/{line.id}",
                               target=f"items-line-{line.id}", data={"field": name, "value": "١٢٣"})
    assert response.status_code == 422 and message in response.text
    assert LineItem.get_by_id(line.id).__data__[name] == before


def test_a_rule_due_in_other_digits_is_refused(admin_client, admin, supplier):
    response = admin_client.form(f"/b/{admin.business_id}/lists/suppliers/{supplier.id}/rule", {"due_days": "٣٠"})
    assert response.status_code == 422 and "Enter a number of days from 0 to 365" in response.text
    assert ContactRule.select().count() == 0


def test_team_member_ids_past_64_bits_change_no_one(admin_client, admin, standard):
    response = admin_client.hx("POST", f"/b/{admin.business_id}/team/{HUGE}/remove")
    assert response.status_code == 404 and Membership.select().count() == 2


def _add_line(client, item) -> LineItem:
    response = client.hx("POST", f"/b/{item.business_id}/items/{item.id}/lines", target="line-items")
    assert response.status_code == 200
    return LineItem.select().where(LineItem.item == item.id).order_by(LineItem.id.desc()).first()


def test_text_with_a_nul_character_is_refused_with_a_message_and_saves_nothing(admin_client, admin, item):
    response = admin_client.hx("POST", f"/b/{item.business_id}/items/{item.id}/fields/reference",
                               data={"value": "INV\x00-1"})
    assert response.status_code == 400 and "contains a NUL character" in said(response)
    assert Item.get_by_id(item.id).reference in ("", None)
    search = admin_client.get(f"/b/{admin.business_id}/lists/suppliers?q=Acme%00")
    assert search.status_code == 400 and "nothing was changed" in said(search)


def test_a_webhook_event_with_a_nul_character_is_skipped(client, admin):
    connected(admin.business_id)
    response = deliver(client, payload(event(event_type="UPDATE\x00")))
    assert response.status_code == 200 and WebhookEvent.select().count() == 0 and queued() == 0
