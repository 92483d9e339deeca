"""Read side of the Lists pages: search, filters and paging over a business's mirrored Xero lists.

Each builder returns a `Listing` for one page of one list in a few queries (one count, one page of
rows with their lookups joined in), so a list of 10,000 entries costs the same as a list of ten."""
import json
from dataclasses import dataclass, field
from decimal import Decimal

from peewee import JOIN, Case

from webapp.inputs import parse_id
from webapp.integrations.models import Connection
from webapp.lists.models import (ACTIVE, Category, Contact, PaymentMethod, TaxRate, TrackingCategory,
                                 TrackingOption)
from webapp.paging import Paged
from webapp.rules.models import ContactRule

BANK = "BANK"
ACCOUNT_TYPES = {
    "REVENUE": "Revenue", "SALES": "Sales", "OTHERINCOME": "Other income", "DIRECTCOSTS": "Direct costs",
    "EXPENSE": "Expense", "OVERHEADS": "Overhead", "DEPRECIATN": "Depreciation", "CURRENT": "Current asset",
    "FIXED": "Fixed asset", "INVENTORY": "Inventory", "NONCURRENT": "Non-current asset",
    "PREPAYMENT": "Prepayment", "CURRLIAB": "Current liability", "LIABILITY": "Liability",
    "TERMLIAB": "Non-current liability", "PAYGLIABILITY": "PAYG liability",
    "SUPERANNUATIONEXPENSE": "Superannuation expense", "SUPERANNUATIONLIABILITY": "Superannuation liability",
    "WAGESEXPENSE": "Wages expense", "EQUITY": "Equity",
}
TITLES = {"categories": "Categories", "suppliers": "Suppliers", "customers": "Customers", "tracking": "Tracking",
          "payment-methods": "Payment methods", "tax-rates": "Tax rates"}
AUTO_PUBLISH = {"always": "Always", "never": "Never", "defer": "Defer to other rules"}
PUBLISH_TO = {"bank": "Bank", "purchases": "Purchases"}  # a payment method's default for the costs it pays


@dataclass
class Listing(Paged):
    """One page of one list, plus what the page needs to redraw its filters and page links."""

    name: str
    title: str
    fragment: str
    rows: list
    total: int = 0
    page: int = 1
    search: str = ""
    type: str = ""
    archived: bool = False
    searchable: bool = True
    archivable: bool = True
    connected: bool | None = None  # looked up only when the list is empty
    extra: dict = field(default_factory=dict)

    @property
    def filtered(self) -> bool:
        return bool(self.search or self.type)

    def args(self, **changes) -> dict:
        """The query-string of this view with `changes`, for page links that keep the filters."""
        current = {"q": self.search, "type": self.type, "archived": "1" if self.archived else "", "page": self.page}
        current.update(changes)
        return {key: value for key, value in current.items() if value not in ("", None, 1)}


def _filters(args) -> dict:
    kind = args.get("type", "")
    return {"search": args.get("q", "").strip()[:100], "archived": args.get("archived") in ("1", "on", "y"),
            "type": kind if kind in ACCOUNT_TYPES else "", "page": parse_id(args.get("page")) or 1}


def _live(model):
    return (model.status == ACTIVE) & model.removed_at.is_null()


def _archived_last(model):
    return Case(None, [(_live(model), 0)], 1)


def _page(listing: Listing, query, count_query) -> Listing:
    listing.fill(query, count_query)
    if listing.total == 0 and not listing.filtered:
        listing.connected = is_connected(listing.extra["business_id"])
    return listing


def is_connected(business_id: int) -> bool:
    connection = Connection.select(Connection.status).where(Connection.business == business_id).first()
    return connection is not None and connection.is_connected


def _types_in_chart(business_id: int) -> dict[str, str]:
    """The account types this organisation's chart uses (a UK chart has no PAYG or superannuation), in Xero's order."""
    used = {row.type for row in Category.select(Category.type).distinct()
            .where((Category.business == business_id) & (Category.type != BANK))}
    return {kind: label for kind, label in ACCOUNT_TYPES.items() if kind in used}


def categories(business_id: int, args) -> Listing:
    """The chart of accounts without bank accounts, each with its default tax rate's name joined in."""
    f = _filters(args)
    listing = Listing("categories", TITLES["categories"], "lists/_categories_table.html", [], page=f["page"],
                      search=f["search"], type=f["type"], archived=f["archived"],
                      extra={"business_id": business_id, "types": _types_in_chart(business_id)})
    where = (Category.business == business_id) & (Category.type != BANK)
    if listing.search:
        where &= Category.code.contains(listing.search) | Category.name.contains(listing.search)
    if listing.type:
        where &= Category.type == listing.type
    if not listing.archived:
        where &= _live(Category)
    tax = TaxRate.alias()
    query = (Category.select(Category, tax.name.alias("tax_name"))
             .join(tax, JOIN.LEFT_OUTER, on=(tax.business == Category.business) & (tax.xero_id == Category.tax_type))
             .where(where).order_by(Category.code, Category.name, Category.id).objects())
    return _page(listing, query, Category.select().where(where))


def contacts(business_id: int, args, role: str) -> Listing:
    """Suppliers or customers, with the name of their default purchases or sales category and their rule's id."""
    f = _filters(args)
    supplier = role == "suppliers"
    listing = Listing(role, TITLES[role], "lists/_contacts_table.html", [],
                      page=f["page"], search=f["search"], archived=f["archived"],
                      extra={"business_id": business_id, "role": role})
    where = (Contact.business == business_id)
    where &= (Contact.is_supplier | ~Contact.is_customer) if supplier else (Contact.is_customer | ~Contact.is_supplier)
    if listing.search:
        where &= Contact.name.contains(listing.search) | Contact.email.contains(listing.search)
    if not listing.archived:
        where &= _live(Contact)
    account = Category.alias()
    code = Contact.purchases_account_code if supplier else Contact.sales_account_code
    query = (Contact.select(Contact, code.alias("category_code"), account.name.alias("category_name"),
                            ContactRule.id.alias("rule_id"))
             .join(account, JOIN.LEFT_OUTER,
                   on=(account.business == Contact.business) & (account.code == code) & (code != ""))
             .join_from(Contact, ContactRule, JOIN.LEFT_OUTER, on=ContactRule.contact == Contact.id)
             .where(where).order_by(Contact.name, Contact.id).objects())
    return _page(listing, query, Contact.select().where(where))


def tax_rates(business_id: int, args) -> Listing:
    f = _filters(args)
    listing = Listing("tax-rates", TITLES["tax-rates"], "lists/_tax_rates_table.html", [], page=f["page"],
                      search=f["search"], archived=f["archived"], extra={"business_id": business_id})
    where = TaxRate.business == business_id
    if listing.search:
        where &= TaxRate.name.contains(listing.search) | TaxRate.xero_id.contains(listing.search)
    if not listing.archived:
        where &= _live(TaxRate)
    query = TaxRate.select().where(where).order_by(TaxRate.name, TaxRate.id)
    return _page(listing, query, TaxRate.select().where(where))


def tracking(business_id: int, args) -> Listing:
    """Every tracking category (active first) with its options, in two queries; archived options on request."""
    f = _filters(args)
    listing = Listing("tracking", TITLES["tracking"], "lists/_tracking_table.html", [], archived=f["archived"],
                      searchable=False, extra={"business_id": business_id})
    categories = list(TrackingCategory.of(business_id)
                      .order_by(_archived_last(TrackingCategory), TrackingCategory.name, TrackingCategory.id))
    options = TrackingOption.of(business_id).order_by(TrackingOption.name, TrackingOption.id)
    if not listing.archived:
        options = options.where(_live(TrackingOption))
    groups = {category.id: (category, []) for category in categories}
    for option in options if categories else ():
        groups[option.category_id][1].append(option)
    listing.rows = list(groups.values())
    listing.total = len(listing.rows)
    if not listing.rows:
        listing.connected = is_connected(business_id)
    return listing


def payment_methods(business_id: int, args) -> Listing:
    """Docket's payment methods with their linked bank accounts, and the bank accounts they may link to."""
    listing = Listing("payment-methods", TITLES["payment-methods"], "lists/_payment_methods_table.html", [],
                      searchable=False, archivable=False, extra={"business_id": business_id})
    listing.rows = list(PaymentMethod.select(PaymentMethod, Category)
                        .join(Category, JOIN.LEFT_OUTER, on=PaymentMethod.bank_account == Category.id)
                        .where(PaymentMethod.business == business_id)
                        .order_by(PaymentMethod.name, PaymentMethod.id))
    listing.total = len(listing.rows)
    listing.extra["bank_accounts"] = list(bank_accounts(business_id))
    if not listing.rows and not listing.extra["bank_accounts"]:
        listing.connected = is_connected(business_id)
    return listing


def bank_accounts(business_id: int):
    """The business's active Xero bank accounts, the only ones a payment method may link to."""
    return (Category.select().where((Category.business == business_id) & (Category.type == BANK) & _live(Category))
            .order_by(Category.name, Category.id))


def payment_method(business_id: int, payment_method_id: int) -> PaymentMethod | None:
    return (PaymentMethod.select(PaymentMethod, Category)
            .join(Category, JOIN.LEFT_OUTER, on=PaymentMethod.bank_account == Category.id)
            .where((PaymentMethod.business == business_id) & (PaymentMethod.id == payment_method_id)).first())


BUILDERS = {
    "categories": categories,
    "suppliers": lambda business_id, args: contacts(business_id, args, "suppliers"),
    "customers": lambda business_id, args: contacts(business_id, args, "customers"),
    "tracking": tracking,
    "payment-methods": payment_methods,
    "tax-rates": tax_rates,
}


def percent(value) -> str:
    """Decimal('20.0000') → '20%', Decimal('7.2500') → '7.25%'."""
    if value is None:
        return ""
    text = format(Decimal(value).normalize(), "f")
    return f"{text}%"


def components(tax_rate: TaxRate) -> str:
    """'GST 5% + PST 7%' from the stored JSON components."""
    parts = json.loads(tax_rate.components or "[]")
    return " + ".join(f"{part['name']} {percent(part['rate'])}".strip() for part in parts)


def applies_to(tax_rate: TaxRate) -> str:
    """'EXPENSES REVENUE' → 'Expenses, Revenue'."""
    return ", ".join(area.capitalize() for area in tax_rate.can_apply_to.split())
