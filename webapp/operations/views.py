"""The Operations page (people in OPERATOR_EMAILS): queues, failed jobs with Retry, workers, Xero's pace."""
from flask import Blueprint, flash, redirect, render_template, url_for

from webapp.accounts.access import operator_required
from webapp.operations import status

bp = Blueprint("operations", __name__)


@bp.get("/operations")
@operator_required
def index():
    return render_template("operations/index.html", queues=status.queues(), failed=status.failed_jobs(),
                           workers=status.workers(), pace=status.xero_pace())


@bp.post("/operations/jobs/<job_id>/retry")
@operator_required
def retry(job_id: str):
    if status.retry(job_id):
        flash(f"Job {job_id} is back on its queue.", "success")
    else:
        flash(f"Job {job_id} is no longer among the failed jobs (retried already, or expired).", "error")
    return redirect(url_for("operations.index"))
