"""Xero's JSON dates (`/Date(1552327126164+0000)/`) and the If-Modified-Since format."""
import re
from datetime import date, datetime, timezone

MS_DATE = re.compile(r"/Date\((-?\d+)([+-]\d{4})?\)/")


def parse_datetime(value: str | None) -> datetime | None:
    """A naive UTC datetime from Xero's `/Date(ms+0000)/` or an ISO string; None when empty."""
    if not value:
        return None
    match = MS_DATE.fullmatch(value.strip())
    if match:
        return datetime.fromtimestamp(int(match.group(1)) / 1000, tz=timezone.utc).replace(tzinfo=None)
    parsed = datetime.fromisoformat(value)  # Python 3.11 reads a trailing Z
    return parsed.astimezone(timezone.utc).replace(tzinfo=None) if parsed.tzinfo else parsed


def parse_date(value: str | None) -> date | None:
    moment = parse_datetime(value)
    return moment.date() if moment else None


def if_modified_since(moment: datetime) -> str:
    """The header value for a naive UTC moment: the spec's date-time, to the second, with its offset (Z)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
