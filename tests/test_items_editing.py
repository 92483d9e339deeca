"""Item details: inline edits saved on change, what follows from them, checks before publishing, notes, archive."""
import html
import re
from datetime import date
from decimal import Decimal

import pytest
from playhouse.test_utils import count_queries

from tests.factories import make_business
from tests.items_helpers import make_coding, make_contact, make_item
from webapp.items.models import Item, ItemHistory, ItemNote
from webapp.lists.models import Currency, Organisation


@pytest.fixture
def supplier(admin):
    return make_contact(admin.business, "Acme Fuels Ltd")


@pytest.fixture
def item(admin, supplier, coding):
    return make_item(admin.business, contact=supplier, date=date(2026, 5, 14), total=Decimal("120.00"))


def _url(item, suffix=""):
    return f"/b/{item.business_id}/items/{item.id}{suffix}"


def _edit(client, item, name, value):
    return client.hx("POST", _url(item, f"/fields/{name}"), data={"value": value})


def _fresh(item) -> Item:
    return Item.get_by_id(item.id)


def _said(response) -> str:
    """The response's text as a person reads it (apostrophes and ampersands unescaped)."""
    return html.unescape(response.text)


def _checks(client, item) -> str:
    page = _said(client.get(_url(item)))
    return re.search(r'<section id="item-checks".*?</section>', page, re.S).group(0)


def test_a_field_is_saved_on_change_and_the_response_redraws_it(admin_client, admin, item):
    response = _edit(admin_client, item, "reference", "  INV-2201 ")
    assert response.status_code == 200
    assert 'id="field-reference" hx-swap-oob="true"' in response.text and "Saved" in response.text
    assert _fresh(item).reference == "INV-2201"
    change = ItemHistory.get((ItemHistory.item == item.id) & (ItemHistory.field == "reference"))
    assert (change.new, change.source, change.user_id) == ("INV-2201", "edit", admin.user_id)


def test_an_unusable_value_gets_its_message_in_place_and_changes_nothing(admin_client, item):
    response = _edit(admin_client, item, "date", "31/02/2026")
    assert response.status_code == 422
    assert "Enter a date like 2026-03-31." in response.text and 'value="31/02/2026"' in response.text
    assert _fresh(item).date == date(2026, 5, 14)
    assert not ItemHistory.select().where(ItemHistory.field == "date").exists()


@pytest.mark.parametrize("typed, message", [
    ("-12.00", "Enter the amount without a minus sign"),
    ("12.345", "Use at most 2 decimal places."),
    ("twelve", "Enter an amount in numbers, like 1234.50."),
])
def test_bad_amounts_are_explained(admin_client, item, typed, message):
    response = _edit(admin_client, item, "total", typed)
    assert response.status_code == 422 and message in response.text
    assert _fresh(item).total == Decimal("120.00")


def test_amounts_typed_as_people_type_them(admin_client, item):
    assert _edit(admin_client, item, "total", "£1,234.50").status_code == 200
    assert _fresh(item).total == Decimal("1234.50")


def test_a_tax_rate_splits_the_total_into_net_and_tax(admin_client, item, coding):
    response = _edit(admin_client, item, "tax_rate", str(coding.vat20.id))
    saved = _fresh(item)
    assert (saved.tax, saved.net) == (Decimal("20.00"), Decimal("100.00"))
    assert 'id="field-tax" hx-swap-oob="true"' in response.text and 'value="20.00"' in response.text
    _edit(admin_client, item, "total", "60.00")
    assert (_fresh(item).tax, _fresh(item).net) == (Decimal("10.00"), Decimal("50.00"))


@pytest.mark.parametrize("total, tax, net", [("0.75", "0.13", "0.62"), ("14.07", "2.35", "11.72")])
def test_a_half_cent_of_tax_rounds_up(admin_client, item, coding, total, tax, net):
    """20% VAT in 0.75 is 0.125 and in 14.07 is 2.345: half a cent goes up, as on a VAT invoice (not to even)."""
    _edit(admin_client, item, "tax_rate", str(coding.vat20.id))
    _edit(admin_client, item, "total", total)
    assert (_fresh(item).tax, _fresh(item).net) == (Decimal(tax), Decimal(net))


def test_domestic_reverse_charge_puts_no_tax_on_the_document(admin_client, item, coding):
    _edit(admin_client, item, "tax_rate", str(coding.drc20.id))
    assert (_fresh(item).tax, _fresh(item).net) == (Decimal("0.00"), Decimal("120.00"))


def test_typed_tax_sets_the_net(admin_client, item):
    _edit(admin_client, item, "tax", "15.00")
    assert _fresh(item).net == Decimal("105.00")


def test_supplier_by_name_and_the_message_for_an_ambiguous_name(admin_client, admin, item):
    other = make_contact(admin.business, "Bolt & Nut Co")
    assert _edit(admin_client, item, "contact", "bolt & nut co").status_code == 200
    assert _fresh(item).contact_id == other.id
    make_contact(admin.business, "Twin Ltd", xero_id="t1")
    make_contact(admin.business, "Twin Ltd", xero_id="t2")
    assert "Xero has two suppliers called “Twin Ltd”" in _said(_edit(admin_client, item, "contact", "Twin Ltd"))
    assert _fresh(item).contact_id == other.id


def test_supplier_suggestions_list_live_suppliers_only(admin_client, admin, item):
    make_contact(admin.business, "Acme Hire", status="ARCHIVED")
    response = admin_client.hx("GET", _url(item, "/contact-options?value=Acme"))
    assert '<option value="Acme Fuels Ltd">' in response.text and "Acme Hire" not in response.text


def test_archived_or_foreign_entries_are_refused(admin_client, item, coding):
    coding.office.status = "ARCHIVED"
    coding.office.save()
    archived = _edit(admin_client, item, "category", str(coding.office.id))
    assert archived.status_code == 422 and "is archived in Xero. Choose another." in archived.text
    foreign = make_coding(make_business())
    assert "Choose a category from the list." in _edit(admin_client, item, "category", str(foreign.fuel.id)).text
    assert "Choose a category from the list." in _edit(admin_client, item, "category", str(coding.bank.id)).text
    assert _fresh(item).category_id is None


def test_an_archived_category_an_item_already_has_is_shown_as_archived(admin_client, item, coding):
    _edit(admin_client, item, "category", str(coding.fuel.id))
    coding.fuel.status = "ARCHIVED"
    coding.fuel.save()
    page = admin_client.get(_url(item)).text
    assert "449 – Motor Vehicle Expenses (archived in Xero)" in page
    assert "The category “449 – Motor Vehicle Expenses” is archived in Xero" in _checks(admin_client, item)


def test_paid_publish_as_and_bank_move_together(admin_client, item, coding):
    _edit(admin_client, item, "paid", "yes")
    assert _fresh(item).publish_as == "paid"
    _edit(admin_client, item, "publish_as", "awaiting_payment")
    assert _fresh(item).paid is False
    _edit(admin_client, item, "publish_to", "bank")
    assert (_fresh(item).paid, _fresh(item).publish_as) == (True, "")


def test_item_becomes_ready_when_nothing_would_stop_publishing(admin_client, item, coding):
    assert _fresh(item).status == "inbox"
    _edit(admin_client, item, "category", str(coding.fuel.id))
    response = _edit(admin_client, item, "tax_rate", str(coding.vat20.id))
    assert _fresh(item).status == "ready"
    assert 'id="item-status" class="badge badge-ready" hx-swap-oob="true"' in response.text
    assert "Ready to publish" in response.text
    _edit(admin_client, item, "date", "")
    assert _fresh(item).status == "inbox"


def test_lock_date_warning_appears_for_an_early_date_and_goes_for_a_later_one(admin_client, admin, item, coding):
    Organisation.update(period_lock_date=date(2026, 3, 31)).where(Organisation.business == admin.business_id).execute()
    _edit(admin_client, item, "publish_as", "awaiting_payment")
    warning = ("is on or before Xero's period lock date 31 Mar 2026: publish as Draft or Awaiting approval, or change "
               "the date.")
    assert warning in _said(_edit(admin_client, item, "date", "2026-03-15"))
    assert warning not in _said(_edit(admin_client, item, "date", "2026-04-01"))
    _edit(admin_client, item, "date", "2026-03-31")
    assert warning not in _said(_edit(admin_client, item, "publish_as", "draft"))
    bank = _said(_edit(admin_client, item, "publish_to", "bank"))
    assert "Xero refuses bank transactions in a locked period" in bank


def test_checks_say_what_to_do(admin_client, admin, item, coding):
    Currency.delete().where(Currency.business == admin.business_id).execute()
    Currency.create(business=admin.business_id, xero_id="GBP")
    _edit(admin_client, item, "currency", "eur")
    _edit(admin_client, item, "category", str(coding.fuel.id))
    _edit(admin_client, item, "tax_rate", str(coding.vat_income.id))
    _edit(admin_client, item, "paid", "yes")
    coding.card.bank_account = None
    coding.card.save()
    _edit(admin_client, item, "payment_method", str(coding.card.id))
    _edit(admin_client, item, "net", "90.00")
    Item.update(tax=Decimal("1.00")).where(Item.id == item.id).execute()
    panel = _checks(admin_client, item)
    assert "The Xero organisation doesn't use EUR" in panel
    assert ("Xero doesn't allow the tax rate “20% (VAT on Income)” with the category “449 – Motor Vehicle Expenses”"
            in panel)
    assert "The payment method “Company card” isn't linked to a Xero bank account" in panel
    assert "Net 90.00 + tax 1.00 doesn't equal the total 120.00" in panel


def test_missing_fields_are_listed(admin_client, admin, coding):
    empty = make_item(admin.business)
    panel = _checks(admin_client, empty)
    for message in ("Enter the date shown on the document.", "Choose the supplier.", "Enter the total.",
                    "Choose a category (or add line items).", "Choose a tax rate (or add line items)."):
        assert message in panel


def test_possible_duplicates_are_flagged_and_can_be_cleared(admin_client, admin, supplier, item, coding):
    second = make_item(admin.business, contact=supplier, total=Decimal("120.00"))
    _edit(admin_client, second, "date", "2026-05-14")
    flagged = _fresh(second)
    assert flagged.needs_attention and flagged.duplicate_of_id == item.id
    assert f"Possible duplicate of item {item.id}" in admin_client.get(_url(second)).text
    _edit(admin_client, second, "total", "99.00")
    assert not _fresh(second).needs_attention
    _edit(admin_client, second, "total", "120.00")
    assert _fresh(second).needs_attention
    admin_client.form(_url(second, "/not-duplicate"))
    _edit(admin_client, second, "reference", "again")
    assert not _fresh(second).needs_attention and Item.select().count() == 2


def test_same_reference_is_a_duplicate_too(admin_client, admin, supplier, item):
    Item.update(reference="INV-9").where(Item.id == item.id).execute()
    second = make_item(admin.business, contact=supplier, total=Decimal("120.00"), date=date(2026, 6, 1))
    _edit(admin_client, second, "reference", "INV-9")
    assert _fresh(second).duplicate_of_id == item.id


def test_the_same_total_and_date_from_another_supplier_is_no_duplicate(admin_client, admin, item):
    _edit(admin_client, item, "reference", "INV-9")
    other = make_item(admin.business, contact=make_contact(admin.business, "Bolt & Nut Co"), total=Decimal("120.00"))
    _edit(admin_client, other, "date", "2026-05-14")
    _edit(admin_client, other, "reference", "INV-9")
    assert not _fresh(other).needs_attention and _fresh(other).duplicate_of_id is None


def test_history_tab_shows_who_changed_what(admin_client, admin, item, coding):
    _edit(admin_client, item, "tax_rate", str(coding.vat20.id))
    history = admin_client.hx("GET", _url(item, "?tab=history"), target="item-tab").text
    assert "<html" not in history and "20% (VAT on Expenses)" in history
    assert admin.user.name in history and "calculated" in history


def test_history_names_fields_as_the_page_does(admin_client, admin, item, coding):
    tracked = _edit(admin_client, item, "tracking_option_1", str(coding.project_a.id))
    assert tracked.status_code == 200 and "Saved" in tracked.text, tracked.text
    make_contact(admin.business, "Bolt & Nut Co")
    assert _edit(admin_client, item, "contact", "Bolt & Nut Co").status_code == 200
    history = admin_client.hx("GET", _url(item, "?tab=history"), target="item-tab").text
    assert "<td>Project</td>" in history and "Tracking option 1" not in history
    assert "<td>Supplier</td>" in history and "<td>Contact</td>" not in history


def _tax_options(page: str) -> list[str]:
    select = page[page.index('id="input-tax_rate"'):]
    return re.findall(r"<option[^>]*>([^<]*)</option>", select[:select.index("</select>")])


def test_a_cost_offers_expense_tax_rates_first_and_income_ones_after_a_divider(admin_client, admin, item, coding):
    options = _tax_options(admin_client.get(_url(item)).text)
    divider = options.index("── Other tax rates ──")
    assert "20% (VAT on Expenses)" in options[:divider] and "No VAT" in options[:divider]
    assert options[divider + 1:] == ["20% (VAT on Income)"]
    sale = make_item(admin.business, workspace="sales")
    options = _tax_options(admin_client.get(_url(sale)).text)
    divider = options.index("── Other tax rates ──")
    assert options[1:divider] == ["20% (VAT on Income)", "No VAT"]
    assert "20% (VAT on Expenses)" in options[divider + 1:]


def test_notes(admin_client, admin, item):
    empty = admin_client.hx("POST", _url(item, "/notes"), data={"text": "   "})
    assert empty.status_code == 422 and "Write the note first." in empty.text
    added = admin_client.hx("POST", _url(item, "/notes"), data={"text": "Asked the client for the VAT receipt."})
    assert "Asked the client for the VAT receipt." in added.text and ItemNote.select().count() == 1
    assert "Asked the client for the VAT receipt." in admin_client.get(_url(item, "?tab=notes")).text


def test_archive_and_restore(admin_client, item):
    admin_client.form(_url(item, "/archive"))
    assert _fresh(item).status == "archived"
    assert _edit(admin_client, item, "reference", "x").status_code == 409
    admin_client.form(_url(item, "/restore"))
    assert _fresh(item).status == "inbox"


def test_published_items_cannot_be_edited(admin_client, item):
    Item.update(status="published").where(Item.id == item.id).execute()
    response = _edit(admin_client, item, "reference", "changed")
    assert response.status_code == 409 and "can't be changed here" in _said(response)
    page = admin_client.get(_url(item)).text
    for name in ("reference", "total", "date", "category"):  # every box shown, none of them editable
        assert re.search(rf'id="field-{name}".*?<(input|select)[^>]* disabled>.*?</form>', page, re.S), name


def test_without_javascript_a_field_form_redirects_back_with_the_outcome(admin_client, item):
    response = admin_client.form(_url(item, "/fields/reference"), {"value": "INV-1"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/items/{item.id}#field-reference")
    assert "Reference saved." in admin_client.get(response.headers["Location"]).text


def test_standard_members_edit_items_too(standard_client, standard):
    own = make_item(standard.business, total=Decimal("5.00"))
    assert _edit(standard_client, own, "reference", "R1").status_code == 200
    assert _fresh(own).reference == "R1"


@pytest.mark.parametrize("method, suffix", [
    ("GET", ""), ("GET", "?tab=history"), ("GET", "/contact-options?value=a"), ("POST", "/fields/reference"),
    ("POST", "/notes"), ("POST", "/archive"), ("POST", "/restore"), ("POST", "/not-duplicate"),
])
def test_nobody_reaches_another_business_item(admin_client, outsider, method, suffix):
    foreign = make_item(outsider.business, reference="theirs")
    url = f"/b/{outsider.business_id}/items/{foreign.id}{suffix}"
    response = admin_client.hx(method, url, data={"value": "mine", "text": "mine"} if method == "POST" else None)
    assert response.status_code == 404
    assert _fresh(foreign).reference == "theirs" and _fresh(foreign).status == "inbox"


def test_unknown_field_is_not_found(admin_client, item):
    assert _edit(admin_client, item, "status", "published").status_code == 404


def test_query_budget_for_the_page_and_an_edit(admin_client, item, coding):
    with count_queries() as page:
        assert admin_client.get(_url(item)).status_code == 200
    assert page.count <= 10, page.count
    with count_queries() as edit:
        assert _edit(admin_client, item, "tax_rate", str(coding.vat20.id)).status_code == 200
    assert edit.count <= 10, edit.count
