from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from sqlmodel import select

from backend.api import presenters
from backend.api.deps import CustomerId, IdempotencyKey, SessionDep, SettingsDep, WriteSessionDep
from backend.api.idempotent import run_once
from backend.errors import ErrorCode
from backend.models import TimeDeposit
from backend.schemas import MAX_ID, DepositIn, DepositOut, EarlyWithdrawalPreview, ErrorOut
from backend.services import deposits
from backend.services.amounts import fen_to_yuan, parse_yuan, rate_bp_to_percent

router = APIRouter(tags=["deposits"])
DepositId = Annotated[int, Path(ge=1, le=MAX_ID)]
_ERRORS = {401: {"model": ErrorOut}, 404: {"model": ErrorOut}, 409: {"model": ErrorOut}, 422: {"model": ErrorOut}}


class EarlyWithdrawalPreviewOut(EarlyWithdrawalPreview):
    """The preview with what the dialogue must say plainly (issue 11): the term interest lost by taking it out
    now, the date it would have matured and how many days are left. Figures are the bank's, never the dialogue's."""

    lost_interest: str
    maturity_date: date
    days_to_maturity: int


class MaturityChoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    maturity_choice: Literal["renew", "demand"]


# Never opened: a listing of the customer's deposits leaves these out unless asked (GET /deposits/{id} shows any).
NOT_OPENED = ("pending", "cancelled", "expired")


@router.get("/deposits", response_model=list[DepositOut], responses={401: {"model": ErrorOut}})
def list_deposits(
    customer_id: CustomerId, session: SessionDep, include_pending: Annotated[bool, Query()] = False
) -> list[DepositOut]:
    stmt = select(TimeDeposit).where(TimeDeposit.customer_id == customer_id).order_by(TimeDeposit.id)  # type: ignore[arg-type]
    if not include_pending:
        stmt = stmt.where(TimeDeposit.status.not_in(NOT_OPENED))  # type: ignore[attr-defined]
    return [presenters.deposit(session, row) for row in session.exec(stmt).all()]


@router.post("/deposits", response_model=DepositOut, status_code=201, responses=_ERRORS)
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


@router.get("/deposits/{deposit_id}", response_model=DepositOut, responses=_ERRORS)
def get_deposit(deposit_id: DepositId, customer_id: CustomerId, session: SessionDep) -> DepositOut:
    return presenters.deposit(session, deposits.own_deposit(session, customer_id, deposit_id))


@router.patch("/deposits/{deposit_id}", response_model=DepositOut, responses=_ERRORS)
def change_deposit(
    deposit_id: DepositId, body: MaturityChoiceIn, customer_id: CustomerId, session: WriteSessionDep
) -> DepositOut:
    """Changes what happens at maturity (renew | demand) of a pending or active deposit; nothing moves."""
    deposit = deposits.set_maturity_choice(session, customer_id, deposit_id, body.maturity_choice)
    out = presenters.deposit(session, deposit)
    session.commit()
    return out


@router.get("/deposits/{deposit_id}/early-withdrawal", response_model=EarlyWithdrawalPreviewOut, responses=_ERRORS)
def preview_early_withdrawal(
    deposit_id: DepositId, customer_id: CustomerId, session: SessionDep
) -> EarlyWithdrawalPreviewOut:
    deposit = deposits.own_deposit(session, customer_id, deposit_id)
    if deposit.status != "active":
        raise deposits.not_active(deposit)
    quote = deposits.quote_early_withdrawal(session, deposit)
    return EarlyWithdrawalPreviewOut(
        principal=fen_to_yuan(quote.principal_fen),
        interest=fen_to_yuan(quote.interest_fen),
        annual_rate_percent=rate_bp_to_percent(quote.rate_bp),
        total=fen_to_yuan(quote.total_fen),
        days_held=quote.days_held,
        expected_interest_if_held=fen_to_yuan(deposit.expected_interest_fen),
        lost_interest=fen_to_yuan(max(deposit.expected_interest_fen - quote.interest_fen, 0)),
        maturity_date=deposit.maturity_date,
        days_to_maturity=deposits.days_to_maturity(deposit),
    )


@router.post("/deposits/{deposit_id}/early-withdrawal", response_model=DepositOut, responses=_ERRORS)
def withdraw_early(
    deposit_id: DepositId, customer_id: CustomerId, idempotency_key: IdempotencyKey, session: WriteSessionDep
) -> JSONResponse:
    def action() -> DepositOut:
        return presenters.deposit(session, deposits.withdraw_early(session, customer_id, deposit_id))

    return run_once(session, customer_id, idempotency_key, "early_withdrawal", {"deposit_id": deposit_id}, action,
                    status_code=200)


@router.post("/deposits/{deposit_id}/confirm", response_model=DepositOut, responses=_ERRORS)
def confirm_deposit(
    deposit_id: DepositId, customer_id: CustomerId, session: WriteSessionDep, settings: SettingsDep
) -> DepositOut:
    deposit = deposits.confirm_deposit(session, settings, customer_id, deposit_id)
    out = presenters.deposit(session, deposit)
    session.commit()
    if deposit.status == "expired":  # the expiry is kept (committed); nothing moved
        raise ErrorCode.EXPIRED.error(out.message)
    return out


@router.post("/deposits/{deposit_id}/cancel", response_model=DepositOut, responses=_ERRORS)
def cancel_deposit(deposit_id: DepositId, customer_id: CustomerId, session: WriteSessionDep) -> DepositOut:
    deposit = deposits.cancel_deposit(session, customer_id, deposit_id)
    out = presenters.deposit(session, deposit)
    session.commit()
    return out
