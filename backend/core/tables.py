"""The SQLAlchemy Table behind a SQLModel class, typed.

SQLModel sets `__table__` on every table model at class creation but does not declare it, so a type checker
sees no such attribute; Core statements built on the Table (insert, update ... returning, locks) need it.
"""
from __future__ import annotations

from typing import Protocol

from sqlalchemy import Table
from sqlmodel import SQLModel


def table_of(model: type[SQLModel]) -> Table:
    table = getattr(model, "__table__", None)
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not a table model (table=True)")
    return table


class _Stored(Protocol):
    @property
    def id(self) -> int | None: ...


def saved_id(row: _Stored) -> int:
    """A row's primary key once the database has given it one (loaded, or added and flushed). SQLModel types
    `id` as int | None for the rows not yet added; one passed on before its flush is a bug, said here."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: add and flush it first")
    return row.id
