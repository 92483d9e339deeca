"""Checks before publishing: everything Xero would reject, found while the item is edited, each saying what to do.

`for_item` is pure: it reads the item, its line items and the business's lists it is given, and queries nothing."""
from dataclasses import dataclass
from decimal import Decimal

from webapp.items import amounts

CLASS_TO_AREA = {"ASSET": "ASSETS", "EQUITY": "EQUITY", "EXPENSE": "EXPENSES", "LIABILITY": "LIABILITIES",
                 "REVENUE": "REVENUE"}
POSTED_AS = ("awaiting_payment", "paid")  # Xero status AUTHORISED (and a payment): refused in a locked period


@dataclass(frozen=True)
class Check:
    field: str  # the field to change (the panel links to it)
    message: str


def for_item(item, choices, lines) -> list[Check]:
    found = _duplicate(item) + _to_check(item) + _missing(item, lines) + _archived(item, lines) + _tax_for_category(item, lines)
    found += _lock_date(item, choices.organisation) + _docket_lock_date(item, choices.docket_lock_date)
    found += _currency(item, choices) + _bank(item) + _totals(item, lines)
    return found


def _duplicate(item) -> list[Check]:
    if not item.duplicate_of_id:
        return []
    return [Check("duplicate", f"This may be a duplicate of item {item.duplicate_of_id}: compare the two, then "
                               "archive this one, or choose “Not a duplicate”.")]


def _to_check(item) -> list[Check]:
    """Fields the reading of the document wasn't sure of, until a person confirms or corrects each."""
    found = []
    for name in item.to_check_fields:
        if name == "type" and item.workspace == "costs":
            found.append(Check("type", "Check the type: this may be a sales invoice issued by the business (if so, "
                                       "archive it here and upload it to Sales). Confirm it or choose the type."))
        else:
            found.append(Check(name, f"Check the {checked_name(item, name)}: Docket wasn't sure it read it right. "
                                     "Confirm it or correct it."))
    return found


def checked_name(item, name: str) -> str:
    """A field's name in a sentence: "the due date", "the supplier"."""
    if name == "contact":
        return "supplier" if item.workspace == "costs" else "customer"
    return name.replace("_", " ")


def _missing(item, lines) -> list[Check]:
    who = "supplier" if item.workspace == "costs" else "customer"
    found = []
    if item.date is None:
        found.append(Check("date", "Enter the date shown on the document."))
    if not item.contact_id:
        found.append(Check("contact", f"Choose the {who}."))
    if item.total is None:
        found.append(Check("total", "Enter the total."))
    if not lines:
        if not item.category_id:
            found.append(Check("category", "Choose a category (or add line items)."))
        if not item.tax_rate_id:
            found.append(Check("tax_rate", "Choose a tax rate (or add line items)."))
    for number, line in enumerate(lines, 1):
        if not line.category_id:
            found.append(Check("lines", f"Line {number} needs a category."))
        if not line.tax_rate_id:
            found.append(Check("lines", f"Line {number} needs a tax rate."))
        if line.unit_amount is None:
            found.append(Check("lines", f"Line {number} needs a unit price."))
    if not item.currency:
        found.append(Check("currency", "Choose the currency."))
    if not item.publish_to:
        found.append(Check("publish_to", "Choose where to publish in Xero."))
    elif item.publish_to != "bank" and not item.publish_as:
        found.append(Check("publish_as", "Choose how to publish (Draft, Awaiting approval, …)."))
    return found


def _archived(item, lines) -> list[Check]:
    entries = [("contact", "supplier" if item.workspace == "costs" else "customer", item.contact_id and item.contact),
               ("category", "category", item.category_id and item.category),
               ("tax_rate", "tax rate", item.tax_rate_id and item.tax_rate),
               ("tracking_option_1", "tracking option", item.tracking_option_1_id and item.tracking_option_1),
               ("tracking_option_2", "tracking option", item.tracking_option_2_id and item.tracking_option_2)]
    for number, line in enumerate(lines, 1):
        entries += [("lines", f"category on line {number}", line.category_id and line.category),
                    ("lines", f"tax rate on line {number}", line.tax_rate_id and line.tax_rate)]
    return [Check(field, f"The {what} “{_name(entry)}” is archived in Xero: choose another, or restore it in Xero "
                         "and use Refresh integration data.")
            for field, what, entry in entries if entry and entry.is_archived]


def _tax_for_category(item, lines) -> list[Check]:
    pairs = [("tax_rate", "", item.category_id and item.category, item.tax_rate_id and item.tax_rate)]
    pairs += [("lines", f" on line {number}", line.category_id and line.category, line.tax_rate_id and line.tax_rate)
              for number, line in enumerate(lines, 1)]
    return [Check(field, f"Xero doesn't allow the tax rate “{rate.name}” with the category “{category.label}”"
                         f"{where}: choose another tax rate or category.")
            for field, where, category, rate in pairs if category and rate and not _allowed(rate, category)]


def _allowed(tax_rate, category) -> bool:
    area = CLASS_TO_AREA.get(category.account_class)
    return not (area and tax_rate.can_apply_to) or area in tax_rate.can_apply_to.split()


def _lock_date(item, organisation) -> list[Check]:
    if organisation is None or item.date is None:
        return []
    locks = [(day, name) for day, name in ((organisation.end_of_year_lock_date, "end of year lock date"),
                                           (organisation.period_lock_date, "period lock date")) if day]
    day, name = max(locks, default=(None, ""))
    if day is None or item.date > day:
        return []
    when = f"The date {item.date:%d %b %Y} is on or before Xero's {name} {day:%d %b %Y}"
    if item.publish_to == "bank":
        return [Check("date", f"{when}, and Xero refuses bank transactions in a locked period: change the date, "
                              "or publish to Purchases as a Draft.")]
    if item.publish_as in POSTED_AS:
        return [Check("date", f"{when}: publish as Draft or Awaiting approval, or change the date.")]
    return []


def _docket_lock_date(item, lock_date) -> list[Check]:
    if lock_date is None or item.date is None or item.date > lock_date:
        return []
    return [Check("date", f"The date {item.date:%d %b %Y} is on or before Docket's lock date {lock_date:%d %b %Y} "
                          "for this business: change the date, or ask an admin to move the lock date in Publishing "
                          "settings.")]


def _currency(item, choices) -> list[Check]:
    organisation = choices.organisation
    if not item.currency or (organisation and item.currency == organisation.base_currency):
        return []
    enabled = choices.currencies
    if not enabled or item.currency in enabled:
        return []
    return [Check("currency", f"The Xero organisation doesn't use {item.currency}. Turn it on in Xero "
                              "(Accounting settings → Currencies), then use Refresh integration data.")]


def _bank(item) -> list[Check]:
    needs_bank = item.publish_to == "bank" or item.paid
    if not needs_bank:
        return []
    why = "Money spent from the bank" if item.publish_to == "bank" else "A paid item"
    if not item.payment_method_id:
        return [Check("payment_method", f"{why} needs a payment method linked to a Xero bank account.")]
    method = item.payment_method
    if not method.bank_account_id:
        return [Check("payment_method", f"The payment method “{method.name}” isn't linked to a Xero bank account: "
                                        "link it under Lists → Payment methods.")]
    return []


def _totals(item, lines) -> list[Check]:
    if item.total is None:
        return []
    found = []
    if item.net is not None and item.tax is not None and Decimal(item.net) + Decimal(item.tax) != Decimal(item.total):
        found.append(Check("total", f"Net {item.net:.2f} + tax {item.tax:.2f} doesn't equal the total "
                                    f"{item.total:.2f}: correct one of them."))
    if lines:
        net, tax = amounts.lines_total(lines)
        if net + tax != Decimal(item.total):
            found.append(Check("lines", f"The line items add up to {net + tax:.2f} but the total is "
                                        f"{item.total:.2f}: change a line or the total."))
    return found


def _name(entry) -> str:
    return getattr(entry, "label", None) or entry.name
