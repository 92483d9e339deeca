"""The app manifest, the service worker, the offline page, and Snap: /snap (the home screen icon) leads to the
Snap page of the business last snapped for. Photos are sent by static/js/snap.js through items.upload."""
from flask import Blueprint, abort, current_app, g, redirect, render_template, send_from_directory, session, url_for
from flask_login import current_user

from webapp.accounts.access import member_required, public, signed_in
from webapp.accounts.models import Membership
from webapp.htmx import render
from webapp.items.models import WORKSPACES
from webapp.items.validation import MAX_FILE_BYTES

bp = Blueprint("capture", __name__)
SNAP_LAST = "snap"  # in the session: [business id, workspace] of the Snap page opened last
THEME_COLOR = "#13294b"  # the brand navy of the top bar and the icons
BACKGROUND_COLOR = "#f6f7f9"


@bp.get("/manifest.webmanifest")
@public
def manifest():
    body = {
        "name": "Docket", "short_name": "Docket", "id": url_for("capture.start"),
        "description": "Snap receipts and bills for your bookkeeper.",
        "start_url": url_for("capture.start"), "scope": url_for("accounts.home"), "display": "standalone",
        "orientation": "portrait", "theme_color": THEME_COLOR, "background_color": BACKGROUND_COLOR,
        "icons": [_icon("icon-192.png", 192), _icon("icon-512.png", 512),
                  _icon("icon-maskable-512.png", 512, "maskable")],
    }
    response = current_app.json.response(body)
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    return response


def _icon(name: str, size: int, purpose: str = "any") -> dict:
    return {"src": url_for("static", filename=f"icons/{name}"), "sizes": f"{size}x{size}", "type": "image/png",
            "purpose": purpose}


@bp.get("/sw.js")
@public
def service_worker():
    """Served from the root so that its scope is the whole app (a script under /static/ controls /static/ only)."""
    response = send_from_directory(current_app.static_folder, "sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = url_for("accounts.home")
    return response


@bp.get("/offline")
@public
def offline():
    """What the service worker shows for a page that can't be loaded offline. It stands alone, with nobody's data
    in it: the service worker keeps a copy."""
    return render_template("capture/offline.html")


@bp.get("/snap")
@signed_in
def start():
    memberships = list(Membership.for_user(current_user.id))
    business_id, workspace = session.get(SNAP_LAST) or (None, "costs")
    chosen = next((m for m in memberships if m.business_id == business_id), None)
    if chosen is None and len(memberships) == 1:
        chosen, workspace = memberships[0], "costs"
    if chosen is not None:
        return redirect(url_for("capture.snap", business_id=chosen.business_id, workspace=workspace))
    return render("capture/choose.html", memberships=memberships, title="Snap")


@bp.get("/b/<int:business_id>/snap/<workspace>")
@member_required
def snap(workspace: str):
    if workspace not in WORKSPACES:
        abort(404)
    if session.get(SNAP_LAST) != [g.business.id, workspace]:
        session[SNAP_LAST] = [g.business.id, workspace]
    return render("capture/snap.html", workspace=workspace, workspaces=WORKSPACES, title="Snap",
                  max_bytes=MAX_FILE_BYTES)
