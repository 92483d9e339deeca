"""Every answer Xero gives to a publish, turned into a plain message for a bookkeeper and the action to take.

Validation messages are matched on Xero's own wording (docs/xero-api.md 3.5 and the sandbox's
`accounting/validation.py`); Dext's fixes (product-research.md section 2) are reworded with Docket's page names.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import requests

from webapp.xero.errors import (XeroAuthRequired, XeroError, XeroInsufficientScope, XeroNotFound, XeroRateLimited,
                                XeroTenantDisconnected, XeroUnavailable, XeroValidationError)
from webapp.xero.limiter import XeroBusy

ACTIONS = {
    "choose_active_category": "pick an active category that fits the document",
    "choose_active_contact": "pick an active supplier or customer",
    "reload_lists": "reload a list from Xero and pick again",
    "check_tax_rate": "pick a tax rate that fits the category",
    "check_currency": "turn the currency on in Xero or publish in the base currency",
    "fix_totals": "correct the amounts so they add up",
    "change_invoice_number": "use an invoice number Xero has not seen",
    "publish_as_draft": "publish as a draft (or move the lock date)",
    "change_publish_to": "publish to Purchases or Bank instead",
    "link_bank_account": "link the payment method to an active Xero bank account",
    "check_payment": "check the payment on the item",
    "check_attachment": "check the item's image",
    "clear_and_republish": "clear publishing data and publish again",
    "reactivate_xero": "reactivate the Xero subscription",
    "reconnect": "an admin reconnects Xero on Integrations",
    "retry_later": "nothing: Docket tries again by itself",
    "contact_support": "nothing Docket recognises: check Xero's words or ask support",
}


@dataclass(frozen=True)
class Explained:
    """What the person sees on the item (`message`), what to do (`action`), and Xero's words (`detail`)."""

    message: str
    action: str
    retry: bool = False  # the job should simply run again later; nobody needs to change anything
    retry_after: float | None = None
    detail: str = ""


@dataclass(frozen=True)
class Rule:
    """One kind of validation message: a `problem` clause and a `fix` clause, filled from the pattern's groups."""

    pattern: re.Pattern
    problem: str
    fix: str
    action: str


def rule(pattern: str, problem: str, fix: str, action: str) -> Rule:
    return Rule(re.compile(pattern, re.IGNORECASE), problem, fix, action)  # pragma: no mutate (runs at import)


Q = r"""['"‘’“”]?"""  # Xero quotes codes with ' in its API and " in some help pages; Dext drops them
CODE = r"""[^'"‘’“”\s]+?"""
CATEGORIES, TAX_RATES, TRACKING = "Lists → Categories", "Lists → Tax rates", "Lists → Tracking"
CONTACTS, PAYMENT_METHODS = "Lists → Suppliers or Lists → Customers", "Lists → Payment methods"
REFRESH = "use Refresh integration data on the Integrations page"
# Rules that share a fix share its text, so a combined message lists that fix once.
PICK_CATEGORY = (f"reload {CATEGORIES} and pick an active category that fits the document, on the item and its lines "
                 "(or unarchive it in Xero and reload)")
PICK_TAX_RATE = f"reload {TAX_RATES} and pick an active tax rate that fits the category, on the item and its lines"
PICK_CONTACT = f"reload {CONTACTS} and pick an active supplier or customer (or unarchive them in Xero and reload)"
NO_PERMISSION = r"does not have the correct permissions"

# First match wins, so the narrower patterns come before the broader ones.
RULES = (
    # Categories (Xero account codes)
    rule(rf"Account code {Q}(?P<code>{CODE}){Q} has been archived,? or has been deleted",
         "category {code} is archived or deleted in Xero",
         PICK_CATEGORY, "choose_active_category"),
    rule(rf"Account code {Q}(?P<code>{CODE}){Q} is not a valid code for this document",
         "category {code} can't be used on this kind of document (for example a sales category on a cost)",
         PICK_CATEGORY, "choose_active_category"),
    rule(r"(?:The )?account code or ID must be specified",
         "a line has no category", "pick a category for every line", "choose_active_category"),
    # Tax rates
    rule(rf"The TaxType code {Q}(?P<tax>{CODE}){Q} cannot be used with account code {Q}(?P<code>{CODE}){Q}\.?$",
         "tax rate {tax} can't be used with category {code}", PICK_TAX_RATE, "check_tax_rate"),
    rule(r"The TaxType code \S+ cannot be used with this account code",
         "a tax rate can't be used with its category", PICK_TAX_RATE, "check_tax_rate"),
    rule(rf"The TaxType code {Q}(?P<tax>{CODE}){Q} does not exist or cannot be used",
         "tax rate {tax} no longer exists in Xero or can't be used on this kind of document",
         PICK_TAX_RATE, "check_tax_rate"),
    # Suppliers and customers (Xero contacts)
    rule(r"contact .*has been archived",
         "the supplier or customer is archived in Xero",
         PICK_CONTACT, "choose_active_contact"),
    rule(r"^The contact (?:with the specified contact details )?could not be found",
         "the supplier or customer no longer exists in Xero (it may have been merged or deleted)",
         PICK_CONTACT, "choose_active_contact"),
    rule(r"A Contact must be specified|The Contact must contain at least 1 of the following elements",
         "the item has no supplier or customer", "pick one on the item", "choose_active_contact"),
    rule(r"The contact name (?P<name>.+?) is already assigned to another contact",
         "Xero already has a supplier or customer named {name}",
         f"reload {CONTACTS} and pick the existing one", "reload_lists"),
    # Lock dates and dates
    rule(r"date cannot be before the (?P<which>period|end of year) lock date, currently set at (?P<date>[^\s.]+)",
         "the item's date is on or before Xero's {which} lock date ({date})",
         "publish as Draft or Awaiting approval (to Purchases or Sales, not Bank), or change the date, or ask "
         f"your adviser to move the lock date in Xero and {REFRESH}", "publish_as_draft"),
    # Currencies
    rule(r"Organisation is not subscribed to currency (?P<currency>[A-Z]{3})",
         "currency {currency} isn't turned on in this Xero organisation",
         "add {currency} under Currencies in Xero (it needs a plan with multi-currency), "
         "or choose Convert to the base currency in Settings", "check_currency"),
    rule(r"Currency (?P<currency>[A-Z]{3}) is not supported",
         "Xero doesn't support currency {currency}", "choose Convert to the base currency in Settings",
         "check_currency"),
    rule(r"A currency rate must be specified",
         "Xero needs an exchange rate for this foreign-currency item",
         "enter the exchange rate on the item, or let Xero set the rate (Settings)", "check_currency"),
    # Documents Xero will no longer change
    rule(r"not of valid status for modification|already exists in Xero with status different from",
         "the Xero document is approved, paid or voided, so Xero won't change it",
         "void or adjust it in Xero and clear publishing data on the item", "clear_and_republish"),
    rule(r"(?:spend|receive) money transactions? cannot be updated|bank transaction.* cannot be (?:updated|modified)",
         "Xero doesn't let a published spend or receive money transaction be updated",
         "delete or void it in Xero and clear publishing data on the item", "clear_and_republish"),
    rule(r"An existing (?P<kind>invoice|credit note|bank transaction|document) with the specified ID could not be "
         r"found",
         "the Xero {kind} this item was published to has been deleted in Xero",
         "clear publishing data on the item so it is created again", "clear_and_republish"),
    rule(r"not of valid status for creation",
         "Xero won't create the document with the chosen Publish as status",
         "choose Draft, Awaiting approval or Awaiting payment for Publish as", "publish_as_draft"),
    rule(r"(?:Invoice #|invoice number) must be unique",
         "Xero already has a sales invoice with this number",
         "change the invoice number on the item, or void or delete the existing invoice in Xero",
         "change_invoice_number"),
    # Amounts
    rule(r"The tax amount cannot be greater than the line amount",
         "a line's tax is more than its amount",
         "correct the net and tax amounts (check whether the amounts include tax)", "fix_totals"),
    rule(r"The tax amount (?P<given>\S+) does not match the calculated tax amount (?P<expected>\S+)",
         "a line's tax ({given}) isn't what its tax rate gives ({expected})",
         "correct the tax amount or the tax rate on the line", "fix_totals"),
    rule(r"tax amounts do not total to (?:the )?document tax amount",
         "the line taxes don't add up to the document's tax", "correct the tax on the lines", "fix_totals"),
    rule(r"The line total (?P<given>\S+) does not match the expected line total (?P<expected>\S+)",
         "a line total ({given}) isn't its quantity times its price ({expected})",
         "correct the line's amount, quantity or price", "fix_totals"),
    rule(r"(?:sub ?total|total) does not equal the (?:sum|sub ?total|total) of the lines",
         "the item's total doesn't equal the sum of its lines",
         "correct the total or the line amounts so they add up", "fix_totals"),
    rule(r"One or more line items must be specified",
         "the item has no amounts to publish", "enter the total or add lines", "fix_totals"),
    rule(r"document total must be greater than or equal to zero",
         "the item's total is negative", "correct the amounts, or publish a refund as a credit note", "fix_totals"),
    # Bank accounts and payments
    rule(r"bank account details do not match a known bank account",
         "the bank account linked to the payment method is archived in Xero or isn't a bank account",
         f"reload {PAYMENT_METHODS} and link the payment method to an active bank account, "
         "or choose another payment method", "link_bank_account"),
    rule(r"A bank account must be specified|you will need to set a linked bank account",
         "the item goes to Bank but its payment method has no linked Xero bank account",
         f"link a bank account to the payment method in {PAYMENT_METHODS}", "link_bank_account"),
    rule(r"enable payments|not enabled for payments|^Account could not be found",
         "the account the payment is paid from can't take payments in Xero",
         f"link the payment method to an active bank account in {PAYMENT_METHODS}", "link_bank_account"),
    rule(r"Payment amount exceeds the amount outstanding",
         "the payment is more than what is still owed on the document in Xero (it may already be paid)",
         "check the amount and whether it was already paid in Xero; if so, untick Paid on the item",
         "check_payment"),
    rule(r"Payment amount must be greater than zero",
         "the payment amount is zero", "enter the item's total, or untick Paid", "check_payment"),
    rule(r"Payments can only be made against Authori[sz]ed documents",
         "Xero only records payments on approved documents",
         "change Publish as from Draft to Awaiting payment or Paid", "check_payment"),
    # Tracking
    rule(r"Tracking (?:option|category).*(?:not valid|not found|could not be found|archived)",
         "a tracking option on the item is archived or no longer exists in Xero",
         f"reload {TRACKING} and pick an active option", "reload_lists"),
    rule(r"maximum of 2 tracking categories",
         "a line has more than two tracking categories", "keep at most two per line", "reload_lists"),
    # Attachments
    rule(r"file size exceeds|too large|maximum number of attachments|file name contains invalid|file type"
         r"|publish the image",
         "Xero didn't accept the item's image (too large, too many or an unsupported file)",
         "replace the image with a smaller PDF, JPG or PNG and clear publishing data on the item", "check_attachment"),
    # The Xero organisation and its users
    rule(r"reached the limit of invoices you can approve",
         "this Xero plan's monthly limit of approved invoices and bills is used up",
         "set Publish as to Draft on the item (or in Settings), or upgrade the Xero plan", "publish_as_draft"),
    rule(r"\bsubscription\b|trial (?:has )?(?:ended|expired)",
         "the Xero organisation's subscription isn't active (the trial ended or the plan lapsed)",
         "reactivate it in Xero", "reactivate_xero"),
    rule(NO_PERMISSION,
         "the Xero user who connected Docket isn't allowed to create this kind of transaction",
         "an admin must Reconnect on the Integrations page as a Xero user with Standard or Adviser rights",
         "reconnect"),
    rule(r"valid user should be identified using the UserID",
         "Xero's expense claims need a linked Xero user, and Docket doesn't publish expense claims",
         "change Publish to on the item to Purchases or Bank", "change_publish_to"),
)

UNKNOWN_FIX = "correct what Xero points to (ask support if it isn't clear)"
# Worth simply running again later; the Xero client already wraps requests' errors, the rest is belt and braces.
TRANSIENT = (XeroUnavailable, requests.Timeout, requests.ConnectionError, TimeoutError, ConnectionError)
RECONNECT = "An admin must Reconnect on the Integrations page, then publish again."


def explain(error: Exception) -> Explained:
    """The plain message, action and retry advice for any exception a publish can raise."""
    if isinstance(error, XeroValidationError):
        return explain_validation(error.messages)
    if isinstance(error, XeroRateLimited):
        return _rate_limited(error)
    if isinstance(error, XeroAuthRequired):
        return _auth(error)
    if isinstance(error, TRANSIENT):
        return Explained("Xero isn't responding right now. Docket will publish the item again by itself; "
                         "nothing needs changing.", "retry_later", retry=True, detail=_detail(error))
    if isinstance(error, XeroNotFound):
        return Explained("The Xero document this item was published to no longer exists (it was deleted in Xero). "
                         "Clear publishing data on the item and publish again to create a new one.",
                         "clear_and_republish", detail=_detail(error))
    if isinstance(error, XeroError) and error.status == 413:
        return explain_validation(["The file size exceeds the maximum allowed size"], detail=_detail(error))
    if isinstance(error, XeroError):
        return explain_validation([error.detail] if error.detail else [])
    # A bug on Docket's side: its text is for the logs, not for the History tab.
    return Explained("Something went wrong in Docket while publishing. Publish again; if it keeps failing, "
                     "contact support.", "contact_support", detail=type(error).__name__)


def explain_validation(messages: list[str], detail: str | None = None) -> Explained:
    """One message for all of Xero's validation messages: each problem in order, then each fix once."""
    problems, fixes, actions = [], [], []
    for text in messages:
        known, found = _match(text)
        if known is None:
            problem, fix = f"Xero said “{text.strip().rstrip('.')}”", UNKNOWN_FIX
        else:
            values = {key: (value or "").strip() for key, value in found.groupdict().items()}
            problem, fix = known.problem.format(**values), known.fix.format(**values)
            actions.append(known.action)
        _add_once(problems, problem)
        _add_once(fixes, fix)
    detail = "; ".join(messages) if detail is None else detail
    if not problems:
        return Explained("Xero refused the item without saying why. Check the item and publish again; "
                         "if it keeps failing, contact support.", "contact_support", detail=detail)
    action = actions[0] if actions else "contact_support"
    if len(problems) == 1:
        lead = _capital(problems[0])
    else:
        lead = "Xero refused this item: " + "; ".join(problems)
    return Explained(f"{lead}. {_capital('; '.join(fixes))}, then publish again.", action, detail=detail)


def _match(text: str) -> tuple[Rule | None, re.Match | None]:
    for known in RULES:
        if found := known.pattern.search(text):
            return known, found
    return None, None


def _rate_limited(error: XeroRateLimited) -> Explained:
    if error.daily:
        message = ("Xero's daily limit for this organisation is used up; publishing resumes tomorrow. "
                   "Docket will publish the item then by itself.")
    elif isinstance(error, XeroBusy) and error.a_turn:
        message = (f"Waiting its turn: Docket spreads its calls to Xero over each minute, within Xero's limits. It "
                   f"will publish the item {_wait(error.retry_after)} by itself; nothing needs changing.")
    else:
        message = (f"Xero asked Docket to slow down. Docket will publish the item again {_wait(error.retry_after)} "
                   "by itself; nothing needs changing.")
    return Explained(message, "retry_later", retry=True, retry_after=error.retry_after, detail=_detail(error))


def _auth(error: XeroAuthRequired) -> Explained:
    detail = _detail(error)
    if isinstance(error, XeroInsufficientScope):
        lead = "Docket lacks a Xero permission it needs to publish."
    elif re.search(NO_PERMISSION, detail, re.IGNORECASE):
        return explain_validation([detail])
    elif isinstance(error, XeroTenantDisconnected):
        lead = "This Xero organisation is no longer connected to Docket."
    else:
        lead = "Xero no longer accepts Docket's access (the connection expired or was revoked)."
    return Explained(f"{lead} {RECONNECT}", "reconnect", detail=detail)


def _detail(error: Exception) -> str:
    return str(error).strip()  # a XeroError's str is its detail, or its user message when it has none


def _wait(seconds: float) -> str:
    if seconds <= 60:
        return "within a minute"
    minutes = round(seconds / 60)
    if minutes < 60:
        return "in about a minute" if minutes == 1 else f"in about {minutes} minutes"
    hours = round(seconds / 3600)
    return "in about an hour" if hours == 1 else f"in about {hours} hours"


def _add_once(items: list[str], item: str) -> None:
    if item not in items:
        items.append(item)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
