"""Read side of the inbox and item pages: filters, sorting and paging in a fixed, small number of queries.

An inbox page costs one count per status (the tabs' counts, which also give the page's total) and one page of rows
(contact, category and the document's type joined in), plus, for the whole page, one query for the supplier
filter's choices, however many items the business has."""
import operator
import re
from dataclasses import dataclass, field
from functools import cached_property, reduce
from datetime import date

from peewee import JOIN, SQL, PostgresqlDatabase, Tuple, fn

from webapp.accounts.models import User
from webapp.db import database, joined_text
from webapp.inputs import parse_id
from webapp.items.choices import live
from webapp.items.models import STATUSES, Document, Item, ItemHistory, ItemNote, ItemReading, LineItem
from webapp.lists.models import Category, Contact, Currency, Organisation, PaymentMethod, TaxRate, TrackingOption
from webapp.paging import Paged
from webapp.publishing.models import PublishingSettings

SORTS = {"date": (Item.date, "Date"), "total": (Item.total, "Total"), "created": (Item.created_at, "Added")}
DEFAULT_SORT = "-created"
# The inbox as a queue: each tab, its label and the statuses it holds; published items leave To review.
TABS = {"review": ("To review", ("processing", "inbox", "failed")), "ready": ("Ready", ("ready",)),
        "published": ("Published", ("publishing", "published")), "archive": ("Archive", ("archived",))}
DEFAULT_TAB = "review"
MAX_SEARCH_WORDS = 6


@dataclass
class Inbox(Paged):
    """One page of one workspace's items, plus what the page needs to redraw its filters, sorting and paging."""

    workspace: str
    rows: list = field(default_factory=list)
    total: int = 0
    page: int = 1
    sort: str = DEFAULT_SORT
    tab: str = DEFAULT_TAB
    counts: dict = field(default_factory=dict)  # tab -> items in it that match the search and filters
    search: str = ""
    status: str = ""
    contact: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    attention: bool = False
    business_id: int | None = None

    @cached_property
    def contacts(self) -> list:
        """For the supplier filter of the whole page (the table alone, swapped by HTMX, doesn't need them)."""
        return list(contacts_in(self.business_id, self.workspace))

    @property
    def filtered(self) -> bool:
        return bool(self.search or self.status or self.contact or self.date_from or self.date_to or self.attention)

    def args(self, **changes) -> dict:
        """The query string of this view with `changes`, for links that keep the other filters."""
        current = {"queue": self.tab, "q": self.search, "status": self.status, "contact": self.contact,
                   "from": self.date_from, "to": self.date_to, "attention": "1" if self.attention else "",
                   "sort": self.sort, "page": self.page}
        current.update(changes)
        if current["status"]:  # a status names its tab
            current["queue"] = None
        defaults = {"queue": DEFAULT_TAB, "sort": DEFAULT_SORT, "page": 1}
        return {key: value for key, value in current.items()
                if value not in ("", None) and defaults.get(key) != value}

    def sort_args(self, column: str) -> dict:
        """Sorting by `column`: ascending first, then descending on the next click; back to page 1."""
        return self.args(sort=f"-{column}" if self.sort == column else column, page=1)

    def sorted_by(self, column: str) -> str:
        """The aria-sort value of a column header."""
        if self.sort.lstrip("-") != column:
            return "none"
        return "descending" if self.sort.startswith("-") else "ascending"


def inbox(business_id: int, workspace: str, args) -> Inbox:
    """One page of one tab of the workspace's items, filtered and sorted as `args` (the query string) asks, with
    every tab's count."""
    view = parse(workspace, args)
    view.business_id = business_id
    by_status = dict(Item.select(Item.status, fn.COUNT(Item.id)).where(_matching(business_id, view))
                     .group_by(Item.status).tuples())
    view.counts = {tab: sum(by_status.get(status, 0) for status in statuses) for tab, (_, statuses) in TABS.items()}
    view.fill(Item.select(*ROW_COLUMNS, Document.content_type, *_line_facts())
              .join_from(Item, Document)
              .join_from(Item, Contact, JOIN.LEFT_OUTER)
              .join_from(Item, Category, JOIN.LEFT_OUTER)
              .where(_where(business_id, view)).order_by(*_order(view)),
              total=sum(by_status.get(status, 0) for status in _statuses(view)))
    return view


# What an inbox row shows and its "why not ready" reads (webapp.items.reasons); long texts (description, the
# search text) stay in the database: reading every column made turning rows into objects a third of a search.
ROW_COLUMNS = (Item.id, Item.business, Item.workspace, Item.type, Item.status, Item.document, Item.date,
               Item.contact, Item.reference, Item.currency, Item.net, Item.tax, Item.total, Item.category,
               Item.tax_rate, Item.publish_to, Item.publish_as, Item.needs_attention, Item.attention_reason,
               Item.duplicate_of, Item.publish_message, Item.to_check, Item.created_at,
               Contact.id, Contact.name, Contact.status, Contact.removed_at,
               Category.id, Category.code, Category.name, Category.status, Category.removed_at)


def _line_facts() -> tuple:
    """Whether each row has line items, and any without a category, tax rate or unit price (for its "why not
    ready"), as columns of the page's one query."""
    lines = LineItem.select(SQL("1")).where(LineItem.item == Item.id)
    incomplete = lines.where(LineItem.category.is_null() | LineItem.tax_rate.is_null()
                             | LineItem.unit_amount.is_null())
    return fn.EXISTS(lines).alias("has_lines"), fn.EXISTS(incomplete).alias("incomplete_lines")


def neighbours(business_id: int, view: Inbox, item: Item) -> tuple[int | None, int | None]:
    """The items before and after `item` in an inbox view (its tab, filters and sort): what Previous and Next
    open. Two queries of one row each, by the sort's keys, however many items there are."""
    column = SORTS[view.sort.lstrip("-")][0]
    value = getattr(item, column.name)
    descending = view.sort.startswith("-")
    after = _beyond(column, value, item.id, descending)
    before = _beyond(column, value, item.id, not descending, nulls_first=True)
    where = _where(business_id, view)
    following = Item.select(Item.id).where(where & after).order_by(*_order(view)).first()
    backwards = [column.asc(nulls="FIRST"), Item.id.asc()] if descending else \
        [column.desc(nulls="FIRST"), Item.id.desc()]
    preceding = Item.select(Item.id).where(where & before).order_by(*backwards).first()
    return (preceding.id if preceding else None), (following.id if following else None)


def _beyond(column, value, item_id: int, descending: bool, nulls_first: bool = False):
    """Rows after (value, item_id) in the order column, id (both descending or both ascending), empty values last;
    with `nulls_first`, the order is the reverse one, so empty values come first. A row-value comparison, so an
    index on the column serves it."""
    past = (lambda a, b: a < b) if descending else (lambda a, b: a > b)
    nullable = column.null
    if value is None:
        tie = column.is_null() & past(Item.id, item_id)
        return tie if not nulls_first else tie | column.is_null(False)
    beyond = past(Tuple(column, Item.id), Tuple(value, item_id))
    return beyond | column.is_null() if nullable and not nulls_first else beyond


def _where(business_id: int, view: Inbox):
    return _matching(business_id, view) & Item.status.in_(_statuses(view))


def _statuses(view: Inbox) -> tuple[str, ...]:
    return (view.status,) if view.status else TABS[view.tab][1]


def _matching(business_id: int, view: Inbox):
    """The view's search and filters, whatever the tab: what the tabs' counts count."""
    where = (Item.business == business_id) & (Item.workspace == view.workspace)
    if view.search:
        where &= _containing(view.search.lower().split()[:MAX_SEARCH_WORDS])
    if view.contact:
        where &= Item.contact == view.contact
    if view.date_from:
        where &= Item.date >= view.date_from
    if view.date_to:
        where &= Item.date <= view.date_to
    if view.attention:
        where &= Item.needs_attention == True
    return where


def _containing(words: list[str]):
    """Items whose supplier or customer, reference, description or total contain every word: `item.search_text`,
    which the database keeps in lower case (migration m0009), through its trigram index (pg_trgm on PostgreSQL,
    FTS5 on SQLite), all words in one lookup. SQLite's FTS5 uses its index for GLOB and for LIKE without ESCAPE
    only, so there each word is a GLOB pattern (a LIKE with ESCAPE read all 100,000 rows: 34 ms against 8)."""
    words = [word.replace(",", "") for word in words]
    if isinstance(database.obj, PostgresqlDatabase):  # on the row itself: a sub-select of item made two scans
        patterns = ["%" + re.sub(r"([\\%_])", r"\\\1", word) + "%" for word in words]  # backslash: LIKE's escape
        return reduce(operator.and_, [Item.search_text.like(pattern) for pattern in patterns])
    patterns = ["*" + re.sub(r"([*?[])", r"[\1]", word) + "*" for word in words]
    each = " AND ".join(["search_text GLOB ?"] * len(patterns))
    return Item.id.in_(SQL(f"(SELECT rowid FROM item_search WHERE {each})", patterns))


def _order(view: Inbox) -> list:
    column = SORTS[view.sort.lstrip("-")][0]
    if view.sort.startswith("-"):
        return [column.desc(nulls="LAST"), Item.id.desc()]
    return [column.asc(nulls="LAST"), Item.id.asc()]


def contacts_in(business_id: int, workspace: str):
    """The contacts the workspace's items name (archived ones too: old items keep theirs), by name."""
    used = fn.EXISTS(Item.select(SQL("1")).where((Item.contact == Contact.id) & (Item.workspace == workspace)))
    return (Contact.select(Contact.id, Contact.name)  # a look-up per contact: no reading of every item
            .where((Contact.business == business_id) & used).order_by(Contact.name, Contact.id))


def parse(workspace: str, args) -> Inbox:
    """The inbox view (tab, filters, sort, page) a query string asks for; anything unusable is left out."""
    sort = args.get("sort", DEFAULT_SORT)
    status = args.get("status", "") if args.get("status", "") in STATUSES else ""
    tab = next((tab for tab, (_, statuses) in TABS.items() if status in statuses), None) if status else None
    tab = tab or (args.get("queue") if args.get("queue") in TABS else DEFAULT_TAB)
    return Inbox(workspace=workspace, page=parse_id(args.get("page")) or 1,
                 search=" ".join(args.get("q", "").split())[:100],
                 sort=sort if sort.lstrip("-") in SORTS else DEFAULT_SORT, tab=tab, status=status,
                 contact=parse_id(args.get("contact")), date_from=_date(args.get("from")),
                 date_to=_date(args.get("to")), attention=args.get("attention") in ("1", "on", "y"))


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def item(business_id: int, item_id: int) -> Item | None:
    """One item of the business with everything its page shows joined in (None for another business's item),
    the organisation's currencies too (the currency select), and the reading of its document (item.reading)."""
    currencies = (Currency.select(joined_text(Currency.xero_id))
                  .where((Currency.business == business_id) & live(Currency)))
    query = (Item.select(Item, Document, Contact, PaymentMethod, Organisation, PublishingSettings.docket_lock_date,
                         ItemReading, currencies.alias("currency_codes"))
             .join_from(Item, Document)
             .join_from(Item, ItemReading, JOIN.LEFT_OUTER, on=ItemReading.item == Item.id, attr="reading")
             .join_from(Item, Organisation, JOIN.LEFT_OUTER, on=Organisation.business == Item.business,
                        attr="organisation")
             .join_from(Item, PublishingSettings, JOIN.LEFT_OUTER, on=PublishingSettings.business == Item.business,
                        attr="publishing_settings")
             .join_from(Item, Contact, JOIN.LEFT_OUTER)
             .join_from(Item, PaymentMethod, JOIN.LEFT_OUTER))
    return with_coding(query, Item).where((Item.business == business_id) & (Item.id == item_id)).first()


def item_only(business_id: int, item_id: int) -> Item | None:
    """One item of the business, nothing joined (None for another business's item)."""
    return Item.get_or_none((Item.business == business_id) & (Item.id == item_id))


def document(business_id: int, item_id: int) -> Document | None:
    """The document of one item of the business (None for another business's item)."""
    return (Document.select(Document).join(Item, on=Item.document == Document.id)
            .where((Item.business == business_id) & (Item.id == item_id) & (Document.business == business_id))
            .first())


def lines(item_id: int) -> list[LineItem]:
    """The item's line items in order, with their categories, tax rates and tracking options joined in."""
    return list(with_coding(LineItem.select(LineItem), LineItem)
                .where(LineItem.item == item_id).order_by(LineItem.position, LineItem.id))


def open_items(business_id: int, workspace: str) -> list[Item]:
    """The workspace's items still waiting to be published (Inbox and Ready), with what their checks read joined in."""
    query = Item.select(Item, Contact).join_from(Item, Contact, JOIN.LEFT_OUTER)
    return list(with_coding(query, Item).where((Item.business == business_id) & (Item.workspace == workspace)
                                               & Item.status.in_(("inbox", "ready"))).order_by(Item.id))


def lines_of(item_ids: list[int]) -> dict[int, list[LineItem]]:
    """The line items of many items in one query, by item id (an item without lines is missing)."""
    found: dict[int, list[LineItem]] = {}
    if item_ids:
        for line in (with_coding(LineItem.select(LineItem), LineItem).where(LineItem.item.in_(item_ids))
                     .order_by(LineItem.item, LineItem.position, LineItem.id)):
            found.setdefault(line.item_id, []).append(line)
    return found


def with_coding(query, model):
    """Join in the category, tax rate and tracking options `model` (an item, line or rule) points at, each
    loaded under its field's name, so reading them costs no further query."""
    tracking_1, tracking_2 = TrackingOption.alias(), TrackingOption.alias()
    return (query.select_extend(Category, TaxRate, tracking_1, tracking_2)
            .join_from(model, Category, JOIN.LEFT_OUTER)
            .join_from(model, TaxRate, JOIN.LEFT_OUTER)
            .join_from(model, tracking_1, JOIN.LEFT_OUTER, on=model.tracking_option_1 == tracking_1.id,
                       attr="tracking_option_1")
            .join_from(model, tracking_2, JOIN.LEFT_OUTER, on=model.tracking_option_2 == tracking_2.id,
                       attr="tracking_option_2"))


def notes(item_id: int):
    return (ItemNote.select(ItemNote, User).join(User, JOIN.LEFT_OUTER).where(ItemNote.item == item_id)
            .order_by(ItemNote.at.desc(), ItemNote.id.desc()))


def history(item_id: int):
    """The item's changes, newest first."""
    return (ItemHistory.select(ItemHistory, User).join(User, JOIN.LEFT_OUTER).where(ItemHistory.item == item_id)
            .order_by(ItemHistory.at.desc(), ItemHistory.id.desc()))


WAITING = ("processing", "inbox", "ready")


def counts_by_business(business_ids: list[int]) -> dict[int, dict]:
    """Items waiting in the inbox, items whose publish failed and the last publish, per business, in one query."""
    counts = {business_id: {"waiting": 0, "failed": 0, "last_publish": None} for business_id in business_ids}
    rows = (Item.select(Item.business, Item.status, fn.COUNT(Item.id).alias("n"),
                        fn.MAX(Item.published_at).python_value(Item.published_at.python_value).alias("last"))
            .where(Item.business.in_(business_ids) & Item.status.in_(WAITING + ("failed", "published")))
            .group_by(Item.business, Item.status).tuples())
    for business_id, status, n, last in rows:
        if status == "published":
            counts[business_id]["last_publish"] = last
        else:
            counts[business_id]["failed" if status == "failed" else "waiting"] += n
    return counts
