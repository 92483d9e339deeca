"""The Lists pages: what a member sees of the lists mirrored from Xero, search, filters, paging, reload, linking."""
import json
import re
from decimal import Decimal

import pytest
import redis
from peewee import chunked
from playhouse.test_utils import count_queries
from rq.job import Job

from tests import factories
from tests.conftest import REDIS_URL
from tests.test_integrations_flow import connect
from tests.test_jobs import _work
from webapp.db import database
from webapp.integrations.models import Connection
from webapp.jobruns.models import JobRun
from webapp.lists.models import Category, Contact, PaymentMethod, TaxRate, TrackingCategory, TrackingOption

QUERY_BUDGET = 10
LIST_NAMES = ["categories", "suppliers", "customers", "tracking", "payment-methods", "tax-rates"]
_ids = iter(range(1, 10**9))


def url(business_id, list_name, **query):
    params = "&".join(f"{key}={value}" for key, value in query.items())
    return f"/b/{business_id}/lists/{list_name}" + (f"?{params}" if params else "")


def category(business_id, code, name, type="OVERHEADS", **fields):
    return Category.create(business=business_id, xero_id=f"acc-{next(_ids)}", code=code, name=name, type=type,
                           **fields)


def contact(business_id, name, **fields):
    return Contact.create(business=business_id, xero_id=f"con-{next(_ids)}", name=name, **fields)


def connected(business_id):
    return Connection.create(business=business_id, tenant_id=f"tenant-{business_id}", tenant_name="Org",
                             status="connected")


def table_rows(html):
    """The text of each body row of the results table, tags stripped."""
    body = html.split('id="lists-table"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in body.split("</tr>")[:-1]]


def assert_fragment(response):
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="lists-table"' in response.text
    assert "HX-Request" in response.headers["Vary"]


@pytest.fixture
def uk(xero_app, admin_client, admin, sandbox):
    """The admin's business connected to the sandbox's UK organisation, its lists fetched by the Finish refresh."""
    connect(admin_client, admin.business_id, organisations=["Hartley & Moss Joinery Ltd"], sandbox=sandbox)
    admin_client.form(f"/b/{admin.business_id}/integrations/xero/finish")
    _work(xero_app)
    return admin.business_id


def test_categories_show_the_sandbox_chart_of_accounts(uk, admin_client):
    page = admin_client.get(url(uk, "categories"))
    assert page.status_code == 200 and "<html" in page.text
    rows = table_rows(page.text)
    assert "200 Sales Revenue 20% (VAT on Income) Active" in rows
    assert "400 Advertising Overhead 20% (VAT on Expenses) Active" in rows
    assert not any("Business Bank Account" in row for row in rows)  # bank accounts live under Payment methods
    assert not any("Trade Show Stands" in row for row in rows)  # 455 is archived in the sandbox
    archived = table_rows(admin_client.get(url(uk, "categories", archived=1)).text)
    assert "455 Trade Show Stands Overhead 20% (VAT on Expenses) Archived" in archived
    assert len(archived) == len(rows) + 1


def test_the_type_filter_offers_only_the_types_of_the_organisations_chart(uk, admin_client):
    page = admin_client.get(url(uk, "categories")).text
    types = page[page.index('<option value="">All types</option>'):]
    types = types[:types.index("</select>")]
    assert '<option value="OVERHEADS"' in types and '<option value="REVENUE"' in types
    assert "PAYG" not in types and "Superannuation" not in types and '"BANK"' not in types


def test_suppliers_tracking_and_tax_rates_from_the_sandbox(uk, admin_client):
    suppliers = admin_client.get(url(uk, "suppliers", q="travis")).text
    assert table_rows(suppliers)[0].startswith("Travis Perkins")
    assert "Pennine Timber Merchants" not in admin_client.get(url(uk, "suppliers", q="pennine")).text
    archived = table_rows(admin_client.get(url(uk, "suppliers", q="pennine", archived=1)).text)
    assert archived[0].startswith("Pennine Timber Merchants") and archived[0].endswith("Archived")
    tracking = admin_client.get(url(uk, "tracking")).text
    assert "Region" in tracking and "North West" in tracking and "Wales (closed)" not in tracking
    assert "Wales (closed) <span class=\"badge badge-archived\">Archived</span>" in \
        admin_client.get(url(uk, "tracking", archived=1)).text
    rates = table_rows(admin_client.get(url(uk, "tax-rates", q="INPUT2")).text)
    assert rates == ["20% (VAT on Expenses) INPUT2 20% VAT 20% Assets, Equity, Expenses, Liabilities Active"]


def test_payment_methods_link_to_a_sandbox_bank_account(uk, admin_client):
    card = PaymentMethod.get(PaymentMethod.business == uk, PaymentMethod.name == "Company card")
    bank = Category.get(Category.business == uk, Category.code == "090")
    page = admin_client.get(url(uk, "payment-methods")).text
    assert f'<option value="{bank.id}">Business Bank Account</option>' in page
    response = admin_client.hx("POST", f"/b/{uk}/lists/payment-methods/{card.id}",
                               target=f"lists-payment-method-{card.id}", data={"bank_account": bank.id})
    assert response.status_code == 200 and "<html" not in response.text
    assert f'<option value="{bank.id}" selected>Business Bank Account</option>' in response.text
    assert PaymentMethod.get_by_id(card.id).bank_account_id == bank.id


def test_empty_lists_before_connecting_point_admins_to_integrations(admin_client, standard_client, admin):
    for list_name in LIST_NAMES:
        page = admin_client.get(url(admin.business_id, list_name)).text
        assert "appear here once" in page and "is connected to Xero" in page, list_name
        assert "Connect Xero in Integrations" in page
        standard_page = standard_client.get(url(admin.business_id, list_name)).text
        assert "appear here once" in standard_page and "Connect Xero in Integrations" not in standard_page
        assert "Ask an admin of this business to connect Xero." in standard_page


def test_empty_list_when_connected_offers_reload_not_connect(admin_client, admin):
    connected(admin.business_id)
    page = admin_client.get(url(admin.business_id, "categories")).text
    assert "No categories yet" in page and "Connect Xero in Integrations" not in page


def test_unknown_list_is_404(admin_client, admin):
    assert admin_client.get(url(admin.business_id, "widgets")).status_code == 404
    assert admin_client.form(f"/b/{admin.business_id}/lists/widgets/reload").status_code == 404
    assert JobRun.select().count() == 0


@pytest.fixture
def chart(admin):
    b = admin.business_id
    TaxRate.create(business=b, xero_id="INPUT2", name="20% (VAT on Expenses)", effective_rate=Decimal("20"))
    rows = [category(b, "200", "Sales", "REVENUE", tax_type="OUTPUT2"),
            category(b, "400", "Advertising", tax_type="INPUT2"),
            category(b, "404", "Bank Fees", tax_type="NOTARATE"),
            category(b, "455", "Trade Show Stands", status="ARCHIVED"),
            category(b, "456", "Old Expenses", removed_at=Category.synced_at.default()),
            category(b, "090", "Business Bank Account", "BANK")]
    category(factories.make_business().id, "401", "Other business's account")
    return rows


def test_search_by_code_or_name_is_case_insensitive(admin_client, admin, chart):
    by_code = table_rows(admin_client.get(url(admin.business_id, "categories", q="40")).text)
    assert [row.split()[1] for row in by_code] == ["Advertising", "Bank"]
    by_name = table_rows(admin_client.get(url(admin.business_id, "categories", q="ADVERT")).text)
    assert by_name == ["400 Advertising Overhead 20% (VAT on Expenses) Active"]
    nothing = admin_client.get(url(admin.business_id, "categories", q="zzz")).text
    assert "No categories match “zzz”." in nothing


def test_search_treats_like_wildcards_as_text(admin_client, admin, chart):
    category(admin.business_id, "999", "100% Recycled")
    rows = table_rows(admin_client.get(url(admin.business_id, "categories", q="0%25")).text)
    assert rows == ["999 100% Recycled Overhead Active"]


def test_search_as_htmx_returns_only_the_table(admin_client, admin, chart):
    response = admin_client.hx("GET", url(admin.business_id, "categories", q="sales"), target="lists-table")
    assert_fragment(response)
    assert "HX-Target" in response.headers["Vary"]
    assert table_rows(response.text) == ["200 Sales Revenue OUTPUT2 Active"]
    assert 'id="sidebar"' not in response.text


def test_search_without_htmx_target_returns_the_whole_page(admin_client, admin, chart):
    response = admin_client.get(url(admin.business_id, "categories", q="sales"))
    assert response.status_code == 200 and "<html" in response.text and 'id="sidebar"' in response.text
    assert 'value="sales"' in response.text and "HX-Request" in response.headers["Vary"]
    boosted = admin_client.hx("GET", url(admin.business_id, "categories"), target="main")
    assert "<html" in boosted.text


def test_type_filter_and_unknown_types_ignored(admin_client, admin, chart):
    revenue = table_rows(admin_client.get(url(admin.business_id, "categories", type="REVENUE")).text)
    assert revenue == ["200 Sales Revenue OUTPUT2 Active"]
    page = admin_client.get(url(admin.business_id, "categories", type="BANK")).text
    assert len(table_rows(page)) == 3 and "Business Bank Account" not in page  # BANK is not a choice here


def test_archived_categories_hidden_until_asked_and_always_badged(admin_client, admin, chart):
    default = admin_client.get(url(admin.business_id, "categories")).text
    assert "Trade Show Stands" not in default and "Old Expenses" not in default
    rows = table_rows(admin_client.get(url(admin.business_id, "categories", archived=1)).text)
    assert "455 Trade Show Stands Overhead Archived" in rows
    assert "456 Old Expenses Overhead Archived" in rows  # removed from Xero: shown archived, never blank
    assert "404 Bank Fees Overhead NOTARATE Active" in rows  # an unknown tax type still shows its code
    assert not any("Other business" in row for row in rows)


def test_names_from_xero_are_escaped(admin_client, admin):
    b = admin.business_id
    evil = "<img src=x onerror=alert(1)>"
    category(b, "<b>1</b>", evil)
    contact(b, evil, email=f"{evil}@example.com", is_supplier=True)
    TaxRate.create(business=b, xero_id="EVIL", name=evil, effective_rate=Decimal("5"),
                   components=json.dumps([{"name": evil, "rate": "5"}]))
    tracking_category = TrackingCategory.create(business=b, xero_id="t1", name=evil)
    TrackingOption.create(business=b, xero_id="o1", category=tracking_category, name=evil)
    PaymentMethod.create(business=b, name=evil)
    for list_name in ("categories", "suppliers", "tax-rates", "tracking", "payment-methods"):
        page = admin_client.get(url(b, list_name, q="img")).text
        assert "&lt;img src=x onerror=alert(1)&gt;" in page, list_name
        assert "<img" not in page, list_name
    fragment = admin_client.hx("GET", url(b, "suppliers", q="<img"), target="lists-table").text
    assert "<img" not in fragment and "&lt;img" in fragment


@pytest.fixture
def ten_thousand_contacts(admin):
    b = admin.business_id
    category(b, "429", "General Expenses")
    rows = [{"business": b, "xero_id": f"c{n}", "name": f"Supplier {n:05d}", "is_supplier": True,
             "purchases_account_code": "429", "email": f"s{n}@example.com"} for n in range(10_000)]
    with database.atomic():
        for batch in chunked(rows, 500):
            Contact.insert_many(batch).execute()
    return b


def test_paging_ten_thousand_suppliers_within_the_query_budget(admin_client, ten_thousand_contacts):
    b = ten_thousand_contacts
    with count_queries() as counter:
        page = admin_client.get(url(b, "suppliers", page=2))
    assert counter.count <= QUERY_BUDGET
    rows = table_rows(page.text)
    assert len(rows) == 50
    assert rows[0] == "Supplier 00050 s50@example.com 429 – General Expenses Active"
    assert rows[-1].startswith("Supplier 00099 ")
    assert "51–100 of 10000 suppliers" in page.text
    assert f'href="/b/{b}/lists/suppliers?page=200"' in page.text  # the last page
    with count_queries() as counter:
        searched = admin_client.hx("GET", url(b, "suppliers", q="supplier 09", archived=1, page=3), target="lists-table")
    assert counter.count <= QUERY_BUDGET
    assert_fragment(searched)
    assert table_rows(searched.text)[0].startswith("Supplier 09100 ")
    assert "101–150 of 1000 suppliers" in searched.text
    assert f'href="/b/{b}/lists/suppliers?q=supplier+09&amp;archived=1&amp;page=4"' in searched.text


def test_page_past_the_end_shows_the_last_page(admin_client, ten_thousand_contacts):
    rows = table_rows(admin_client.get(url(ten_thousand_contacts, "suppliers", page=999)).text)
    assert rows[-1].startswith("Supplier 09999 ") and len(rows) == 50
    assert table_rows(admin_client.get(url(ten_thousand_contacts, "suppliers", page="x")).text)[0].startswith(
        "Supplier 00000 ")


def test_suppliers_and_customers_split_by_role(admin_client, admin):
    b = admin.business_id
    category(b, "200", "Sales", "REVENUE")
    contact(b, "Only Supplier", is_supplier=True)
    contact(b, "Only Customer", is_customer=True, sales_account_code="200")
    contact(b, "Both", is_supplier=True, is_customer=True)
    contact(b, "Neither")
    suppliers = [row.split(" Active")[0] for row in table_rows(admin_client.get(url(b, "suppliers")).text)]
    customers = [row.split(" Active")[0] for row in table_rows(admin_client.get(url(b, "customers")).text)]
    assert suppliers == ["Both", "Neither", "Only Supplier"]
    assert customers == ["Both", "Neither", "Only Customer 200 – Sales"]


def test_tax_rates_show_rate_components_and_use(admin_client, admin):
    TaxRate.create(business=admin.business_id, xero_id="CAN002", name="BC - GST/PST on Purchases",
                   effective_rate=Decimal("12"), can_apply_to="ASSETS EXPENSES",
                   components=json.dumps([{"name": "GST", "rate": "5.0000"}, {"name": "PST", "rate": "7"}]))
    TaxRate.create(business=admin.business_id, xero_id="OLD", name="Old rate", effective_rate=Decimal("7.25"),
                   status="DELETED")
    rows = table_rows(admin_client.get(url(admin.business_id, "tax-rates")).text)
    assert rows == ["BC - GST/PST on Purchases CAN002 12% GST 5% + PST 7% Assets, Expenses Active"]
    archived = table_rows(admin_client.get(url(admin.business_id, "tax-rates", archived=1, q="old")).text)
    assert archived == ["Old rate OLD 7.25% Archived"]


def test_tracking_lists_active_categories_first_with_options(admin_client, admin):
    b = admin.business_id
    old = TrackingCategory.create(business=b, xero_id="t0", name="Area", status="ARCHIVED")
    region = TrackingCategory.create(business=b, xero_id="t1", name="Region")
    TrackingOption.create(business=b, xero_id="o1", category=region, name="North")
    TrackingOption.create(business=b, xero_id="o2", category=region, name="Closed office", status="ARCHIVED")
    TrackingOption.create(business=b, xero_id="o3", category=old, name="East")
    page = admin_client.get(url(b, "tracking")).text
    assert page.index(">Region ") < page.index(">Area ") and "Closed office" not in page
    assert "North" in page and "East" in page
    shown = admin_client.hx("GET", url(b, "tracking", archived=1), target="lists-table")
    assert_fragment(shown)
    assert 'Closed office <span class="badge badge-archived">Archived</span>' in shown.text


@pytest.mark.parametrize("list_name", LIST_NAMES)
def test_every_list_page_stays_within_the_query_budget(admin_client, admin, chart, list_name):
    b = admin.business_id
    contact(b, "Acme", is_supplier=True, is_customer=True)
    region = TrackingCategory.create(business=b, xero_id="t1", name="Region")
    TrackingOption.create(business=b, xero_id="o1", category=region, name="North")
    PaymentMethod.create(business=b, name="Cash", bank_account=chart[-1])
    with count_queries() as counter:
        page = admin_client.get(url(b, list_name))
    assert page.status_code == 200 and "appear here once" not in page.text
    assert counter.count <= QUERY_BUDGET, counter.count


@pytest.fixture
def methods(admin, outsider):
    b = admin.business_id
    bank = category(b, "090", "Business Bank Account", "BANK")
    savings = category(b, "091", "Savings", "BANK")
    closed = category(b, "092", "Closed Account", "BANK", status="ARCHIVED")
    card = PaymentMethod.create(business=b, name="Company card", bank_account=bank)
    cash = PaymentMethod.create(business=b, name="Cash")
    return {"bank": bank, "savings": savings, "closed": closed, "card": card, "cash": cash,
            "sales": category(b, "200", "Sales", "REVENUE"),
            "foreign_bank": category(outsider.business_id, "090", "Their Bank", "BANK"),
            "foreign_method": PaymentMethod.create(business=outsider.business_id, name="Their card")}


def test_admin_links_a_payment_method_inline(admin_client, admin, methods):
    cash = methods["cash"]
    row_id = f"lists-payment-method-{cash.id}"
    response = admin_client.hx("POST", f"/b/{admin.business_id}/lists/payment-methods/{cash.id}", target=row_id,
                               data={"bank_account": methods["savings"].id})
    assert response.status_code == 200 and "<html" not in response.text
    assert response.text.count(f'id="{row_id}"') == 1 and "HX-Request" in response.headers["Vary"]
    assert f'<option value="{methods["savings"].id}" selected>Savings</option>' in response.text
    assert "Closed Account" not in response.text  # archived bank accounts are not offered
    assert PaymentMethod.get_by_id(cash.id).bank_account_id == methods["savings"].id
    saved = response.text.index('<span class="saved">Saved</span>')
    assert response.text.rindex('name="bank_account"', 0, saved) > response.text.rindex("<form", 0, saved)
    assert response.text.count("Saved") == 1  # beside the select that changed only


def test_admin_unlinks_without_htmx_and_is_redirected(admin_client, admin, methods):
    card = methods["card"]
    response = admin_client.form(f"/b/{admin.business_id}/lists/payment-methods/{card.id}", {"bank_account": ""})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/b/{admin.business_id}/lists/payment-methods"
    assert "Company card is now linked to no bank account." in admin_client.get(response.headers["Location"]).text
    assert PaymentMethod.get_by_id(card.id).bank_account_id is None


def test_standard_user_sees_the_link_as_text_and_cannot_change_it(standard_client, admin, methods):
    card = methods["card"]
    page = standard_client.get(url(admin.business_id, "payment-methods")).text
    assert "Business Bank Account" in page and "<select" not in page
    response = standard_client.hx("POST", f"/b/{admin.business_id}/lists/payment-methods/{card.id}",
                                  target=f"lists-payment-method-{card.id}", data={"bank_account": ""})
    assert response.status_code == 403
    assert "You don&#39;t have permission" in response.text or "You don't have permission" in response.text
    assert PaymentMethod.get_by_id(card.id).bank_account_id == methods["bank"].id


@pytest.mark.parametrize("choice", ["foreign_bank", "sales", "closed", "junk"])
def test_linking_to_anything_but_an_active_bank_account_of_the_business_is_refused(admin_client, admin, methods,
                                                                                    choice):
    card = methods["card"]
    value = "abc" if choice == "junk" else methods[choice].id
    row_id = f"lists-payment-method-{card.id}"
    response = admin_client.hx("POST", f"/b/{admin.business_id}/lists/payment-methods/{card.id}", target=row_id,
                               data={"bank_account": value})
    assert response.status_code == 422
    assert "Choose one of this business&#39;s Xero bank accounts." in response.text
    assert f'id="{row_id}"' in response.text and "<html" not in response.text
    assert PaymentMethod.get_by_id(card.id).bank_account_id == methods["bank"].id
    plain = admin_client.form(f"/b/{admin.business_id}/lists/payment-methods/{card.id}", {"bank_account": value})
    assert plain.status_code == 422 and "<html" in plain.text and "Xero bank accounts." in plain.text


def test_payment_method_of_another_business_is_404(admin_client, admin, methods):
    foreign = methods["foreign_method"]
    response = admin_client.form(f"/b/{admin.business_id}/lists/payment-methods/{foreign.id}",
                                 {"bank_account": methods["bank"].id})
    assert response.status_code == 404
    assert PaymentMethod.get_by_id(foreign.id).bank_account_id is None


def test_archived_linked_bank_account_is_shown_not_blank(admin_client, standard_client, admin, methods):
    Category.update(status="ARCHIVED").where(Category.id == methods["bank"].id).execute()
    admin_page = admin_client.get(url(admin.business_id, "payment-methods")).text
    assert "Business Bank Account (archived)" in admin_page
    standard_page = standard_client.get(url(admin.business_id, "payment-methods")).text
    assert 'Business Bank Account <span class="badge badge-archived">Archived</span>' in standard_page


@pytest.mark.parametrize("list_name, step, title", [("categories", "categories", "Categories"),
                                                    ("suppliers", "contacts", "Suppliers"),
                                                    ("tracking", "tracking", "Tracking"),
                                                    ("payment-methods", "categories", "Payment methods"),
                                                    ("tax-rates", "tax_rates", "Tax rates")])
def test_reload_refreshes_only_that_list_and_a_second_click_joins(standard_client, admin, list_name, step, title):
    connected(admin.business_id)
    reload_url = f"/b/{admin.business_id}/lists/{list_name}/reload"
    first = standard_client.form(reload_url)
    assert first.status_code == 303 and first.headers["Location"] == url(admin.business_id, list_name)
    page = standard_client.get(first.headers["Location"]).text
    assert f"Reloading {title} from Xero…" in page
    assert "Refresh in progress" in page  # the banner region shows it
    second = standard_client.form(reload_url, follow_redirects=True)
    assert f"Reloading {title} from Xero…" in second.text
    run = JobRun.get(JobRun.business == admin.business_id)
    assert JobRun.select().count() == 1 and run.kind == "refresh"
    connection = redis.Redis.from_url(REDIS_URL)
    job = Job.fetch(run.rq_job_id, connection=connection)
    assert job.args == (run.id,) and job.kwargs == {"steps": [step]}
    queued = [job_id.decode() for job_id in connection.lrange("rq:queue:sync", 0, -1)]
    assert queued.count(f"refresh-{run.id}") == 1


def test_reload_before_connecting_queues_nothing(admin_client, admin):
    response = admin_client.form(f"/b/{admin.business_id}/lists/categories/reload", follow_redirects=True)
    assert "Connect this business to Xero before reloading its lists." in response.text
    assert JobRun.select().count() == 0


def test_reload_runs_the_refresh_for_categories(uk, xero_app, admin_client):
    Category.delete().where(Category.business == uk, Category.code == "400").execute()
    admin_client.form(f"/b/{uk}/lists/categories/reload")
    _work(xero_app)
    run = JobRun.select().where(JobRun.business == uk).order_by(JobRun.id.desc()).first()
    assert list(run.step_details) == ["categories"] and run.status == "succeeded"
    assert "400 Advertising" in " ".join(table_rows(admin_client.get(url(uk, "categories")).text))
