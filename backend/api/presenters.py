"""Database rows -> API bodies. Only masked account numbers leave through here."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from backend.core.config import Settings
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
    PayeeOut,
    ProductOut,
    TransactionOut,
    TransferOut,
)
from backend.services import clock
from backend.services.amounts import fen_to_yuan, rate_bp_to_percent
from backend.services.masking import account_tail, mask_account


def account(row: Account) -> AccountOut:
    return AccountOut(
        id=row.id, kind=row.kind, name=row.name, number_masked=mask_account(row.number),  # type: ignore[arg-type]
        tail=account_tail(row.number), balance=fen_to_yuan(row.balance_fen), currency=row.currency,
    )


def transaction(row: LedgerEntry) -> TransactionOut:
    return TransactionOut(
        id=row.id, created_at=row.created_at, amount=fen_to_yuan(row.amount_fen),  # type: ignore[arg-type]
        balance_after=fen_to_yuan(row.balance_after_fen), description=row.description, counterparty=row.counterparty,
    )


def payee(row: Payee, settings: Settings) -> PayeeOut:
    return PayeeOut(
        id=row.id, name=row.name, relationship=row.relationship, bank=row.bank,  # type: ignore[arg-type]
        account_masked=mask_account(row.account_number), created_at=row.created_at,
        is_new=row.created_at > clock.now() - timedelta(hours=settings.new_payee_hold_hours),
    )


def transfer(session: Session, row: Transfer, settings: Settings, payee_row: Payee | None = None) -> TransferOut:
    """`payee_row`, when the caller has it already (it must be the transfer's payee), saves loading it again."""
    if payee_row is None or payee_row.id != row.payee_id:
        payee_row = session.get(Payee, row.payee_id)
    assert payee_row is not None
    return TransferOut(
        id=row.id, status=row.status, amount=fen_to_yuan(row.amount_fen),  # type: ignore[arg-type]
        from_account_id=row.from_account_id, payee=payee(payee_row, settings), hold_reason=row.hold_reason,  # type: ignore[arg-type]
        note=row.note, created_at=row.created_at, executed_at=row.executed_at,
    )


def product(row: SavingsProduct) -> ProductOut:
    return ProductOut(
        id=row.id, code=row.code, name=row.name, term_months=row.term_months,  # type: ignore[arg-type]
        annual_rate_percent=rate_bp_to_percent(row.rate_bp),
    )


def deposit(session: Session, row: TimeDeposit) -> DepositOut:
    product_row = session.get(SavingsProduct, row.product_id)
    assert product_row is not None
    return DepositOut(
        id=row.id, product=product(product_row), principal=fen_to_yuan(row.principal_fen),  # type: ignore[arg-type]
        annual_rate_percent=rate_bp_to_percent(row.rate_bp), opened_on=row.opened_on,
        maturity_date=row.maturity_date, expected_interest=fen_to_yuan(row.expected_interest_fen),
        status=row.status, account_id=row.account_id, source_account_id=row.source_account_id,  # type: ignore[arg-type]
        closed_on=row.closed_on,
        interest_paid=None if row.interest_paid_fen is None else fen_to_yuan(row.interest_paid_fen),
    )


def approval(session: Session, row: Approval, settings: Settings) -> ApprovalOut:
    transfer_row = session.get(Transfer, row.transfer_id)
    customer = session.get(Customer, row.customer_id)
    assert transfer_row is not None and customer is not None
    return ApprovalOut(
        id=row.id, kind="transfer", status=row.status, reason=row.reason,  # type: ignore[arg-type]
        customer_name=customer.name, transfer=transfer(session, transfer_row, settings), note=row.note,
        created_at=row.created_at, decided_by=row.decided_by, decided_at=row.decided_at,
    )
