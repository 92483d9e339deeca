"""Supplier and customer rules: the contact's page, saving a rule, applying it to items, payment method defaults."""
import re
from datetime import date
from decimal import Decimal

import pytest
from playhouse.test_utils import count_queries

from tests import factories
from tests.items_helpers import make_coded_item, make_coding, make_contact, make_item
from webapp.items.models import Item, ItemHistory
from webapp.lists.models import Category, PaymentMethod
from webapp.rules.apply import apply_contact_rule, apply_payment_method_rule
from webapp.rules.models import ContactRule

RULE_POSTS = ["rule", "rule/apply", "rule/clear"]


@pytest.fixture
def acme(admin):
    return make_contact(admin.business, "Acme Fuels")


def page_url(contact, list_name="suppliers", business_id=None):
    return f"/b/{business_id or contact.business_id}/lists/{list_name}/{contact.id}"


def history(item, field):
    return ItemHistory.get((ItemHistory.item == item.id) & (ItemHistory.field == field))


def full_rule(coding, contact, **fields) -> ContactRule:
    values = dict(business=coding.business.id, contact=contact, category=coding.fuel, tax_rate=coding.drc20,
                  tracking_option_1=coding.project_a, tracking_option_2=coding.north, payment_method=coding.card,
                  paid=False, publish_to="purchases", publish_as="awaiting_approval", currency="GBP",
                  description="Diesel for the vans", due_days=30)
    return ContactRule.create(**(values | fields))


def selected(html: str, name: str) -> str:
    """The text of the selected option of the rule form's select `name`."""
    select = re.search(rf'<select id="rule-{name}" name="{name}".*?</select>', html, re.S).group(0)
    found = re.search(r"<option [^>]*selected[^>]*>([^<]*)</option>", select)
    return found.group(1) if found else ""


def test_rule_sets_each_field_it_defines_with_history_naming_the_rule(admin, coding, acme):
    full_rule(coding, acme)
    item = make_item(admin.business, contact=acme, date=date(2026, 3, 1), publish_to="bank", publish_as="",
                     paid=True, currency="EUR")
    changed = apply_contact_rule(Item.get_by_id(item.id), user_id=admin.user_id)
    item = Item.get_by_id(item.id)
    assert set(changed) == {"category", "tax_rate", "tracking_option_1", "tracking_option_2", "payment_method",
                            "paid", "publish_to", "publish_as", "currency", "description", "due_date"}
    assert (item.category_id, item.tax_rate_id, item.payment_method_id) == (coding.fuel.id, coding.drc20.id,
                                                                            coding.card.id)
    assert (item.tracking_option_1_id, item.tracking_option_2_id) == (coding.project_a.id, coding.north.id)
    assert (item.paid, item.publish_to, item.publish_as, item.currency) == (False, "purchases", "awaiting_approval",
                                                                            "GBP")
    assert item.description == "Diesel for the vans" and item.due_date == date(2026, 3, 31)
    row = history(item, "tax_rate")
    assert row.source == "rule for Acme Fuels" and row.user_id == admin.user_id
    assert row.new == "Domestic Reverse Charge @ 20% (VAT on Expenses)"
    assert (history(item, "currency").old, history(item, "currency").new) == ("EUR", "GBP")


def test_fields_the_rule_leaves_empty_are_left_alone(admin, coding, acme):
    ContactRule.create(business=admin.business_id, contact=acme, category=coding.office)
    item = make_item(admin.business, contact=acme, date=date(2026, 3, 1), due_date=date(2026, 3, 9),
                     tax_rate=coding.vat20, description="Printer paper", paid=True, currency="EUR")
    assert apply_contact_rule(Item.get_by_id(item.id), user_id=admin.user_id) == ["category"]
    after = Item.get_by_id(item.id)
    assert after.category_id == coding.office.id
    assert (after.tax_rate_id, after.description, after.paid, after.currency, after.due_date) == (
        coding.vat20.id, "Printer paper", True, "EUR", date(2026, 3, 9))
    assert after.publish_to == "purchases" and after.publish_as == "draft"
    assert [row.field for row in ItemHistory.select().where(ItemHistory.item == item.id)] == ["category"]


def test_archived_entries_in_a_rule_are_not_applied_and_show_as_archived(admin_client, admin, coding, acme):
    full_rule(coding, acme)
    Category.update(status="ARCHIVED").where(Category.id == coding.fuel.id).execute()
    item = make_item(admin.business, contact=acme)
    changed = apply_contact_rule(Item.get_by_id(item.id), user_id=admin.user_id)
    assert "category" not in changed and Item.get_by_id(item.id).category_id is None
    page = admin_client.get(page_url(acme)).text
    assert "449 – Motor Vehicle Expenses (archived in Xero)" in page
    assert "is archived in Xero, so this rule no longer sets it" in page


def test_rule_is_not_applied_to_published_items(admin, coding, acme):
    full_rule(coding, acme)
    item = make_item(admin.business, contact=acme)
    Item.update(status="published").where(Item.id == item.id).execute()
    assert apply_contact_rule(Item.get_by_id(item.id), user_id=admin.user_id) == []
    assert Item.get_by_id(item.id).category_id is None


def test_admin_saves_a_rule_and_applies_it_to_inbox_items_only(admin_client, admin, coding, acme):
    inbox = make_item(admin.business, contact=acme, total=Decimal("120.00"), date=date(2026, 2, 1))
    ready = make_coded_item(admin.business, contact=acme, total=Decimal("50.00"), date=date(2026, 2, 2),
                            category=coding.office, tax_rate=coding.vat20)
    assert ready.status == "ready"
    published, archived = make_item(admin.business, contact=acme), make_item(admin.business, contact=acme)
    Item.update(status="published").where(Item.id == published.id).execute()  # not publish tests: set directly
    Item.update(status="archived").where(Item.id == archived.id).execute()
    someone_else = make_item(admin.business, contact=make_contact(admin.business, "Bolt & Nut Co"))
    response = admin_client.form(page_url(acme) + "/rule", {
        "category": coding.fuel.id, "tax_rate": coding.vat20.id, "due_days": "14", "auto_publish": "yes",
        "apply_to_inbox": "yes"}, follow_redirects=True)
    assert response.status_code == 200
    assert "Rule saved for Acme Fuels. 2 inbox items updated." in response.text
    rule = ContactRule.get(ContactRule.contact == acme.id)
    assert (rule.category_id, rule.tax_rate_id, rule.due_days, rule.auto_publish) == (
        coding.fuel.id, coding.vat20.id, 14, True)
    assert rule.updated_by_id == admin.user_id
    first = Item.get_by_id(inbox.id)
    assert first.category_id == coding.fuel.id and first.due_date == date(2026, 2, 15)
    assert (first.net, first.tax) == (Decimal("100.00"), Decimal("20.00"))  # what follows a tax rate still follows
    assert history(first, "category").source == "rule for Acme Fuels"
    assert Item.get_by_id(ready.id).category_id == coding.fuel.id
    for untouched in (published, archived, someone_else):
        assert Item.get_by_id(untouched.id).category_id is None
        assert not ItemHistory.select().where(ItemHistory.item == untouched.id).exists()


def test_apply_to_inbox_items_button_reports_how_many_changed(admin_client, admin, coding, acme):
    ContactRule.create(business=admin.business_id, contact=acme, description="Fuel")
    make_item(admin.business, contact=acme)
    first = admin_client.form(page_url(acme) + "/rule/apply", follow_redirects=True)
    assert "Rule for Acme Fuels applied. 1 inbox item updated." in first.text
    again = admin_client.form(page_url(acme) + "/rule/apply", follow_redirects=True)
    assert "Rule for Acme Fuels applied. No inbox items needed changes." in again.text


def test_saving_without_apply_leaves_items_and_clearing_keeps_their_values(admin_client, admin, coding, acme):
    item = make_item(admin.business, contact=acme)
    saved = admin_client.form(page_url(acme) + "/rule", {"description": "Fuel"}, follow_redirects=True)
    assert "Rule saved for Acme Fuels.</p>" in saved.text
    assert Item.get_by_id(item.id).description == ""
    admin_client.form(page_url(acme) + "/rule/apply")
    cleared = admin_client.form(page_url(acme) + "/rule/clear", follow_redirects=True)
    assert "Rule cleared for Acme Fuels. Items it already set keep their values." in cleared.text
    assert not ContactRule.select().exists() and Item.get_by_id(item.id).description == "Fuel"


def test_saving_an_empty_rule_clears_it(admin_client, admin, coding, acme):
    ContactRule.create(business=admin.business_id, contact=acme, description="Fuel")
    response = admin_client.form(page_url(acme) + "/rule", {"description": "  "}, follow_redirects=True)
    assert "Rule cleared for Acme Fuels: it had nothing to set." in response.text
    assert not ContactRule.select().exists()


def test_bad_values_show_every_message_and_save_nothing(admin_client, admin, outsider, coding, acme):
    ContactRule.create(business=admin.business_id, contact=acme, description="Fuel", due_days=7)
    theirs = make_coding(outsider.business)
    response = admin_client.form(page_url(acme) + "/rule", {
        "category": theirs.fuel.id, "tax_rate": "abc", "tracking_option_1": coding.north.id,
        "paid": "maybe", "publish_to": "sales", "currency": "EURO", "due_days": "thirty",
        "description": "Changed", "apply_to_inbox": "yes"})
    assert response.status_code == 422 and "<html" in response.text
    text = response.text.replace("&#39;", "'")
    for message in ("Nothing was saved.", "Choose a category from the list.", "Choose a tax rate from the list.",
                    "Choose an option from the list.", "Choose Yes, No, or leave it blank.",
                    "Choose where in Xero this should go.", "Enter a three-letter currency code, like GBP.",
                    "Enter a number of days from 0 to 365, like 30."):
        assert message in text, message
    assert 'aria-invalid="true" aria-describedby="rule-due_days-error"' in text
    assert ">Changed</textarea>" in text  # what was typed is kept for fixing
    rule = ContactRule.get(ContactRule.contact == acme.id)
    assert (rule.description, rule.due_days, rule.category_id) == ("Fuel", 7, None)


def test_currency_must_be_one_of_the_business_currencies(admin_client, admin, coding, acme):
    response = admin_client.form(page_url(acme) + "/rule", {"currency": "usd"})
    assert response.status_code == 422
    assert "USD isn't one of this business's currencies in Xero." in response.text.replace("&#39;", "'")
    assert not ContactRule.select().exists()


def test_domestic_reverse_charge_rate_can_be_chosen_for_a_supplier(admin_client, admin, coding, acme):
    page = admin_client.get(page_url(acme)).text
    assert f'<option value="{coding.drc20.id}">Domestic Reverse Charge @ 20% (VAT on Expenses)</option>' in page
    assert "20% (VAT on Income)" not in page  # a sales rate is not offered for costs
    admin_client.form(page_url(acme) + "/rule", {"tax_rate": coding.drc20.id})
    assert ContactRule.get(ContactRule.contact == acme.id).tax_rate_id == coding.drc20.id
    assert selected(admin_client.get(page_url(acme)).text, "tax_rate") == coding.drc20.name


def test_a_tax_rate_xero_refuses_on_sales_is_refused_for_a_customer(admin_client, admin, coding):
    customer = make_contact(admin.business, "Wren Interiors", is_supplier=False, is_customer=True)
    response = admin_client.form(page_url(customer, "customers") + "/rule", {"tax_rate": coding.drc20.id})
    assert response.status_code == 422
    assert "Xero doesn't allow “Domestic Reverse Charge @ 20% (VAT on Expenses)” on sales." in \
        response.text.replace("&#39;", "'")
    assert not ContactRule.select().exists()
    admin_client.form(page_url(customer, "customers") + "/rule", {"tax_rate": coding.vat_income.id,
                                                                  "publish_to": "sales"})
    rule = ContactRule.get(ContactRule.contact == customer.id)
    assert (rule.tax_rate_id, rule.publish_to) == (coding.vat_income.id, "sales")


def test_contact_page_shows_xero_details_rule_and_recent_items(admin_client, admin, coding, acme):
    acme.purchases_account_code, acme.email = "449", "accounts@acme.example"
    acme.save()
    full_rule(coding, acme)
    items = [make_item(admin.business, contact=acme, reference=f"INV-{n}") for n in range(52)]
    page = admin_client.get(page_url(acme)).text
    assert "<h1>Acme Fuels</h1>" in page and "accounts@acme.example" in page
    assert "<dd>449 – Motor Vehicle Expenses</dd>" in page
    assert selected(page, "category") == "449 – Motor Vehicle Expenses"
    assert selected(page, "publish_as") == "Awaiting approval"
    assert '<label for="rule-tracking_option_2">Region</label>' in page  # labelled by tracking category
    assert selected(page, "tracking_option_2") == "North" and selected(page, "tracking_option_1") == "Project A"
    assert 'value="30"' in page and "Apply to inbox items too" in page
    links = re.findall(rf'href="/b/{admin.business_id}/items/(\d+)"', page)
    assert len(links) == 50 and int(links[0]) == items[-1].id  # the 50 most recent, newest first


def test_contact_page_stays_within_the_query_budget(admin_client, admin, coding, acme):
    full_rule(coding, acme)
    for n in range(60):
        make_item(admin.business, contact=acme, reference=f"INV-{n}" if n % 2 else "")  # unnamed: its file name
    with count_queries() as counter:
        response = admin_client.get(page_url(acme))
    assert response.status_code == 200 and "Diesel for the vans" in response.text and "bill.pdf" in response.text
    assert counter.count <= 13, counter.count  # 10, and 3 for what Docket remembers (memory.py, aliases.py)


def test_set_supplier_rules_from_an_item_prefills_its_coding(admin_client, admin, outsider, coding, acme):
    ContactRule.create(business=admin.business_id, contact=acme, description="Fuel", due_days=7)
    item = make_item(admin.business, contact=acme, category=coding.office, tax_rate=coding.no_vat,
                     publish_to="bank", paid=True, date=date(2026, 1, 1), due_date=date(2026, 1, 31))
    page = admin_client.get(page_url(acme) + f"?item={item.id}").text
    assert f'<a href="/b/{admin.business_id}/items/{item.id}">← Back to the item</a>' in page
    assert selected(page, "category") == "453 – Office Expenses" and selected(page, "tax_rate") == "No VAT"
    assert selected(page, "publish_to") == "Bank (spend money)" and selected(page, "paid") == "Yes"
    assert 'value="30"' in page and ">Fuel</textarea>" in page  # the item's due days; the rule's description
    saved = admin_client.form(page_url(acme) + "/rule", {"item": item.id, "category": coding.office.id})
    assert saved.status_code == 303 and saved.headers["Location"] == f"/b/{admin.business_id}/items/{item.id}"
    theirs = make_item(outsider.business)
    assert admin_client.get(page_url(acme) + f"?item={theirs.id}").status_code == 404


def test_standard_user_sees_the_rule_read_only(standard_client, admin, coding, acme):
    full_rule(coding, acme)
    page = standard_client.get(page_url(acme)).text
    assert "Diesel for the vans" in page and "Domestic Reverse Charge @ 20% (VAT on Expenses)" in page
    assert "Only admins can change them." in page
    assert "<select" not in page and "/rule" not in page and "Apply to inbox items" not in page


@pytest.mark.parametrize("action", RULE_POSTS)
def test_standard_user_gets_403_on_every_rule_action(standard_client, admin, coding, acme, action):
    ContactRule.create(business=admin.business_id, contact=acme, description="Fuel")
    item = make_item(admin.business, contact=acme)
    response = standard_client.form(page_url(acme) + f"/{action}", {"description": "Changed", "apply_to_inbox": "yes"})
    assert response.status_code == 403
    assert "Ask an admin of this business" in response.text
    assert ContactRule.get(ContactRule.contact == acme.id).description == "Fuel"
    assert Item.get_by_id(item.id).description == ""


@pytest.mark.parametrize("action", ["", *RULE_POSTS])
def test_outsider_gets_404_on_every_rules_route(app, admin, outsider, coding, acme, action):
    ContactRule.create(business=admin.business_id, contact=acme, description="Fuel")
    client = app.test_client().login(outsider.user)
    url = page_url(acme) + (f"/{action}" if action else "")
    response = client.form(url, {"description": "Changed"}) if action else client.get(url)
    assert response.status_code == 404
    assert admin.business.name not in response.text and "Acme Fuels" not in response.text
    assert ContactRule.get(ContactRule.contact == acme.id).description == "Fuel"


@pytest.mark.parametrize("action", ["", *RULE_POSTS])
def test_another_business_contact_is_404_under_your_own_business(admin_client, admin, outsider, action):
    theirs = make_contact(outsider.business, "Their Supplier")
    ContactRule.create(business=outsider.business_id, contact=theirs, description="Theirs")
    url = page_url(theirs, business_id=admin.business_id) + (f"/{action}" if action else "")
    response = admin_client.form(url, {"description": "Mine"}) if action else admin_client.get(url)
    assert response.status_code == 404 and "Their Supplier" not in response.text
    assert ContactRule.get(ContactRule.contact == theirs.id).description == "Theirs"


def test_a_customer_is_not_shown_as_a_supplier_and_unknown_lists_are_404(admin_client, admin):
    customer = make_contact(admin.business, "Wren Interiors", is_supplier=False, is_customer=True)
    assert admin_client.get(page_url(customer, "suppliers")).status_code == 404
    assert admin_client.get(page_url(customer, "categories")).status_code == 404
    assert admin_client.get(page_url(customer, "customers")).status_code == 200


def test_contacts_list_links_to_the_page_and_badges_rules(admin_client, admin, coding, acme):
    other = make_contact(admin.business, "Bolt & Nut Co")
    ContactRule.create(business=admin.business_id, contact=acme, description="Fuel")
    page = admin_client.get(f"/b/{admin.business_id}/lists/suppliers").text
    rows = {row_id: row for row_id, row in re.findall(r'<tr id="lists-contact-(\d+)"[^>]*>(.*?)</tr>', page, re.S)}
    assert f'href="{page_url(acme)}">Acme Fuels</a>' in rows[str(acme.id)]
    assert '<span class="badge badge-ready">Rule</span>' in rows[str(acme.id)]
    assert "Rule</span>" not in rows[str(other.id)]


def test_payment_method_rule_sets_publish_to(admin, coding):
    PaymentMethod.update(default_publish_to="bank").where(PaymentMethod.id == coding.card.id).execute()
    item = make_item(admin.business, payment_method=coding.card)
    assert apply_payment_method_rule(Item.get_by_id(item.id), user_id=None) == ["publish_to"]
    assert Item.get_by_id(item.id).publish_to == "bank"
    assert history(item, "publish_to").source == "payment method Company card"
    PaymentMethod.update(default_publish_to="purchases").where(PaymentMethod.id == coding.card.id).execute()
    sales = make_item(admin.business, workspace="sales", payment_method=coding.card)
    assert apply_payment_method_rule(Item.get_by_id(sales.id), user_id=None) == []  # sales can't go to purchases
    assert Item.get_by_id(sales.id).publish_to == "sales"


def test_a_contact_rule_naming_a_payment_method_brings_its_default(admin_client, admin, coding, acme):
    PaymentMethod.update(default_publish_to="bank").where(PaymentMethod.id == coding.card.id).execute()
    ContactRule.create(business=admin.business_id, contact=acme, payment_method=coding.card)
    item = make_item(admin.business, contact=acme)
    admin_client.form(page_url(acme) + "/rule/apply")
    after = Item.get_by_id(item.id)
    assert (after.payment_method_id, after.publish_to, after.paid) == (coding.card.id, "bank", True)
    assert history(after, "payment_method").source == "rule for Acme Fuels"
    assert history(after, "publish_to").source == "payment method Company card"


def test_long_contact_names_fit_the_history_source(admin, coding):
    name = "The Extremely Long Named Fuel Supply Company of Wessex Ltd"
    contact = make_contact(admin.business, name, xero_id="c-long")
    ContactRule.create(business=admin.business_id, contact=contact, description="Fuel")
    item = make_item(admin.business, contact=contact)
    apply_contact_rule(Item.get_by_id(item.id), user_id=None)
    assert history(item, "description").source == "rule for The Extremely Long Named Fuel …"


def _methods_url(admin, method):
    return f"/b/{admin.business_id}/lists/payment-methods/{method.id}"


def test_admin_sets_default_publish_to_and_auto_publish_inline(admin_client, admin, coding):
    row_id = f"lists-payment-method-{coding.card.id}"
    response = admin_client.hx("POST", _methods_url(admin, coding.card), target=row_id,
                               data={"default_publish_to": "bank"})
    assert response.status_code == 200 and "<html" not in response.text
    assert response.text.count(f'id="{row_id}"') == 1
    assert '<option value="bank" selected>Bank</option>' in response.text
    plain = admin_client.form(_methods_url(admin, coding.card), {"auto_publish": "defer"}, follow_redirects=True)
    assert "Auto-publish for Company card is now “Defer to other rules”." in plain.text
    method = PaymentMethod.get_by_id(coding.card.id)
    assert (method.default_publish_to, method.auto_publish, method.bank_account_id) == ("bank", "defer",
                                                                                        coding.bank.id)


@pytest.mark.parametrize("field, value, message", [
    ("default_publish_to", "sales", "Choose Bank, Purchases or Not set."),
    ("auto_publish", "sometimes", "Choose Always, Never or Defer to other rules.")])
def test_bad_payment_method_settings_are_refused(admin_client, admin, coding, field, value, message):
    row_id = f"lists-payment-method-{coding.card.id}"
    response = admin_client.hx("POST", _methods_url(admin, coding.card), target=row_id, data={field: value})
    assert response.status_code == 422 and message in response.text
    assert f'aria-describedby="{row_id}-{field}-error"' in response.text
    method = PaymentMethod.get_by_id(coding.card.id)
    assert (method.default_publish_to, method.auto_publish) == ("", "never")


def test_standard_user_sees_payment_method_settings_as_text(standard_client, admin, coding):
    PaymentMethod.update(default_publish_to="purchases", auto_publish="always").where(
        PaymentMethod.id == coding.card.id).execute()
    page = standard_client.get(f"/b/{admin.business_id}/lists/payment-methods").text
    row = page.split(f'id="lists-payment-method-{coding.card.id}"')[1].split("</tr>")[0]
    assert "<select" not in row and "Purchases" in row and "Always" in row
    response = standard_client.form(_methods_url(admin, coding.card), {"auto_publish": "never"})
    assert response.status_code == 403
    assert PaymentMethod.get_by_id(coding.card.id).auto_publish == "always"


def test_outsider_cannot_change_another_business_payment_method(app, admin, outsider, coding):
    client = app.test_client().login(outsider.user)
    assert client.form(_methods_url(admin, coding.card), {"default_publish_to": "bank"}).status_code == 404
    member = factories.make_member(business=outsider.business, role="admin")
    own = app.test_client().login(member.user)
    url = f"/b/{outsider.business_id}/lists/payment-methods/{coding.card.id}"
    assert own.form(url, {"default_publish_to": "bank"}).status_code == 404
    assert PaymentMethod.get_by_id(coding.card.id).default_publish_to == ""
