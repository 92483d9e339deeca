"""Refreshing lists from Xero (the sandbox): everything mirrored, nothing lost, few calls, limits obeyed."""
import json
import re
import time
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import redis
import requests

from jobs.sync import record_failure
from tests.conftest import REDIS_URL
from tests import xero_helpers as xh
from tests.test_integrations_flow import connect, start
from tests.test_jobs import _work
from webapp.integrations.models import Connection
from webapp.items import editing
from webapp.jobruns.models import SUCCEEDED, JobRun
from webapp.lists import refresh as refresh_module
from webapp.lists.models import (Category, Contact, Currency, Organisation, PaymentMethod, TaxRate,
                                 TrackingCategory, TrackingOption)
from webapp.queues import enqueue_refresh
from webapp.xero.errors import XeroRateLimited, XeroUnavailable
from xero_sandbox.accounting.seed import account_id, contact_id


class CallCounter:
    """Counts the Accounting API calls Docket makes (a response hook on its HTTP session)."""

    def __init__(self, app):
        self.paths = []
        app.extensions["xero"].http.hooks["response"].append(self._seen)

    def _seen(self, response, *args, **kwargs):
        if "/api.xro/2.0/" in response.url:
            self.paths.append(response.url.split("/api.xro/2.0/")[1])


@pytest.fixture
def connected(xero_app, admin_client, admin, sandbox):
    """The admin's business connected to the sandbox's UK organisation, lists refreshed once."""
    connect(admin_client, admin.business_id, organisations=["Hartley & Moss Joinery Ltd"], sandbox=sandbox)
    refresh(xero_app, admin.business_id)
    return admin.business_id


def refresh(app, business_id, steps=None):
    with app.app_context():
        run = enqueue_refresh(business_id, steps=steps)
    _work(app)
    return JobRun.get_by_id(run.id)


def test_first_refresh_mirrors_every_list(connected, sandbox):
    organisation = Organisation.get(Organisation.business == connected)
    assert (organisation.name, organisation.base_currency, organisation.country_code) == (
        "Hartley & Moss Joinery Ltd", "GBP", "GB")
    assert organisation.period_lock_date is not None and organisation.multi_currency
    assert Category.get(Category.business == connected, Category.code == "455").status == "ARCHIVED"
    assert Category.select().where(Category.business == connected, Category.type == "BANK").count() == 2
    assert Contact.get(Contact.business == connected, Contact.name == "Pennine Timber Merchants").is_archived
    assert Contact.select().where(Contact.business == connected, Contact.is_supplier).count() >= 10
    drc = TaxRate.get(TaxRate.business == connected, TaxRate.name.contains("Domestic Reverse Charge @ 20%"))
    assert drc.xero_id and json.loads(drc.components)
    assert TrackingCategory.select().where(TrackingCategory.business == connected).count() == 2
    assert TrackingOption.get(TrackingOption.business == connected, TrackingOption.name == "Wales (closed)").is_archived
    assert {c.xero_id for c in Currency.select().where(Currency.business == connected)} >= {"GBP", "EUR"}
    assert PaymentMethod.select().where(PaymentMethod.business == connected).count() == 4


def test_archived_account_is_kept_and_shown_as_archived(connected, xero_app, sandbox):
    before = Category.select().where(Category.business == connected).count()
    requests.put(f"{sandbox.url}/operator/api/accounts/{account_id('uk', '400')}/status",
                 json={"status": "ARCHIVED"}).raise_for_status()
    run = refresh(xero_app, connected)
    assert run.status == SUCCEEDED and "Categories: 1 archived." in run.summary
    advertising = Category.get(Category.business == connected, Category.code == "400")
    assert advertising.is_archived and advertising.name == "Advertising"
    assert Category.select().where(Category.business == connected).count() == before


def test_entries_that_disappear_are_marked_removed_not_deleted(connected):
    from webapp.lists.upsert import upsert

    rows = [{"xero_id": c.xero_id, "description": c.description, "name": c.name, "type": c.type, "code": c.code,
             "account_class": c.account_class, "status": c.status, "tax_type": c.tax_type,
             "currency_code": c.currency_code, "bank_account_number": c.bank_account_number}
            for c in Category.select().where(Category.business == connected)]
    gone = rows.pop()
    changes = upsert(Category, connected, rows, complete=True)
    assert (changes.added, changes.updated, changes.archived) == (0, 0, 1)
    assert Category.get(Category.xero_id == gone["xero_id"]).removed_at is not None
    back = upsert(Category, connected, rows + [gone], complete=True)
    assert back.updated == 1 and Category.get(Category.xero_id == gone["xero_id"]).removed_at is None


def test_unchanged_refresh_costs_a_handful_of_calls(connected, xero_app):
    counter = CallCounter(xero_app)
    run = refresh(xero_app, connected)
    assert run.summary == "Everything was already up to date."
    assert len(counter.paths) <= 8, counter.paths


def test_an_unchanged_refresh_checks_no_items_again_and_a_changed_one_does(connected, xero_app, sandbox,
                                                                            monkeypatch):
    rechecked = []
    monkeypatch.setattr(editing, "recheck", rechecked.append)
    refresh(xero_app, connected)
    assert rechecked == []  # the daily refresh of every business mostly changes nothing: no work on their items
    requests.put(f"{sandbox.url}/operator/api/contacts/{contact_id('uk', 'Jewson Ltd')}/name",
                 json={"name": "Jewson Builders Merchants"}).raise_for_status()
    refresh(xero_app, connected)
    assert rechecked == [connected]


def test_incremental_refresh_fetches_only_changed_contacts(connected, xero_app, sandbox):
    requests.put(f"{sandbox.url}/operator/api/contacts/{contact_id('uk', 'Jewson Ltd')}/name",
                 json={"name": "Jewson Builders Merchants"}).raise_for_status()
    counter = CallCounter(xero_app)
    run = refresh(xero_app, connected, steps=["contacts"])
    assert run.summary == "Suppliers and customers: 1 updated."
    assert Contact.get(Contact.xero_id == contact_id("uk", "Jewson Ltd")).name == "Jewson Builders Merchants"
    assert [p for p in counter.paths if p.startswith("Contacts")] and len(counter.paths) == 1


def test_rate_limit_mid_refresh_waits_and_loses_no_page(connected, xero_app, sandbox, monkeypatch):
    Contact.delete().where(Contact.business == connected).execute()
    from webapp.lists.models import SyncCursor

    SyncCursor.delete().execute()
    monkeypatch.setattr(refresh_module, "CONTACTS_PAGE_SIZE", 10)
    waits = []
    monkeypatch.setattr(refresh_module, "pause", lambda seconds: (waits.append(seconds), time.sleep(seconds)))
    seen = []

    def arm_after_first_page(response, *args, **kwargs):
        seen.append(response.url)
        if len(seen) == 1:  # contacts page 1 answered: the next call is refused once
            requests.post(f"{sandbox.url}/operator/api/faults",
                          json={"kind": "status", "status": 429, "retry_after": 3, "count": 1}).raise_for_status()

    xero_app.extensions["xero"].http.hooks["response"].append(arm_after_first_page)
    run = refresh(xero_app, connected, steps=["contacts"])
    assert run.status == SUCCEEDED and waits == [3]
    contacts_calls = [url for url in seen if "/Contacts" in url]
    assert len(contacts_calls) == 6  # 5 pages of 10, the refused page asked for again
    assert Contact.select().where(Contact.business == connected).count() == 41


def test_the_daily_limit_stops_a_refresh_at_once_and_pauses_the_organisation(connected, xero_app, sandbox,
                                                                             monkeypatch):
    waits = []
    monkeypatch.setattr(refresh_module, "pause", waits.append)
    counter = CallCounter(xero_app)
    requests.post(f"{sandbox.url}/operator/api/faults",  # Xero's daily 429, as seen without Retry-After
                  json={"status": 429, "problem": "day", "path": "Contacts"}).raise_for_status()
    started = datetime.now(timezone.utc)
    run = refresh(xero_app, connected, steps=["contacts", "currencies"])
    assert run.status == "failed" and waits == [] and [p.split("?")[0] for p in counter.paths] == ["Contacts"]
    assert run.last_error == ("Xero's daily limit of calls for this organisation is used up. "
                              "Try Refresh integration data again tomorrow.")
    tenant_id = Organisation.get(Organisation.business == connected).tenant_id
    with xero_app.app_context():
        paused = xero_app.extensions["xero"].limiter.status(tenant_id)
    assert paused.problem == "day"
    assert paused.paused_until >= started + timedelta(minutes=14)  # a pause of 15 minutes from the 429


def test_contacts_changed_since_the_last_refresh_are_asked_for_at_a_utc_moment(connected, xero_app):
    asked = []
    xero_app.extensions["xero"].http.hooks["response"].append(
        lambda response, *args, **kwargs: asked.append(response.request.headers.get("If-Modified-Since")))
    refresh(xero_app, connected, steps=["contacts"])
    [since] = asked
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", since), since


def test_a_connection_xero_could_not_name_when_it_was_made_is_named_by_the_refresh(xero_app, admin_client, admin,
                                                                                    sandbox):
    callback = xh.consent(start(admin_client, admin.business_id), [xh.UK_ORG])
    tenant_id = xh.tenant_ids(sandbox.url)[xh.UK_ORG]
    xh.forget_tenant_names(sandbox.url)
    requests.post(f"{sandbox.url}/operator/api/faults",
                  json={"status": 503, "method": "GET", "path": "Organisation"}).raise_for_status()
    admin_client.get(urlsplit(callback)._replace(scheme="", netloc="").geturl())
    admin_client.form(f"/b/{admin.business_id}/integrations/xero/choose", {"tenant_id": tenant_id})
    assert Connection.get(Connection.business == admin.business_id).tenant_name == ""  # connected all the same
    assert refresh(xero_app, admin.business_id).status == SUCCEEDED
    assert Connection.get(Connection.business == admin.business_id).tenant_name == xh.UK_ORG
    assert xh.UK_ORG.replace("&", "&amp;") in admin_client.get(f"/b/{admin.business_id}/integrations").text


def test_a_second_refresh_request_joins_the_first(xero_app, admin):
    with xero_app.app_context():
        first = enqueue_refresh(admin.business_id)
        second = enqueue_refresh(admin.business_id, steps=["categories"])
    assert first.id == second.id
    assert redis.Redis.from_url(REDIS_URL).llen("rq:queue:sync") == 1


def test_refresh_of_a_business_not_connected_says_so(xero_app, admin):
    run = refresh(xero_app, admin.business_id)
    assert run.status == "failed" and "not connected to Xero" in run.last_error


@pytest.mark.parametrize("error, said", [
    (XeroUnavailable("GET Accounts", status=503), "Xero answered that it is unavailable (error 503, on Xero's side), "
                                                  "so the refresh stopped."),
    (XeroUnavailable("GET Accounts: ReadTimeout"), "Xero did not respond, so the refresh stopped."),
    (XeroRateLimited(30), "Xero asked us to slow down, so the refresh stopped."),
])
def test_a_refresh_that_runs_out_of_retries_says_what_xero_did(connected, xero_app, error, said):
    with xero_app.app_context():
        run = enqueue_refresh(connected)
    record_failure(SimpleNamespace(args=[run.id]), None, type(error), error, None)
    ended = JobRun.get_by_id(run.id)
    assert ended.status == "failed" and ended.last_error.startswith(said)
    assert Connection.get(Connection.business == connected).last_refresh_outcome == ended.last_error


def test_result_banner_follows_the_progress_banner_for_the_person_who_started_it(connected, admin, admin_client,
                                                                                    standard_client, xero_app):
    with xero_app.app_context():
        run = enqueue_refresh(connected, requested_by=admin.user_id)
    assert "Refresh in progress" in admin_client.get(f"/b/{connected}/inbox/costs").text
    others = standard_client.get(f"/b/{connected}/inbox/costs").text
    assert 'id="banners"' in others and "Refresh in progress" not in others  # not their job
    _work(xero_app)
    polled = admin_client.hx("GET", f"/b/{connected}/banners?was=running", target="banners")
    finished_at = JobRun.get_by_id(run.id).finished_at
    assert polled.status_code == 286 and json.loads(polled.headers["HX-Trigger"]) == {"job-ended": True}
    assert f"Refresh finished at {finished_at:%H:%M} UTC. Everything was already up to date." in polled.text
    assert "Refresh finished" not in standard_client.get(f"/b/{connected}/inbox/costs").text
    assert "HX-Trigger" not in admin_client.hx("GET", f"/b/{connected}/banners", target="banners").headers

    standard_client.hx("POST", f"/b/{connected}/banners/{run.id}/dismiss", target="banners")
    assert JobRun.get_by_id(run.id).dismissed_at is None  # only the person who started it dismisses its banner
    dismissed = admin_client.hx("POST", f"/b/{connected}/banners/{run.id}/dismiss", target="banners")
    assert dismissed.status_code == 200 and "Refresh finished" not in dismissed.text
    assert "Refresh finished at" not in admin_client.get(f"/b/{connected}/integrations").text


def test_another_persons_refresh_is_a_quiet_line_on_integrations_not_a_banner(connected, admin_client, standard,
                                                                               xero_app):
    with xero_app.app_context():
        run = enqueue_refresh(connected, requested_by=standard.user_id)
    page = admin_client.get(f"/b/{connected}/integrations").text
    started = JobRun.get_by_id(run.id).created_at
    assert f"In progress, started by {standard.user.name} at {started:%H:%M} UTC" in page
    assert "Refresh in progress" not in page  # the banner is the starter's


def test_contacts_cursor_steps_past_a_second_once_it_has_settled():
    from datetime import datetime, timedelta

    newest = datetime(2026, 11, 25, 9, 0, 0)
    assert refresh_module._next_cursor(newest, newest + timedelta(seconds=20)) == newest
    assert refresh_module._next_cursor(newest, newest + timedelta(minutes=5)) == newest + timedelta(seconds=1)
    assert refresh_module._next_cursor(None, newest) is None


def test_an_entry_added_meanwhile_by_another_job_is_not_a_failure(connected, monkeypatch):
    from webapp.lists import upsert as upsert_module

    rows = [{"xero_id": c.xero_id, "name": c.name} for c in
            Contact.select().where(Contact.business == connected).limit(3)]
    before = Contact.select().where(Contact.business == connected).count()
    monkeypatch.setattr(upsert_module, "_existing", lambda *args: {})  # as if read before the other job committed
    upsert_module.upsert(Contact, connected, rows, complete=False)
    assert Contact.select().where(Contact.business == connected).count() == before
