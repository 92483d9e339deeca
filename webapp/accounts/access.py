"""Which business a request is about, and whether the signed-in user may act in it.

Every view declares who may use it with one of the decorators below, which also set `view.access` to its level so
that tests can check each route against the product's rules (`access_of`). The checks are plain functions
registered with Flask by calls (not decorators), so that mutation testing can reach them."""
from functools import wraps

from flask import abort, current_app, g
from flask_login import current_user

from webapp.accounts.models import Membership

PUBLIC, SIGNED_IN, MEMBER, PUBLISHER, ADMIN = "public", "signed in", "member", "publisher", "admin"
OPERATOR = "operator"  # the people who run Docket (OPERATOR_EMAILS), whatever their businesses
LEVELS = (PUBLIC, SIGNED_IN, MEMBER, PUBLISHER, ADMIN, OPERATOR)  # each lets in fewer people than the one before


def access_of(view) -> str | None:
    """The level a view declared, None if it declared none."""
    return getattr(view, "access", None)


def init_app(app) -> None:
    """Every URL with <business_id> is checked against the user's memberships before the view runs."""
    app.url_value_preprocessor(_take_business_id)
    app.url_defaults(_add_business_id)
    app.before_request(_load_membership)


def _take_business_id(endpoint, values) -> None:
    if values and "business_id" in values:
        g.business_id = values.pop("business_id")


def _add_business_id(endpoint, values) -> None:
    if "business_id" not in values and g.get("business") is not None \
            and current_app.url_map.is_endpoint_expecting(endpoint, "business_id"):
        values["business_id"] = g.business.id


def _load_membership() -> None:
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


def public(view):
    """Anyone, signed in or not: the login wall (auth.guard) lets these through."""
    view.access = PUBLIC
    return view


def signed_in(view):
    """Anyone signed in: the login wall (auth.guard) sends everyone else to the login page."""
    view.access = SIGNED_IN
    return view


def member_required(view):
    """404 unless the signed-in user is a member of the request's business."""
    return _guarded(view, MEMBER)


def publisher_required(view):
    """403 unless the signed-in user may publish in the request's business ("Can publish", or an admin)."""
    return _guarded(view, PUBLISHER)


def admin_required(view):
    """403 unless the signed-in user is an admin of the request's business."""
    return _guarded(view, ADMIN)


def operator_required(view):
    """404 unless the signed-in user is one of OPERATOR_EMAILS (the operator pages say nothing to anyone else)."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not is_operator():
            abort(404)
        return view(*args, **kwargs)

    wrapper.access = OPERATOR
    return wrapper


def is_operator() -> bool:
    return current_user.is_authenticated and current_user.email.lower() in current_app.config["OPERATOR_EMAILS"]


def _guarded(view, level: str):
    @wraps(view)
    def wrapper(*args, **kwargs):
        _check(level)
        return view(*args, **kwargs)

    wrapper.access = level
    return wrapper


def _check(level: str) -> None:
    """Aborts unless the request's membership allows `level`: 404 for a member's view, 403 for the others."""
    membership = g.get("membership")
    if membership is None or not _allows(membership, level):
        abort(404 if level == MEMBER else 403)


def _allows(membership: Membership, level: str) -> bool:
    if level == ADMIN:
        return membership.is_admin
    if level == PUBLISHER:
        return membership.may_publish
    return True
