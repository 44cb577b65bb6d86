"""One-time notices the channels say once, right after the greeting: a pension credit, a matured deposit.

Notices are derived from the records themselves (payroll credits, deposit maturities of the last
NOTICE_DAYS), so nothing else has to write them; what the customer has heard is a `notices_seen` row, keyed
"pension:<credit id>" or "deposit:<maturity id>". A read never writes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend.errors import not_found
from backend.models import DepositMaturity, NoticeSeen, PayrollCredit, SavingsProduct, TimeDeposit
from backend.services import clock, outbox
from backend.services.customers import lock_customer

NOTICE_DAYS = 35
KEY = re.compile(r"^(pension|deposit):([1-9][0-9]{0,8})$")  # ids fit 32 bits


@dataclass(frozen=True)
class Notice:
    key: str
    kind: Literal["pension_credit", "deposit_matured"]
    text: str
    amount_fen: int
    at: datetime


def _pension(row: PayrollCredit) -> Notice:
    day = row.credited_at.astimezone(clock.CHINA_TZ).date()
    return Notice(f"pension:{row.id}", "pension_credit",
                  f"您的养老金{outbox.yuan_text(row.amount_fen)}已经到账了，{day.month}月{day.day}日到的。",
                  row.amount_fen, row.credited_at)


def _deposit(row: DepositMaturity, product_name: str, principal_fen: int) -> Notice:
    if row.outcome == "renew":
        text = (f"您的{product_name}到期了，利息{outbox.yuan_text(row.interest_fen)}，"
                f"连本带利已经自动转存。")
        amount = row.interest_fen
    else:
        amount = principal_fen + row.interest_fen
        text = f"您的{product_name}到期了，本金和利息共{outbox.yuan_text(amount)}已经转回您的账户。"
    return Notice(f"deposit:{row.id}", "deposit_matured", text, amount, row.created_at)


def all_recent(session: Session, customer_id: int, since: datetime | None = None) -> list[Notice]:
    since = since or clock.now() - timedelta(days=NOTICE_DAYS)
    found = [_pension(row) for row in session.exec(select(PayrollCredit).where(
        PayrollCredit.customer_id == customer_id, PayrollCredit.credited_at >= since)).all()]
    maturities = session.exec(
        select(DepositMaturity, TimeDeposit.principal_fen, SavingsProduct.name)
        .join(TimeDeposit, col(TimeDeposit.id) == DepositMaturity.deposit_id)
        .join(SavingsProduct, col(SavingsProduct.id) == TimeDeposit.product_id)
        .where(TimeDeposit.customer_id == customer_id, DepositMaturity.created_at >= since)
    ).all()
    found += [_deposit(row, name, principal) for row, principal, name in maturities]
    return sorted(found, key=lambda notice: (notice.at, notice.key))


def unread(session: Session, customer_id: int) -> list[Notice]:
    seen = set(session.exec(select(NoticeSeen.notice_key).where(NoticeSeen.customer_id == customer_id)).all())
    return [notice for notice in all_recent(session, customer_id) if notice.key not in seen]


def _belongs(session: Session, customer_id: int, key: str) -> bool:
    match = KEY.match(key)
    if match is None:
        return False
    kind, ident = match.group(1), int(match.group(2))
    if kind == "pension":
        row = session.get(PayrollCredit, ident)
        return row is not None and row.customer_id == customer_id
    found = session.exec(
        select(DepositMaturity.id).join(TimeDeposit, col(TimeDeposit.id) == DepositMaturity.deposit_id)
        .where(DepositMaturity.id == ident, TimeDeposit.customer_id == customer_id)
    ).first()
    return found is not None


def mark_seen(session: Session, customer_id: int, key: str) -> None:
    """Idempotent: a notice already marked stays marked. Another customer's key answers like a missing one."""
    lock_customer(session, customer_id)
    if not _belongs(session, customer_id, key):
        raise not_found("提醒")
    exists = session.exec(select(NoticeSeen.id).where(
        NoticeSeen.customer_id == customer_id, NoticeSeen.notice_key == key)).first()
    if exists is None:
        try:
            with session.begin_nested():
                session.add(NoticeSeen(customer_id=customer_id, notice_key=key, seen_at=clock.now()))
        except IntegrityError:
            pass  # marked at the same moment by another request
