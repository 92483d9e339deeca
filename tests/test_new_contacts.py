"""A supplier or customer Xero doesn't have yet: typed on an item, shown as new, created in Xero by the first publish
that needs it (with what the document says of it), exactly once however the publish is cut short, and linked
rather than duplicated when Xero has the name already."""
import io
import time
from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from jobs.publishing import publish_attempt, publish_batch
from tests import xero_helpers as xh
from tests.items_helpers import make_coding, make_contact, make_item, pdf_bytes, read_documents
from tests.publishing_helpers import (ATTACHED, coded, invoice, ok, run_attempt, sandbox_creates,  # noqa: F401
                                      sandbox_documents, stored_document, uk, work, xero_double)
from tests.test_lists_refresh import refresh
from tests.test_integrations_flow import connect
from tests.test_publishing_publisher import press_publish, script, sent
from webapp.integrations.models import Connection
from webapp.integrations.xero_access import xero
from webapp.items.models import Item
from webapp.jobruns.models import SUCCEEDED
from webapp.lists import new_contacts
from webapp.lists.models import Category, Contact, TaxRate
from webapp.publishing import contacts as publishing_contacts
from webapp.publishing.models import FAILED, PublishAttempt
from webapp.rules.models import ContactRule

NEW = "Brightwell Office Supplies Ltd"
SAID_NEW = "New supplier — created in Xero when published"


def _name(client, item, name):
    return client.hx("POST", f"/b/{item.business_id}/items/{item.id}/fields/contact", data={"value": name})


def _id(model, business_id: int, **where) -> int:
    return model.get(model.business == business_id, *(getattr(model, key) == value for key, value in where.items())).id


def _fresh(item) -> Item:
    return Item.get_by_id(item.id)


def _in_xero(app, business_id: int, name: str) -> list[dict]:
    """The organisation's contacts of this name, as Xero's API answers."""
    with app.app_context():
        client = xero().client_for(Connection.for_business(business_id))
        return client.get("Contacts", params={"where": f'Name=="{name}"'})["Contacts"]


def _put_contact_in_xero(app, business_id: int, name: str) -> str:
    with app.app_context():
        client = xero().client_for(Connection.for_business(business_id))
        return client.put("Contacts", {"Contacts": [{"Name": name}]})["Contacts"][0]["ContactID"]


# --- naming a new supplier -------------------------------------------------------------------------

def test_a_name_xero_lacks_is_taken_as_a_new_supplier_and_the_item_can_be_ready(admin_client, admin):
    coding = make_coding(admin.business)
    item = make_item(admin.business, category=coding.fuel, tax_rate=coding.vat20, total=Decimal("12.00"),
                     date=date(2026, 5, 1))
    response = _name(admin_client, item, f"  {NEW} ")
    assert response.status_code == 200 and SAID_NEW in response.text
    contact = _fresh(item).contact
    assert (contact.name, contact.in_xero, contact.is_supplier) == (NEW, False, True)
    assert _fresh(item).status == "ready"
    page = admin_client.get(f"/b/{item.business_id}/items/{item.id}").text
    assert SAID_NEW in page


def test_the_same_new_name_on_another_item_is_the_same_supplier(admin_client, admin):
    first, second = make_item(admin.business), make_item(admin.business)
    _name(admin_client, first, NEW)
    _name(admin_client, second, NEW.upper())
    assert _fresh(first).contact_id == _fresh(second).contact_id
    assert Contact.select().where(Contact.name ** NEW).count() == 1
    suggestions = admin_client.hx("GET", f"/b/{first.business_id}/items/{first.id}/contact-options?value=Bright")
    assert f'<option value="{NEW}">' in suggestions.text
    listed = admin_client.get(f"/b/{first.business_id}/lists/suppliers").text
    assert NEW in listed and "New: created in Xero when published" in listed


def test_a_new_customer_on_a_sales_item(admin_client, admin):
    item = make_item(admin.business, workspace="sales")
    response = _name(admin_client, item, "Fernhill Parish Council")
    assert "New customer — created in Xero when published" in response.text
    assert _fresh(item).contact.is_customer


def test_a_name_too_long_for_xero_is_refused_and_nothing_is_saved(admin_client, admin):
    supplier = make_contact(admin.business, "Acme Fuels Ltd")
    item = make_item(admin.business, contact=supplier)
    response = _name(admin_client, item, "A" * 256)
    assert response.status_code == 422
    assert "Xero takes names of up to 255 characters (this has 256)." in response.text
    assert _fresh(item).contact_id == supplier.id and Contact.select().count() == 1


def test_an_existing_supplier_is_still_matched_not_made_new(admin_client, admin):
    supplier = make_contact(admin.business, "Acme Fuels Ltd")
    item = make_item(admin.business)
    response = _name(admin_client, item, "acme fuels ltd")
    assert _fresh(item).contact_id == supplier.id and SAID_NEW not in response.text


# --- publishing creates it in Xero (the sandbox) ------------------------------------------------------

def _uploaded(app, client, business_id: int, *lines: str) -> Item:
    client.form(f"/b/{business_id}/inbox/costs/upload", {"files": [(io.BytesIO(pdf_bytes(*lines)), "bill.pdf")]},
                content_type="multipart/form-data")
    read_documents(app)
    return Item.select().where(Item.business == business_id).order_by(Item.id.desc()).get()


def test_the_business_s_own_address_on_a_document_isnt_given_to_a_new_supplier(admin_client, admin):
    item = _uploaded(admin_client.application, admin_client, admin.business_id, "BRIGHTWELL", admin.user.email,
                     "VAT Reg No: GB 123 4567 89", "Total 12.00")
    _name(admin_client, item, NEW)
    contact = _fresh(item).contact
    assert (contact.name, contact.email, contact.tax_number) == (NEW, "", "GB 123 4567 89")


def test_publishing_creates_the_supplier_once_with_what_the_document_says(xero_app, admin_client, uk, sandbox):
    item = _uploaded(xero_app, admin_client, uk, "BRIGHTWELL", "accounts@brightwell.example",
                     "VAT Reg No: GB 123 4567 89", "Invoice INV-77", "Date 14/05/2026",
                     "Bill to Hartley & Moss Joinery Ltd finance@example.com", "Total 120.00")
    for name, value in (("category", _id(Category, uk, code="429")), ("tax_rate", _id(TaxRate, uk, xero_id="INPUT2"))):
        admin_client.hx("POST", f"/b/{uk}/items/{item.id}/fields/{name}", data={"value": value})
    _name(admin_client, item, NEW)  # the person names the supplier the document's letterhead shortens
    admin_client.form(f"/b/{uk}/items/{item.id}/publish")
    work(xero_app)
    published = _fresh(item)
    assert published.status == "published", published.publish_message
    [created] = _in_xero(xero_app, uk, NEW)
    assert (created["EmailAddress"], created["TaxNumber"]) == ("accounts@brightwell.example", "GB 123 4567 89")
    assert published.contact.xero_id == created["ContactID"] and published.contact.in_xero
    [call] = sandbox_creates(sandbox, "Contacts")
    assert call["elements"] == 1 and call["idempotency_key"]
    [document] = sandbox_documents(sandbox, xh.tenant_ids(sandbox.url)[xh.UK_ORG])
    assert document["contact"] == NEW
    assert SAID_NEW not in admin_client.get(f"/b/{uk}/items/{item.id}").text


def test_a_bulk_publish_creates_its_new_names_with_one_call(xero_app, admin_client, uk, sandbox):
    items = [coded(xero_app, uk, total=f"{n + 10}.00") for n in range(3)]
    for item, name in zip(items, (NEW, NEW, "Quayside Print Co")):
        _name(admin_client, item, name)
    admin_client.hx("POST", f"/b/{uk}/inbox/costs/publish", data={"item": [item.id for item in items]})
    work(xero_app)
    assert {_fresh(item).status for item in items} == {"published"}
    assert [call["elements"] for call in sandbox_creates(sandbox, "Contacts")] == [2]
    assert len(_in_xero(xero_app, uk, NEW)) == len(_in_xero(xero_app, uk, "Quayside Print Co")) == 1
    assert len({_fresh(item).contact.xero_id for item in items}) == 2


def test_a_name_added_in_xero_meanwhile_is_used_not_duplicated(xero_app, admin_client, uk, sandbox):
    item = coded(xero_app, uk)
    _name(admin_client, item, NEW)
    added = _put_contact_in_xero(xero_app, uk, NEW)
    admin_client.form(f"/b/{uk}/items/{item.id}/publish")
    work(xero_app)
    assert _fresh(item).status == "published"
    assert [c["ContactID"] for c in _in_xero(xero_app, uk, NEW)] == [added]
    assert _fresh(item).contact.xero_id == added


def test_a_publish_cut_short_after_xero_created_the_supplier_creates_it_once(xero_app, admin_client, uk, sandbox,
                                                                           monkeypatch):
    item = coded(xero_app, uk)
    _name(admin_client, item, NEW)
    admin_client.form(f"/b/{uk}/items/{item.id}/publish")

    def killed(*args, **kwargs):
        raise SystemExit("worker killed before saving the ContactID")
    monkeypatch.setattr(new_contacts, "link", killed)
    with xero_app.app_context(), pytest.raises(SystemExit):
        publish_attempt(PublishAttempt.get().id)
    monkeypatch.undo()
    assert not _fresh(item).contact.in_xero and len(_in_xero(xero_app, uk, NEW)) == 1
    work(xero_app)  # the job still queued carries on
    assert _fresh(item).status == "published"
    [created] = _in_xero(xero_app, uk, NEW)
    assert _fresh(item).contact.xero_id == created["ContactID"]


def test_refreshes_keep_new_suppliers_and_link_those_xero_has_now(xero_app, admin_client, admin, sandbox):
    connect(admin_client, admin.business_id, organisations=[xh.UK_ORG], sandbox=sandbox)
    first, second = make_item(admin.business), make_item(admin.business)
    _name(admin_client, first, NEW)
    _name(admin_client, second, "Quayside Print Co")
    added = _put_contact_in_xero(xero_app, admin.business_id, NEW)
    # the first: Xero's whole list, which marks what Xero lacks as removed
    assert refresh(xero_app, admin.business_id).status == SUCCEEDED
    linked, waiting = _fresh(first).contact, _fresh(second).contact
    assert (linked.xero_id, linked.is_archived) == (added, False)
    assert (waiting.in_xero, waiting.is_archived) == (False, False)
    added = _put_contact_in_xero(xero_app, admin.business_id, "Quayside Print Co")
    assert refresh(xero_app, admin.business_id).status == SUCCEEDED  # only what changed since
    assert _fresh(second).contact.xero_id == added
    assert Contact.select().where(Contact.business == admin.business_id).count() == \
        Contact.select().where((Contact.business == admin.business_id) & Contact.from_xero()).count()


def test_a_refresh_links_its_own_business_new_supplier_not_another_business_on_the_same_organisation(
        xero_app, admin_client, admin, outsider, sandbox):
    elsewhere = xero_app.test_client().login(outsider.user)
    connect(admin_client, admin.business_id, organisations=[xh.UK_ORG], sandbox=sandbox)
    connect(elsewhere, outsider.business_id, organisations=[xh.UK_ORG], sandbox=sandbox)
    mine, theirs = make_item(admin.business), make_item(outsider.business)
    _name(admin_client, mine, NEW)
    _name(elsewhere, theirs, NEW)
    added = _put_contact_in_xero(xero_app, admin.business_id, NEW)
    assert refresh(xero_app, admin.business_id).status == SUCCEEDED
    assert _fresh(mine).contact.xero_id == added
    assert not _fresh(theirs).contact.in_xero
    assert refresh(xero_app, outsider.business_id).status == SUCCEEDED  # the same contact, in its own list
    assert _fresh(theirs).contact.xero_id == added
    assert Contact.select().where(Contact.name == NEW).count() == 2


# --- Xero's refusals (Xero played by a script) --------------------------------------------------------

def _coded_item(app, admin) -> Item:
    """An item coded but for its supplier, its document stored (publishing attaches it)."""
    coding = make_coding(admin.business)
    return make_item(admin.business, document=stored_document(app, admin.business_id, "A bill"), category=coding.fuel,
                     tax_rate=coding.vat20, total=Decimal("12.00"), date=date(2026, 5, 1))


def test_a_new_supplier_xero_refuses_fails_the_item_with_xeros_words(app, admin_client, admin, xero_double):
    item = _coded_item(app, admin)
    _name(admin_client, item, NEW)
    attempt = press_publish(admin_client, item)
    script(xero_double, ok({"Contacts": [{"Name": NEW, "ValidationErrors": [
        {"Message": "Email address must be valid."}]}]}))
    assert run_attempt(app, attempt).state == FAILED
    assert _fresh(item).publish_message == (
        f"Xero didn't create the new supplier “{NEW}”: Email address must be valid. Change the supplier on the item, "
        "or add them in Xero and use Refresh integration data.")
    assert sent(xero_double) == ["PUT /Contacts?summarizeErrors=false"]


def test_a_name_xero_says_is_taken_is_looked_up_and_used(app, admin_client, admin, xero_double):
    item = _coded_item(app, admin)
    name = 'The "Best" Supplies\\Trade'  # a quote and a backslash, escaped in Xero's where
    _name(admin_client, item, name)
    attempt = press_publish(admin_client, item)
    taken = f"The contact name {name} {publishing_contacts.NAME_TAKEN}."
    script(xero_double, ok({"Contacts": [{"ValidationErrors": [{"Message": taken}]}]}),
           ok({"Contacts": [{"ContactID": "c-77", "Name": name, "ContactStatus": "ACTIVE"}]}),
           ok({"Invoices": [invoice()]}), ATTACHED)
    run_attempt(app, attempt)
    assert _fresh(item).contact.xero_id == "c-77"
    look_up = xero_double.requests[1]
    assert look_up.method == "GET"
    assert parse_qs(urlsplit(look_up.url).query)["where"] == ['Name.ToLower()=="the \\"best\\" supplies\\\\trade" AND '
                                                            'ContactStatus=="ACTIVE"']


def test_a_bulk_publish_whose_new_supplier_xero_refused_for_its_rate_limit_goes_again_as_one_batch(
        xero_app, admin_client, uk, sandbox):
    items = [coded(xero_app, uk, total=f"{n + 30}.00") for n in range(2)]
    for item in items:
        _name(admin_client, item, NEW)
    requests.post(f"{sandbox.url}/operator/api/faults",  # the next call, the contacts' create, gets a 429
                  json={"kind": "status", "status": 429, "retry_after": 1, "count": 1}).raise_for_status()
    admin_client.hx("POST", f"/b/{uk}/inbox/costs/publish", data={"item": [item.id for item in items]})
    work(xero_app)
    assert {_fresh(item).status for item in items} == {"publishing"} and _in_xero(xero_app, uk, NEW) == []
    attempts = list(PublishAttempt.select())
    assert {a.state for a in attempts} == {"queued"} and len({a.job_id for a in attempts}) == 1  # one batch job
    time.sleep(1.1)
    with xero_app.app_context():
        publish_batch([attempt.id for attempt in attempts])
    work(xero_app)
    assert {_fresh(item).status for item in items} == {"published"} and len(_in_xero(xero_app, uk, NEW)) == 1
    refused, created = sandbox_creates(sandbox, "Contacts")  # the same call twice: Xero's 429, then the create
    assert refused["idempotency_key"] == created["idempotency_key"] and created["elements"] == 1


def test_a_name_xero_says_is_taken_but_has_no_active_contact_of_fails_the_item(app, admin_client, admin,
                                                                               xero_double):
    item = _coded_item(app, admin)
    _name(admin_client, item, NEW)
    attempt = press_publish(admin_client, item)
    taken = f"The contact name {NEW} {publishing_contacts.NAME_TAKEN}."
    script(xero_double, ok({"Contacts": [{"ValidationErrors": [{"Message": taken}]}]}), ok({"Contacts": []}))
    assert run_attempt(app, attempt).state == FAILED
    assert _fresh(item).publish_message.startswith(f"Xero didn't create the new supplier “{NEW}”: {taken} Change")
    assert not _fresh(item).contact.in_xero


def test_a_new_customer_xero_refuses_is_named_a_customer_with_all_xeros_reasons(app, admin_client, admin,
                                                                                xero_double):
    coding = make_coding(admin.business)
    item = make_item(admin.business, workspace="sales", document=stored_document(app, admin.business_id, "Sale"),
                     category=coding.sales, tax_rate=coding.vat_income, total=Decimal("120.00"),
                     date=date(2026, 5, 1))
    _name(admin_client, item, "Fernhill Parish Council")
    attempt = press_publish(admin_client, item)
    script(xero_double, ok({"Contacts": [{"Name": "Fernhill Parish Council", "ValidationErrors": [
        {"Message": "Email address must be valid."}, {}, {"Message": "Tax number is too long."}]}]}))
    assert run_attempt(app, attempt).state == FAILED
    assert _fresh(item).publish_message == (
        "Xero didn't create the new customer “Fernhill Parish Council”: Email address must be valid. Tax number is "
        "too long. Change the customer on the item, or add them in Xero and use Refresh integration data.")


# --- one name, both roles ---------------------------------------------------------------------------

@pytest.mark.parametrize("first, then, listed_as", [("costs", "sales", "customers"), ("sales", "costs", "suppliers")])
def test_a_new_name_used_on_the_other_side_is_the_same_contact_in_both_roles(app, admin_client, admin, outsider,
                                                                           first, then, listed_as):
    elsewhere = app.test_client().login(outsider.user)
    _name(elsewhere, make_item(outsider.business, workspace=first), NEW)  # another business's, left alone
    other = make_item(admin.business, workspace=first)
    _name(admin_client, other, "Quayside Print Co")
    earlier, later = make_item(admin.business, workspace=first), make_item(admin.business, workspace=then)
    _name(admin_client, earlier, NEW)
    _name(admin_client, later, NEW.lower())
    contact = _fresh(later).contact
    assert (contact.id, contact.name) == (_fresh(earlier).contact_id, NEW)
    assert (contact.is_supplier, contact.is_customer, contact.in_xero) == (True, True, False)
    untouched = _fresh(other).contact
    assert (untouched.is_supplier, untouched.is_customer) == (first == "costs", first == "sales")
    assert Contact.select().where(Contact.business == outsider.business_id).count() == 1
    page = admin_client.get(f"/b/{admin.business_id}/lists/{listed_as}").text
    assert NEW in page and "Quayside Print Co" not in page


def test_a_new_customer_goes_to_xero_with_only_its_name(xero_app, admin_client, uk, sandbox):
    item = coded(xero_app, uk, workspace="sales", contact="Ashworth Developments", code="200", tax="OUTPUT2")
    _name(admin_client, item, "Fernhill Parish Council")
    admin_client.form(f"/b/{uk}/items/{item.id}/publish")
    work(xero_app)
    assert _fresh(item).status == "published", _fresh(item).publish_message
    [created] = _in_xero(xero_app, uk, "Fernhill Parish Council")
    assert not created.get("EmailAddress") and not created.get("TaxNumber")
    assert _fresh(item).contact.xero_id == created["ContactID"]


# --- another publishing run meanwhile (sandbox) --------------------------------------------------------

def _another_run_first(monkeypatch):
    """Another publishing run creates the item's new contact after this one read the item and before it gets to."""
    create = publishing_contacts.create_in_xero

    def other_run_then_this_one(client, contacts):
        create(client, [Contact.get_by_id(contact.id) for contact in contacts if contact is not None])
        return create(client, contacts)
    monkeypatch.setattr(publishing_contacts, "create_in_xero", other_run_then_this_one)


def test_a_supplier_another_run_created_meanwhile_is_used_not_created_again(xero_app, admin_client, uk, sandbox,
                                                                           monkeypatch):
    item = coded(xero_app, uk)
    _name(admin_client, item, NEW)
    _another_run_first(monkeypatch)
    admin_client.form(f"/b/{uk}/items/{item.id}/publish")
    work(xero_app)
    assert _fresh(item).status == "published", _fresh(item).publish_message
    assert [call["elements"] for call in sandbox_creates(sandbox, "Contacts")] == [1]
    [created] = _in_xero(xero_app, uk, NEW)
    [document] = sandbox_documents(sandbox, xh.tenant_ids(sandbox.url)[xh.UK_ORG])
    assert document["contact"] == NEW and _fresh(item).contact.xero_id == created["ContactID"]


def test_a_customer_another_run_merged_meanwhile_fails_this_publish_and_the_next_uses_the_merged_one(
        xero_app, admin_client, uk, sandbox, monkeypatch):
    supplier = Contact.get((Contact.business == uk) & (Contact.name == "Travis Perkins"))
    item = coded(xero_app, uk, workspace="sales", contact="Ashworth Developments", code="200", tax="OUTPUT2")
    _name(admin_client, item, "Travis Perkins")  # a new customer, which Xero has as the supplier
    _another_run_first(monkeypatch)
    admin_client.form(f"/b/{uk}/items/{item.id}/publish")
    work(xero_app)
    failed = _fresh(item)
    assert (failed.status, failed.contact_id) == ("failed", supplier.id)
    assert failed.publish_message.startswith("The supplier or customer no longer exists in Xero")
    monkeypatch.undo()
    admin_client.form(f"/b/{uk}/items/{item.id}/publish")
    work(xero_app)
    assert _fresh(item).status == "published"
    [document] = sandbox_documents(sandbox, xh.tenant_ids(sandbox.url)[xh.UK_ORG])
    assert document["contact"] == "Travis Perkins"


# --- a name Xero has for the other role ---------------------------------------------------------------

def _rule(client, contact, list_name, description):
    response = client.form(f"/b/{contact.business_id}/lists/{list_name}/{contact.id}/rule",
                           {"description": description})
    assert response.status_code == 303, response.text


@pytest.mark.parametrize("supplier_has_a_rule", [False, True])
def test_a_new_customer_xero_has_as_a_supplier_becomes_that_contact_with_its_items_and_rule(
        xero_app, admin_client, uk, sandbox, supplier_has_a_rule):
    supplier = Contact.get((Contact.business == uk) & (Contact.name == "Travis Perkins"))
    bystander = Contact.get((Contact.business == uk) & (Contact.name == "Jewson Ltd"))
    _rule(admin_client, bystander, "suppliers", "Timber")
    if supplier_has_a_rule:
        _rule(admin_client, supplier, "suppliers", "Fuel and sundries")
    kept = coded(xero_app, uk, contact="Jewson Ltd", total="30.00")
    items = [coded(xero_app, uk, workspace="sales", contact="Ashworth Developments", code="200", tax="OUTPUT2",
                   total=total) for total in ("240.00", "360.00")]
    for item in items:
        _name(admin_client, item, "Travis Perkins")  # not a customer here: a new one
    waiting = _fresh(items[0]).contact
    assert (waiting.in_xero, waiting.is_customer, _fresh(items[1]).contact_id) == (False, True, waiting.id)
    _rule(admin_client, waiting, "customers", "Joinery sold to Travis Perkins")

    admin_client.form(f"/b/{uk}/items/{items[0].id}/publish")
    work(xero_app)
    published = _fresh(items[0])
    assert published.status == "published", published.publish_message
    assert [_fresh(item).contact_id for item in items] == [supplier.id, supplier.id]
    assert [c["ContactID"] for c in _in_xero(xero_app, uk, "Travis Perkins")] == [supplier.xero_id]
    [document] = sandbox_documents(sandbox, xh.tenant_ids(sandbox.url)[xh.UK_ORG])
    assert document["contact"] == "Travis Perkins"
    assert Contact.get_or_none(Contact.id == waiting.id) is None
    assert Contact.select().where((Contact.business == uk) & ~Contact.from_xero()).count() == 0
    assert _fresh(kept).contact_id == bystander.id
    rules = {rule.contact_id: rule.description for rule in ContactRule.select()}
    assert rules == {bystander.id: "Timber", supplier.id: "Fuel and sundries" if supplier_has_a_rule
                     else "Joinery sold to Travis Perkins"}
