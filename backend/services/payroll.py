"""Pension payroll (代发): a batch from the social-security payer's internal account to pension accounts.

A batch is a list of (pension account number, amount). Posting it is one transaction: the batch row (its
batch id unique: the idempotency key of the whole file), then per line one balanced journal from
INTERNAL-SOCIAL-SECURITY to the pension account, a `payroll_credits` row (unique per batch and account), an
audit entry and an outbox SMS to the customer. Posting the same batch id again with the same contents
answers the first result and moves nothing; with other contents it is refused (PAYROLL_BATCH_MISMATCH).
Two runners at the same moment: one inserts the batch row, the other's insert fails on the unique
constraint, it rolls back and reports the batch as already posted.

A line naming no open pension account is rejected (listed in the answer, nothing credited for it: the payer
keeps that money); the rest of the batch is posted.

The monthly batch (`monthly_batch_id`, "PENSION-2026-12") pays every active enrollment; the scheduler runs it
from ANXIN_PAYROLL_DAY of the month on (0: off), `python -m backend.jobs payroll --monthly` by hand.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend.core.db import write_session
from backend.core.tables import saved_id
from backend.errors import ErrorCode
from backend.models import Account, Customer, PayrollBatch, PayrollCredit, PensionEnrollment
from backend.services import audit, clock, ledger, outbox
from backend.services.amounts import fen_to_yuan
from backend.services.customers import lock_customer

log = logging.getLogger("backend.payroll")

PAYER = "INTERNAL-SOCIAL-SECURITY"  # migration 0006


@dataclass(frozen=True)
class Line:
    account_number: str
    amount_fen: int


@dataclass
class BatchResult:
    batch_id: str
    status: str  # posted | already_posted
    credits: int = 0
    total_fen: int = 0
    rejected: list[str] = field(default_factory=list)  # account tails of lines not credited

    def as_json(self) -> dict[str, object]:
        return {"batch_id": self.batch_id, "status": self.status, "credits": self.credits,
                "total": fen_to_yuan(self.total_fen) if self.total_fen else "0.00", "rejected": self.rejected}


def content_hash(lines: list[Line]) -> str:
    canonical = json.dumps(sorted((line.account_number, line.amount_fen) for line in lines))
    return hashlib.sha256(canonical.encode()).hexdigest()


def monthly_batch_id(today: date) -> str:
    return f"PENSION-{today.year:04d}-{today.month:02d}"


def _existing(session: Session, batch_id: str, digest: str) -> BatchResult | None:
    batch = session.exec(select(PayrollBatch).where(PayrollBatch.batch_id == batch_id)).first()
    if batch is None:
        return None
    if batch.content_hash != digest:
        raise ErrorCode.PAYROLL_BATCH_MISMATCH.error()
    return BatchResult(batch_id, "already_posted", batch.credits, batch.total_fen)


def post_batch(engine: Engine, batch_id: str, lines: list[Line]) -> BatchResult:
    if any(line.amount_fen <= 0 for line in lines):
        raise ErrorCode.INVALID_AMOUNT.error()
    digest = content_hash(lines)
    with write_session(engine) as session:
        found = _existing(session, batch_id, digest)
        if found is not None:
            return found
        try:
            result = _post(session, batch_id, lines, digest)
            session.commit()
        except IntegrityError:
            session.rollback()  # another runner posted this batch id first
            found = _existing(session, batch_id, digest)
            if found is None:
                raise
            return found
    log.info("payroll batch posted: %d credits", result.credits)
    return result


def _post(session: Session, batch_id: str, lines: list[Line], digest: str) -> BatchResult:
    now = clock.now()
    batch = PayrollBatch(batch_id=batch_id, payer=PAYER, content_hash=digest, credits=0, total_fen=0, created_at=now)
    session.add(batch)
    session.flush()  # the unique batch id is claimed first: a concurrent runner fails here
    result = BatchResult(batch_id, "posted")
    numbers = [line.account_number for line in lines]
    accounts = {a.number: a for a in session.exec(select(Account).where(
        col(Account.number).in_(numbers), Account.kind == "pension", col(Account.closed_at).is_(None))).all()}
    valid = [(accounts[line.account_number], line) for line in lines if line.account_number in accounts]
    seen: set[int] = set()
    payer = ledger.internal_account_id(session, PAYER)
    # Customers in id order: the same lock order as every other multi-customer transaction (no deadlock).
    for account, line in sorted(valid, key=lambda pair: (pair[0].customer_id or 0, pair[0].id or 0)):
        if account.id in seen:  # the same account twice in one file: credited once, the repeat rejected
            result.rejected.append(line.account_number[-4:])
            continue
        seen.add(saved_id(account))
        lock_customer(session, account.customer_id)  # type: ignore[arg-type]
        journal_id = ledger.post(session, "payroll", f"payroll:{batch_id}", [
            ledger.Leg(payer, -line.amount_fen, f"养老金代发 {batch_id}"[:100], account.name, internal=True),
            ledger.Leg(saved_id(account), line.amount_fen, "养老金", "社保养老金"),
        ])
        credit = PayrollCredit(batch_id=batch.id, account_id=account.id, customer_id=account.customer_id,  # type: ignore[arg-type]
                               amount_fen=line.amount_fen, journal_id=journal_id, credited_at=now)
        session.add(credit)
        session.flush()
        audit.record(session, "system", None, "payroll.credited", "account", account.id,
                     batch_id=batch_id, amount=fen_to_yuan(line.amount_fen), credit_id=credit.id)
        customer = session.get(Customer, account.customer_id)
        if customer is not None:
            outbox.add(session, outbox.PENSION_CREDIT, f"payroll_credit:{credit.id}", saved_id(customer),
                       customer.phone, outbox.pension_credit_text(line.amount_fen, now.astimezone(clock.CHINA_TZ).date()))
        result.credits += 1
        result.total_fen += line.amount_fen
    result.rejected += [line.account_number[-4:] for line in lines if line.account_number not in accounts]
    batch.credits, batch.total_fen = result.credits, result.total_fen
    session.add(batch)
    audit.record(session, "system", None, "payroll.batch", "payroll_batch", batch.id, batch_id=batch_id,
                 credits=result.credits, total=fen_to_yuan(result.total_fen), rejected=len(result.rejected))
    return result


def monthly_lines(engine: Engine) -> list[Line]:
    with Session(engine) as session:
        rows = session.exec(
            select(Account.number, PensionEnrollment.monthly_amount_fen)
            .join(Account, col(Account.id) == PensionEnrollment.account_id)
            .where(PensionEnrollment.active == True)  # noqa: E712  (SQL, not Python truth)
            .order_by(col(PensionEnrollment.id))
        ).all()
    return [Line(number, amount) for number, amount in rows]


def run_monthly(engine: Engine, today: date | None = None) -> BatchResult:
    """This month's pension batch for every active enrollment (once per month: the batch id is the month)."""
    today = today or clock.today_cn()
    return post_batch(engine, monthly_batch_id(today), monthly_lines(engine))


def run_monthly_if_due(engine: Engine, payroll_day: int, today: date | None = None) -> BatchResult | None:
    """For the scheduler: from `payroll_day` of the month on (0: never), post the month's batch if not yet."""
    today = today or clock.today_cn()
    if payroll_day <= 0 or today.day < payroll_day:
        return None
    batch_id = monthly_batch_id(today)
    with Session(engine) as session:
        # Posted already this month: done, even if enrollments changed since (they start next month).
        if session.exec(select(PayrollBatch.id).where(PayrollBatch.batch_id == batch_id)).first() is not None:
            return None
    return run_monthly(engine, today)


def enroll(session: Session, account_id: int, monthly_amount_fen: int) -> PensionEnrollment:
    row = session.exec(select(PensionEnrollment).where(PensionEnrollment.account_id == account_id)).first()
    if row is None:
        row = PensionEnrollment(account_id=account_id, monthly_amount_fen=monthly_amount_fen, created_at=clock.now())
        session.add(row)
        session.flush()
    return row


@dataclass(frozen=True)
class Credit:
    id: int
    account_id: int
    amount_fen: int
    credited_at: datetime

    @property
    def credited_on(self) -> date:
        return self.credited_at.astimezone(clock.CHINA_TZ).date()


def credits(session: Session, customer_id: int, limit: int = 12) -> list[Credit]:
    rows = session.exec(
        select(PayrollCredit).where(PayrollCredit.customer_id == customer_id)
        .order_by(col(PayrollCredit.credited_at).desc(), col(PayrollCredit.id).desc())
        .limit(limit)
    ).all()
    return [Credit(saved_id(r), r.account_id, r.amount_fen, r.credited_at) for r in rows]


def credits_message(items: list[Credit], today: date | None = None) -> tuple[bool, str]:
    """(arrived this month, the sentence the customer hears)."""
    today = today or clock.today_cn()
    if not items:
        return False, "还没有查到养老金到账的记录。"
    last = items[0]
    day = f"{last.credited_on.month}月{last.credited_on.day}日"
    amount = outbox.yuan_text(last.amount_fen)
    if (last.credited_on.year, last.credited_on.month) == (today.year, today.month):
        return True, f"您的养老金{amount}已经到账了，{day}到的。"
    return False, f"这个月的养老金还没有到账。上一次是{day}到的，{amount}。"
