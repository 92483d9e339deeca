"""Supplier memory: the coding people gave a supplier's last documents is proposed on its next one (rules and a
person's own edits win), and the names its documents print are remembered for the contact a person chose."""
import html
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from playhouse.test_utils import count_queries

from tests import factories
from tests.items_helpers import make_coded_item, make_coding, make_contact, make_item, pdf_bytes, read_documents
from tests.publishing_helpers import ATTACHED, invoice, ok, run_attempt, stored_document, xero_double  # noqa: F401
from webapp.items.models import Item, ItemHistory
from webapp.lists import new_contacts
from webapp.lists.models import ARCHIVED, Category, Contact, TrackingOption
from webapp.publishing.models import PublishAttempt
from webapp.rules.aliases import contact_for_printed_name, normalise, remember_printed_name
from webapp.rules.models import ContactAlias, ContactRule

CODING = ("category", "tax_rate", "tracking_option_1", "tracking_option_2", "payment_method", "publish_to")


@pytest.fixture
def acme(admin):
    return make_contact(admin.business, "Acme Fuels")


def _url(item, suffix=""):
    return f"/b/{item.business_id}/items/{item.id}{suffix}"


def _page_url(contact, list_name="suppliers"):
    return f"/b/{contact.business_id}/lists/{list_name}/{contact.id}"


def _edit(client, item, name, value):
    response = client.hx("POST", _url(item, f"/fields/{name}"), data={"value": value})
    assert response.status_code == 200 and "Saved" in response.text, response.text
    return response


def _code(client, item, **values):
    """A person codes the item on its page, one field at a time."""
    for name, value in values.items():
        _edit(client, item, name, str(getattr(value, "id", value)))


def _office_coding(coding) -> dict:
    return {"category": coding.office, "tax_rate": coding.vat20, "tracking_option_1": coding.project_a,
            "tracking_option_2": coding.north, "payment_method": coding.card, "publish_to": "bank"}


def _coded_by_a_person(client, business, contact, count, **values) -> list[Item]:
    items = [make_item(business, contact=contact, total=Decimal("60.00")) for _ in range(count)]
    for item in items:
        _code(client, item, **values)
    return items


def _fresh(item) -> Item:
    return Item.get_by_id(item.id)


def _source(item, field) -> str:
    return (ItemHistory.select().where((ItemHistory.item == item.id) & (ItemHistory.field == field))
            .order_by(ItemHistory.id.desc()).first().source)


def _coding_of(item) -> dict:
    saved = _fresh(item)
    return {name: saved.__data__[name] for name in CODING}


def _ids(values: dict) -> dict:
    return {name: getattr(value, "id", value) for name, value in values.items()}


def test_the_coding_of_a_suppliers_last_3_documents_is_proposed_on_its_next(admin_client, admin, coding, acme):
    _coded_by_a_person(admin_client, admin.business, acme, 3, **_office_coding(coding))
    new = make_item(admin.business, total=Decimal("120.00"))
    _edit(admin_client, new, "contact", "Acme Fuels")
    assert _coding_of(new) == _ids(_office_coding(coding))
    saved = _fresh(new)
    assert (saved.net, saved.tax, saved.paid, saved.publish_as) == (Decimal("100.00"), Decimal("20.00"), True, "")
    rows = ItemHistory.select().where((ItemHistory.item == new.id) & ItemHistory.field.in_(CODING))
    assert {row.field: row.source for row in rows} == dict.fromkeys(CODING, "from this supplier's last 3 documents")
    assert {row.user_id for row in rows} == {admin.user_id}
    history = html.unescape(admin_client.hx("GET", _url(new, "?tab=history"), target="item-tab").text)
    assert "from this supplier's last 3 documents" in history and "453 – Office Expenses" in history


def test_a_document_read_at_upload_gets_its_suppliers_memory(app, admin_client, admin, coding, acme, tmp_path):
    app.config["DOCUMENT_STORAGE_PATH"] = str(tmp_path / "documents")
    _coded_by_a_person(admin_client, admin.business, acme, 2, category=coding.office, tax_rate=coding.vat20)
    upload = {"files": (io.BytesIO(pdf_bytes("Acme Fuels", "Total 36.00")), "acme.pdf")}
    assert admin_client.form(f"/b/{admin.business_id}/inbox/costs/upload", upload,
                             content_type="multipart/form-data").status_code in (200, 303)
    read_documents(app)
    read = Item.select().where(Item.business == admin.business_id).order_by(Item.id.desc()).first()
    assert read.contact_id == acme.id and (read.category_id, read.tax_rate_id) == (coding.office.id, coding.vat20.id)
    assert _source(read, "category") == "from this supplier's last 2 documents"
    assert (read.net, read.tax) == (Decimal("30.00"), Decimal("6.00"))


def test_the_count_says_how_many_documents_there_were(admin_client, admin, coding, acme):
    _coded_by_a_person(admin_client, admin.business, acme, 1, category=coding.office)
    first = make_item(admin.business)
    _edit(admin_client, first, "contact", "Acme Fuels")
    assert _fresh(first).category_id == coding.office.id
    assert _source(first, "category") == "from this supplier's last document"
    _coded_by_a_person(admin_client, admin.business, acme, 4, category=coding.office)
    later = make_item(admin.business)
    _edit(admin_client, later, "contact", "Acme Fuels")
    assert _source(later, "category") == "from this supplier's last 3 documents"


def test_documents_that_disagree_propose_nothing_for_that_field(admin_client, admin, coding, acme):
    for category in (coding.office, coding.fuel, coding.office):
        _coded_by_a_person(admin_client, admin.business, acme, 1, category=category, tax_rate=coding.vat20)
    new = make_item(admin.business)
    _edit(admin_client, new, "contact", "Acme Fuels")
    assert _fresh(new).category_id is None and _fresh(new).tax_rate_id == coding.vat20.id


def test_only_the_last_3_documents_count(admin_client, admin, coding, acme):
    _coded_by_a_person(admin_client, admin.business, acme, 2, category=coding.fuel)
    _coded_by_a_person(admin_client, admin.business, acme, 3, category=coding.office)
    new = make_item(admin.business)
    _edit(admin_client, new, "contact", "Acme Fuels")
    assert _fresh(new).category_id == coding.office.id


def test_coding_no_person_gave_is_not_remembered(admin_client, admin, coding, acme):
    for _ in range(3):  # coded by machinery (the reading, a rule since cleared): nobody chose these values
        make_coded_item(admin.business, contact=acme, category=coding.office, tax_rate=coding.vat20)
    new = make_item(admin.business)
    _edit(admin_client, new, "contact", "Acme Fuels")
    assert (_fresh(new).category_id, _fresh(new).tax_rate_id) == (None, None)
    assert "Nothing yet." in admin_client.get(_page_url(acme)).text


def test_a_document_sent_to_xero_counts_as_a_persons_coding(app, admin_client, admin, coding, acme, xero_double):
    document = stored_document(app, admin.business_id, "Acme Fuels diesel")
    sent = make_coded_item(admin.business, document=document, contact=acme, category=coding.fuel,
                           tax_rate=coding.vat20, total=Decimal("12.00"), date=date(2026, 5, 1), reference="AF-1")
    assert admin_client.form(_url(sent, "/publish")).status_code == 303  # a person presses Publish
    xero_double.answers.extend([ok({"Invoices": [invoice()]}), ATTACHED])
    run_attempt(app, PublishAttempt.get(PublishAttempt.item == sent.id))
    assert _fresh(sent).status == "published"
    new = make_item(admin.business)
    _edit(admin_client, new, "contact", "Acme Fuels")
    assert (_fresh(new).category_id, _fresh(new).tax_rate_id) == (coding.fuel.id, coding.vat20.id)
    assert _source(new, "category") == "from this supplier's last document"


def test_a_bulk_edit_is_a_persons_choice_too(admin_client, admin, coding, acme):
    items = [make_item(admin.business, contact=acme) for _ in range(3)]
    response = admin_client.hx("POST", f"/b/{admin.business_id}/inbox/costs/bulk", target="bulk-edit",
                               data={"item": [item.id for item in items], "category": coding.fuel.id})
    assert response.status_code == 200
    new = make_item(admin.business)
    _edit(admin_client, new, "contact", "Acme Fuels")
    assert _fresh(new).category_id == coding.fuel.id


def test_the_suppliers_rule_wins_over_memory(admin_client, admin, coding, acme):
    _coded_by_a_person(admin_client, admin.business, acme, 3, **_office_coding(coding))
    ContactRule.create(business=admin.business_id, contact=acme, category=coding.fuel, publish_to="purchases")
    new = make_item(admin.business)
    _edit(admin_client, new, "contact", "Acme Fuels")
    saved = _fresh(new)
    assert (saved.category_id, saved.publish_to) == (coding.fuel.id, "purchases")
    assert _source(new, "category") == "rule for Acme Fuels"
    assert (saved.tax_rate_id, saved.payment_method_id) == (coding.vat20.id, coding.card.id)
    assert _source(new, "tax_rate") == "from this supplier's last 3 documents"
    assert ItemHistory.select().where((ItemHistory.item == new.id) & (ItemHistory.field == "publish_to")).count() == 0


def test_a_field_a_person_set_on_the_item_is_kept(admin_client, admin, coding, acme):
    _coded_by_a_person(admin_client, admin.business, acme, 3, **_office_coding(coding))
    new = make_item(admin.business, publish_to="bank")
    _code(admin_client, new, category=coding.fuel, publish_to="purchases")
    _edit(admin_client, new, "contact", "Acme Fuels")
    saved = _fresh(new)
    assert (saved.category_id, saved.publish_to) == (coding.fuel.id, "purchases")
    assert (_source(new, "category"), _source(new, "publish_to")) == ("edit", "edit")
    assert saved.tax_rate_id == coding.vat20.id


def test_a_value_the_item_arrived_with_is_kept(admin_client, admin, coding, acme):
    _coded_by_a_person(admin_client, admin.business, acme, 3, **_office_coding(coding))
    new = make_item(admin.business, category=coding.fuel)
    _edit(admin_client, new, "contact", "Acme Fuels")
    assert (_fresh(new).category_id, _fresh(new).tax_rate_id) == (coding.fuel.id, coding.vat20.id)


def test_archived_entries_are_never_proposed(admin_client, admin, coding, acme):
    _coded_by_a_person(admin_client, admin.business, acme, 3, **_office_coding(coding))
    Category.update(status=ARCHIVED).where(Category.id == coding.office.id).execute()  # as a refresh from Xero does
    TrackingOption.update(status=ARCHIVED).where(TrackingOption.id == coding.north.id).execute()
    new = make_item(admin.business)
    _edit(admin_client, new, "contact", "Acme Fuels")
    saved = _fresh(new)
    assert (saved.category_id, saved.tracking_option_2_id) == (None, None)
    assert (saved.tax_rate_id, saved.tracking_option_1_id) == (coding.vat20.id, coding.project_a.id)
    assert "453 – Office Expenses" not in admin_client.get(_page_url(acme)).text


def test_a_new_supplier_replaces_what_the_old_ones_memory_proposed(admin_client, admin, coding, acme):
    bolt = make_contact(admin.business, "Bolt & Nut Co")
    _coded_by_a_person(admin_client, admin.business, acme, 1, category=coding.office, tax_rate=coding.vat20)
    _coded_by_a_person(admin_client, admin.business, bolt, 1, category=coding.fuel)
    new = make_item(admin.business)
    _edit(admin_client, new, "contact", "Acme Fuels")
    _edit(admin_client, new, "contact", "Bolt & Nut Co")
    assert _fresh(new).category_id == coding.fuel.id
    assert _source(new, "category") == "from this supplier's last document"


def test_another_business_never_leaks_in(app, admin_client, admin, outsider, coding, acme):
    theirs = make_coding(outsider.business)
    their_acme = make_contact(outsider.business, "Acme Fuels", xero_id="their-acme")
    _coded_by_a_person(app.test_client().login(outsider.user), outsider.business, their_acme, 3,
                       category=theirs.office, tax_rate=theirs.vat20)
    new = make_item(admin.business)
    _edit(admin_client, new, "contact", "Acme Fuels")
    assert (_fresh(new).category_id, _fresh(new).tax_rate_id) == (None, None)
    assert "Nothing yet." in admin_client.get(_page_url(acme)).text


def test_a_customers_memory_works_the_same_in_sales(admin_client, admin, coding):
    hartley = make_contact(admin.business, "Hartley Homes", is_supplier=False, is_customer=True)
    past = make_item(admin.business, workspace="sales", contact=hartley)
    _code(admin_client, past, category=coding.sales, tax_rate=coding.vat_income)
    new = make_item(admin.business, workspace="sales")
    _edit(admin_client, new, "contact", "Hartley Homes")
    assert (_fresh(new).category_id, _fresh(new).tax_rate_id) == (coding.sales.id, coding.vat_income.id)
    assert _source(new, "category") == "from this customer's last document"


def test_memory_costs_the_same_queries_however_many_documents_the_supplier_has(admin_client, admin, coding, acme):
    def queries_to_set_the_contact(count: int) -> int:
        _coded_by_a_person(admin_client, admin.business, acme, count, category=coding.office)
        new = make_item(admin.business)
        with count_queries() as counter:
            _edit(admin_client, new, "contact", "Acme Fuels")
        assert _fresh(new).category_id == coding.office.id
        return counter.count

    assert queries_to_set_the_contact(1) == queries_to_set_the_contact(12)


def test_the_suppliers_page_shows_what_is_remembered(admin_client, standard_client, admin, coding, acme):
    _coded_by_a_person(admin_client, admin.business, acme, 3, **_office_coding(coding))
    _coded_by_a_person(admin_client, admin.business, acme, 1, tracking_option_2=coding.south)
    for client in (admin_client, standard_client):
        page = html.unescape(client.get(_page_url(acme)).text)
        memory = re.search(r'<div id="rules-memory">.*?</div>', page, re.S).group(0)
        assert memory.count("Remembered from its last") == 1 and "Remembered from its last 3 documents:" in memory
        shown = dict(re.findall(r"<dt>([^<]*)</dt><dd>([^<]*)</dd>", memory))
        assert shown == {"Category": "453 – Office Expenses", "Tax rate": "20% (VAT on Expenses)",
                         "Project": "Project A", "Payment method": "Company card", "Publish to": "Bank (spend money)"}
        # Region: North, North, North, then South: the last 3 disagree, so it isn't there


def test_printed_names_round_trip_and_normalise(admin, acme):
    assert normalise("BOOK TA .K") == normalise("book ta k") == normalise("Book-Ta K") == "booktak"
    assert normalise("ＡＣＭＥ") == "acme" and normalise(" .- ") == ""
    assert contact_for_printed_name(admin.business_id, "BOOK TA .K") is None
    assert remember_printed_name(admin.business_id, "BOOK TA .K", acme.id)
    assert contact_for_printed_name(admin.business_id, "book ta k") == acme.id
    assert contact_for_printed_name(admin.business_id, "Book-Ta K") == acme.id
    assert not remember_printed_name(admin.business_id, " .- ", acme.id)
    assert contact_for_printed_name(admin.business_id, "") is None


def test_a_person_correcting_the_supplier_re_points_the_name(admin, acme):
    bolt = make_contact(admin.business, "Bolt & Nut Co")
    remember_printed_name(admin.business_id, "BOOK TA .K", acme.id)
    remember_printed_name(admin.business_id, "Book Ta K", bolt.id)
    assert contact_for_printed_name(admin.business_id, "BOOK TA .K") == bolt.id
    alias = ContactAlias.get()
    assert (ContactAlias.select().count(), alias.printed) == (1, "Book Ta K")


def test_an_archived_or_removed_contact_is_not_returned(admin, acme):
    remember_printed_name(admin.business_id, "ACME FUELS LTD", acme.id)
    Contact.update(status=ARCHIVED).where(Contact.id == acme.id).execute()  # as a refresh from Xero does
    assert contact_for_printed_name(admin.business_id, "ACME FUELS LTD") is None
    Contact.update(status="ACTIVE", removed_at=date(2026, 5, 1)).where(Contact.id == acme.id).execute()
    assert contact_for_printed_name(admin.business_id, "ACME FUELS LTD") is None


def test_printed_names_stay_in_their_business(admin, outsider, acme):
    assert not remember_printed_name(outsider.business_id, "ACME", acme.id)  # not that business's contact
    remember_printed_name(admin.business_id, "ACME", acme.id)
    assert contact_for_printed_name(outsider.business_id, "ACME") is None
    theirs = make_contact(outsider.business, "Acme Fuels", xero_id="their-acme")
    remember_printed_name(outsider.business_id, "ACME", theirs.id)
    assert contact_for_printed_name(admin.business_id, "ACME") == acme.id
    assert contact_for_printed_name(outsider.business_id, "ACME") == theirs.id


def test_printed_names_move_with_a_contact_created_in_docket_that_xero_already_had(admin, acme):
    waiting = new_contacts.add(admin.business_id, "costs", "Acme Fuels Limited")
    remember_printed_name(admin.business_id, "ACME FUELS LTD", waiting.id)
    new_contacts.link(waiting, {"xero_id": acme.xero_id, "name": "Acme Fuels"})
    assert contact_for_printed_name(admin.business_id, "ACME FUELS LTD") == acme.id


def test_an_admin_forgets_a_printed_name(admin_client, admin, acme):
    remember_printed_name(admin.business_id, "BOOK TA .K", acme.id)
    remember_printed_name(admin.business_id, "Acme Fuel Svcs", acme.id)
    page = html.unescape(admin_client.get(_page_url(acme)).text)
    assert "“BOOK TA .K”" in page and "“Acme Fuel Svcs”" in page
    alias = ContactAlias.get(ContactAlias.key == "booktak")
    response = admin_client.form(_page_url(acme) + "/rule/printed-names/forget", {"printed_name": alias.id},
                                 follow_redirects=True)
    said = html.unescape(response.text)
    assert response.status_code == 200
    assert "Forgotten: documents printing “BOOK TA .K” no longer get Acme Fuels by that name." in said
    names = re.search(r'<div id="rules-memory">.*?</div>', said, re.S).group(0)
    assert "“BOOK TA .K”" not in names and "“Acme Fuel Svcs”" in names
    assert contact_for_printed_name(admin.business_id, "BOOK TA .K") is None
    again = admin_client.form(_page_url(acme) + "/rule/printed-names/forget", {"printed_name": alias.id},
                              follow_redirects=True)
    assert "Docket has no such printed name for Acme Fuels" in html.unescape(again.text)


def test_forgetting_only_reaches_the_contacts_own_names(app, admin_client, admin, outsider, acme):
    bolt = make_contact(admin.business, "Bolt & Nut Co")
    remember_printed_name(admin.business_id, "BOLT AND NUT", bolt.id)
    theirs = make_contact(outsider.business, "Acme Fuels", xero_id="their-acme")
    remember_printed_name(outsider.business_id, "ACME", theirs.id)
    for alias in list(ContactAlias.select()):
        response = admin_client.form(_page_url(acme) + "/rule/printed-names/forget", {"printed_name": alias.id})
        assert response.status_code == 303
    assert ContactAlias.select().count() == 2
    outsider_client = app.test_client().login(outsider.user)
    ours = ContactAlias.get(ContactAlias.contact == bolt.id)
    assert outsider_client.form(_page_url(bolt) + "/rule/printed-names/forget",
                                {"printed_name": ours.id}).status_code == 404
    assert ContactAlias.select().count() == 2


def test_a_standard_member_sees_printed_names_but_cannot_forget_them(standard_client, admin, acme):
    remember_printed_name(admin.business_id, "BOOK TA .K", acme.id)
    page = html.unescape(standard_client.get(_page_url(acme)).text)
    assert "“BOOK TA .K”" in page and "printed-names/forget" not in page
    response = standard_client.form(_page_url(acme) + "/rule/printed-names/forget",
                                    {"printed_name": ContactAlias.get().id})
    assert response.status_code == 403 and "Ask an admin of this business" in html.unescape(response.text)
    assert ContactAlias.select().count() == 1


def _upload_pdf(app, client, business_id, name, *lines) -> Item:
    upload = {"files": (io.BytesIO(pdf_bytes(*lines)), name)}
    assert client.form(f"/b/{business_id}/inbox/costs/upload", upload,
                       content_type="multipart/form-data").status_code in (200, 303)
    read_documents(app)
    return Item.select().where(Item.business == business_id).order_by(Item.id.desc()).first()


def test_the_supplier_a_person_chose_for_a_printed_name_is_given_to_its_next_document(app, admin_client, admin,
                                                                                      tmp_path):
    app.config["DOCUMENT_STORAGE_PATH"] = str(tmp_path / "documents")
    book_shop = make_contact(admin.business, "Book Ta K Sdn Bhd")
    make_contact(admin.business, "Booker Wholesale")
    first = _upload_pdf(app, admin_client, admin.business_id, "first.pdf", "BOOK TA .K (TAMAN DAYA)", "Total 9.00")
    assert first.contact_id != book_shop.id  # the printed name is too far from the contact's for a name match
    _edit(admin_client, first, "contact", "Book Ta K Sdn Bhd")
    assert contact_for_printed_name(admin.business_id, "book ta k (taman daya)") == book_shop.id

    second = _upload_pdf(app, admin_client, admin.business_id, "second.pdf", "BOOK TA .K (TAMAN DAYA)",
                         "Total 12.50")
    assert second.contact_id == book_shop.id
    assert _source(second, "contact") == "reading the document"
    assert "contact" not in second.to_check_fields  # a name a person matched before needs no checking


def test_a_printed_name_another_business_remembered_gives_nothing_here(app, admin_client, admin, tmp_path):
    app.config["DOCUMENT_STORAGE_PATH"] = str(tmp_path / "documents")
    other = factories.make_business(name="Elsewhere Ltd")
    remember_printed_name(other.id, "BOOK TA .K (TAMAN DAYA)", make_contact(other, "Book Ta K Sdn Bhd").id)
    make_contact(admin.business, "Book Ta K Sdn Bhd")
    item = _upload_pdf(app, admin_client, admin.business_id, "bill.pdf", "BOOK TA .K (TAMAN DAYA)", "Total 9.00")
    assert item.contact is None or item.contact.name != "Book Ta K Sdn Bhd"
