"""The publishing banner of a bulk run says when Xero lets Docket carry on, and still shows when that can't be read."""
import logging
import time
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from tests.items_helpers import make_coded_item, make_contact
from webapp.integrations.models import Connection
from webapp.integrations.xero_access import xero
from webapp.publishing import pace

TENANT = "tenant-pace"


@pytest.fixture
def running(app, admin, admin_client, coding):
    """A bulk publish of two ready items, pressed by the admin: its run's banner shows on the inbox."""
    Connection.create(business=admin.business_id, tenant_id=TENANT, tenant_name="Hartley", status="connected")
    supplier = make_contact(admin.business, "Acme Ltd")
    items = [make_coded_item(admin.business, total=Decimal(total), date=date(2026, 5, 1), contact=supplier,
                             category=coding.fuel, tax_rate=coding.vat20) for total in ("12.00", "13.00")]
    assert {item.status for item in items} == {"ready"}
    admin_client.hx("POST", f"/b/{admin.business_id}/inbox/costs/publish", data={"item": [i.id for i in items]})
    return admin.business_id


def _banner(admin_client, business_id) -> str:
    page = admin_client.get(f"/b/{business_id}/inbox/costs")
    assert page.status_code == 200
    return page.text


def test_the_banner_says_at_what_time_publishing_resumes_once_xero_asked_to_wait(app, admin_client, running):
    assert "Publishing 0 of 2" in _banner(admin_client, running)
    assert "asked us to wait" not in _banner(admin_client, running)
    until = (int(time.time()) // 3600 + 2) * 3600 + 7 * 60  # hh:07 two hours on
    with app.app_context():
        xero().limiter.pause(TENANT, until, "minute")
    resumes = datetime.fromtimestamp(until, timezone.utc)
    assert (f"Publishing 0 of 2. Xero asked us to wait; publishing resumes at {resumes:%H:%M} UTC."
            in _banner(admin_client, running))


def test_the_banner_shows_without_the_pace_when_redis_is_out_of_reach(app, admin_client, running, monkeypatch,
                                                                       caplog):
    down = redis.Redis(host="127.0.0.1", port=1, retry=Retry(NoBackoff(), 0))  # nothing listens there
    monkeypatch.setattr(app.extensions["xero"].limiter, "redis", down)
    with caplog.at_level(logging.WARNING, logger="webapp.publishing.pace"):
        page = _banner(admin_client, running)
    assert "Publishing 0 of 2" in page and "asked us to wait" not in page
    [record] = [r for r in caplog.records if r.name == "webapp.publishing.pace"]
    assert record.levelno == logging.WARNING
    assert record.getMessage().startswith("Xero pace unknown, Redis out of reach: Error ")
    assert "connecting to 127.0.0.1:1" in record.getMessage()


def test_a_business_never_connected_has_nothing_to_wait_for(app, admin):
    with app.app_context():
        assert pace.resumes_at(admin.business_id) is None
