from __future__ import annotations

from datetime import date
from typing import Annotated, Literal, TypedDict

from fastapi import APIRouter, Body, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from sqlmodel import Session, col, select

from backend.api import presenters
from backend.api.deps import CustomerId, IdempotencyKey, SessionDep, SettingsDep, WriteSessionDep
from backend.api.idempotent import run_once
from backend.api.pending_routes import confirmed, settled
from backend.api.responses import MONEY_ERRORS, errors
from backend.core.tables import saved_id
from backend.errors import ErrorCode
from backend.models import EarlyWithdrawal, TimeDeposit
from backend.schemas import (
    MAX_ID,
    DepositIn,
    DepositOut,
    EarlyWithdrawalIn,
    EarlyWithdrawalPreview,
    WithdrawalOut,
)
from backend.services import deposits, withdrawals
from backend.services.amounts import InvalidAmount, fen_to_yuan, parse_yuan, rate_bp_to_percent

router = APIRouter(tags=["deposits"])
DepositId = Annotated[int, Path(ge=1, le=MAX_ID)]


class EarlyWithdrawalPreviewOut(EarlyWithdrawalPreview):
    """The preview with what the dialogue must say plainly (issue 11): the term interest lost by taking it out
    now, the date it would have matured and how many days are left. Figures are the bank's, never the dialogue's.

    With `?amount=` (部分提前支取) `principal` = `amount` is the part taken, `interest` its demand interest,
    `expected_interest_if_held` what that part would have earned and `lost_interest` what it gives up; the
    remainder keeps its rate and maturity date (`remaining_*`, null for a whole withdrawal)."""

    lost_interest: str
    maturity_date: date
    days_to_maturity: int
    partial: bool = False
    amount: str  # what is taken out
    deposit_principal: str  # the deposit's principal before this withdrawal
    remaining_principal: str | None = None
    remaining_maturity_date: date | None = None
    remaining_expected_interest: str | None = None


class MaturityChoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    maturity_choice: Literal["renew", "demand"]


# Never opened: a listing of the customer's deposits leaves these out unless asked (GET /deposits/{id} shows any).
NOT_OPENED = ("pending", "cancelled", "expired")


@router.get("/deposits", response_model=list[DepositOut], responses=errors(401))
def list_deposits(
    customer_id: CustomerId, session: SessionDep, include_pending: Annotated[bool, Query()] = False
) -> list[DepositOut]:
    stmt = select(TimeDeposit).where(col(TimeDeposit.customer_id) == customer_id).order_by(col(TimeDeposit.id))
    if not include_pending:
        stmt = stmt.where(col(TimeDeposit.status).not_in(NOT_OPENED))
    return [presenters.deposit(session, row) for row in session.exec(stmt).all()]


@router.post("/deposits", response_model=DepositOut, status_code=201, responses=MONEY_ERRORS)
def open_deposit(
    body: DepositIn,
    customer_id: CustomerId,
    idempotency_key: IdempotencyKey,
    session: WriteSessionDep,
    settings: SettingsDep,
) -> JSONResponse:
    amount_fen = parse_yuan(body.amount)

    def action() -> DepositOut:
        deposit = deposits.open_deposit(
            session, settings, customer_id, body.product_id, body.from_account_id, amount_fen,
            body.require_confirmation, body.maturity_choice,
        )
        return presenters.deposit(session, deposit)

    payload = body.model_dump(exclude={"amount"}) | {"amount_fen": amount_fen}
    return run_once(session, customer_id, idempotency_key, "deposit", payload, action)


@router.get("/deposits/{deposit_id}", response_model=DepositOut, responses=MONEY_ERRORS)
def get_deposit(deposit_id: DepositId, customer_id: CustomerId, session: SessionDep) -> DepositOut:
    return presenters.deposit(session, deposits.own_deposit(session, customer_id, deposit_id))


@router.patch("/deposits/{deposit_id}", response_model=DepositOut, responses=MONEY_ERRORS)
def change_deposit(
    deposit_id: DepositId, body: MaturityChoiceIn, customer_id: CustomerId, session: WriteSessionDep
) -> DepositOut:
    """Changes what happens at maturity (renew | demand) of a pending or active deposit; nothing moves."""
    deposit = deposits.set_maturity_choice(session, customer_id, deposit_id, body.maturity_choice)
    out = presenters.deposit(session, deposit)
    session.commit()
    return out


def _amount_fen(amount: str | None) -> int | None:
    """The optional amount of a partial withdrawal, parsed as every other amount (INVALID_AMOUNT when bad)."""
    if amount is None:
        return None
    try:
        return parse_yuan(amount)
    except InvalidAmount as exc:
        raise ErrorCode.INVALID_AMOUNT.error() from exc


class _Remaining(TypedDict):
    """What stays in a deposit after a partial withdrawal (all None after a full one)."""

    remaining_principal: str | None
    remaining_maturity_date: date | None
    remaining_expected_interest: str | None


def _remaining(principal_fen: int | None, interest_fen: int | None, maturity: date) -> _Remaining:
    if principal_fen is None or interest_fen is None:
        return {"remaining_principal": None, "remaining_maturity_date": None, "remaining_expected_interest": None}
    return {"remaining_principal": fen_to_yuan(principal_fen), "remaining_maturity_date": maturity,
            "remaining_expected_interest": fen_to_yuan(interest_fen)}


@router.get("/deposits/{deposit_id}/early-withdrawal", response_model=EarlyWithdrawalPreviewOut,
            responses=MONEY_ERRORS)
def preview_early_withdrawal(
    deposit_id: DepositId, customer_id: CustomerId, session: SessionDep, settings: SettingsDep,
    amount: Annotated[str | None, Query(examples=["5000.00"], description="部分提前支取的金额（元）；不填为全部")] = None,
) -> EarlyWithdrawalPreviewOut:
    amount_fen = _amount_fen(amount)
    deposit = deposits.own_deposit(session, customer_id, deposit_id)
    if deposit.status != "active":
        raise deposits.not_active(deposit)
    quote = deposits.quote_early_withdrawal(session, deposit, amount_fen, settings)
    return EarlyWithdrawalPreviewOut(
        principal=fen_to_yuan(quote.principal_fen),
        interest=fen_to_yuan(quote.interest_fen),
        annual_rate_percent=rate_bp_to_percent(quote.rate_bp),
        total=fen_to_yuan(quote.total_fen),
        days_held=quote.days_held,
        expected_interest_if_held=fen_to_yuan(quote.term_interest_fen),
        lost_interest=fen_to_yuan(quote.lost_interest_fen),
        maturity_date=deposit.maturity_date,
        days_to_maturity=deposits.days_to_maturity(deposit),
        partial=quote.partial,
        amount=fen_to_yuan(quote.principal_fen),
        deposit_principal=fen_to_yuan(deposit.principal_fen),
        **_remaining(quote.remaining_principal_fen, quote.remaining_expected_interest_fen,
                     deposit.maturity_date),
    )


@router.post("/deposits/{deposit_id}/early-withdrawal", response_model=DepositOut | WithdrawalOut,
             responses=MONEY_ERRORS)
def withdraw_early(
    deposit_id: DepositId,
    customer_id: CustomerId,
    idempotency_key: IdempotencyKey,
    session: WriteSessionDep,
    settings: SettingsDep,
    body: Annotated[EarlyWithdrawalIn | None, Body()] = None,
) -> JSONResponse:
    """Without a body: withdraws now (the deposit). With `require_confirmation`: 201, a pending withdrawal record
    (nothing moves) whose figures the read-back says and POST /withdrawals/{id}/confirm pays (issue 10). With
    `amount`: only that much (部分提前支取, once per deposit); the deposit stays active with the rest."""
    amount_fen = _amount_fen(body.amount if body is not None else None)
    # A whole withdrawal keeps the payload it always had, so a retry across this change still matches.
    payload: dict[str, object] = {"deposit_id": deposit_id}
    if amount_fen is not None:
        payload["amount_fen"] = amount_fen
    if body is not None and body.require_confirmation:
        def pending() -> WithdrawalOut:
            row = withdrawals.create_pending(session, settings, customer_id, deposit_id, amount_fen)
            return present_withdrawal(session, row)

        return run_once(session, customer_id, idempotency_key, "early_withdrawal_pending", payload, pending)

    def action() -> DepositOut:
        deposit = deposits.withdraw_early(session, customer_id, deposit_id, amount_fen, settings)
        return presenters.deposit(session, deposit)

    return run_once(session, customer_id, idempotency_key, "early_withdrawal", payload, action, status_code=200)


_WITHDRAWAL_MESSAGES = {
    "pending": "请确认后再取，确认之前钱不会动。",
    "completed": "定期已经提前取出，钱回到了您的账户。",
    "cancelled": "这笔提前支取已经取消，钱没有动。",
    "expired": "这笔提前支取等得太久或过了当天，已经失效了，钱没有动。如果还需要，请重新办理。",
}


def _withdrawal_message(row: EarlyWithdrawal, status: str) -> str:
    if status == "completed" and row.partial and row.remaining_principal_fen is not None:
        return (f"已经提前取出 {fen_to_yuan(row.principal_fen)} 元，钱回到了您的账户；存单里剩下的 "
                f"{fen_to_yuan(row.remaining_principal_fen)} 元按原来的利率，{row.maturity_date.isoformat()} 到期。")
    return _WITHDRAWAL_MESSAGES[status]


def present_withdrawal(session: Session, row: EarlyWithdrawal) -> WithdrawalOut:
    status = withdrawals.effective_status(row)
    return WithdrawalOut(
        id=saved_id(row),
        deposit_id=row.deposit_id,
        status=status,  # type: ignore[arg-type]
        principal=fen_to_yuan(row.principal_fen),
        interest=fen_to_yuan(row.interest_fen),
        annual_rate_percent=rate_bp_to_percent(row.rate_bp),
        total=fen_to_yuan(row.principal_fen + row.interest_fen),
        lost_interest=fen_to_yuan(row.lost_interest_fen),
        days_held=row.days_held,
        maturity_date=row.maturity_date,
        to_account_id=row.to_account_id,
        created_at=row.created_at,
        expires_at=row.expires_at,
        executed_at=row.executed_at,
        message=_withdrawal_message(row, status),
        partial=row.partial,
        amount=fen_to_yuan(row.principal_fen),
        **_remaining(row.remaining_principal_fen, row.remaining_expected_interest_fen,
                     row.maturity_date),
    )


@router.get("/withdrawals/{withdrawal_id}", response_model=WithdrawalOut, responses=MONEY_ERRORS)
def get_withdrawal(withdrawal_id: DepositId, customer_id: CustomerId, session: SessionDep) -> WithdrawalOut:
    return present_withdrawal(session, withdrawals.own_withdrawal(session, customer_id, withdrawal_id))


@router.post("/withdrawals/{withdrawal_id}/confirm", response_model=WithdrawalOut, responses=MONEY_ERRORS)
def confirm_withdrawal(
    withdrawal_id: DepositId, customer_id: CustomerId, session: WriteSessionDep, settings: SettingsDep
) -> WithdrawalOut:
    row = withdrawals.confirm(session, customer_id, withdrawal_id, settings)
    return confirmed(session, row, lambda r: present_withdrawal(session, r))


@router.post("/withdrawals/{withdrawal_id}/cancel", response_model=WithdrawalOut, responses=MONEY_ERRORS)
def cancel_withdrawal(withdrawal_id: DepositId, customer_id: CustomerId, session: WriteSessionDep) -> WithdrawalOut:
    row = withdrawals.cancel(session, customer_id, withdrawal_id)
    return settled(session, row, lambda r: present_withdrawal(session, r))


@router.post("/deposits/{deposit_id}/confirm", response_model=DepositOut, responses=MONEY_ERRORS)
def confirm_deposit(
    deposit_id: DepositId, customer_id: CustomerId, session: WriteSessionDep, settings: SettingsDep
) -> DepositOut:
    deposit = deposits.confirm_deposit(session, settings, customer_id, deposit_id)
    return confirmed(session, deposit, lambda d: presenters.deposit(session, d))


@router.post("/deposits/{deposit_id}/cancel", response_model=DepositOut, responses=MONEY_ERRORS)
def cancel_deposit(deposit_id: DepositId, customer_id: CustomerId, session: WriteSessionDep) -> DepositOut:
    deposit = deposits.cancel_deposit(session, customer_id, deposit_id)
    return settled(session, deposit, lambda d: presenters.deposit(session, d))
