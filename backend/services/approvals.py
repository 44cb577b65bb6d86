"""Staff decisions on held transfers. Both record the deciding staff member.

Approving executes the transfer, after deciding again, as of now, every rule that refuses (nothing was
reserved while it was held): the account and payee, the per-transfer and the daily limit on the day it
executes, the funds. A refusal then ENDS it: the approval becomes `failed`, the transfer `rejected` with the
refusal's code as `failure_reason`, so it never waits forever and the customer sees why. A held transfer past
`expires_at` ends `expired` instead. A customer who came under a fraud cooling-off after the transfer was held
is first marked SCAM_RISK, so staff call the customer before deciding.

`approve` returns the approval and, for those outcomes, the refusal the route answers with after committing.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, select

from backend.core.config import Settings
from backend.errors import AppError, ErrorCode, not_found
from backend.models import Approval, Transfer
from backend.services import audit, clock, fraud, transfers
from backend.services.customers import lock_customer

# Staff hear what happened and that it is over (the customer is told on their next contact).
_FAILED_MESSAGES = {
    ErrorCode.INSUFFICIENT_FUNDS.name: "客户账户余额不够，这笔转账没有转出，已经结束；客户查询时会看到原因。",
    ErrorCode.DAILY_LIMIT.name: "这笔转账会超过客户今天的累计转账限额，没有转出，已经结束；客户查询时会看到原因。",
    ErrorCode.PER_TRANSFER_LIMIT.name: "这笔转账超过单笔限额，没有转出，已经结束。",
}


def _pending_approval(session: Session, approval_id: int) -> tuple[Approval, Transfer]:
    approval = session.get(Approval, approval_id)
    if approval is None:
        raise not_found("审批")
    # Lock order as everywhere: the customer first, then the approval and the transfer.
    lock_customer(session, approval.customer_id)
    approval = session.exec(select(Approval).where(Approval.id == approval_id).with_for_update()).one()
    session.refresh(approval)
    if approval.status != "pending":
        raise ErrorCode.INVALID_STATE.error("这条审批已经处理过了。")
    transfer = session.exec(select(Transfer).where(Transfer.id == approval.transfer_id).with_for_update()).one()
    session.refresh(transfer)
    if transfer.status != "held":
        raise ErrorCode.INVALID_STATE.error("这笔转账已不在等待审批。")
    return approval, transfer


def approve(
    session: Session, settings: Settings, approval_id: int, staff_id: int, note: str
) -> tuple[Approval, AppError | None]:
    approval, transfer = _pending_approval(session, approval_id)
    if transfers.is_expired(transfer):
        transfers.expire(session, transfer, "staff", staff_id)
        session.refresh(approval)
        return approval, ErrorCode.EXPIRED.error("这笔转账等待审批的时间已过，已经失效，钱没有转出。")
    if fraud.cooling_off_until(session, transfer.customer_id) and approval.reason != fraud.SCAM_RISK:
        approval.reason = transfer.hold_reason = fraud.SCAM_RISK
        session.add(approval)
        session.add(transfer)
        audit.record(session, "staff", staff_id, "approval.scam_risk", "approval", approval.id,
                     transfer_id=transfer.id)
        session.flush()
        return approval, ErrorCode.SCAM_RISK_REVIEW.error()
    state = transfers.situation(session, transfer.customer_id, transfer.from_account_id, transfer.payee_id)
    try:
        payee = transfers.check_can_execute(settings, state, transfer.amount_fen)
    except AppError as refusal:
        transfer.status = "rejected"
        transfer.failure_reason = refusal.code
        transfer.ended_at = clock.now()
        session.add(transfer)
        _decide(session, approval, "failed", staff_id, note, failure_reason=refusal.code)
        return approval, AppError(refusal.status, refusal.code, _FAILED_MESSAGES.get(
            refusal.code, "这笔转账现在不能执行，已经结束，钱没有转出。"))
    transfers.execute(session, transfer, payee, actor_kind="staff", actor_id=staff_id)
    _decide(session, approval, "approved", staff_id, note)
    return approval, None


def reject(session: Session, approval_id: int, staff_id: int, note: str) -> Approval:
    approval, transfer = _pending_approval(session, approval_id)
    transfer.status = "rejected"
    transfer.ended_at = clock.now()
    session.add(transfer)
    _decide(session, approval, "rejected", staff_id, note)
    return approval


def queue_filter() -> ColumnElement[bool]:
    """The staff queue's condition on the approval's transfer: one past its time has left the queue."""
    return or_(col(Transfer.expires_at).is_(None), col(Transfer.expires_at) > clock.now())


def listing(session: Session, status: str | None, limit: int = 200) -> list[Approval]:
    """Approvals for staff, oldest first. `pending` means waiting now: expired ones are left out (and listed
    under `expired`, whether or not a write has marked them yet)."""
    stmt = (select(Approval).join(Transfer, col(Transfer.id) == Approval.transfer_id)
            .order_by(col(Approval.id)))
    if status == "pending":
        stmt = stmt.where(Approval.status == "pending", queue_filter())
    elif status == "expired":
        status_is = col(Approval.status)
        stmt = stmt.where(or_(status_is == "expired", (status_is == "pending") & ~queue_filter()))
    elif status is not None:
        stmt = stmt.where(Approval.status == status)
    return list(session.exec(stmt.limit(limit)).all())


def effective_status(approval: Approval, transfer: Transfer) -> str:
    if approval.status == "pending" and transfers.is_expired(transfer):
        return "expired"
    return approval.status


def _decide(session: Session, approval: Approval, status: str, staff_id: int, note: str, **detail: str) -> None:
    approval.status = status
    approval.decided_by = staff_id
    approval.decided_at = clock.now()
    approval.note = note
    session.add(approval)
    audit.record(session, "staff", staff_id, f"approval.{status}", "approval", approval.id,
                 transfer_id=approval.transfer_id, **detail)
    session.flush()
