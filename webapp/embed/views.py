"""The portal's way in: the launch page its iframe opens, the launch itself (POST only), and the ended page."""
import logging

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from webapp.accounts.access import public
from webapp.embed import launch as launching
from webapp.extensions import csrf

bp = Blueprint("embed", __name__)
log = logging.getLogger(__name__)

QUERY_REFUSED = ("Launch tokens are accepted only in the body of a POST, never in a web address (addresses end up "
                 "in logs). Your portal needs to post the token; nobody was signed in.")


@bp.get("/embed/start")
@public
def start():
    """Framed by the portal: says it is ready (postMessage to the portal's origin) and posts the token it gets."""
    portal = current_app.config["EMBED_PORTALS"].get(request.args.get("portal", ""))
    if portal is None:
        abort(404)
    return render_template("embed/start.html", portal=portal)


@bp.post("/embed/launch")
@csrf.exempt  # the signed, single-use token is the proof this request comes from the portal
@public
def launch():
    if "token" in request.args:
        return _refused(QUERY_REFUSED, 400)
    try:
        verified = launching.verify(request.form.get("token", ""), current_app.config["EMBED_PORTALS"])
    except launching.LaunchRefused as refused:
        log.info("embed launch refused reason=%s", refused.reason)
        return _refused(refused.user_message, refused.status_code)
    launching.start_session(verified, request.user_agent.string)
    return redirect(url_for("accounts.business_home", business_id=verified.membership.business_id), 303)


@bp.get("/embed/launch")
@public
def launch_by_address():
    """Never reads a token from the query string; says how to launch instead."""
    return _refused(QUERY_REFUSED, 405, {"Allow": "POST"})


@bp.get("/embed/ended")
@public
def ended():
    return render_template("embed/ended.html"), 401


def _refused(message: str, status: int, headers: dict | None = None):
    return render_template("embed/refused.html", message=message), status, headers or {}
