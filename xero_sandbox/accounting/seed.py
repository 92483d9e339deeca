"""Seed the demo organisations with deterministic (uuid5) ids, and build big organisations for benchmarks."""
import uuid
from decimal import Decimal

from xero_sandbox.db import database

from . import models as m
from . import seed_data as data

NAMESPACE = uuid.UUID("5b1d2f0e-6f7c-4c1a-9d8e-0d0c4e7a9b21")
DEMO_KEYS = tuple(data.ORGANISATIONS)
TEMPLATES = {spec["country"]: key for key, spec in data.ORGANISATIONS.items()}  # GB -> "uk": a country's demo org


def stable_id(*parts: str) -> str:
    """Deterministic id for a seeded object, e.g. stable_id("uk", "account", "090")."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def tenant_id(key: str) -> str:
    """Tenant id of a demo organisation ("uk", "au", "ca", "us", "nz")."""
    return stable_id(key, "organisation")


def account_id(key: str, code: str) -> str:
    return stable_id(key, "account", code)


def contact_id(key: str, name: str) -> str:
    return stable_id(key, "contact", name)


def tracking_category_id(key: str, name: str) -> str:
    return stable_id(key, "tracking", name)


def tracking_option_id(key: str, category: str, option: str) -> str:
    return stable_id(key, "tracking", category, option)


def fx_rate(currency: str, base: str) -> Decimal:
    """Units of `currency` per one unit of `base`: the sandbox's fixed day rate."""
    return (data.USD_VALUE[base] / data.USD_VALUE[currency]).quantize(Decimal("0.000001"))


def ensure_seeded() -> None:
    """Create the demo organisations that don't exist yet; safe to call on every start."""
    existing = {org.key for org in m.Organisation.select(m.Organisation.key)}
    for key in DEMO_KEYS:
        if key not in existing:
            with database.atomic():
                seed_organisation(key)


def seed_organisation(key: str) -> m.Organisation:
    spec = dict(data.ORGANISATIONS[key])
    currencies = spec.pop("currencies")
    org = m.Organisation.create(tenant_id=tenant_id(key), key=key, **spec)
    _seed_lists(org, key, key, currencies)
    return org


def create_organisation(name: str, country: str, base_currency: str | None = None) -> m.Organisation:
    """A new organisation seeded like the demo one of its country (its chart, tax rates, tracking, contacts and
    currencies), under its own name and ids: the operator API makes practice-sized sets of clients with it."""
    template = TEMPLATES[country]
    key = f"{template}-{uuid.uuid4().hex[:12]}"
    spec = dict(data.ORGANISATIONS[template])
    currencies = spec.pop("currencies")
    base = base_currency or spec["base_currency"]
    spec.update(name=name, legal_name=name, short_code=f"!{key[-5:]}", base_currency=base)
    with database.atomic():
        org = m.Organisation.create(tenant_id=stable_id(key, "organisation"), key=key, **spec)
        _seed_lists(org, template, key, [base] + [code for code in currencies if code != base])
    return org


def _seed_lists(org, template: str, id_key: str, currencies: list[str]) -> None:
    m.Currency.insert_many([{"org": org, "code": c, "description": data.CURRENCY_NAMES[c]}
                            for c in currencies]).execute()
    _seed_tax_rates(org, template)
    _seed_accounts(org, template, id_key=id_key)
    _seed_tracking(org, template, id_key)
    _seed_contacts(org, template, id_key)


def _seed_tax_rates(org, key):
    rows = []
    for tax_type, name, components, report, flags, reverse in data.TAX_RATES[key]:
        rows.append({
            "org": org, "tax_type": tax_type, "name": name, "report_tax_type": report, "reverse_charge": reverse,
            "components": [{"Name": c, "Rate": float(Decimal(r)), "IsCompound": comp, "IsNonRecoverable": nonrec}
                           for c, r, comp, nonrec in components],
            "can_assets": "A" in flags, "can_equity": "Q" in flags, "can_expenses": "X" in flags,
            "can_liabilities": "L" in flags, "can_revenue": "R" in flags,
        })
    m.TaxRate.insert_many(rows).execute()


def _seed_accounts(org, key, id_key=None):
    roles = data.TAX_ROLES[key]
    rows = []
    for code, name, acc_type, role, system in data.CHART:
        rows.append({
            "id": account_id(id_key or key, code), "org": org, "code": code, "name": name, "type": acc_type,
            "klass": data.ACCOUNT_CLASS[acc_type], "tax_type": roles[role], "system_account": system,
            "status": "ARCHIVED" if code == data.ARCHIVED_ACCOUNT_CODE else "ACTIVE",
            "bank_account_type": "BANK" if acc_type == "BANK" else "",
            "bank_account_number": data.BANK_NUMBERS.get(code),
            "currency_code": org.base_currency if acc_type == "BANK" else None,
            "enable_payments": code == data.PAYMENTS_ENABLED_CODE,
            "show_in_expense_claims": data.ACCOUNT_CLASS[acc_type] == "EXPENSE",
        })
    m.Account.insert_many(rows).execute()


def _seed_tracking(org, template, id_key):
    for name, options, archived in data.TRACKING[template]:
        category = m.TrackingCategory.create(id=tracking_category_id(id_key, name), org=org, name=name)
        rows = [{"id": tracking_option_id(id_key, name, opt), "category": category, "name": opt}
                for opt in options]
        if archived:
            rows.append({"id": tracking_option_id(id_key, name, archived), "category": category,
                         "name": archived, "status": "ARCHIVED"})
        m.TrackingOption.insert_many(rows).execute()


def _seed_contacts(org, template, id_key):
    rows = []
    people = [("supplier", n) for n in data.SUPPLIERS[template]] + [("customer", n) for n in data.CUSTOMERS[template]]
    people.append(("supplier", data.ARCHIVED_CONTACT[template]))
    for index, (role, name) in enumerate(people, start=1):
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
        rows.append({
            "id": contact_id(id_key, name), "org": org, "name": name, "contact_number": f"C{index:04d}",
            "email": f"accounts@{slug}.example", "is_supplier": role == "supplier",
            "is_customer": role == "customer",
            "status": "ARCHIVED" if name == data.ARCHIVED_CONTACT[template] else "ACTIVE",
            "purchases_account_code": "429" if role == "supplier" else None,
            "sales_account_code": "200" if role == "customer" else None,
            "phones": [{"PhoneType": "DEFAULT", "PhoneNumber": f"555 {index:04d}"}],
            "addresses": [{"AddressType": "POBOX", "AddressLine1": f"{index} High Street",
                           "City": "Springfield", "Country": org.country}],
        })
    m.Contact.insert_many(rows).execute()


def create_large_organisation(name: str, contacts: int = 10000, accounts: int = 500) -> str:
    """A UK-style organisation with many contacts and accounts, for benchmarks; returns its tenant id.

    Idempotent per name: calling it again returns the existing organisation's tenant id."""
    key = f"large-{uuid.uuid5(NAMESPACE, name).hex[:12]}"
    if existing := m.Organisation.get_or_none(m.Organisation.key == key):
        return existing.tenant_id
    spec = dict(data.ORGANISATIONS["uk"])
    spec.pop("currencies")
    spec.update(name=name, legal_name=name, short_code=f"!{key[-5:]}")
    with database.atomic():
        org = m.Organisation.create(tenant_id=stable_id(key, "organisation"), key=key, **spec)
        m.Currency.create(org=org, code="GBP", description=data.CURRENCY_NAMES["GBP"])
        _seed_tax_rates(org, "uk")
        _seed_accounts(org, "uk", id_key=key)
        extra = [{"id": stable_id(key, "extra-account", str(n)), "org": org, "code": f"5{n:04d}",
                  "name": f"Expense Account {n}", "type": "OVERHEADS", "klass": "EXPENSE", "tax_type": "INPUT2"}
                 for n in range(max(0, accounts - len(data.CHART)))]
        people = [{"id": stable_id(key, "contact", str(n)), "org": org, "name": f"Contact {n:06d} Ltd",
                   "contact_number": f"L{n:06d}", "is_supplier": n % 2 == 0, "is_customer": n % 2 == 1,
                   "phones": [], "addresses": []} for n in range(contacts)]
        for batch in (extra, people):
            model = m.Account if batch is extra else m.Contact
            for start in range(0, len(batch), 500):
                model.insert_many(batch[start:start + 500]).execute()
    return org.tenant_id
