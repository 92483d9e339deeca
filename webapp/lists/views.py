"""Lists pages mirrored from Xero (filled by the list refresh)."""
from flask import Blueprint, abort

from webapp.htmx import render

bp = Blueprint("lists", __name__)

LISTS = {
    "categories": "Categories",
    "suppliers": "Suppliers",
    "customers": "Customers",
    "tracking": "Tracking",
    "payment-methods": "Payment methods",
    "tax-rates": "Tax rates",
}


@bp.get("/b/<int:business_id>/lists/<list_name>")
def index(list_name: str):
    if list_name not in LISTS:
        abort(404)
    return render("lists/index.html", list_name=list_name, title=LISTS[list_name])
