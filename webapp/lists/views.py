"""Lists pages mirrored from Xero: search, filter and page through them, reload one, set up payment methods."""
from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_login import current_user

from webapp.accounts.access import admin_required, member_required
from webapp.errors import Conflict, ValidationFailed
from webapp.htmx import render, wants_fragment
from webapp.lists import queries, service

bp = Blueprint("lists", __name__)

TABLE_ID = "lists-table"  # the results region that search, filters and page links swap


@bp.get("/b/<int:business_id>/lists/<list_name>")
@member_required
def index(list_name: str):
    listing = _listing_or_404(list_name)
    return render("lists/index.html", listing.fragment, targets=(TABLE_ID,), listing=listing, title=listing.title)


@bp.post("/b/<int:business_id>/lists/<list_name>/reload")
@member_required
def reload(list_name: str):
    if list_name not in queries.BUILDERS:
        abort(404)
    try:
        service.reload_list(g.business.id, list_name, requested_by=current_user.id)
    except Conflict as error:
        flash(error.user_message, "warning")
    else:
        flash(f"Reloading {queries.TITLES[list_name]} from Xero…", "info")
    return redirect(url_for("lists.index", list_name=list_name), code=303)


@bp.post("/b/<int:business_id>/lists/payment-methods/<int:payment_method_id>")
@admin_required
def update_payment_method(payment_method_id: int):
    """One inline select of a payment method's row: its bank account, default publish to, or auto-publish."""
    method = queries.payment_method(g.business.id, payment_method_id) or abort(404)
    errors = {}
    try:
        if "bank_account" in request.form:
            service.link_payment_method(method, request.form["bank_account"])
        else:
            service.set_publishing(method, publish_to=request.form.get("default_publish_to"),
                                   auto_publish=request.form.get("auto_publish"))
    except ValidationFailed as failure:
        errors = failure.errors
    row_id = f"lists-payment-method-{method.id}"
    method = queries.payment_method(g.business.id, method.id)
    if not errors and not wants_fragment(row_id):
        flash(_saved(method), "success")
        return redirect(url_for("lists.index", list_name="payment-methods"), code=303)
    listing = queries.payment_methods(g.business.id, request.args)
    return render("lists/index.html", "lists/_payment_method_row.html", targets=(row_id,),
                  status=422 if errors else 200, listing=listing, title=listing.title,
                  method=method, row_errors=errors, error_for=method.id,
                  saved="" if errors else next((name for name in request.form if name != "csrf_token"), ""))


def _saved(method) -> str:
    """The one-sentence outcome of a plain (non-HTMX) save of one of the row's selects."""
    if "bank_account" in request.form:
        account = method.bank_account.name if method.bank_account else "no bank account"
        return f"{method.name} is now linked to {account}."
    if "default_publish_to" in request.form:
        where = queries.PUBLISH_TO.get(method.default_publish_to)
        return f"{method.name} now publishes to {where}." if where else f"{method.name} has no default publish to."
    return f"Auto-publish for {method.name} is now “{queries.AUTO_PUBLISH[method.auto_publish]}”."


@bp.app_template_filter("percent")
def _percent(value) -> str:
    return queries.percent(value)


@bp.app_template_filter("tax_components")
def _tax_components(tax_rate) -> str:
    return queries.components(tax_rate)


@bp.app_template_filter("applies_to")
def _applies_to(tax_rate) -> str:
    return queries.applies_to(tax_rate)


@bp.app_template_global()
def payment_method_choices(listing: queries.Listing) -> dict[str, list[tuple]]:
    """The options of a payment method row's three selects."""
    banks = [(account.id, account.name) for account in listing.extra["bank_accounts"]]
    return {"bank_account": [("", "Not linked"), *banks],
            "default_publish_to": [("", "Not set"), *queries.PUBLISH_TO.items()],
            "auto_publish": list(queries.AUTO_PUBLISH.items())}


@bp.app_template_filter("auto_publish")
def _auto_publish(value: str) -> str:
    return queries.AUTO_PUBLISH.get(value, value)


def _listing_or_404(list_name: str) -> queries.Listing:
    builder = queries.BUILDERS.get(list_name) or abort(404)
    return builder(g.business.id, request.args)
