"""Xero's validation rules on documents: status 400, ValidationException shape and Xero's message texts."""
import pytest

from xero_sandbox.accounting import seed

from .accounting_helpers import acc_app, api, bill, contact_ref, create, errors_of, sale, seeded_db_template, spend  # noqa: F401


def line(**overrides) -> dict:
    base = {"Description": "Timber", "Quantity": 1, "UnitAmount": 100, "AccountCode": "310", "TaxType": "INPUT2"}
    base.update(overrides)
    return base


def put_invoice(api, **overrides):
    return api.put("/Invoices", {"Invoices": [bill(**overrides)]})


def test_error_body_echoes_the_element_with_its_validation_errors(api):
    response = put_invoice(api, LineItems=[line(AccountCode="999"), line()])
    assert response.status_code == 400
    body = response.get_json()
    assert set(body) == {"ErrorNumber", "Type", "Message", "Elements"}
    element = body["Elements"][0]
    assert element["InvoiceNumber"] == "TP-1001" and element["HasErrors"] is True
    assert element["InvoiceID"] == "00000000-0000-0000-0000-000000000000"
    assert element["ValidationErrors"] == [{"Message": "Account code '999' is not a valid code for this document."}]
    assert element["LineItems"][0]["ValidationErrors"] == element["ValidationErrors"]
    assert "ValidationErrors" not in element["LineItems"][1]
    assert api.get("/Invoices", where='InvoiceNumber=="TP-1001"').get_json()["Invoices"] == []


@pytest.mark.parametrize("overrides,message", [
    ({"Date": "2026-03-31"}, "The document date cannot be before the period lock date, currently set at 31-Mar-2026"),
    ({"Date": "2025-02-01"},
     "The document date cannot be before the end of year lock date, currently set at 31-Mar-2025"),
    ({"LineItems": [line(AccountCode="455")]},
     "Account code '455' has been archived, or has been deleted. Each line item must reference a valid account."),
    ({"LineItems": [line(AccountCode="999")]}, "Account code '999' is not a valid code for this document."),
    ({"LineItems": [line(AccountCode="090")]}, "Account code '090' is not a valid code for this document."),
    ({"LineItems": [line(AccountCode=None)]}, "Account code or ID must be specified"),
    ({"LineItems": [line(TaxType="OUTPUT2")]}, "The TaxType code 'OUTPUT2' cannot be used with account code '310'."),
    ({"LineItems": [line(AccountCode="200", TaxType="DRCHARGESUPPLY20")]},
     "The TaxType code 'DRCHARGESUPPLY20' cannot be used with account code '200'."),
    ({"LineItems": [line(TaxType="GST10")]},
     "The TaxType code GST10 does not exist or cannot be used for this type of transaction."),
    ({"Contact": contact_ref("Pennine Timber Merchants")},
     "The contact with the specified contact details has been archived. The contact must be un-archived before "
     "creating new invoices or credit notes."),
    ({"Contact": {"EmailAddress": "x@y.example"}},
     "The Contact must contain at least 1 of the following elements to identify the contact: Name, ContactID, "
     "ContactNumber"),
    ({"Contact": None}, "A Contact must be specified for this type of transaction"),
    ({"LineItems": []}, "One or more line items must be specified"),
    ({"CurrencyCode": "JPY"}, "Organisation is not subscribed to currency JPY"),
    ({"LineItems": [line(Tracking=[{"Name": "Region", "Option": "Atlantis"}])]},
     "Tracking option 'Atlantis' for category 'Region' is not valid"),
    ({"LineItems": [line(Tracking=[{"Name": "Region", "Option": "Wales (closed)"}])]},
     "Tracking option 'Wales (closed)' for category 'Region' is not valid"),
    ({"LineItems": [line(Tracking=[{"Name": "Region", "Option": "Midlands"}, {"Name": "Department", "Option": "Office"},
                                   {"Name": "Region", "Option": "Scotland"}])]},
     "A line item can have a maximum of 2 tracking categories"),
    ({"LineItems": [line(Quantity=2, UnitAmount=10, LineAmount=25)]},
     "The line total 25.00 does not match the expected line total 20.00"),
    ({"Total": 130}, "The invoice total does not equal the sum of the lines."),
    ({"LineItems": [line(TaxAmount=25)]}, "The tax amount 25.00 does not match the calculated tax amount 20.00"),
    ({"LineItems": [line(TaxAmount=150)]}, "The tax amount cannot be greater than the line amount"),
    ({"Status": "PAID"}, "Invoice not of valid status for creation"),
    ({"LineItems": [line(DiscountRate=10)]}, "Discounts can only be applied to sales invoices"),
])
def test_invalid_bill_is_rejected_with_xeros_message(api, overrides, message):
    response = put_invoice(api, **overrides)
    assert response.status_code == 400
    assert message in errors_of(response)


def test_drafts_and_submitted_bills_may_be_dated_inside_a_locked_period(api):
    for status in ("DRAFT", "SUBMITTED"):
        created = create(api, "Invoices", bill(Status=status, Date="2025-01-15", InvoiceNumber=f"L-{status}"))
        assert created["Status"] == status and created["DateString"] == "2025-01-15T00:00:00"


def test_approving_a_draft_inside_a_locked_period_is_refused(api):
    draft = create(api, "Invoices", bill(Status="DRAFT", Date="2026-02-01"))
    response = api.post(f"/Invoices/{draft['InvoiceID']}", {"Status": "AUTHORISED"})
    assert response.status_code == 400
    assert errors_of(response) == [
        "The document date cannot be before the period lock date, currently set at 31-Mar-2026"]


def test_spend_money_in_locked_period_is_refused(api):
    response = api.put("/BankTransactions", {"BankTransactions": [spend(Date="2026-01-10")]})
    assert errors_of(response) == [
        "The document date cannot be before the period lock date, currently set at 31-Mar-2026"]


def test_sales_invoice_numbers_must_be_unique_but_bill_numbers_may_repeat(api):
    create(api, "Invoices", sale(InvoiceNumber="INV-5000"))
    response = api.put("/Invoices", {"Invoices": [sale(InvoiceNumber="INV-5000")]})
    assert response.status_code == 400
    assert errors_of(response) == ["Invoice # must be unique."]
    first = create(api, "Invoices", bill(InvoiceNumber="SUP-1"))
    second = create(api, "Invoices", bill(InvoiceNumber="SUP-1"))
    assert first["InvoiceID"] != second["InvoiceID"]


def test_authorised_invoice_cannot_go_back_to_draft(api):
    invoice = create(api, "Invoices", bill())
    response = api.post(f"/Invoices/{invoice['InvoiceID']}", {"Status": "DRAFT"})
    assert response.status_code == 400
    assert errors_of(response) == ["Document not of valid status for modification"]
    assert api.get(f"/Invoices/{invoice['InvoiceID']}").get_json()["Invoices"][0]["Status"] == "AUTHORISED"


def test_paid_and_voided_invoices_cannot_be_edited(api):
    invoice = create(api, "Invoices", bill())
    create(api, "Payments", {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Account": {"Code": "090"},
                             "Date": "2026-10-15", "Amount": invoice["Total"]})
    response = api.post(f"/Invoices/{invoice['InvoiceID']}", {"LineItems": [line()]})
    assert errors_of(response) == ["Document not of valid status for modification"]
    other = create(api, "Invoices", bill(InvoiceNumber="V-1"))
    voided = api.post(f"/Invoices/{other['InvoiceID']}", {"Status": "VOIDED"})
    assert voided.get_json()["Invoices"][0]["Status"] == "VOIDED"
    assert voided.get_json()["Invoices"][0]["AmountDue"] == 0.0
    again = api.post(f"/Invoices/{other['InvoiceID']}", {"Reference": "x", "Status": "AUTHORISED"})
    assert errors_of(again) == ["Document not of valid status for modification"]


def test_payment_beyond_amount_due_is_refused(api):
    invoice = create(api, "Invoices", bill())
    payment = {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Account": {"Code": "090"},
               "Date": "2026-10-15", "Amount": invoice["Total"] + 0.01}
    response = api.put("/Payments", {"Payments": [payment]})
    assert response.status_code == 400
    assert errors_of(response) == ["Payment amount exceeds the amount outstanding on this document"]


@pytest.mark.parametrize("account", [{"Code": "429"}, {"Code": "455"}])
def test_payment_must_come_from_a_bank_or_payments_enabled_account(api, account):
    invoice = create(api, "Invoices", bill())
    payment = {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Account": account, "Date": "2026-10-15",
               "Amount": 10}
    response = api.put("/Payments", {"Payments": [payment]})
    assert errors_of(response) == ["The specified bank account details do not match a known bank account"]


def test_payment_from_payments_enabled_liability_account_is_accepted(api):
    invoice = create(api, "Invoices", bill())
    paid = create(api, "Payments", {"Invoice": {"InvoiceID": invoice["InvoiceID"]},
                                    "Account": {"AccountID": seed.account_id("uk", "881")},
                                    "Date": "2026-10-15", "Amount": 64.99})
    assert paid["Amount"] == 64.99 and paid["PaymentType"] == "ACCPAYPAYMENT"
    after = api.get(f"/Invoices/{invoice['InvoiceID']}").get_json()["Invoices"][0]
    assert (after["AmountPaid"], after["AmountDue"], after["Status"]) == (64.99, 100.0, "AUTHORISED")


def test_payment_only_against_authorised_documents(api):
    draft = create(api, "Invoices", bill(Status="DRAFT"))
    response = api.put("/Payments", {"Payments": [{"Invoice": {"InvoiceID": draft["InvoiceID"]},
                                                   "Account": {"Code": "090"}, "Amount": 5, "Date": "2026-10-15"}]})
    assert errors_of(response) == ["Payments can only be made against Authorised documents"]


@pytest.mark.parametrize("bank", [{"Code": "429"}, {"Code": "777"}, {"AccountID": seed.account_id("uk", "881")}])
def test_bank_transaction_needs_a_bank_account(api, bank):
    response = api.put("/BankTransactions", {"BankTransactions": [spend(BankAccount=bank)]})
    assert errors_of(response) == ["The specified bank account details do not match a known bank account"]


def test_unknown_ids_inside_a_body_are_validation_errors(api):
    missing = "0b5ef8ce-7a2c-4d48-9a5e-1b6b1d0a3a11"
    update = api.post("/Invoices", {"Invoices": [{"InvoiceID": missing, "Status": "AUTHORISED"}]})
    assert errors_of(update) == ["An existing invoice with the specified ID could not be found"]
    payment = api.put("/Payments", {"Payments": [{"Invoice": {"InvoiceID": missing}, "Account": {"Code": "090"},
                                                  "Amount": 5, "Date": "2026-10-15"}]})
    assert errors_of(payment) == ["The Invoice could not be found"]
    contact = api.put("/Invoices", {"Invoices": [bill(Contact={"ContactID": missing})]})
    assert errors_of(contact) == ["The contact with the specified contact details could not be found"]
