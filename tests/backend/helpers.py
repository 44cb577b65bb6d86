"""Small readers of the database state that tests assert on."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, func
from sqlmodel import Session, select

from backend.models import Account, AuditLog, LedgerEntry


def balance_fen(engine: Engine, account_id: int) -> int:
    with Session(engine) as session:
        account = session.get(Account, account_id)
        assert account is not None
        return account.balance_fen


def entries_sum_fen(engine: Engine, account_id: int) -> int:
    with Session(engine) as session:
        return int(session.exec(
            select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0)).where(LedgerEntry.account_id == account_id)
        ).one())


def audit_actions(engine: Engine, actor_kind: str, actor_id: int) -> list[str]:
    with Session(engine) as session:
        rows = session.exec(
            select(AuditLog.action).where(AuditLog.actor_kind == actor_kind, AuditLog.actor_id == actor_id)
            .order_by(AuditLog.id)  # type: ignore[arg-type]
        ).all()
        return list(rows)


class MovingClock:
    """backend.services.clock.now frozen at a start instant and moved by hand (fixture `moving_clock`)."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)
