"""Persistent banners of one business, computed from the database for every page and the poller."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Banner:
    level: str  # success | info | warning | error
    text: str
    poll: bool = False  # the banner region keeps polling while any banner says so
    action_label: str = ""
    action_url: str = ""
    steps: tuple = ()  # (label, state, counts text) per step of a running job
    kind: str = ""  # what the banner is about, for code that reacts to it (e.g. "needs-reconnect")


def banners_for(business_id: int, is_admin: bool) -> list[Banner]:
    from webapp.integrations.status import connection_banners
    from webapp.jobruns.service import job_banners

    return connection_banners(business_id, is_admin) + job_banners(business_id)
