"""The daily refresh of each connected business's lists, spread over the day.

Each business has its own moment of the day, spread evenly by a hash of its id, moved by up to JITTER_SECONDS
either way each day (so businesses that share a moment part, and none is always first). Thousands of organisations
are then refreshed a few a minute, never all at one moment; a business whose moment passed without a refresh
(workers down, Redis restarted) is refreshed at the next check. A refresh a person started counts as the day's."""
import hashlib
from datetime import date, datetime, timedelta

from peewee import fn

from webapp.integrations.models import CONNECTED, Connection
from webapp.jobruns.models import JobRun

DAY_SECONDS = 24 * 3600
JITTER_SECONDS = 20 * 60


def moment(business_id: int, day: date) -> datetime:
    """When on `day` (naive UTC) the business's lists are refreshed."""
    base = _number(f"docket-daily-{business_id}") % DAY_SECONDS
    jitter = _number(f"docket-daily-{business_id}-{day.isoformat()}") % (2 * JITTER_SECONDS + 1) - JITTER_SECONDS
    return datetime.combine(day, datetime.min.time()) + timedelta(seconds=base + jitter)


def due(now: datetime) -> list[int]:
    """The connected businesses whose latest moment up to `now` (naive UTC) has had no refresh since, the longest
    waiting first."""
    connected = [row.business_id for row in Connection.select(Connection.business)
                 .where(Connection.status == CONNECTED)]
    if not connected:
        return []
    last = dict(JobRun.select(JobRun.business, fn.MAX(JobRun.created_at))
                .where((JobRun.kind == "refresh") & JobRun.business.in_(connected))
                .group_by(JobRun.business).tuples())
    waiting = {business_id: _latest_moment(business_id, now) for business_id in connected}
    return sorted((business_id for business_id, at in waiting.items() if (last.get(business_id) or datetime.min) < at),
                  key=lambda business_id: last.get(business_id) or datetime.min)


def _latest_moment(business_id: int, now: datetime) -> datetime:
    """The latest moment not after `now` (jitter can move a day's moment into the next day or the one before)."""
    moments = (moment(business_id, now.date() - timedelta(days=back)) for back in range(3))
    return max(at for at in moments if at <= now)


def _number(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
