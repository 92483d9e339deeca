"""The banner region (polled while jobs run) and the housekeeping trigger."""
from flask import Blueprint, flash, g, redirect, url_for
from flask_login import current_user

from webapp.accounts.access import admin_required, member_required
from webapp.htmx import render, stop_polling
from webapp.queues import enqueue_housekeeping
from webapp.ui import current_banners

bp = Blueprint("jobruns", __name__)


@bp.get("/b/<int:business_id>/banners")
@member_required
def banners():
    response = render("_banners.html", "_banners.html", targets=("banners",))
    return response if any(banner.poll for banner in current_banners()) else stop_polling(response)


@bp.post("/b/<int:business_id>/housekeeping")
@admin_required
def run_housekeeping():
    enqueue_housekeeping(g.business.id, requested_by=current_user.id)
    flash("Housekeeping has started. The banner shows its progress.", "info")
    return redirect(url_for("accounts.settings"), code=303)
