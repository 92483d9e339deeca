"""Invoices, credit notes, bank transactions and payments: Xero's arithmetic, shapes and updates."""
import pytest

from xero_sandbox.accounting import seed

from .accounting_helpers import CA, acc_app, api, bill, contact_ref, create, make_api, sale, seeded_db_template, spend  # noqa: F401


def one_line(**overrides) -> list:
    base = {"Description": "Item", "Quantity": 1, "UnitAmount": 100, "AccountCode": "310", "TaxType": "INPUT2"}
    return [{**base, **overrides}]


def test_bill_totals_are_rounded_per_line_then_summed(api):
    lines = [{"Description": f"Part {n}", "Quantity": 1, "UnitAmount": 0.99, "AccountCode": "310",
              "TaxType": "INPUT2"} for n in range(3)]
    invoice = create(api, "Invoices", bill(LineItems=lines))
    assert [li["TaxAmount"] for li in invoice["LineItems"]] == [0.2, 0.2, 0.2]
    assert (invoice["SubTotal"], invoice["TotalTax"], invoice["Total"]) == (2.97, 0.6, 3.57)
    assert invoice["AmountDue"] == 3.57 and invoice["AmountPaid"] == 0.0


def test_inclusive_amounts_carry_the_tax_inside_the_line(api):
    invoice = create(api, "Invoices", bill(LineAmountTypes="Inclusive", LineItems=one_line(UnitAmount=120)))
    assert (invoice["SubTotal"], invoice["TotalTax"], invoice["Total"]) == (100.0, 20.0, 120.0)


def test_no_tax_documents_have_no_tax(api):
    invoice = create(api, "Invoices", bill(LineAmountTypes="NoTax", LineItems=one_line()))
    assert (invoice["TotalTax"], invoice["Total"]) == (0.0, 100.0)


def test_supplied_tax_within_tolerance_is_kept(api):
    invoice = create(api, "Invoices", bill(LineItems=one_line(UnitAmount=10.04, TaxAmount=2.00)))
    assert invoice["LineItems"][0]["TaxAmount"] == 2.0 and invoice["Total"] == 12.04


def test_domestic_reverse_charge_puts_no_vat_on_the_bill(api):
    invoice = create(api, "Invoices", bill(LineItems=one_line(AccountCode="320", TaxType="DRCHARGESUPPLY20")))
    assert (invoice["TotalTax"], invoice["Total"]) == (0.0, 100.0)
    rates = {r["TaxType"]: r for r in api.get("/TaxRates").get_json()["TaxRates"]}
    drc = rates["DRCHARGESUPPLY20"]
    assert drc["Name"] == "Domestic Reverse Charge @ 20% (VAT on Expenses)"
    assert (drc["DisplayTaxRate"], drc["EffectiveRate"]) == (20.0, 0.0)
    assert rates["DRCHARGE5"]["Name"] == "Domestic Reverse Charge @ 5% (VAT on Income)"
    assert {"DRCHARGE20", "DRCHARGESUPPLY5"} <= set(rates)


def test_canadian_gst_pst_rate_adds_both_components(acc_app):
    api = make_api(acc_app, CA)
    rates = {r["TaxType"]: r for r in api.get("/TaxRates").get_json()["TaxRates"]}
    bc = rates["CAN002"]
    assert [c["Name"] for c in bc["TaxComponents"]] == ["GST", "PST"] and bc["EffectiveRate"] == 12.0
    assert bc["TaxComponents"][1]["IsNonRecoverable"] is True and bc["CanApplyToRevenue"] is False
    invoice = create(api, "Invoices", bill(Contact=contact_ref("Canadian Tire", "ca"), CurrencyCode="CAD",
                                           LineItems=one_line(AccountCode="429", TaxType="CAN002")))
    assert (invoice["TotalTax"], invoice["Total"], invoice["CurrencyCode"]) == (12.0, 112.0, "CAD")


def test_foreign_currency_takes_the_sandbox_day_rate_unless_given(api):
    usd = create(api, "Invoices", bill(CurrencyCode="USD"))
    assert usd["CurrencyCode"] == "USD" and usd["CurrencyRate"] == float(seed.fx_rate("USD", "GBP"))
    eur = create(api, "Invoices", bill(CurrencyCode="EUR", CurrencyRate=1.17, InvoiceNumber="E-1"))
    assert eur["CurrencyRate"] == 1.17


def test_unit_amount_is_rounded_to_two_places_unless_unitdp_4(api):
    two = create(api, "Invoices", bill(LineItems=one_line(UnitAmount=10.4567)))
    assert two["LineItems"][0]["UnitAmount"] == 10.46
    four = create(api, "Invoices", bill(LineItems=one_line(UnitAmount=10.4567)), unitdp="4")
    assert four["LineItems"][0]["UnitAmount"] == 10.4567 and four["SubTotal"] == 10.46


def test_created_bill_has_xero_shape(api):
    invoice = create(api, "Invoices", bill())
    assert invoice["Date"].startswith("/Date(") and invoice["Date"].endswith("+0000)/")
    assert invoice["DateString"] == "2026-10-01T00:00:00" and invoice["DueDateString"] == "2026-10-31T00:00:00"
    assert invoice["Url"] == "https://docket.example/items/1" and invoice["HasAttachments"] is False
    tracking = invoice["LineItems"][0]["Tracking"]
    assert tracking[0] == {"Name": "Region", "Option": "Midlands",
                           "TrackingCategoryID": seed.tracking_category_id("uk", "Region"),
                           "TrackingOptionID": seed.tracking_option_id("uk", "Region", "Midlands")}
    contact = api.get(f"/Contacts/{seed.contact_id('uk', 'Travis Perkins')}").get_json()["Contacts"][0]
    assert contact["IsSupplier"] is True


def test_sales_invoice_gets_next_number_when_none_given(api):
    first = create(api, "Invoices", sale(InvoiceNumber=None))
    second = create(api, "Invoices", sale(InvoiceNumber=None))
    assert (first["InvoiceNumber"], second["InvoiceNumber"]) == ("INV-0001", "INV-0002")


def test_contact_given_by_unknown_name_is_created(api):
    invoice = create(api, "Invoices", bill(Contact={"Name": "Brand New Timber Co"}))
    found = api.get("/Contacts", where='Name=="Brand New Timber Co"').get_json()["Contacts"]
    assert [c["ContactID"] for c in found] == [invoice["Contact"]["ContactID"]]


def test_post_updates_lines_by_id_adds_new_and_deletes_omitted(api):
    invoice = create(api, "Invoices", bill(Status="DRAFT"))
    first, second = invoice["LineItems"]
    body = {"LineItems": [{**first, "Quantity": 4}, {"Description": "Glue", "Quantity": 1, "UnitAmount": 5,
                                                     "AccountCode": "429", "TaxType": "INPUT2"}]}
    body["LineItems"][0].pop("TaxAmount")
    body["LineItems"][0].pop("LineAmount")
    updated = api.post(f"/Invoices/{invoice['InvoiceID']}", body).get_json()["Invoices"][0]
    ids = [li["LineItemID"] for li in updated["LineItems"]]
    assert ids[0] == first["LineItemID"] and second["LineItemID"] not in ids and len(ids) == 2
    assert updated["SubTotal"] == 171.0 and updated["UpdatedDateUTC"] >= invoice["UpdatedDateUTC"]


def test_full_payment_marks_invoice_paid_and_deleting_it_reopens(api):
    invoice = create(api, "Invoices", bill())
    payment = create(api, "Payments", {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Account": {"Code": "090"},
                                       "Date": "2026-10-15", "Amount": invoice["Total"], "Reference": "card"})
    paid = api.get(f"/Invoices/{invoice['InvoiceID']}").get_json()["Invoices"][0]
    assert (paid["Status"], paid["AmountDue"], paid["Payments"][0]["PaymentID"]) == (
        "PAID", 0.0, payment["PaymentID"])
    deleted = api.post(f"/Payments/{payment['PaymentID']}", {"Status": "DELETED"})
    assert deleted.get_json()["Payments"][0]["Status"] == "DELETED"
    reopened = api.get(f"/Invoices/{invoice['InvoiceID']}").get_json()["Invoices"][0]
    assert (reopened["Status"], reopened["AmountDue"]) == ("AUTHORISED", invoice["Total"])


def test_credit_note_and_refund_payment(api):
    note = create(api, "CreditNotes", {"Type": "ACCRECCREDIT", "Contact": contact_ref("Bramley Homes"),
                                       "Date": "2026-10-03", "Status": "AUTHORISED",
                                       "LineItems": one_line(AccountCode="200", TaxType="OUTPUT2")})
    assert note["CreditNoteNumber"] == "CN-0001" and note["RemainingCredit"] == 120.0
    refund = create(api, "Payments", {"CreditNote": {"CreditNoteID": note["CreditNoteID"]},
                                      "Account": {"Code": "090"}, "Date": "2026-10-04", "Amount": 20})
    assert refund["PaymentType"] == "ARCREDITPAYMENT"
    after = api.get(f"/CreditNotes/{note['CreditNoteID']}").get_json()["CreditNotes"][0]
    assert after["RemainingCredit"] == 100.0


def test_spend_money_defaults_to_inclusive_and_authorised(api):
    body = spend()
    body.pop("LineAmountTypes")
    spent = create(api, "BankTransactions", body)
    assert (spent["Status"], spent["LineAmountTypes"], spent["Total"], spent["TotalTax"]) == (
        "AUTHORISED", "Inclusive", 24.0, 4.0)
    assert spent["BankAccount"]["AccountID"] == seed.account_id("uk", "090")
    deleted = api.post(f"/BankTransactions/{spent['BankTransactionID']}", {"Status": "DELETED"})
    assert deleted.get_json()["BankTransactions"][0]["Status"] == "DELETED"


@pytest.mark.parametrize("ident", ["bad-id", "0b5ef8ce-7a2c-4d48-9a5e-1b6b1d0a3a11"])
def test_unknown_document_is_xeros_404(api, ident):
    for path in (f"/Invoices/{ident}", f"/CreditNotes/{ident}", f"/BankTransactions/{ident}",
                 f"/Payments/{ident}", f"/Contacts/{ident}", f"/Accounts/{ident}"):
        response = api.get(path)
        assert response.status_code == 404
        assert response.get_data(as_text=True) == "The resource you're looking for cannot be found"
    assert api.post(f"/Invoices/{ident}", {"Status": "AUTHORISED"}).status_code == 404


def test_foreign_currency_payment_reports_bank_amount_in_base_currency(api):
    invoice = create(api, "Invoices", bill(CurrencyCode="EUR", CurrencyRate=1.2))
    paid = create(api, "Payments", {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Account": {"Code": "090"},
                                    "Date": "2026-10-20", "Amount": 120, "CurrencyRate": 1.2})
    assert (paid["Amount"], paid["BankAmount"]) == (120.0, 100.0)


def test_draft_can_be_deleted_after_its_account_was_archived(api):
    draft = create(api, "Invoices", bill(Status="DRAFT"))
    api.post(f"/Accounts/{seed.account_id('uk', '425')}", {"Status": "ARCHIVED"})
    deleted = api.post(f"/Invoices/{draft['InvoiceID']}", {"Status": "DELETED"})
    assert deleted.status_code == 200 and deleted.get_json()["Invoices"][0]["Status"] == "DELETED"
    assert deleted.get_json()["Invoices"][0]["Total"] == draft["Total"]
