"""Pending early withdrawals (issue 10): the read-back of an early withdrawal is rendered from a record the
bank made, and "是" confirms that record's id and nothing else.

Creating one moves nothing: it holds the bank's quote of that moment (principal, interest at the demand rate,
the term interest lost, the maturity date, the account the money goes to). Confirming pays exactly those
figures: the deposit must still be active and the quote still today's (interest grows by the day, so a quote
from yesterday is `expired`, as is one past `expires_at`); if today's figures differ from the record's for any
other reason (the demand rate changed, a partial withdrawal shrank the deposit) nothing moves either. A partial
record (部分提前支取, issue 11) holds the part taken and the remainder's figures, and confirming re-checks the
partial rules. The ledger posting itself stays in one place, `deposits.withdraw_early`."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from backend.core.config import Settings
from backend.models import EarlyWithdrawal
from backend.services import audit, clock, deposits
from backend.services.amounts import fen_to_yuan
from backend.services.customers import lock_customer, own_row
from backend.services.pending import end, take_pending

PENDING, COMPLETED, CANCELLED, EXPIRED = "pending", "completed", "cancelled", "expired"


def own_withdrawal(session: Session, customer_id: int, withdrawal_id: int, lock: bool = False) -> EarlyWithdrawal:
    return own_row(session, EarlyWithdrawal, customer_id, withdrawal_id, "提前支取", lock)


def is_expired(row: EarlyWithdrawal, now: datetime | None = None) -> bool:
    """Pending past its time, or quoted on another day (China): its figures are no longer the bank's."""
    moment = now or clock.now()
    return row.status == PENDING and (row.expires_at <= moment or row.quote_date != clock.today_cn())


def effective_status(row: EarlyWithdrawal) -> str:
    return EXPIRED if is_expired(row) else row.status


def create_pending(
    session: Session, settings: Settings, customer_id: int, deposit_id: int, amount_fen: int | None = None
) -> EarlyWithdrawal:
    """A pending withdrawal of all of the deposit, or of `amount_fen` of it (部分提前支取: refused here already if
    the partial rules do not allow it, so the read-back never offers what confirming would refuse)."""
    lock_customer(session, customer_id)
    deposit = deposits.own_deposit(session, customer_id, deposit_id, lock=True)
    if deposit.status != "active":
        raise deposits.not_active(deposit)
    quote = deposits.quote_early_withdrawal(session, deposit, amount_fen, settings)
    row = EarlyWithdrawal(
        customer_id=customer_id,
        deposit_id=deposit.id,  # type: ignore[arg-type]
        to_account_id=deposit.source_account_id,
        principal_fen=quote.principal_fen,
        interest_fen=quote.interest_fen,
        lost_interest_fen=quote.lost_interest_fen,
        rate_bp=quote.rate_bp,
        days_held=quote.days_held,
        maturity_date=deposit.maturity_date,
        quote_date=clock.today_cn(),
        status=PENDING,
        expires_at=clock.now() + timedelta(minutes=settings.pending_ttl_minutes),
        partial=quote.partial,
        remaining_principal_fen=quote.remaining_principal_fen,
        remaining_expected_interest_fen=quote.remaining_expected_interest_fen,
    )
    session.add(row)
    session.flush()
    audit.record(session, "customer", customer_id, "early_withdrawal.pending", "early_withdrawal", row.id,
                 deposit_id=deposit.id, principal=fen_to_yuan(row.principal_fen),
                 interest=fen_to_yuan(row.interest_fen), lost_interest=fen_to_yuan(row.lost_interest_fen),
                 partial=row.partial)
    return row


def _end(session: Session, row: EarlyWithdrawal, status: str) -> None:
    end(session, row, status, "early_withdrawal", deposit_id=row.deposit_id)


def _pending(session: Session, customer_id: int, withdrawal_id: int, not_pending: str) -> EarlyWithdrawal:
    return take_pending(session, customer_id, lambda: own_withdrawal(session, customer_id, withdrawal_id, lock=True),
                        is_expired, lambda row: _end(session, row, EXPIRED), not_pending)


def confirm(session: Session, customer_id: int, withdrawal_id: int, settings: Settings) -> EarlyWithdrawal:
    """Pays exactly the recorded figures, or nothing. Expired comes back `expired` (the route commits that and
    answers 409 EXPIRED); a record not pending (already confirmed, cancelled) is 409 INVALID_STATE, so a
    repeated yes never withdraws twice."""
    row = _pending(session, customer_id, withdrawal_id, "只有等待确认的提前支取才能确认。")
    if row.status == EXPIRED:
        return row
    deposit = deposits.own_deposit(session, customer_id, row.deposit_id, lock=True)
    if deposit.status != "active":
        raise deposits.not_active(deposit)
    amount_fen = row.principal_fen if row.partial else None
    # A partial record re-checks its rules here (used meanwhile, remainder too small): refused, nothing moves.
    quote = deposits.quote_early_withdrawal(session, deposit, amount_fen, settings)
    recorded = (row.principal_fen, row.interest_fen, row.to_account_id, row.remaining_principal_fen,
                row.remaining_expected_interest_fen)
    if (quote.principal_fen, quote.interest_fen, deposit.source_account_id, quote.remaining_principal_fen,
            quote.remaining_expected_interest_fen) != recorded:
        _end(session, row, EXPIRED)  # the bank's figures moved since the read-back: say it again, pay nothing
        return row
    deposits.withdraw_early(session, customer_id, deposit.id, amount_fen, settings)  # type: ignore[arg-type]
    row.status = COMPLETED
    row.executed_at = clock.now()
    session.add(row)
    audit.record(session, "customer", customer_id, "early_withdrawal.completed", "early_withdrawal", row.id,
                 deposit_id=row.deposit_id, principal=fen_to_yuan(row.principal_fen),
                 interest=fen_to_yuan(row.interest_fen))
    session.flush()
    return row


def cancel(session: Session, customer_id: int, withdrawal_id: int) -> EarlyWithdrawal:
    row = _pending(session, customer_id, withdrawal_id, "这笔提前支取已经办完或已取消，不能再取消。")
    if row.status != EXPIRED:  # expired: nothing moves either way, the answer says so
        _end(session, row, CANCELLED)
    return row


def cancel_all_pending(session: Session, customer_id: int, now: datetime) -> list[int]:
    """A fraud stop: every pending withdrawal of the customer ends (cancelled, or expired if its time was up);
    the ids of the cancelled ones. The caller holds the customer lock and audits the stop."""
    rows = session.exec(
        select(EarlyWithdrawal).where(EarlyWithdrawal.customer_id == customer_id, EarlyWithdrawal.status == PENDING)
        .order_by(col(EarlyWithdrawal.id))
        .with_for_update()
    ).all()
    cancelled: list[int] = []
    for row in rows:
        row.status = EXPIRED if is_expired(row, now) else CANCELLED
        row.ended_at = now
        session.add(row)
        if row.status == CANCELLED:
            cancelled.append(row.id)  # type: ignore[arg-type]
    session.flush()
    return cancelled
