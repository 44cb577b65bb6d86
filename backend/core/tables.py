"""The SQLAlchemy Table behind a SQLModel class, typed.

SQLModel sets `__table__` on every table model at class creation but does not declare it, so a type checker
sees no such attribute; Core statements built on the Table (insert, update ... returning, locks) need it.
"""
from __future__ import annotations

from sqlalchemy import Table
from sqlmodel import SQLModel


def table_of(model: type[SQLModel]) -> Table:
    table = getattr(model, "__table__", None)
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not a table model (table=True)")
    return table
