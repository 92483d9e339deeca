"""Why an inbox row isn't Ready, in a few words: the first problem its checks would name (webapp.items.checks,
same order), read from the row alone so the inbox stays one query for its page of rows. Checks that need the
business's lists (lock dates, currencies, tax rates against categories, bank links) are left to Item details."""
from decimal import Decimal

from webapp.items.checks import checked_name

SHORT = 60  # characters of a failed publish's message shown in the row (the whole of it is the row's title)


def why_not_ready(item) -> str:
    """A short reason for an item in the inbox or failed; "" for any other status."""
    if item.status == "failed":
        return shortened(item.publish_message) or "Publishing failed"
    if item.status != "inbox":
        return ""
    return next((reason for reason in _missing(item) if reason), "See the checks")


def shortened(message: str) -> str:
    """The message's first sentence, cut to SHORT characters."""
    first = message.strip().split(". ")[0].rstrip(".")
    return first if len(first) <= SHORT else first[:SHORT - 1].rstrip() + "…"


def _missing(item):
    party = "supplier" if item.workspace == "costs" else "customer"
    yield "Possible duplicate" if item.duplicate_of_id else ""
    yield f"Check the {checked_name(item, item.to_check_fields[0])}" if item.to_check else ""
    yield "No date" if item.date is None else ""
    yield f"No {party}" if not item.contact_id else ""
    yield "No total" if item.total is None else ""
    if item.has_lines:
        yield "Line items incomplete" if item.incomplete_lines else ""
    else:
        yield "No category" if not item.category_id else ""
        yield "No tax rate" if not item.tax_rate_id else ""
    yield "No currency" if not item.currency else ""
    yield "No “Publish to”" if not item.publish_to else ""
    yield "No “Publish as”" if item.publish_to and item.publish_to != "bank" and not item.publish_as else ""
    yield f"{party.capitalize()} archived in Xero" if item.contact_id and item.contact.is_archived else ""
    yield "Category archived in Xero" if item.category_id and item.category.is_archived else ""
    yield "Totals don't add up" if _off(item) else ""


def _off(item) -> bool:
    return (item.total is not None and item.net is not None and item.tax is not None
            and Decimal(item.net) + Decimal(item.tax) != Decimal(item.total))
