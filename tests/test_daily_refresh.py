"""The daily list refresh, spread over the day: each business at its own moment (moved a little each day), started
once per moment, a backlog after an outage caught up a few at a time, never all organisations at one moment."""
from collections import Counter
from datetime import date, timedelta

import pytest

from jobs import sync
from tests import factories
from webapp.accounts.models import utcnow
from webapp.integrations.models import CONNECTED, Connection
from webapp.jobruns.models import JobRun
from webapp.lists import daily
from webapp.queues import enqueue_refresh
from webapp.redis_conn import get_redis


def connected_business():
    """A business as choosing an organisation on Integrations leaves it (nothing here calls Xero)."""
    business = factories.make_business()
    Connection.create(business=business.id, tenant_id=f"tenant-{business.id}", tenant_name=business.name,
                      status=CONNECTED)
    return business


def refreshes(business) -> int:
    return JobRun.select().where((JobRun.business == business.id) & (JobRun.kind == "refresh")).count()


def next_check(app) -> None:
    """A minute later: the next worker's maintenance pass may check again."""
    with app.app_context():
        get_redis().delete(sync.DAILY_CHECK_KEY)


def test_two_thousand_organisations_are_spread_over_the_day():
    day = date(2026, 12, 7)
    moments = [daily.moment(business_id, day) for business_id in range(1, 2001)]
    assert {moment.date() for moment in moments} <= {day - timedelta(days=1), day, day + timedelta(days=1)}
    per_hour = Counter(moment.hour for moment in moments)
    assert len(per_hour) == 24 and max(per_hour.values()) < 1.5 * 2000 / 24
    assert max(Counter(moment.replace(second=0) for moment in moments).values()) <= 10  # a few a minute at most
    shifts = [daily.moment(b, day + timedelta(days=1)) - daily.moment(b, day) - timedelta(days=1)
              for b in range(1, 2001)]
    assert all(abs(shift) <= timedelta(seconds=2 * daily.JITTER_SECONDS) for shift in shifts)
    assert len(set(shifts)) > 1000  # each keeps its slot, moved a little differently each day


def test_a_business_is_due_at_its_moment_and_not_before(app):
    business = connected_business()
    with app.app_context():
        run = enqueue_refresh(business.id)  # refreshed now (a person, or yesterday's daily run)
    refreshed = JobRun.get_by_id(run.id).created_at
    upcoming = min(at for at in (daily.moment(business.id, refreshed.date() + timedelta(days=days))
                                 for days in range(3)) if at > refreshed)
    assert business.id not in daily.due(upcoming - timedelta(seconds=1))
    assert business.id in daily.due(upcoming)


def test_each_due_business_is_refreshed_once_and_the_check_runs_once_a_minute(app):
    first, second, third = (connected_business() for _ in range(3))
    idle = factories.make_business()  # not connected: nothing to refresh
    with app.app_context():
        assert sync.refresh_due_connections() == 3  # never refreshed: their moment of yesterday has passed
        late = connected_business()
        assert sync.refresh_due_connections() == 0  # another worker checked within the minute
        next_check(app)
        assert sync.refresh_due_connections() == 1
        next_check(app)
        assert sync.refresh_due_connections() == 0  # each has its refresh since its moment
    assert [refreshes(b) for b in (first, second, third, late, idle)] == [1, 1, 1, 1, 0]


def test_a_backlog_after_an_outage_is_started_a_few_at_a_time(app, monkeypatch):
    monkeypatch.setattr(sync, "DAILY_PER_CHECK", 2)
    businesses = [connected_business() for _ in range(5)]
    started = []
    with app.app_context():
        for _ in range(4):
            started.append(sync.refresh_due_connections())
            next_check(app)
    assert started == [2, 2, 1, 0] and all(refreshes(b) == 1 for b in businesses)


@pytest.mark.parametrize("days_later", [1, 2])
def test_a_refresh_long_ago_is_due_whatever_the_hour(app, days_later):
    business = connected_business()
    with app.app_context():
        enqueue_refresh(business.id)
    assert business.id in daily.due(utcnow() + timedelta(days=days_later, minutes=2 * daily.JITTER_SECONDS // 60 + 1))
