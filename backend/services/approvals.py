"""Staff decisions on held transfers. Approving executes the transfer (funds are re-checked then, since
nothing was reserved while it was held); rejecting ends it. Both record the deciding staff member."""
from __future__ import annotations

from sqlmodel import Session, select

from backend.errors import AppError, not_found
from backend.models import Approval, Payee, Transfer
from backend.services import audit, clock, transfers
from backend.services.customers import lock_customer


def _pending_approval(session: Session, approval_id: int) -> tuple[Approval, Transfer]:
    approval = session.get(Approval, approval_id)
    if approval is None:
        raise not_found("审批")
    # Lock order as everywhere: the customer first, then the approval and the transfer.
    lock_customer(session, approval.customer_id)
    approval = session.exec(select(Approval).where(Approval.id == approval_id).with_for_update()).one()
    session.refresh(approval)
    if approval.status != "pending":
        raise AppError(409, "INVALID_STATE", "这条审批已经处理过了。")
    transfer = session.exec(select(Transfer).where(Transfer.id == approval.transfer_id).with_for_update()).one()
    session.refresh(transfer)
    if transfer.status != "held":
        raise AppError(409, "INVALID_STATE", "这笔转账已不在等待审批。")
    return approval, transfer


def approve(session: Session, approval_id: int, staff_id: int, note: str) -> Approval:
    approval, transfer = _pending_approval(session, approval_id)
    payee = session.get(Payee, transfer.payee_id)
    assert payee is not None
    transfers.execute(session, transfer, payee, actor_kind="staff", actor_id=staff_id)
    _decide(session, approval, "approved", staff_id, note)
    return approval


def reject(session: Session, approval_id: int, staff_id: int, note: str) -> Approval:
    approval, transfer = _pending_approval(session, approval_id)
    transfer.status = "rejected"
    transfer.ended_at = clock.now()
    session.add(transfer)
    _decide(session, approval, "rejected", staff_id, note)
    return approval


def _decide(session: Session, approval: Approval, status: str, staff_id: int, note: str) -> None:
    approval.status = status
    approval.decided_by = staff_id
    approval.decided_at = clock.now()
    approval.note = note
    session.add(approval)
    audit.record(session, "staff", staff_id, f"approval.{status}", "approval", approval.id,
                 transfer_id=approval.transfer_id)
    session.flush()
