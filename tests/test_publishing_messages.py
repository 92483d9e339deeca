"""What a bookkeeper reads on an item when Xero refuses a publish, and the action Docket offers.

One case per row of product-research.md section 2 (fed the error text that row gives), then Xero's exact
wording as the sandbox produces it, then every non-validation answer. Pure functions: no database.
"""
import json

import pytest
import requests

from webapp.publishing.messages import ACTIONS, RULES, explain
from webapp.xero.errors import (XeroAuthRequired, XeroError, XeroInsufficientScope, XeroRateLimited,
                                XeroTenantDisconnected, XeroUnavailable, XeroValidationError, error_from_response)
from webapp.xero.limiter import XeroBusy

CATEGORY_FIX = ("Reload Lists → Categories and pick an active category that fits the document, on the item and its "
                "lines (or unarchive it in Xero and reload), then publish again.")
TAX_FIX = ("Reload Lists → Tax rates and pick an active tax rate that fits the category, on the item and its lines, "
           "then publish again.")
CONTACT_FIX = ("Reload Lists → Suppliers or Lists → Customers and pick an active supplier or customer "
               "(or unarchive them in Xero and reload), then publish again.")
LOCK_FIX = ("Publish as Draft or Awaiting approval (to Purchases or Sales, not Bank), or change the date, or ask "
            "your adviser to move the lock date in Xero and use Refresh integration data on the Integrations page, "
            "then publish again.")
REPUBLISH_FIX = "Void or adjust it in Xero and clear publishing data on the item, then publish again."
BANK_FIX = ("Reload Lists → Payment methods and link the payment method to an active bank account, or choose another "
            "payment method, then publish again.")

# (Xero's text as product-research.md section 2 gives it, message the person reads, action)
SECTION_2 = [
    ("Account code '420' has been archived or has been deleted. Each line item must reference a valid account.",
     f"Category 420 is archived or deleted in Xero. {CATEGORY_FIX}", "choose_active_category"),
    ('Account code "310" is not a valid code for this document',
     "Category 310 can't be used on this kind of document (for example a sales category on a cost). "
     f"{CATEGORY_FIX}", "choose_active_category"),
    ("The TaxType code INPUT2 cannot be used with this account code",
     f"A tax rate can't be used with its category. {TAX_FIX}", "check_tax_rate"),
    ("The document date cannot be before the end of year lock date, currently set at 31-Mar-2024",
     f"The item's date is on or before Xero's end of year lock date (31-Mar-2024). {LOCK_FIX}", "publish_as_draft"),
    ("The specified bank account details do not match a known bank account",
     f"The bank account linked to the payment method is archived in Xero or isn't a bank account. {BANK_FIX}",
     "link_bank_account"),
    ("To send to Bank Accounts you will need to set a linked bank account.",
     "The item goes to Bank but its payment method has no linked Xero bank account. Link a bank account to the "
     "payment method in Lists → Payment methods, then publish again.", "link_bank_account"),
    ("A valid user should be identified using the UserID",
     "Xero's expense claims need a linked Xero user, and Docket doesn't publish expense claims. Change Publish to on "
     "the item to Purchases or Bank, then publish again.", "change_publish_to"),
    ("The item already exists in Xero with status different from 'DRAFT'!",
     f"The Xero document is approved, paid or voided, so Xero won't change it. {REPUBLISH_FIX}",
     "clear_and_republish"),
    ("Credit Note or Invoice not of valid status for modification",
     f"The Xero document is approved, paid or voided, so Xero won't change it. {REPUBLISH_FIX}",
     "clear_and_republish"),
    ("Spend money transactions cannot be updated",
     "Xero doesn't let a published spend or receive money transaction be updated. Delete or void it in Xero and "
     "clear publishing data on the item, then publish again.", "clear_and_republish"),
    ("An existing invoice with the specified ID could not be found",
     "The Xero invoice this item was published to has been deleted in Xero. Clear publishing data on the item so "
     "it is created again, then publish again.", "clear_and_republish"),
    ("This invoice number must be unique.",
     "Xero already has a sales invoice with this number. Change the invoice number on the item, or void or delete "
     "the existing invoice in Xero, then publish again.", "change_invoice_number"),
    ("The tax amount cannot be greater than the line amount!",
     "A line's tax is more than its amount. Correct the net and tax amounts (check whether the amounts include "
     "tax), then publish again.", "fix_totals"),
    ("You have reached the limit of invoices you can approve!",
     "This Xero plan's monthly limit of approved invoices and bills is used up. Set Publish as to Draft on the item "
     "(or in Settings), or upgrade the Xero plan, then publish again.", "publish_as_draft"),
    ("You can't publish the item. Make sure your Xero subscription is still active and try publishing again.",
     "The Xero organisation's subscription isn't active (the trial ended or the plan lapsed). Reactivate it in "
     "Xero, then publish again.", "reactivate_xero"),
    ("The User specified does not have the correct permissions to perform this action",
     "The Xero user who connected Docket isn't allowed to create this kind of transaction. An admin must Reconnect "
     "on the Integrations page as a Xero user with Standard or Adviser rights, then publish again.", "reconnect"),
    ("Sorry, we were not able to publish the image for this item",
     "Xero didn't accept the item's image (too large, too many or an unsupported file). Replace the image with a "
     "smaller PDF, JPG or PNG and clear publishing data on the item, then publish again.", "check_attachment"),
    ("Organisation is not subscribed to currency EUR",
     "Currency EUR isn't turned on in this Xero organisation. Add EUR under Currencies in Xero (it needs a plan "
     "with multi-currency), or choose Convert to the base currency in Settings, then publish again.",
     "check_currency"),
    ("Validation Err. Line item tax amounts do not total to document tax amount",
     "The line taxes don't add up to the document's tax. Correct the tax on the lines, then publish again.",
     "fix_totals"),
]

# (Xero's exact wording, as the sandbox's accounting/validation.py and payments.py produce it, message, action)
XERO_WORDING = [
    ("Account code '400' has been archived, or has been deleted. Each line item must reference a valid account.",
     f"Category 400 is archived or deleted in Xero. {CATEGORY_FIX}", "choose_active_category"),
    ("Account code '090' is not a valid code for this document.",
     "Category 090 can't be used on this kind of document (for example a sales category on a cost). "
     f"{CATEGORY_FIX}", "choose_active_category"),
    ("Account code or ID must be specified",
     "A line has no category. Pick a category for every line, then publish again.", "choose_active_category"),
    ("The TaxType code 'OUTPUT2' cannot be used with account code '400'.",
     f"Tax rate OUTPUT2 can't be used with category 400. {TAX_FIX}", "check_tax_rate"),
    ("The TaxType code ZZZ does not exist or cannot be used for this type of transaction.",
     f"Tax rate ZZZ no longer exists in Xero or can't be used on this kind of document. {TAX_FIX}",
     "check_tax_rate"),
    ("The contact with the specified contact details has been archived. The contact must be un-archived before "
     "creating new invoices or credit notes.",
     f"The supplier or customer is archived in Xero. {CONTACT_FIX}", "choose_active_contact"),
    ("The contact with the specified contact details could not be found",
     "The supplier or customer no longer exists in Xero (it may have been merged or deleted). "
     f"{CONTACT_FIX}", "choose_active_contact"),
    ("A Contact must be specified for this type of transaction",
     "The item has no supplier or customer. Pick one on the item, then publish again.", "choose_active_contact"),
    ("The document date cannot be before the period lock date, currently set at 30-Nov-2018",
     f"The item's date is on or before Xero's period lock date (30-Nov-2018). {LOCK_FIX}", "publish_as_draft"),
    ("Organisation is not subscribed to currency USD",
     "Currency USD isn't turned on in this Xero organisation. Add USD under Currencies in Xero (it needs a plan "
     "with multi-currency), or choose Convert to the base currency in Settings, then publish again.",
     "check_currency"),
    ("Document not of valid status for modification",
     f"The Xero document is approved, paid or voided, so Xero won't change it. {REPUBLISH_FIX}",
     "clear_and_republish"),
    ("Invoice # must be unique.",
     "Xero already has a sales invoice with this number. Change the invoice number on the item, or void or delete "
     "the existing invoice in Xero, then publish again.", "change_invoice_number"),
    ("The line total 10.00 does not match the expected line total 12.50",
     "A line total (10.00) isn't its quantity times its price (12.50). Correct the line's amount, quantity or "
     "price, then publish again.", "fix_totals"),
    ("The invoice total does not equal the sum of the lines.",
     "The item's total doesn't equal the sum of its lines. Correct the total or the line amounts so they add up, "
     "then publish again.", "fix_totals"),
    ("The tax amount 3.00 does not match the calculated tax amount 2.00",
     "A line's tax (3.00) isn't what its tax rate gives (2.00). Correct the tax amount or the tax rate on the "
     "line, then publish again.", "fix_totals"),
    ("A bank account must be specified",
     "The item goes to Bank but its payment method has no linked Xero bank account. Link a bank account to the "
     "payment method in Lists → Payment methods, then publish again.", "link_bank_account"),
    ("Tracking option 'North' for category 'Region' is not valid",
     "A tracking option on the item is archived or no longer exists in Xero. Reload Lists → Tracking and pick an "
     "active option, then publish again.", "reload_lists"),
    ("Payment amount exceeds the amount outstanding on this document",
     "The payment is more than what is still owed on the document in Xero (it may already be paid). Check the "
     "amount and whether it was already paid in Xero; if so, untick Paid on the item, then publish again.",
     "check_payment"),
    ("Payments can only be made against Authorised documents",
     "Xero only records payments on approved documents. Change Publish as from Draft to Awaiting payment or Paid, "
     "then publish again.", "check_payment"),
    ("The account is not enabled for payments",
     "The account the payment is paid from can't take payments in Xero. Link the payment method to an active bank "
     "account in Lists → Payment methods, then publish again.", "link_bank_account"),
    ("A currency rate must be specified",
     "Xero needs an exchange rate for this foreign-currency item. Enter the exchange rate on the item, or let Xero "
     "set the rate (Settings), then publish again.", "check_currency"),
]


@pytest.mark.parametrize("xero_says, message, action", SECTION_2, ids=[row[2] for row in SECTION_2])
def test_section_2_errors_explained_with_their_fix(xero_says, message, action):
    explained = explain(XeroValidationError([xero_says]))
    assert (explained.message, explained.action) == (message, action)
    assert explained.detail == xero_says and explained.retry is False


@pytest.mark.parametrize("xero_says, message, action", XERO_WORDING, ids=[row[0][:40] for row in XERO_WORDING])
def test_xero_wording_explained_with_its_fix(xero_says, message, action):
    explained = explain(XeroValidationError([xero_says]))
    assert (explained.message, explained.action) == (message, action)
    assert explained.detail == xero_says and explained.retry is False


def test_every_rule_action_is_a_known_action():
    assert {rule.action for rule in RULES} <= set(ACTIONS)


def test_several_messages_combined_listing_each_fix_once():
    errors = XeroValidationError([
        "Account code '400' has been archived, or has been deleted. Each line item must reference a valid account.",
        "Account code '090' is not a valid code for this document.",
        "The TaxType code 'OUTPUT2' cannot be used with account code '400'.",
        "The document date cannot be before the period lock date, currently set at 30-Nov-2018",
    ])
    explained = explain(errors)
    assert explained.message == (
        "Xero refused this item: category 400 is archived or deleted in Xero; category 090 can't be used on this "
        "kind of document (for example a sales category on a cost); tax rate OUTPUT2 can't be used with category "
        "400; the item's date is on or before Xero's period lock date (30-Nov-2018). "
        "Reload Lists → Categories and pick an active category that fits the document, on the item and its lines "
        "(or unarchive it in Xero and reload); reload Lists → Tax rates and pick an active tax rate that fits the "
        "category, on the item and its lines; publish as Draft or Awaiting approval (to Purchases or Sales, not "
        "Bank), or change the date, or ask your adviser to move the lock date in Xero and use Refresh integration "
        "data on the Integrations page, then publish again.")
    assert explained.message.count("Lists → Categories") == 1
    assert explained.action == "choose_active_category"
    assert explained.detail == "; ".join(errors.messages)


def test_combined_from_a_real_validation_body_keeps_line_errors():
    body = {"ErrorNumber": 10, "Type": "ValidationException", "Message": "A validation exception occurred",
            "Elements": [{"Type": "ACCPAY", "HasErrors": True,
                          "ValidationErrors": [{"Message": "Organisation is not subscribed to currency EUR"}],
                          "LineItems": [{"AccountCode": "400", "ValidationErrors": [{"Message": (
                              "Account code '400' has been archived, or has been deleted. Each line item must "
                              "reference a valid account.")}]}]}]}
    explained = explain(error_from_response(_response(400, json.dumps(body))))
    assert explained.message.startswith("Xero refused this item: currency EUR isn't turned on in this Xero "
                                        "organisation; category 400 is archived or deleted in Xero. Add EUR under ")
    assert explained.message.endswith("(or unarchive it in Xero and reload), then publish again.")
    assert explained.action == "check_currency"


def test_unknown_message_keeps_xeros_words_and_says_what_to_do():
    explained = explain(XeroValidationError(["Widgets must be frobnicated before Tuesday."]))
    assert explained.message == ("Xero said “Widgets must be frobnicated before Tuesday”. Correct what Xero points "
                                 "to (ask support if it isn't clear), then publish again.")
    assert explained.action == "contact_support"
    assert explained.detail == "Widgets must be frobnicated before Tuesday."


def test_unknown_beside_a_known_message_takes_the_known_action():
    explained = explain(XeroValidationError(["Widgets must be frobnicated.", "Invoice # must be unique."]))
    assert explained.message.startswith("Xero refused this item: Xero said “Widgets must be frobnicated”; Xero "
                                        "already has a sales invoice with this number. Correct what Xero points to")
    assert explained.action == "change_invoice_number"


def test_validation_without_messages_still_says_what_to_do():
    explained = explain(XeroValidationError([]))
    assert explained.message == ("Xero refused the item without saying why. Check the item and publish again; if "
                                 "it keeps failing, contact support.")
    assert explained.action == "contact_support"


@pytest.mark.parametrize("error, message", [
    (XeroAuthRequired("TokenExpired: token expired at 01/01/2001 00:00:00"),
     "Xero no longer accepts Docket's access (the connection expired or was revoked). An admin must Reconnect on "
     "the Integrations page, then publish again."),
    (XeroTenantDisconnected("AuthenticationUnsuccessful"),
     "This Xero organisation is no longer connected to Docket. An admin must Reconnect on the Integrations page, "
     "then publish again."),
    (XeroInsufficientScope("insufficient_scope"),
     "Docket lacks a Xero permission it needs to publish. An admin must Reconnect on the Integrations page, then "
     "publish again."),
    (XeroTenantDisconnected("The User specified does not have the correct permissions to perform this action"),
     "The Xero user who connected Docket isn't allowed to create this kind of transaction. An admin must Reconnect "
     "on the Integrations page as a Xero user with Standard or Adviser rights, then publish again."),
], ids=["auth_required", "tenant_disconnected", "insufficient_scope", "user_permissions"])
def test_lost_access_asks_an_admin_to_reconnect(error, message):
    explained = explain(error)
    assert (explained.message, explained.action, explained.retry) == (message, "reconnect", False)
    assert explained.detail == error.detail


@pytest.mark.parametrize("problem", ["day", "Daily"])
def test_daily_rate_limit_resumes_tomorrow(problem):
    explained = explain(XeroRateLimited(41000.0, problem))
    assert explained.message == ("Xero's daily limit for this organisation is used up; publishing resumes "
                                 "tomorrow. Docket will publish the item then by itself.")
    assert (explained.action, explained.retry, explained.retry_after) == ("retry_later", True, 41000.0)


@pytest.mark.parametrize("problem, retry_after, when", [
    ("minute", 30.0, "within a minute"), ("concurrent", 1.0, "within a minute"), ("", 300.0, "in about 5 minutes")])
def test_minute_rate_limit_retries_by_itself(problem, retry_after, when):
    explained = explain(XeroRateLimited(retry_after, problem))
    assert explained.message == (f"Xero asked Docket to slow down. Docket will publish the item again {when} by "
                                 "itself; nothing needs changing.")
    assert (explained.action, explained.retry, explained.retry_after) == ("retry_later", True, retry_after)


@pytest.mark.parametrize("problem, retry_after, when", [
    ("pace", 1.5, "within a minute"), ("apppace", 90.0, "in about 2 minutes"), ("concurrent", 1.0, "within a minute")])
def test_waiting_its_turn_in_dockets_own_pace_is_not_called_xero_asking_to_slow_down(problem, retry_after, when):
    explained = explain(XeroBusy(retry_after, problem))
    assert explained.message == ("Waiting its turn: Docket spreads its calls to Xero over each minute, within Xero's "
                                 f"limits. It will publish the item {when} by itself; nothing needs changing.")
    assert (explained.action, explained.retry, explained.retry_after) == ("retry_later", True, retry_after)
    paused = explain(XeroBusy(20.0, "minute"))  # a pause Xero's own answer recorded
    assert paused.message.startswith("Xero asked Docket to slow down.")


def test_rate_limit_read_from_xeros_headers():
    response = _response(429, "Rate Limit Exceeded", {"Retry-After": "3600", "X-Rate-Limit-Problem": "day"})
    explained = explain(error_from_response(response))
    assert explained.message.startswith("Xero's daily limit for this organisation is used up")
    assert (explained.retry, explained.retry_after) == (True, 3600.0)


@pytest.mark.parametrize("error", [
    XeroUnavailable("The Xero API is temporarily unavailable", status=503),
    XeroUnavailable("POST /Invoices: ReadTimeout"),
    requests.Timeout("read timed out"),
], ids=["5xx", "wrapped_timeout", "raw_timeout"])
def test_xero_unavailable_retries_later(error):
    explained = explain(error)
    assert explained.message == ("Xero isn't responding right now. Docket will publish the item again by itself; "
                                 "nothing needs changing.")
    assert (explained.action, explained.retry, explained.retry_after) == ("retry_later", True, None)


def test_document_deleted_in_xero_clears_and_republishes():
    explained = explain(error_from_response(_response(404, "The resource you're looking for cannot be found")))
    assert explained.message == ("The Xero document this item was published to no longer exists (it was deleted "
                                 "in Xero). Clear publishing data on the item and publish again to create a new one.")
    assert (explained.action, explained.retry) == ("clear_and_republish", False)
    assert explained.detail == "The resource you're looking for cannot be found"


def test_attachment_too_large_for_xero():
    explained = explain(XeroError("Request Entity Too Large", status=413))
    assert explained.message.startswith("Xero didn't accept the item's image")
    assert (explained.action, explained.detail) == ("check_attachment", "Request Entity Too Large")


def test_other_xero_answer_keeps_xeros_words():
    explained = explain(XeroError("Idempotency Key abc is used with a different request", status=409))
    assert explained.message.startswith("Xero said “Idempotency Key abc is used with a different request”. ")
    assert (explained.action, explained.retry) == ("contact_support", False)


def test_bug_in_docket_does_not_show_its_text():
    explained = explain(KeyError("token=secret"))
    assert explained.message == ("Something went wrong in Docket while publishing. Publish again; if it keeps "
                                 "failing, contact support.")
    assert "secret" not in explained.message + explained.detail
    assert explained.action == "contact_support"


XML_REFUSAL = """<ApiException xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <ErrorNumber>10</ErrorNumber><Type>ValidationException</Type><Message>A validation exception occurred</Message>
  <Elements><DataContractBase xsi:type="Invoice"><ValidationErrors>
    <ValidationError><Message>Account code '455' has been archived, or has been deleted.</Message></ValidationError>
    <ValidationError><Message>Organisation is not subscribed to currency SEK</Message></ValidationError>
  </ValidationErrors></DataContractBase></Elements>
</ApiException>"""


def test_a_refusal_xero_sent_as_xml_is_read_into_its_messages():
    error = error_from_response(_response(400, XML_REFUSAL, {"Content-Type": "text/xml; charset=utf-8"}))
    assert error.messages == ["Account code '455' has been archived, or has been deleted.",
                              "Organisation is not subscribed to currency SEK"]
    assert explain(error).message.startswith("Xero refused this item: category 455 is archived or deleted in Xero; "
                                             "currency SEK isn't turned on in this Xero organisation.")


def test_xml_that_tries_entity_tricks_is_not_expanded():
    bomb = ('<?xml version="1.0"?><!DOCTYPE ApiException [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><ApiException><Message>&b;</Message></ApiException>')
    explained = explain(error_from_response(_response(400, bomb)))
    assert explained.message.startswith("Xero refused the item without saying why.")


def _response(status: int, text: str, headers: dict | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code, response._content = status, text.encode()
    response.headers.update(headers or {})
    if text.startswith("{"):
        response.headers["Content-Type"] = "application/json"
    return response
