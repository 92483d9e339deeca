"""Writes behind the Lists pages: reloading one list from Xero, a payment method's bank account and publishing."""
from webapp.db import database
from webapp.errors import Conflict, ValidationFailed
from webapp.inputs import parse_id
from webapp.jobruns.models import JobRun
from webapp.lists import queries
from webapp.lists.models import Category, PaymentMethod
from webapp.queues import enqueue_refresh

RELOAD_STEPS = {
    "categories": "categories",
    "suppliers": "contacts",
    "customers": "contacts",
    "tracking": "tracking",
    "payment-methods": "categories",  # payment methods link to bank accounts, which are categories
    "tax-rates": "tax_rates",
}


def reload_list(business_id: int, list_name: str, *, requested_by: int) -> JobRun:
    """Refresh just this list from Xero, or join the refresh already queued or running."""
    if not queries.is_connected(business_id):
        raise Conflict("Connect this business to Xero before reloading its lists.")
    return enqueue_refresh(business_id, requested_by=requested_by, steps=[RELOAD_STEPS[list_name]])


def link_payment_method(payment_method: PaymentMethod, bank_account: str) -> None:
    """Link to one of the business's active bank accounts, by the id the form sent ('' unlinks); anything else is
    refused."""
    account = None
    if bank_account != "":
        account_id = parse_id(bank_account)
        if account_id:
            account = queries.bank_accounts(payment_method.business_id).where(Category.id == account_id).first()
        if account is None:
            raise ValidationFailed({"bank_account": "Choose one of this business's Xero bank accounts."})
    with database.atomic():
        PaymentMethod.update(bank_account=account).where(PaymentMethod.id == payment_method.id).execute()


def set_publishing(payment_method: PaymentMethod, *, publish_to: str | None = None,
                   auto_publish: str | None = None) -> None:
    """Set the default "Publish to" ('' for none) and the auto-publish setting; None leaves that one as it is."""
    values, errors = {}, {}
    if publish_to is not None:
        if publish_to and publish_to not in queries.PUBLISH_TO:
            errors["default_publish_to"] = "Choose Bank, Purchases or Not set."
        values[PaymentMethod.default_publish_to] = publish_to
    if auto_publish is not None:
        if auto_publish not in queries.AUTO_PUBLISH:
            errors["auto_publish"] = "Choose Always, Never or Defer to other rules."
        values[PaymentMethod.auto_publish] = auto_publish
    if errors:
        raise ValidationFailed(errors)
    if values:
        PaymentMethod.update(values).where(PaymentMethod.id == payment_method.id).execute()
