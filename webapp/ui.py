"""What every page shows around its content: navigation context, banners from the database, filters."""
from flask import g
from flask_login import current_user

from webapp.accounts.access import is_operator
from webapp.accounts.models import Membership
from webapp.integrations.status import connection_banners
from webapp.jobruns.service import job_banners


def init_app(app) -> None:
    @app.context_processor
    def _frame_context():
        business = g.get("business")
        return {
            "business": business,
            "membership": g.get("membership"),
            "banners": current_banners,
            "switcher_memberships": _switcher_memberships,
            "is_operator": is_operator,
        }

    @app.template_filter("datetime")
    def _datetime(value, fmt="%d %b %Y %H:%M"):
        return value.strftime(fmt) if value else ""


def current_banners() -> list:
    """The business's banners, read once per request and only when needed (most fragments don't draw them)."""
    if "banners" not in g:
        business = g.get("business")
        g.banners = (connection_banners(business.id, g.membership.is_admin)
                     + job_banners(business.id, current_user.id) if business else [])
    return g.banners


def _switcher_memberships() -> list[Membership]:
    """The businesses the signed-in user can switch to (one query, made only when rendered)."""
    if "switcher_memberships" not in g:
        g.switcher_memberships = list(Membership.for_user(current_user.id)) if current_user.is_authenticated else []
    return g.switcher_memberships
