"""Connections → Integrations (admins only): connect, choose the organisation, reconnect, disconnect."""
from flask import (Blueprint, abort, current_app, flash, g, make_response, redirect, render_template, request,
                   session, url_for)
from flask_login import current_user

from webapp.accounts.access import admin_required, public
from webapp.accounts.models import Membership
from webapp.extensions import login_manager
from webapp.htmx import render, stop_polling
from webapp.integrations import service, window
from webapp.integrations.models import Connection
from webapp.integrations.service import ConnectFailed
from webapp.integrations.xero_access import xero
from webapp.jobruns.models import JobRun
from webapp.queues import enqueue_refresh

bp = Blueprint("integrations", __name__)

SOFTWARE = (("xero", "Xero", True), ("quickbooks", "QuickBooks Online", False), ("sage", "Sage Accounting", False))
STATE_KEY = "xero_connect_state"
WINDOW_EXPIRED = ("This sign-in link has expired or was already used. Go back to Docket in your portal and press "
                  "Connect Software again.")


@bp.get("/b/<int:business_id>/integrations")
@admin_required
def index():
    return render("integrations/index.html", software=SOFTWARE, connection=Connection.for_business(g.business.id),
                  refresh=JobRun.latest(g.business.id, "refresh"))


@bp.get("/b/<int:business_id>/integrations/xero/manage")
@admin_required
def manage():
    connection = Connection.for_business(g.business.id)
    if connection is None:
        abort(404)
    return render("integrations/index.html", "integrations/_manage.html", targets=("integrations-manage",),
                  software=SOFTWARE, connection=connection, open_menu=True)


@bp.get("/b/<int:business_id>/integrations/xero/connect")
@admin_required
def connect_summary():
    return render_template("integrations/connect.html", scopes=xero().identity.app.scopes,
                           connection=Connection.for_business(g.business.id))


@bp.post("/b/<int:business_id>/integrations/xero/connect")
@admin_required
def connect():
    redirect_uri = current_app.config["XERO_REDIRECT_URI"] or url_for("integrations.callback", _external=True)
    state, authorize_url = service.start_connect(g.business.id, current_user.id, redirect_uri)
    session[STATE_KEY] = state
    return redirect(authorize_url, code=303)


# The Xero sign-in window opened from an embedded session has no Docket session of its own: the callback and
# window_start check the one-time record and state cookie instead (the callback checks login otherwise).
@bp.get("/integrations/xero/callback")
@public
def callback():
    """Xero sends the browser back here; consume the code and redirect at once (no page with the code)."""
    state = request.args.get("state")
    if state and state == request.cookies.get(window.STATE_COOKIE):
        return _window_callback(state)
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not state or state != session.pop(STATE_KEY, None):
        return _connect_failed("This sign-in to Xero did not start here, or it was already used. "
                               "Start again with Connect.")
    try:
        attempt = service.attempt_for(state, user_id=current_user.id)
    except ConnectFailed as error:
        return _connect_failed(error.user_message)
    membership = Membership.of(current_user.id, attempt.business_id)
    if membership is None or not membership.is_admin:
        abort(403)
    if request.args.get("error"):
        message = ("You cancelled at Xero, so nothing was connected." if request.args["error"] == "access_denied"
                   else "Xero could not complete the sign-in, so nothing was connected. Try Connect again.")
        return _connect_failed(message, attempt.business_id)
    try:
        service.complete_authorisation(attempt, request.args.get("code", ""))
    except ConnectFailed as error:
        return _connect_failed(error.user_message, attempt.business_id)
    session[STATE_KEY + "_chosen"] = state
    return redirect(url_for("integrations.choose", business_id=attempt.business_id), code=303)


@bp.post("/b/<int:business_id>/integrations/xero/window")
@admin_required
def open_window():
    """Embedded: Connect Software makes a one-time record; the admin opens Xero's sign-in in a new window."""
    pending_id = window.create(g.business.id, current_user.id)
    return render("integrations/connect.html", "integrations/_window.html", targets=("integrations-window",),
                  scopes=xero().identity.app.scopes, connection=Connection.for_business(g.business.id),
                  pending=window.find(pending_id))


@bp.get("/b/<int:business_id>/integrations/xero/window/<pending_id>")
@admin_required
def window_status(pending_id: str):
    """Polled by the iframe until the window's sign-in at Xero is done; then on to Choose an organisation."""
    pending = window.find(pending_id, g.business.id, current_user.id)
    if pending is not None and pending.outcome == window.AUTHORISED:
        session[STATE_KEY + "_chosen"] = pending.state  # as the first-party callback does: Choose may go on
        return "", 200, {"HX-Redirect": url_for("integrations.choose")}
    response = render("integrations/connect.html", "integrations/_window.html", targets=("integrations-window",),
                      scopes=xero().identity.app.scopes, connection=Connection.for_business(g.business.id),
                      pending=pending, expired=pending is None)
    return response if pending is not None and not pending.outcome else stop_polling(response)


@bp.get("/integrations/xero/window/<pending_id>")
@public
def window_start(pending_id: str):
    """The top-level window: redeem the record once, keep the state in a first-party cookie, go to Xero.
    A GET that changes state, because a new window can only navigate; the record is single use and short-lived."""
    pending = window.redeem(pending_id[:64])
    if pending is None:
        return render_template("integrations/window_done.html", failed=True, message=WINDOW_EXPIRED), 410
    redirect_uri = current_app.config["XERO_REDIRECT_URI"] or url_for("integrations.callback", _external=True)
    state, authorize_url = service.start_connect(pending.business_id, pending.user_id, redirect_uri)
    window.started(pending.id, state)
    response = redirect(authorize_url, code=303)
    response.set_cookie(window.STATE_COOKIE, state, max_age=window.LIFETIME, path="/", secure=True, httponly=True,
                        samesite="Lax")
    return response


@bp.get("/b/<int:business_id>/integrations/xero/choose")
@admin_required
def choose():
    attempt = _authorised_attempt()
    return render_template("integrations/choose.html", organisations=service.organisations_of(attempt),
                           current=Connection.for_business(g.business.id))


@bp.post("/b/<int:business_id>/integrations/xero/choose")
@admin_required
def choose_submit():
    attempt = _authorised_attempt()
    tenant_id = request.form.get("tenant_id", "")
    if not tenant_id:
        return render_template("integrations/choose.html", organisations=service.organisations_of(attempt),
                               current=Connection.for_business(g.business.id),
                               error="Choose an organisation to connect."), 422
    previous = service.changes_organisation(attempt, tenant_id)
    if previous and request.form.get("confirm") != "yes":
        chosen = next((o for o in service.organisations_of(attempt) if o.tenant_id == tenant_id), None)
        return render_template("integrations/confirm_change.html", previous=previous, chosen=chosen)
    service.choose_organisation(attempt, tenant_id)
    session.pop(STATE_KEY + "_chosen", None)
    return redirect(url_for("integrations.connected"), code=303)


@bp.get("/b/<int:business_id>/integrations/xero/connected")
@admin_required
def connected():
    connection = Connection.for_business(g.business.id)
    if connection is None or not connection.is_connected:
        return redirect(url_for("integrations.index"))
    return render_template("integrations/connected.html", connection=connection)


@bp.post("/b/<int:business_id>/integrations/xero/finish")
@admin_required
def finish():
    enqueue_refresh(g.business.id, requested_by=current_user.id)
    flash(f"{g.business.name} is connected to Xero. Docket is fetching its data now.", "success")
    return redirect(url_for("integrations.index"), code=303)


@bp.post("/b/<int:business_id>/integrations/xero/refresh")
@admin_required
def refresh():
    connection = Connection.for_business(g.business.id)
    if connection is None or not connection.is_connected:
        flash("Connect to Xero before refreshing its data.", "error")
        return redirect(url_for("integrations.index"), code=303)
    enqueue_refresh(g.business.id, requested_by=current_user.id)
    flash("Refreshing integration data from Xero. The banner shows its progress.", "info")
    return redirect(url_for("integrations.index"), code=303)


@bp.get("/b/<int:business_id>/integrations/xero/disconnect")
@admin_required
def disconnect_confirm():
    connection = Connection.for_business(g.business.id)
    if connection is None or connection.status == "disconnected":
        return redirect(url_for("integrations.index"))
    return render_template("integrations/disconnect.html", connection=connection)


@bp.post("/b/<int:business_id>/integrations/xero/disconnect")
@admin_required
def disconnect():
    connection = Connection.for_business(g.business.id)
    if connection is None:
        abort(404)
    service.disconnect(connection)
    flash(f"{g.business.name} is no longer connected to {connection.tenant_name}. Lists and items are kept.",
          "success")
    return redirect(url_for("integrations.index"), code=303)


def _window_callback(state: str):
    """Back from Xero in the top-level window: exchange the code and tell the iframe through the record."""
    try:
        attempt = service.attempt_for(state)
        error = request.args.get("error")
        if error == "access_denied":
            raise ConnectFailed("You cancelled at Xero, so nothing was connected.")
        if error:
            raise ConnectFailed("Xero could not complete the sign-in, so nothing was connected.")
        membership = Membership.of(attempt.user_id, attempt.business_id)
        if membership is None or not membership.is_admin:
            raise ConnectFailed("Only an admin of the business can connect it to Xero.")
        service.complete_authorisation(attempt, request.args.get("code", ""))
    except ConnectFailed as error:
        window.finished(state, error.user_message)
        response = make_response(render_template("integrations/window_done.html", failed=True,
                                                 message=error.user_message))
    else:
        window.finished(state, window.AUTHORISED)
        response = make_response(render_template("integrations/window_done.html", failed=False))
    response.delete_cookie(window.STATE_COOKIE, path="/", secure=True, httponly=True, samesite="Lax")
    return response


def _authorised_attempt():
    try:
        attempt = service.attempt_for(session.get(STATE_KEY + "_chosen"), g.business.id, current_user.id)
    except ConnectFailed as error:
        abort(_redirect_with(error.user_message))
    if not attempt.authorised_at:
        abort(_redirect_with("Sign in to Xero first: start again with Connect."))
    return attempt


def _connect_failed(message: str, business_id: int | None = None):
    flash(message, "error")
    if business_id is None:
        return redirect(url_for("accounts.home"), code=303)
    return redirect(url_for("integrations.index", business_id=business_id), code=303)


def _redirect_with(message: str):
    flash(message, "error")
    return redirect(url_for("integrations.index"), code=303)
