"""Time deposits: opened from the caller's demand (or pension) account into a time account of their own,
through the ledger; an early withdrawal pays the demand rate for the days held and closes the time account."""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from backend.core.config import Settings
from backend.errors import AppError, not_found
from backend.models import Account, SavingsProduct, TimeDeposit
from backend.services import audit, clock, interest, ledger
from backend.services.amounts import fen_to_yuan
from backend.services.customers import SPENDABLE_KINDS, lock_customer, own_account

DEMAND_CODE = "DEMAND"


@dataclass(frozen=True)
class EarlyWithdrawalQuote:
    principal_fen: int
    interest_fen: int
    rate_bp: int
    days_held: int

    @property
    def total_fen(self) -> int:
        return self.principal_fen + self.interest_fen


def demand_rate_bp(session: Session) -> int:
    rate = session.exec(select(SavingsProduct.rate_bp).where(SavingsProduct.code == DEMAND_CODE)).first()
    if rate is None:
        raise RuntimeError("savings product DEMAND missing: run the migrations")
    return rate


def open_deposit(
    session: Session, settings: Settings, customer_id: int, product_id: int, from_account_id: int, amount_fen: int
) -> TimeDeposit:
    lock_customer(session, customer_id)
    product = session.get(SavingsProduct, product_id)
    if product is None:
        raise not_found("存款产品")
    if product.term_months <= 0:
        raise AppError(422, "INVALID_PRODUCT", "活期不用开存单，请选一个定期产品，比如一年定期。")
    source = own_account(session, customer_id, from_account_id, lock=True)
    if source.kind not in SPENDABLE_KINDS:
        raise AppError(422, "ACCOUNT_NOT_ALLOWED", "请从活期或养老金账户存定期。")
    if amount_fen < settings.min_deposit_fen:
        raise AppError(422, "BELOW_MINIMUM", f"定期最少存 {fen_to_yuan(settings.min_deposit_fen)} 元。")
    if source.balance_fen < amount_fen:
        raise AppError(422, "INSUFFICIENT_FUNDS", "账户余额不够，定期没有开。")
    time_account = Account(
        customer_id=customer_id, kind="time", name=f"{product.name}存单", number=ledger.new_account_number()
    )
    session.add(time_account)
    session.flush()
    opened_on = clock.today_cn()
    deposit = TimeDeposit(
        customer_id=customer_id,
        product_id=product.id,  # type: ignore[arg-type]
        account_id=time_account.id,  # type: ignore[arg-type]
        source_account_id=source.id,  # type: ignore[arg-type]
        principal_fen=amount_fen,
        rate_bp=product.rate_bp,
        opened_on=opened_on,
        maturity_date=clock.add_months(opened_on, product.term_months),
        expected_interest_fen=interest.expected_interest_fen(amount_fen, product.rate_bp, product.term_months),
        status="active",
    )
    session.add(deposit)
    session.flush()
    ledger.post(session, "deposit_open", f"deposit:{deposit.id}", [
        ledger.Leg(source.id, -amount_fen, f"存入{product.name}", time_account.name),  # type: ignore[arg-type]
        ledger.Leg(time_account.id, amount_fen, f"{product.name}存入", source.name),  # type: ignore[arg-type]
    ])
    audit.record(session, "customer", customer_id, "deposit.opened", "deposit", deposit.id,
                 amount=fen_to_yuan(amount_fen), product=product.code, from_account_id=source.id)
    session.flush()
    return deposit


def own_deposit(session: Session, customer_id: int, deposit_id: int, lock: bool = False) -> TimeDeposit:
    stmt = select(TimeDeposit).where(TimeDeposit.id == deposit_id, TimeDeposit.customer_id == customer_id)
    deposit = session.exec(stmt.with_for_update() if lock else stmt).first()
    if deposit is None:
        raise not_found("存单")
    return deposit


def quote_early_withdrawal(session: Session, deposit: TimeDeposit) -> EarlyWithdrawalQuote:
    rate = demand_rate_bp(session)
    days = (clock.today_cn() - deposit.opened_on).days
    return EarlyWithdrawalQuote(
        principal_fen=deposit.principal_fen,
        interest_fen=interest.early_withdrawal_interest_fen(deposit.principal_fen, rate, days),
        rate_bp=rate,
        days_held=max(days, 0),
    )


def withdraw_early(session: Session, customer_id: int, deposit_id: int) -> TimeDeposit:
    lock_customer(session, customer_id)
    deposit = own_deposit(session, customer_id, deposit_id, lock=True)
    if deposit.status != "active":
        raise AppError(409, "INVALID_STATE", "这张存单已经取出了。")
    quote = quote_early_withdrawal(session, deposit)
    time_account = session.get(Account, deposit.account_id)
    source = session.get(Account, deposit.source_account_id)
    assert time_account is not None and source is not None
    legs = [
        ledger.Leg(time_account.id, -quote.principal_fen, "提前支取本金", source.name),  # type: ignore[arg-type]
        ledger.Leg(source.id, quote.principal_fen, "定期提前支取本金", time_account.name),  # type: ignore[arg-type]
    ]
    if quote.interest_fen:
        interest_account = ledger.internal_account_id(session, ledger.INTEREST)
        legs += [
            ledger.Leg(interest_account, -quote.interest_fen, f"利息 存单#{deposit.id}", internal=True),
            ledger.Leg(source.id, quote.interest_fen, "定期提前支取利息（按活期）", time_account.name),  # type: ignore[arg-type]
        ]
    ledger.post(session, "deposit_early_withdrawal", f"deposit:{deposit.id}:early", legs)
    deposit.status = "withdrawn_early"
    deposit.closed_on = clock.today_cn()
    deposit.interest_paid_fen = quote.interest_fen
    time_account.closed_at = clock.now()
    session.add(deposit)
    session.add(time_account)
    audit.record(session, "customer", customer_id, "deposit.withdrawn_early", "deposit", deposit.id,
                 principal=fen_to_yuan(quote.principal_fen), interest=fen_to_yuan(quote.interest_fen),
                 days_held=quote.days_held)
    session.flush()
    return deposit
