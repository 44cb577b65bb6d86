"""Customer lookups and the per-customer lock that serializes a customer's money movements."""
from __future__ import annotations

from typing import Protocol, TypeVar

from sqlalchemy import bindparam
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from backend.core.tables import table_of
from backend.errors import not_found
from backend.models import Account, Customer, Payee
from backend.services.ledger import LOCKED_CUSTOMERS
from rules.accounts import SPENDABLE_KINDS  # noqa: F401  (the one rule; re-exported for the services)

_CUSTOMERS = table_of(Customer)
# A Core statement (no ORM compilation per call): it runs on every money movement.
_LOCK_CUSTOMER = core_select(_CUSTOMERS.c.id).where(_CUSTOMERS.c.id == bindparam("customer_id")).with_for_update()


def lock_customer(session: Session, customer_id: int) -> None:
    """Row lock on the customer (PostgreSQL FOR UPDATE; SQLite already holds its write lock): limits, the
    idempotency check and the debit of one customer are then decided one request at a time. Taken once per
    transaction; later calls in the same transaction cost nothing."""
    locked: set[int] = session.info.setdefault(LOCKED_CUSTOMERS, set())
    if customer_id in locked:
        return
    if session.execute(_LOCK_CUSTOMER, {"customer_id": customer_id}).first() is None:
        raise not_found("客户")
    locked.add(customer_id)


def own_account(session: Session, customer_id: int, account_id: int, lock: bool = False) -> Account:
    """The caller's open account; another customer's id answers exactly like a missing one."""
    stmt = select(Account).where(
        Account.id == account_id, Account.customer_id == customer_id, col(Account.closed_at).is_(None)
    )
    account = session.exec(stmt.with_for_update() if lock else stmt).first()
    if account is None:
        raise not_found("账户")
    return account


class _Owned(Protocol):
    id: int | None
    customer_id: int


Owned = TypeVar("Owned", bound=_Owned)


def own_row(session: Session, model: type[Owned], customer_id: int, row_id: int, what: str,
            lock: bool = False) -> Owned:
    """The caller's row of `model` (a payee, a deposit, a payment ...), locked for update when asked; another
    customer's id answers exactly like a missing one: NOT_FOUND naming `what`."""
    stmt = select(model).where(col(model.id) == row_id, col(model.customer_id) == customer_id)
    row = session.exec(stmt.with_for_update() if lock else stmt).first()
    if row is None:
        raise not_found(what)
    return row


def own_payee(session: Session, customer_id: int, payee_id: int) -> Payee:
    return own_row(session, Payee, customer_id, payee_id, "收款人")
