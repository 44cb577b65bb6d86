"""backend.core.tables.table_of: the typed way to a SQLModel class's Table (tests/test_types.py, issue 15)."""
from __future__ import annotations

import pytest
from sqlalchemy import Table
from sqlmodel import SQLModel

from backend.core.tables import saved_id, table_of
from backend.models import Customer, Transfer


def test_a_table_model_gives_its_own_table() -> None:
    table = table_of(Transfer)
    assert isinstance(table, Table)
    assert table is Transfer.__table__  # the one SQLAlchemy made, so Core statements and the ORM agree
    assert table.name == "transfers" and "amount_fen" in table.c
    assert table_of(Customer).name == "customers"


def test_a_model_without_a_table_is_refused() -> None:
    class NotATable(SQLModel):
        name: str

    with pytest.raises(TypeError, match="NotATable is not a table model"):
        table_of(NotATable)


def test_saved_id_is_the_id_the_database_gave() -> None:
    assert saved_id(Customer(id=7, name="李大山", phone="13800000000", pin_hash="x")) == 7


def test_saved_id_refuses_a_row_not_yet_flushed() -> None:
    with pytest.raises(ValueError, match="Customer has no id yet"):
        saved_id(Customer(name="李大山", phone="13800000000", pin_hash="x"))
