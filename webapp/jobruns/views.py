"""The banner region (polled while jobs run) and the housekeeping trigger."""
from flask import Blueprint, flash, g, redirect, request, url_for
from flask_login import current_user

from webapp.accounts.access import admin_required, member_required
from webapp.htmx import render, stop_polling, wants_fragment, with_trigger
from webapp.jobruns import service
from webapp.queues import enqueue_housekeeping
from webapp.ui import current_banners

bp = Blueprint("jobruns", __name__)
JOB_ENDED = "job-ended"  # the client event when a polled job's banner says it ended


@bp.get("/b/<int:business_id>/banners")
@member_required
def banners():
    response = render("_banners.html", "_banners.html", targets=("banners",))
    if any(banner.poll for banner in current_banners()):
        return response
    if request.args.get("was") == "running":  # a job just ended: the rows, counts and Last refresh follow
        response = with_trigger(response, JOB_ENDED)
    return stop_polling(response)


@bp.post("/b/<int:business_id>/banners/<int:run_id>/dismiss")
@member_required
def dismiss(run_id: int):
    service.dismiss(g.business.id, current_user.id, run_id)
    if wants_fragment("banners"):
        return render("_banners.html", "_banners.html", targets=("banners",))
    return redirect(url_for("accounts.business_home"), code=303)


@bp.post("/b/<int:business_id>/housekeeping")
@admin_required
def run_housekeeping():
    enqueue_housekeeping(g.business.id, requested_by=current_user.id)
    flash("Housekeeping has started. The banner shows its progress.", "info")
    return redirect(url_for("accounts.settings"), code=303)
