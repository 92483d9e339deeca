"""Connections → Integrations (admins only): the accounting software a business can connect."""
from flask import Blueprint

from webapp.accounts.access import admin_required
from webapp.htmx import render

bp = Blueprint("integrations", __name__)

SOFTWARE = (("xero", "Xero", True), ("quickbooks", "QuickBooks Online", False), ("sage", "Sage Accounting", False))


@bp.get("/b/<int:business_id>/integrations")
@admin_required
def index():
    return render("integrations/index.html", software=SOFTWARE)
