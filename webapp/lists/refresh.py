"""Refreshing a business's lists from Xero, one step per list, reporting progress as it goes.

Calls per refresh: one each for the organisation, accounts, tracking, tax rates and currencies,
and one per 1,000 contacts (only those changed since the last refresh, after the first)."""
import time
from datetime import datetime, timedelta
from typing import Callable

from webapp.accounts.models import Business, utcnow
from webapp.db import database
from webapp.integrations.models import Connection
from webapp.lists import mapping, new_contacts
from webapp.lists.models import (Category, Contact, Currency, Organisation, PaymentMethod, SyncCursor, TaxRate,
                                 TrackingCategory, TrackingOption)
from webapp.lists.upsert import Changes, upsert
from webapp.xero.client import XeroClient
from webapp.xero.dates import if_modified_since, parse_datetime
from webapp.xero.errors import XeroRateLimited

STEPS = {
    "organisation": "Organisation",
    "categories": "Categories",
    "contacts": "Suppliers and customers",
    "tracking": "Tracking",
    "tax_rates": "Tax rates",
    "currencies": "Currencies",
}
CONTACTS_PAGE_SIZE = 1000
MAX_INLINE_WAIT = 65  # seconds: a minute-limit pause is waited out; a daily-limit one is not
MAX_RATE_LIMIT_WAITS = 5
SETTLED = timedelta(minutes=1)
DEFAULT_PAYMENT_METHODS = ("Business bank account", "Company card", "Cash", "Personal card (to reimburse)")


def pause(seconds: float) -> None:
    """Wait out a rate-limit pause (replaced in tests)."""
    time.sleep(seconds)


class Refresher:
    """Runs the steps for one business with one Xero client."""

    def __init__(self, business_id: int, client: XeroClient, sleep: Callable[[float], None] | None = None):
        self.business_id, self.client, self.sleep = business_id, client, sleep or pause

    def run(self, step: str) -> Changes:
        return getattr(self, f"_{step}")()

    def _get(self, path: str, **kwargs) -> dict:
        """GET that waits out Xero's minute limit (Retry-After) and carries on from the same page."""
        for _ in range(MAX_RATE_LIMIT_WAITS):
            try:
                return self.client.get(path, **kwargs)
            except XeroRateLimited as error:
                if error.retry_after > MAX_INLINE_WAIT:
                    raise
                self.sleep(error.retry_after)
        return self.client.get(path, **kwargs)

    def _organisation(self) -> Changes:
        data = self._get("Organisation")["Organisations"][0]
        if data.get("Name"):  # the connection is known by the organisation's name (/connections may lack it)
            Connection.update(tenant_name=data["Name"]).where(
                (Connection.business == self.business_id) & (Connection.tenant_id == self.client.tenant_id)
                & (Connection.tenant_name != data["Name"])).execute()
        current = Organisation.get_or_none(Organisation.business == self.business_id)
        values = mapping.organisation(data, current.multi_currency if current else False)
        _follow_organisation(self.business_id, values)
        values["tenant_id"] = self.client.tenant_id
        if current is None:
            Organisation.create(business=self.business_id, synced_at=utcnow(), **values)
            return Changes(added=1)
        changed = {k: v for k, v in values.items() if getattr(current, k) != v}
        if changed:
            Organisation.update(synced_at=utcnow(), **changed).where(Organisation.id == current.id).execute()
        return Changes(updated=1 if changed else 0)

    def _categories(self) -> Changes:
        accounts = self._get("Accounts").get("Accounts", [])
        return upsert(Category, self.business_id, [mapping.category(a) for a in accounts], complete=True)

    def _contacts(self) -> Changes:
        cursor, _ = SyncCursor.get_or_create(business=self.business_id, list_name="contacts")
        since = if_modified_since(cursor.modified_since) if cursor.modified_since else None
        rows, newest, page, server_time = [], cursor.modified_since, 1, None
        while True:
            answer = self._get("Contacts", params={"page": page, "pageSize": CONTACTS_PAGE_SIZE,
                                                   "includeArchived": "true"}, if_modified_since=since)
            server_time = parse_datetime(answer.get("DateTimeUTC")) or server_time
            contacts = answer.get("Contacts", [])
            rows += [mapping.contact(c) for c in contacts]
            for c in contacts:
                updated = parse_datetime(c.get("UpdatedDateUTC"))
                newest = max(filter(None, (newest, updated)), default=None)
            page_count = (answer.get("pagination") or {}).get("pageCount")
            if len(contacts) < CONTACTS_PAGE_SIZE or (page_count is not None and page >= page_count):
                break
            page += 1
        new_contacts.link_from_refresh(self.business_id, rows)
        changes = upsert(Contact, self.business_id, rows, complete=since is None, scope=Contact.from_xero())
        SyncCursor.update(modified_since=_next_cursor(newest, server_time)).where(SyncCursor.id == cursor.id).execute()
        return changes

    def _tracking(self) -> Changes:
        categories = self._get("TrackingCategories", params={"includeArchived": "true"}).get("TrackingCategories", [])
        total = upsert(TrackingCategory, self.business_id, [mapping.tracking_category(c) for c in categories],
                       complete=True)
        ids = {c.xero_id: c.id for c in TrackingCategory.of(self.business_id)}
        for data in categories:
            category_id = ids[data["TrackingCategoryID"]]
            options = [mapping.tracking_option(o, category_id) for o in data.get("Options") or []]
            found = upsert(TrackingOption, self.business_id, options, complete=True,
                           scope=TrackingOption.category == category_id)
            total.added, total.updated, total.archived = (total.added + found.added, total.updated + found.updated,
                                                          total.archived + found.archived)
        return total

    def _tax_rates(self) -> Changes:
        rates = self._get("TaxRates").get("TaxRates", [])
        return upsert(TaxRate, self.business_id, [mapping.tax_rate(r) for r in rates], complete=True)

    def _currencies(self) -> Changes:
        currencies = self._get("Currencies").get("Currencies", [])
        changes = upsert(Currency, self.business_id, [mapping.currency(c) for c in currencies], complete=True)
        Organisation.update(multi_currency=len(currencies) > 1).where(
            Organisation.business == self.business_id).execute()
        return changes


def _follow_organisation(business_id: int, values: dict) -> None:
    """The business takes its Xero organisation's base currency and country: new items default to them."""
    same = {"base_currency": values["base_currency"], "country": values["country_code"]}
    same = {name: value for name, value in same.items() if value}
    if same:
        Business.update(**same).where(Business.id == business_id).execute()


def _next_cursor(newest: datetime | None, server_time: datetime | None) -> datetime | None:
    """If-Modified-Since counts whole seconds, so the newest second is fetched again next time. Once that
    second is safely in the past (no late writer can still land in it), step past it: otherwise a bulk
    import stamped with one second would be downloaded again by every refresh."""
    if newest and server_time and server_time - newest > SETTLED:
        return newest + timedelta(seconds=1)
    return newest


def ensure_payment_methods(business_id: int) -> None:
    """Every business starts with the usual ways of paying; admins rename, add and link them."""
    if PaymentMethod.select().where(PaymentMethod.business == business_id).exists():
        return
    with database.atomic():
        PaymentMethod.insert_many([{"business": business_id, "name": name} for name in DEFAULT_PAYMENT_METHODS]
                                  ).execute()


def describe(step_changes: dict[str, dict]) -> str:
    """One sentence per list that changed, e.g. 'Categories: 3 added, 1 archived.'"""
    parts = []
    for step, counts in step_changes.items():
        said = [f"{counts[kind]} {kind}" for kind in ("added", "updated", "archived") if counts.get(kind)]
        if said:
            parts.append(f"{STEPS[step]}: {', '.join(said)}.")
    return " ".join(parts) or "Everything was already up to date."
