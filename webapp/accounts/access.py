"""Which business a request is about, and whether the signed-in user may act in it."""
from functools import wraps

from flask import abort, g
from flask_login import current_user

from webapp.accounts.models import Membership


def init_app(app) -> None:
    """Every URL with <business_id> is checked against the user's memberships before the view runs."""

    @app.url_value_preprocessor
    def _take_business_id(endpoint, values):
        if values and "business_id" in values:
            g.business_id = values.pop("business_id")

    @app.url_defaults
    def _add_business_id(endpoint, values):
        if "business_id" not in values and g.get("business") is not None \
                and app.url_map.is_endpoint_expecting(endpoint, "business_id"):
            values["business_id"] = g.business.id

    @app.before_request
    def _load_membership():
        business_id = g.get("business_id")
        if business_id is None or not current_user.is_authenticated:
            return
        # All the user's memberships in one query: this one is checked, the business switcher shows them all.
        g.switcher_memberships = list(Membership.for_user(current_user.id))
        membership = next((m for m in g.switcher_memberships if m.business_id == business_id), None)
        if membership is None:
            abort(404)  # the same answer as a business that doesn't exist
        g.membership = membership
        g.business = membership.business


def admin_required(view):
    """403 unless the signed-in user is an admin of the request's business."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        membership = g.get("membership")
        if membership is None or not membership.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


