"""The migrated schema matches the models, upgrades are repeatable, and money is never a float."""
from decimal import Decimal

import peewee
import pytest

from webapp import migrations
from webapp.db import MoneyField, database
from webapp.models import ALL_MODELS


def _columns(db, table):
    return {column.name for column in db.get_columns(table)}


def test_migrations_create_exactly_the_models_columns(app):
    db = database.obj
    for model in ALL_MODELS:
        expected = {field.column_name for field in model._meta.sorted_fields}
        assert _columns(db, model._meta.table_name) == expected, model.__name__


def test_upgrade_twice_applies_nothing_the_second_time(app):
    assert migrations.upgrade(database.obj) == []
    assert set(migrations.available()) <= migrations.applied(database.obj)


def test_no_model_stores_money_as_float(app):
    floats = [f"{m.__name__}.{f.name}" for m in ALL_MODELS for f in m._meta.sorted_fields
              if isinstance(f, peewee.FloatField)]
    assert floats == []


def test_money_field_keeps_exact_decimals_and_refuses_floats(app):
    class Amount(peewee.Model):
        value = MoneyField()

        class Meta:
            database = database
            table_name = "test_amount"

    database.create_tables([Amount])
    try:
        saved = Amount.create(value=Decimal("0.1") + Decimal("0.2"))
        assert Amount.get_by_id(saved.id).value == Decimal("0.3000")
        with pytest.raises(TypeError, match="never a float"):
            Amount.create(value=0.1)
    finally:
        database.drop_tables([Amount])
