"""Upgrading keeps the data: a database built by the previous release's migrations, with a business, a supplier, an
item and its line in it, is migrated to this release and the app reads and searches it as before."""
from datetime import datetime

import pytest

from tests.conftest import POSTGRES_ADMIN_URL, POSTGRES_URL, _create_postgres_database
from webapp import migrations
from webapp.db import open_database
from webapp.inbound.models import InboundAddress
from webapp.items import queries
from webapp.items.models import Item, LineItem
from webapp.lists.models import Contact

PREVIOUS_RELEASE = "m0010_job_run_dismissed"  # the newest migration of the release before this one


@pytest.fixture
def old_database(backend, tmp_path, monkeypatch, migrated_url):
    """An empty database of `backend` with the previous release's migrations only; the session's afterwards."""
    if backend == "postgres":
        name = POSTGRES_URL.rsplit("/", 1)[1] + "_upgrade"
        _create_postgres_database(POSTGRES_ADMIN_URL, name)
        url = POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    else:
        url = f"sqlite:///{tmp_path / 'previous.db'}"
    every = migrations.available()
    db = open_database(url)
    with db.connection_context():
        if backend == "postgres":
            db.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        monkeypatch.setattr(migrations, "available", lambda: [name for name in every if name <= PREVIOUS_RELEASE])
        migrations.upgrade(db)
    monkeypatch.undo()
    yield db
    db.close()
    open_database(migrated_url)


def _insert(db, table: str, **values) -> int:
    """A row as the previous release wrote it: the given values, and something of the right type in every other
    column that may not be empty (its code gave them values; the schema has no defaults)."""
    for column in db.get_columns(table):
        if not column.null and not column.primary_key and column.name not in values:
            values[column.name] = _filler(column.data_type.lower())
    names = ", ".join(f'"{name}"' for name in values)
    marks = ", ".join([db.param] * len(values))
    cursor = db.execute_sql(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', list(values.values()))
    return cursor.lastrowid if cursor.lastrowid else db.execute_sql(f'SELECT max(id) FROM "{table}"').fetchone()[0]


def _filler(data_type: str):
    if "bool" in data_type:
        return False
    if any(kind in data_type for kind in ("int", "numeric", "decimal", "real", "double")):
        return 0
    if "timestamp" in data_type or "datetime" in data_type:
        return datetime(2026, 11, 30, 9, 0)
    if data_type == "date":
        return "2026-11-30"
    return ""


def test_a_previous_release_database_upgrades_with_its_data_kept(old_database):
    db = old_database
    with db.connection_context():
        business = _insert(db, "business", name="Seaview Cafe Ltd", base_currency="GBP", country="GB")
        supplier = _insert(db, "contact", business_id=business, xero_id="c-1", status="ACTIVE",
                           name="Brightwell Office Supplies Ltd", is_supplier=True)
        document = _insert(db, "document", business_id=business, sha256="a" * 64, filename="bill.pdf",
                           content_type="application/pdf", size=10, storage_key="aa/" + "a" * 64)
        item = _insert(db, "item", business_id=business, workspace="costs", type="receipt", status="inbox",
                       document_id=document, contact_id=supplier, reference="BW-2201", currency="GBP",
                       total="120.00", tax="20.00", net="100.00", description="Paper")
        _insert(db, "line_item", item_id=item, position=1, description="Paper", quantity="1.0000",
                unit_amount="100.0000", tax_amount="20.0000", tax_amount_typed=False)
        applied = migrations.upgrade(db)
        assert applied == [name for name in migrations.available() if name > PREVIOUS_RELEASE] and applied
        kept = Item.get_by_id(item)
        assert (kept.reference, kept.total, kept.contact.name) == ("BW-2201", 120, "Brightwell Office Supplies Ltd")
        assert kept.tax_components == "" and LineItem.get(LineItem.item == item).tax_components == ""
        assert Contact.get_by_id(supplier).in_xero
        found = queries.inbox(business, "costs", {"q": "brightwell 120"})
        assert [row.id for row in found.rows] == [item] and found.counts["review"] == 1
        Contact.update(name="Brightwell Ltd").where(Contact.id == supplier).execute()  # the triggers still work
        assert [row.id for row in queries.inbox(business, "costs", {"q": "brightwell ltd"}).rows] == [item]
        assert sorted(address.local_part.rsplit("-", 1)[0] for address in InboundAddress.select().where(
            InboundAddress.business == business)) == ["seaview-cafe", "seaview-cafe-sales"]  # email-in for it too
