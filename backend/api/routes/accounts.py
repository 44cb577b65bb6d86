from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlalchemy import func
from sqlmodel import col, select

from backend.api import presenters
from backend.api.deps import CustomerId, SessionDep
from backend.api.responses import errors
from backend.errors import not_found
from backend.models import Account, LedgerEntry
from backend.schemas import MAX_ID, AccountOut, TransactionsPage

router = APIRouter(tags=["accounts"])


@router.get("/accounts", response_model=list[AccountOut], responses=errors(401))
def list_accounts(customer_id: CustomerId, session: SessionDep) -> list[AccountOut]:
    rows = session.exec(
        select(Account)
        .where(Account.customer_id == customer_id, col(Account.closed_at).is_(None))
        .order_by(col(Account.id))
    ).all()
    return [presenters.account(row) for row in rows]


@router.get(
    "/accounts/{account_id}/transactions",
    response_model=TransactionsPage,
    responses=errors(401, 404),
)
def list_transactions(
    customer_id: CustomerId,
    session: SessionDep,
    account_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> TransactionsPage:
    # Closed accounts (withdrawn deposits) keep their history, so this does not filter on closed_at.
    owned = session.exec(
        select(Account.id).where(Account.id == account_id, Account.customer_id == customer_id)
    ).first()
    if owned is None:
        raise not_found("账户")
    total = session.exec(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.account_id == account_id)).one()
    rows = session.exec(
        select(LedgerEntry)
        .where(LedgerEntry.account_id == account_id)
        .order_by(col(LedgerEntry.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return TransactionsPage(items=[presenters.transaction(row) for row in rows], total=total)
