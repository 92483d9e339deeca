"""Reading and writing settings and contacts: paging, If-Modified-Since, where filters, archive, duplicates."""
import re
from datetime import datetime

import pytest

from xero_sandbox.accounting import models as m
from xero_sandbox.accounting import seed

from .accounting_helpers import acc_app, api, bill, create, errors_of, make_api, sale, seeded_db_template  # noqa: F401


def names(response, key="Contacts") -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item.get("Name") or item.get("InvoiceNumber") for item in response.get_json()[key]]


def test_contacts_page_through_in_updated_order(api):
    first = api.get("/Contacts", page=1, pageSize=15).get_json()
    third = api.get("/Contacts", page=3, pageSize=15).get_json()
    assert first["pagination"] == {"page": 1, "pageSize": 15, "pageCount": 3, "itemCount": 40}
    assert len(first["Contacts"]) == 15 and len(third["Contacts"]) == 10
    all_ids = [c["ContactID"] for p in (1, 2, 3)
               for c in api.get("/Contacts", page=p, pageSize=15).get_json()["Contacts"]]
    assert len(set(all_ids)) == 40


@pytest.mark.parametrize("size,expected", [("5000", 1000), ("0", 1), ("abc", 100)])
def test_page_size_is_clamped_like_xero(api, size, expected):
    assert api.get("/Contacts", page=1, pageSize=size).get_json()["pagination"]["pageSize"] == expected


def test_archived_contacts_only_with_include_archived(api):
    archived = "Pennine Timber Merchants"
    assert archived not in names(api.get("/Contacts"))
    assert archived in names(api.get("/Contacts", includeArchived="true"))


@pytest.mark.parametrize("where,expected", [
    ('ContactStatus=="ACTIVE" AND IsSupplier==true', 20),
    ("IsCustomer==true", 20),
    ('Name=="Travis Perkins"', 1),
    ('Name.StartsWith("B")', 3),
])
def test_contacts_where_filters(api, where, expected):
    found = api.get("/Contacts", where=where, includeArchived="true").get_json()["Contacts"]
    assert len(found) == expected


def test_contacts_by_ids(api):
    ids = [seed.contact_id("uk", "Travis Perkins"), seed.contact_id("uk", "Bramley Homes")]
    assert sorted(names(api.get("/Contacts", IDs=",".join(ids)))) == ["Bramley Homes", "Travis Perkins"]


def test_if_modified_since_returns_only_changed_contacts(api, acc_app):
    with acc_app.app_context():
        m.Contact.update(updated_at=datetime(2026, 1, 1)).execute()
    api.post(f"/Contacts/{seed.contact_id('uk', 'Jewson Ltd')}", {"EmailAddress": "new@jewson.example"})
    changed = api.get("/Contacts", headers={"If-Modified-Since": "2026-06-01T00:00:00"})
    assert names(changed) == ["Jewson Ltd"]
    assert len(names(api.get("/Contacts", headers={"If-Modified-Since": "2025-12-31T00:00:00"}))) == 40


def test_invoices_lookup_by_reference_number_ids_and_status(api):
    created = create(api, "Invoices", sale(InvoiceNumber="INV-7001", Reference="Docket-item-9"))
    create(api, "Invoices", bill(InvoiceNumber="B-1", Status="DRAFT"))
    assert names(api.get("/Invoices", where='Reference=="Docket-item-9"'), "Invoices") == ["INV-7001"]
    assert names(api.get("/Invoices", where='InvoiceNumber=="B-1"'), "Invoices") == ["B-1"]
    assert names(api.get("/Invoices", InvoiceNumbers="INV-7001,B-1"), "Invoices") == ["INV-7001", "B-1"]
    assert names(api.get("/Invoices", IDs=created["InvoiceID"]), "Invoices") == ["INV-7001"]
    assert names(api.get("/Invoices", Statuses="DRAFT"), "Invoices") == ["B-1"]
    assert names(api.get("/Invoices", where='Type=="ACCREC" AND Status=="AUTHORISED"'), "Invoices") == ["INV-7001"]
    assert names(api.get("/Invoices", where=f'Contact.ContactID=guid("{created["Contact"]["ContactID"]}")'),
                 "Invoices") == ["INV-7001"]


def test_unpaged_invoice_list_has_no_line_items_but_pages_do(api):
    create(api, "Invoices", bill())
    assert "LineItems" not in api.get("/Invoices").get_json()["Invoices"][0]
    assert len(api.get("/Invoices", page=1).get_json()["Invoices"][0]["LineItems"]) == 2


def test_put_contact_with_duplicate_active_name_is_refused(api):
    response = api.put("/Contacts", {"Contacts": [{"Name": "Travis Perkins"}]})
    assert response.status_code == 400
    assert errors_of(response) == ["The contact name Travis Perkins is already assigned to another contact. "
                                   "The contact name must be unique across all active contacts."]


def test_post_contact_by_name_updates_the_existing_one(api):
    response = api.post("/Contacts", {"Contacts": [{"Name": "Travis Perkins", "AccountNumber": "TP-01"}]})
    contact = response.get_json()["Contacts"][0]
    assert contact["ContactID"] == seed.contact_id("uk", "Travis Perkins") and contact["AccountNumber"] == "TP-01"


def test_archive_rename_and_unarchive_contact(api):
    contact_id = seed.contact_id("uk", "Jewson Ltd")
    api.post(f"/Contacts/{contact_id}", {"ContactStatus": "ARCHIVED"})
    response = api.put("/Invoices", {"Invoices": [bill(Contact={"ContactID": contact_id})]})
    assert response.status_code == 400
    api.post(f"/Contacts/{contact_id}", {"ContactStatus": "ACTIVE", "Name": "Jewson Builders Merchant"})
    found = api.get(f"/Contacts/{contact_id}").get_json()["Contacts"][0]
    assert (found["Name"], found["ContactStatus"]) == ("Jewson Builders Merchant", "ACTIVE")


def test_invalid_email_is_refused(api):
    response = api.put("/Contacts", {"Contacts": [{"Name": "Nobody Ltd", "EmailAddress": "not-an-email"}]})
    assert errors_of(response) == ["Email address must be valid."]


def test_create_and_archive_account(api):
    created = api.put("/Accounts", {"Code": "498", "Name": "Software Licences", "Type": "OVERHEADS",
                                    "TaxType": "INPUT2"}).get_json()["Accounts"][0]
    assert (created["Class"], created["Status"]) == ("EXPENSE", "ACTIVE")
    archived = api.post(f"/Accounts/{created['AccountID']}", {"Status": "ARCHIVED"}).get_json()["Accounts"][0]
    assert archived["Status"] == "ARCHIVED"
    response = api.put("/Invoices", {"Invoices": [bill(LineItems=[{"Description": "x", "Quantity": 1,
                                                                   "UnitAmount": 1, "AccountCode": "498"}])]})
    assert "Account code '498' has been archived" in errors_of(response)[0]


def test_duplicate_account_code_and_name_are_refused(api):
    response = api.put("/Accounts", {"Code": "400", "Name": "Advertising", "Type": "OVERHEADS"})
    assert errors_of(response) == ["Please enter a unique Code.", "Please enter a unique Name."]


def test_accounts_where_and_bank_accounts(api):
    banks = api.get("/Accounts", where='Type=="BANK"').get_json()["Accounts"]
    assert [b["Code"] for b in banks] == ["090", "091"]
    assert all(b["BankAccountType"] == "BANK" and b["CurrencyCode"] == "GBP" for b in banks)


def test_tracking_categories_hide_archived_options_unless_asked(api):
    region = api.get("/TrackingCategories").get_json()["TrackingCategories"][1]
    assert region["Name"] == "Region" and "Wales (closed)" not in [o["Name"] for o in region["Options"]]
    full = api.get("/TrackingCategories", includeArchived="true").get_json()["TrackingCategories"][1]
    assert {"Name": "Wales (closed)", "Status": "ARCHIVED"}.items() <= next(
        o for o in full["Options"] if o["Name"] == "Wales (closed)").items()


@pytest.mark.parametrize("key,base,lock", [("uk", "GBP", "31-Mar-2026"), ("au", "AUD", None), ("ca", "CAD", None),
                                           ("us", "USD", None), ("nz", "NZD", None)])
def test_demo_organisations_have_their_base_currency_and_lock_dates(acc_app, key, base, lock):
    api = make_api(acc_app, seed.tenant_id(key))
    org = api.get("/Organisation").get_json()["Organisations"][0]
    assert org["BaseCurrency"] == base and org["PeriodLockDate"].startswith("/Date(")
    assert base in [c["Code"] for c in api.get("/Currencies").get_json()["Currencies"]]
    archived = api.get("/Accounts", where='Status=="ARCHIVED"').get_json()["Accounts"]
    assert len(archived) == 1


def test_scopes_limit_access(acc_app):
    reader = make_api(acc_app, seed.tenant_id("uk"), scopes=["accounting.contacts.read"])
    assert reader.get("/Contacts").status_code == 200
    assert reader.put("/Contacts", {"Name": "Blocked Ltd"}).status_code in (401, 403)
    assert reader.get("/Invoices").status_code in (401, 403)


def test_large_organisation_helper(acc_app):
    with acc_app.app_context():
        tenant = seed.create_large_organisation("Bench Co", contacts=1200, accounts=500)
        assert seed.create_large_organisation("Bench Co", contacts=1200, accounts=500) == tenant
    api = make_api(acc_app, tenant)
    assert api.get("/Contacts", page=2, pageSize=1000).get_json()["pagination"]["itemCount"] == 1200
    assert len(api.get("/Accounts").get_json()["Accounts"]) == 500


def test_invoices_if_modified_since_and_date_filter(api, acc_app):
    old = create(api, "Invoices", bill(InvoiceNumber="OLD-1"))
    with acc_app.app_context():
        m.Document.update(updated_at=datetime(2026, 1, 1)).where(m.Document.id == old["InvoiceID"]).execute()
    create(api, "Invoices", bill(InvoiceNumber="NEW-1", Date="2026-11-02"))
    changed = api.get("/Invoices", headers={"If-Modified-Since": "2026-06-01T00:00:00"})
    assert names(changed, "Invoices") == ["NEW-1"]
    assert names(api.get("/Invoices", where="Date>=DateTime(2026,11,01)"), "Invoices") == ["NEW-1"]


def test_invoice_pages_use_a_fixed_number_of_queries(api, acc_app):
    from playhouse.test_utils import count_queries

    for n in range(12):
        create(api, "Invoices", bill(InvoiceNumber=f"Q-{n}"))
    with acc_app.app_context(), count_queries() as counter:
        page = api.get("/Invoices", page=1, pageSize=12)
    assert len(page.get_json()["Invoices"]) == 12
    with acc_app.app_context(), count_queries() as counter_small:
        api.get("/Invoices", page=1, pageSize=2)
    assert 0 < counter.count == counter_small.count


def test_where_string_equality_ignores_case_and_handles_quotes(api):
    assert names(api.get("/Contacts", where='Name=="travis PERKINS"')) == ["Travis Perkins"]
    api.put("/Contacts", {"Contacts": [{"Name": 'The "Best" Timber'}]})
    assert names(api.get("/Contacts", where='Name=="The \\"Best\\" Timber"')) == ['The "Best" Timber']


def test_answers_are_shaped_and_labelled_as_xeros(api):
    """What Xero's own answers show: JSON in UTF-8, moments named ...UTC without an offset (dates keep theirs),
    the organisation's tax number, and the arrays Xero sends empty rather than leaves out."""
    answer = api.get("/Organisation")
    assert answer.headers["Content-Type"] == "application/json; charset=utf-8"
    body = answer.get_json()
    org = body["Organisations"][0]
    assert re.fullmatch(r"/Date\(\d+\)/", body["DateTimeUTC"]) and re.fullmatch(r"/Date\(\d+\)/", org["CreatedDateUTC"])
    assert org["PeriodLockDate"].endswith("+0000)/") and org["TaxNumber"] == "GB 284 6193 57"
    created = api.put("/Contacts", {"Contacts": [{"Name": "Bare Contact Ltd"}]})
    assert created.headers["Content-Type"] == "application/json; charset=utf-8"
    contact = created.get_json()["Contacts"][0]
    assert [contact[key] for key in ("Addresses", "Phones", "ContactGroups", "ContactPersons")] == [[], [], [], []]

