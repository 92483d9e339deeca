"""Publish buttons (item, inbox selection), the item's publishing panel, and the Publishing settings."""
from urllib.parse import parse_qsl

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from webapp.accounts.access import admin_required, member_required, publisher_required
from webapp.embed import events
from webapp.errors import Conflict
from webapp.htmx import render, stop_polling, wants_fragment
from webapp.items import bulk, queries
from webapp.items.choices import PUBLISH_AS, PUBLISH_TO
from webapp.publishing import service
from webapp.publishing.models import CURRENCY_MODES, LINE_AMOUNTS, TAX_POLICIES, PublishingSettings

bp = Blueprint("publishing", __name__)
PANEL_ID = "item-publish"


@bp.post("/b/<int:business_id>/items/<int:item_id>/publish")
@publisher_required
def publish(item_id: int):
    item = _item(item_id)
    try:
        service.request_publish(item, user_id=current_user.id)
    except service.PublishRefused as refused:
        if wants_fragment():
            return _panel(item, refusal=str(refused)), 422
        flash(str(refused), "error")
        return redirect(url_for("items.detail", item_id=item.id), 303)
    following = _next_in_queue(item) if request.form.get("then") == "next" else None
    if following:
        flash(f"Publishing {item.reference or item.document.filename} in the background; it is on the Published "
              "tab when done.", "info")
        return ("", 200, {"HX-Redirect": following}) if wants_fragment() else redirect(following, 303)
    return _panel(item) if wants_fragment() else redirect(url_for("items.detail", item_id=item.id), 303)


@bp.get("/b/<int:business_id>/items/<int:item_id>/publish")
@member_required
def panel(item_id: int):
    """The panel, polled while the item publishes; the page reloads once when the outcome is in."""
    item = _item(item_id)
    if item.status == "publishing":
        return _panel(item)
    if request.args.get("was") == "publishing":  # the embedded portal hears the outcome before the reload
        return "", 200, {"HX-Refresh": "true"} | events.publish_outcome(item)
    return stop_polling(_panel(item))


@bp.post("/b/<int:business_id>/inbox/<workspace>/publish")
@publisher_required
def publish_selected(workspace: str):
    items = bulk.selected(g.business.id, workspace, request.form.getlist("item"))
    if not items:
        flash("Select the items to publish first.", "error")
        return redirect(url_for("items.inbox", workspace=workspace), 303)
    outcome = service.request_bulk(items, user_id=current_user.id, business_id=g.business.id)
    flash(outcome.message or "None of the selected items can be published yet: open them to see what to fix.",
          "error" if not outcome.queued else "warning" if outcome.waiting_for_queue else "success")
    inbox = url_for("items.inbox", workspace=workspace)
    return ("", 200, {"HX-Redirect": inbox}) if wants_fragment() else redirect(inbox, 303)


@bp.post("/b/<int:business_id>/items/<int:item_id>/reopen")
@publisher_required
def reopen(item_id: int):
    item = _item(item_id)
    if not service.reopen(item, user_id=current_user.id):
        raise Conflict("Only a published item can be changed and published again.")
    flash("Change what you need, then Publish: Xero's draft is updated (a document that is no longer a draft "
          "in Xero can't be).", "info")
    return redirect(url_for("items.detail", item_id=item.id), 303)


@bp.post("/b/<int:business_id>/items/<int:item_id>/clear-publishing")
@publisher_required
def clear(item_id: int):
    item = _item(item_id)
    if not service.clear_publishing_data(item, user_id=current_user.id):
        raise Conflict("Only a published or archived item has publishing data to clear.")
    flash("Publishing data cleared: the item is back in the inbox and will be published as a new document in "
          "Xero. Void or delete the earlier one in Xero if it shouldn't stay.", "info")
    return redirect(url_for("items.detail", item_id=item.id), 303)


@bp.route("/b/<int:business_id>/settings/publishing", methods=["GET", "POST"])
@admin_required
def settings():
    errors = {}
    if request.method == "POST":
        errors = service.save_settings(g.business.id, request.form, user_id=current_user.id)
        if not errors:
            flash("Publishing settings saved.", "success")
            return redirect(url_for("publishing.settings"), 303)
    return render("publishing/settings.html", status=422 if errors else 200, errors=errors,
                  values=request.form if errors else None, current=PublishingSettings.of(g.business.id),
                  tax_policies=TAX_POLICIES, line_amounts=LINE_AMOUNTS, currency_modes=CURRENCY_MODES,
                  publish_to=PUBLISH_TO, publish_as=PUBLISH_AS, title="Publishing settings")


def _item(item_id: int):
    return queries.item(g.business.id, item_id) or abort(404)


def _next_in_queue(item) -> str | None:
    """The page of the item after this one in the inbox tab the person works through (its view comes with the
    form: the Item details address's query string)."""
    view = queries.parse(item.workspace, MultiDict(parse_qsl(request.form.get("queue", "")[:2000])))
    following = queries.neighbours(g.business.id, view, item)[1]
    return url_for("items.detail", item_id=following, **view.args(page=None)) if following else None


def _panel(item, refusal: str = ""):
    return render_template("items/_publish.html", item=item, refusal=refusal, attempt=service.open_attempt(item.id))
