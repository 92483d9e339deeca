"""Lists pages mirrored from Xero: search, filter and page through them, reload one, link payment methods."""
from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_login import current_user

from webapp.accounts.access import admin_required
from webapp.errors import Conflict, ValidationFailed
from webapp.htmx import render, wants_fragment
from webapp.lists import queries, service

bp = Blueprint("lists", __name__)

TABLE_ID = "lists-table"  # the results region that search, filters and page links swap


@bp.get("/b/<int:business_id>/lists/<list_name>")
def index(list_name: str):
    listing = _listing_or_404(list_name)
    return render("lists/index.html", listing.fragment, targets=(TABLE_ID,), listing=listing, title=listing.title)


@bp.post("/b/<int:business_id>/lists/<list_name>/reload")
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
    method = queries.payment_method(g.business.id, payment_method_id) or abort(404)
    error = None
    try:
        service.link_payment_method(method, _int_or_none(request.form.get("bank_account", "")))
    except ValidationFailed as failure:
        error = failure.errors["bank_account"]
    row_id = f"lists-payment-method-{method.id}"
    method = queries.payment_method(g.business.id, method.id)
    if error is None and not wants_fragment(row_id):
        account = method.bank_account.name if method.bank_account else "no bank account"
        flash(f"{method.name} is now linked to {account}.", "success")
        return redirect(url_for("lists.index", list_name="payment-methods"), code=303)
    listing = queries.payment_methods(g.business.id, request.args)
    return render("lists/index.html", "lists/_payment_method_row.html", targets=(row_id,),
                  status=422 if error else 200, listing=listing, title=listing.title,
                  method=method, row_error=error, error_for=method.id)


@bp.app_template_filter("percent")
def _percent(value) -> str:
    return queries.percent(value)


@bp.app_template_filter("tax_components")
def _tax_components(tax_rate) -> str:
    return queries.components(tax_rate)


@bp.app_template_filter("applies_to")
def _applies_to(tax_rate) -> str:
    return queries.applies_to(tax_rate)


@bp.app_template_filter("auto_publish")
def _auto_publish(value: str) -> str:
    return queries.AUTO_PUBLISH.get(value, value)


def _listing_or_404(list_name: str) -> queries.Listing:
    builder = queries.BUILDERS.get(list_name) or abort(404)
    return builder(g.business.id, request.args)


def _int_or_none(value: str) -> int | None:
    """'' unlinks; anything not a whole number becomes an id no bank account has."""
    if value == "":
        return None
    return int(value) if value.isdigit() else -1
