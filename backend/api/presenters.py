"""Database rows -> API bodies. Only masked account numbers leave through here."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from backend.core.config import Settings
from backend.core.tables import saved_id
from backend.models import (
    Account,
    Approval,
    Customer,
    LedgerEntry,
    Payee,
    SavingsProduct,
    TimeDeposit,
    Transfer,
)
from backend.schemas import (
    AccountOut,
    ApprovalOut,
    DepositOut,
    FamilyContactBrief,
    MeOut,
    PayeeOut,
    ProductOut,
    TransactionOut,
    TransferOut,
)
from backend.services import approvals, clock, deposits, family, fraud, transfers
from backend.services.amounts import fen_to_yuan, rate_bp_to_percent
from rules import limits
from rules.arrival import when_words
from rules.redact import account_tail, mask_account, mask_phone


def account(row: Account) -> AccountOut:
    return AccountOut(
        id=row.id, kind=row.kind, name=row.name, number_masked=mask_account(row.number),  # type: ignore[arg-type]
        tail=account_tail(row.number), balance=fen_to_yuan(row.balance_fen), currency=row.currency,
    )


def transaction(row: LedgerEntry) -> TransactionOut:
    return TransactionOut(
        id=saved_id(row), created_at=row.created_at, amount=fen_to_yuan(row.amount_fen),
        balance_after=fen_to_yuan(row.balance_after_fen), description=row.description, counterparty=row.counterparty,
    )


def payee(row: Payee, settings: Settings) -> PayeeOut:
    return PayeeOut(
        id=saved_id(row), name=row.name, relationship=row.relationship, bank=row.bank,
        account_masked=mask_account(row.account_number), created_at=row.created_at,
        is_new=limits.new_payee_held(row.created_at, clock.now(), settings.new_payee_hold_hours),
    )


_HELD_MESSAGES = {
    "SCAM_RISK": "为了您的资金安全，最近一段时间您的每笔转账都要先由银行工作人员核对，这笔钱还没有转出。"
                 "工作人员会联系您。如果有人催您转账、让您保密，请挂断电话，拨打 96110。",
    # {window}: the setting new_payee_hold_hours in words (rules.limits), the same window the hold uses.
    "NEW_PAYEE": "这位收款人是{window}内新添加的，为了安全，这笔转账要先由银行工作人员核对，钱还没有转出。",
    "LARGE_AMOUNT": "金额比较大，为了安全，这笔转账要先由银行工作人员核对，钱还没有转出。",
    "CUMULATIVE_AMOUNT": "今天转出的钱加起来比较多，为了安全，这笔转账要先由银行工作人员核对，钱还没有转出。",
}
_FAILED_MESSAGES = {
    "INSUFFICIENT_FUNDS": "工作人员核对时账户余额不够，这笔转账没有转出。",
    "DAILY_LIMIT": "工作人员核对时这笔转账会超过当天的累计限额，没有转出。",
    "PER_TRANSFER_LIMIT": "这笔转账超过单笔限额，没有转出。",
}


def transfer_message(row: Transfer, status: str, payee_row: Payee,
                     hold_hours: int = limits.NEW_PAYEE_HOLD_HOURS) -> str:
    """The transfer's state in one plain sentence for the customer (`hold_hours`: the deployment's
    new_payee_hold_hours, which a NEW_PAYEE hold names)."""
    who = f"{payee_row.relationship}{payee_row.name}"
    amount = fen_to_yuan(row.amount_fen)
    if status == "completed":
        return f"已经转给{who} {amount} 元。"
    if status == "scheduled" and row.arrives_at is not None:
        return (f"{amount} 元已经从您的账户转出，{when_words(row.arrives_at, clock.now())} 到{who}的账户。"
                "到账前您还可以撤回。")
    if status == "revoked":
        return f"转给{who}的 {amount} 元已经撤回，钱回到了您的账户。"
    if status == "pending":
        until = f"，请在 {clock.cn_clock_text(row.expires_at)} 前确认" if row.expires_at else ""
        then = "确认后要先由银行工作人员核对。" if row.hold_reason else ""
        return f"转给{who} {amount} 元，还没有转出{until}。{then}"
    if status == "held":
        held = _HELD_MESSAGES.get(row.hold_reason or "", "这笔转账要先由银行工作人员核对，钱还没有转出。")
        return held.format(window=limits.window_words(timedelta(hours=hold_hours)))
    if status == "expired":
        return "这笔转账等的时间太久，已经失效了，钱没有转出。如果还需要，请重新办理。"
    if status == "cancelled":
        return "这笔转账已经取消，钱没有转出。"
    if row.failure_reason:
        return _FAILED_MESSAGES.get(row.failure_reason, "这笔转账没能执行，钱没有转出。")
    return "银行工作人员没有通过这笔转账，钱没有转出。"


def transfer(session: Session, row: Transfer, settings: Settings, payee_row: Payee | None = None) -> TransferOut:
    """`payee_row`, when the caller has it already (it must be the transfer's payee), saves loading it again."""
    if payee_row is None or payee_row.id != row.payee_id:
        payee_row = session.get(Payee, row.payee_id)
    assert payee_row is not None
    status = transfers.effective_status(row)
    return TransferOut(
        id=row.id, status=status, amount=fen_to_yuan(row.amount_fen),  # type: ignore[arg-type]
        from_account_id=row.from_account_id, payee=payee(payee_row, settings), hold_reason=row.hold_reason,  # type: ignore[arg-type]
        note=row.note, created_at=row.created_at, executed_at=row.executed_at,
        expires_at=row.expires_at if status in transfers.LIVE else None, failure_reason=row.failure_reason,
        message=transfer_message(row, status, payee_row, settings.new_payee_hold_hours) + _family_call(session, row, status),
        arrival_mode=row.arrival_mode,  # type: ignore[arg-type]
        arrives_at=row.arrives_at if status in ("pending", "scheduled", "completed", "revoked") else None,
    )


def product(row: SavingsProduct) -> ProductOut:
    return ProductOut(
        id=saved_id(row), code=row.code, name=row.name, term_months=row.term_months,
        annual_rate_percent=rate_bp_to_percent(row.rate_bp),
    )


def deposit_message(row: TimeDeposit, status: str, product_row: SavingsProduct) -> str:
    principal, interest = fen_to_yuan(row.principal_fen), fen_to_yuan(row.expected_interest_fen)
    if status == "pending":
        until = f"，请在 {clock.cn_clock_text(row.expires_at)} 前确认" if row.expires_at else ""
        return (f"存{product_row.name} {principal} 元，到期日 {row.maturity_date.isoformat()}，"
                f"到期利息约 {interest} 元；还没有存入{until}。")
    if status == "expired":
        return "这笔定期等的时间太久，已经失效了，钱没有动。如果还需要，请重新办理。"
    if status == "cancelled":
        return "这笔定期已经取消，钱没有动。"
    if status == "active":
        return f"已存{product_row.name} {principal} 元，到期日 {row.maturity_date.isoformat()}。"
    return ""


def deposit(session: Session, row: TimeDeposit) -> DepositOut:
    product_row = session.get(SavingsProduct, row.product_id)
    assert product_row is not None
    status = deposits.effective_status(row)
    return DepositOut(
        id=saved_id(row), product=product(product_row), principal=fen_to_yuan(row.principal_fen),
        annual_rate_percent=rate_bp_to_percent(row.rate_bp), opened_on=row.opened_on,
        maturity_date=row.maturity_date, expected_interest=fen_to_yuan(row.expected_interest_fen),
        status=status, account_id=row.account_id, source_account_id=row.source_account_id,  # type: ignore[arg-type]
        closed_on=row.closed_on,
        interest_paid=None if row.interest_paid_fen is None else fen_to_yuan(row.interest_paid_fen),
        maturity_choice=row.maturity_choice,  # type: ignore[arg-type]
        expires_at=row.expires_at if status == "pending" else None,
        message=deposit_message(row, status, product_row),
        partial_withdrawn=None if row.partial_withdrawn_fen is None else fen_to_yuan(row.partial_withdrawn_fen),
        partial_interest_paid=None if row.partial_interest_fen is None else fen_to_yuan(row.partial_interest_fen),
        partial_withdrawn_on=row.partial_withdrawn_on,
    )


def approval(session: Session, row: Approval, settings: Settings) -> ApprovalOut:
    transfer_row = session.get(Transfer, row.transfer_id)
    customer = session.get(Customer, row.customer_id)
    assert transfer_row is not None and customer is not None
    return ApprovalOut(
        id=row.id, kind="transfer", status=approvals.effective_status(row, transfer_row),  # type: ignore[arg-type]
        reason=row.reason,
        customer_name=customer.name, transfer=transfer(session, transfer_row, settings), note=row.note,
        created_at=row.created_at, decided_by=row.decided_by, decided_at=row.decided_at,
        family_contact=_family_contact(session, row.customer_id),
    )


def _family_call(session: Session, row: Transfer, status: str) -> str:
    """A held transfer: whom the bank will call to confirm it (issue 12), when the customer has a family contact."""
    if status != "held":
        return ""
    contact = family.contact_of(session, row.customer_id)
    return "" if contact is None else f"银行工作人员会给您的{contact.relationship}{contact.name}打电话确认。"


def _family_contact(session: Session, customer_id: int) -> FamilyContactBrief | None:
    contact = family.contact_of(session, customer_id)
    if contact is None:
        return None
    return FamilyContactBrief(name=contact.name, relationship=contact.relationship, phone=contact.phone)


def me(row: Customer) -> MeOut:
    return MeOut(id=saved_id(row), name=row.name, phone_masked=mask_phone(row.phone),
                 cooling_off_until=fraud.active(row.cooling_off_until))
