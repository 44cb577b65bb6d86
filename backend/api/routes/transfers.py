from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from sqlmodel import col, select

from backend.api import presenters
from backend.api.deps import CustomerId, EngineDep, IdempotencyKey, SessionDep, SettingsDep, WriteSessionDep
from backend.api.idempotent import run_once
from backend.api.pending_routes import confirmed, settled
from backend.api.responses import MONEY_ERRORS, errors
from backend.models import Transfer
from backend.schemas import MAX_ID, TransferIn, TransferOut
from backend.services import fraud, settlement, transfers
from backend.services.amounts import parse_yuan

router = APIRouter(tags=["transfers"])
TransferId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.post("/transfers", response_model=TransferOut, status_code=201, responses=MONEY_ERRORS)
def create_transfer(
    body: TransferIn,
    customer_id: CustomerId,
    idempotency_key: IdempotencyKey,
    session: WriteSessionDep,
    engine: EngineDep,
    settings: SettingsDep,
) -> JSONResponse:
    amount_fen = parse_yuan(body.amount)

    def action() -> TransferOut:
        transfer, payee = transfers.create(
            session, settings, customer_id, body.from_account_id, body.payee_id, amount_fen, body.note,
            body.require_confirmation, body.context, body.arrival_mode,
        )
        return presenters.transfer(session, transfer, settings, payee)

    payload = body.model_dump(exclude={"amount"}) | {"amount_fen": amount_fen}
    try:
        return run_once(session, customer_id, idempotency_key, "transfer", payload, action)
    except transfers.ScamSuspected as exc:
        # Nothing of the transfer stays; the hit itself does: audited and the cooling-off started in a
        # transaction of its own (after the rollback released the write lock), whatever the dialogue did.
        session.rollback()
        fraud.record_scam_hit(engine, settings, customer_id, exc.hit, body.payee_id)
        raise


@router.get("/transfers", response_model=list[TransferOut], responses=errors(401))
def list_transfers(
    customer_id: CustomerId, session: SessionDep, settings: SettingsDep,
    status: Annotated[Literal["scheduled"] | None, Query(description="scheduled: the revocable ones")] = None,
) -> list[TransferOut]:
    stmt = select(Transfer).where(Transfer.customer_id == customer_id)
    if status is not None:
        stmt = stmt.where(Transfer.status == status)
    rows = session.exec(stmt.order_by(col(Transfer.id).desc()).limit(50)).all()
    return [presenters.transfer(session, row, settings) for row in rows]


@router.get("/transfers/{transfer_id}", response_model=TransferOut, responses=MONEY_ERRORS)
def get_transfer(
    transfer_id: TransferId, customer_id: CustomerId, session: SessionDep, settings: SettingsDep
) -> TransferOut:
    return presenters.transfer(session, transfers.own_transfer(session, customer_id, transfer_id), settings)


@router.post("/transfers/{transfer_id}/confirm", response_model=TransferOut, responses=MONEY_ERRORS)
def confirm_transfer(
    transfer_id: TransferId, customer_id: CustomerId, session: WriteSessionDep, settings: SettingsDep
) -> TransferOut:
    transfer = transfers.confirm(session, settings, customer_id, transfer_id)
    return confirmed(session, transfer, lambda t: presenters.transfer(session, t, settings))


@router.post("/transfers/{transfer_id}/cancel", response_model=TransferOut, responses=MONEY_ERRORS)
def cancel_transfer(
    transfer_id: TransferId, customer_id: CustomerId, session: WriteSessionDep, settings: SettingsDep
) -> TransferOut:
    transfer = transfers.cancel(session, customer_id, transfer_id)
    return settled(session, transfer, lambda t: presenters.transfer(session, t, settings))


@router.post("/transfers/{transfer_id}/revoke", response_model=TransferOut, responses=MONEY_ERRORS)
def revoke_transfer(
    transfer_id: TransferId, customer_id: CustomerId, session: WriteSessionDep, settings: SettingsDep
) -> TransferOut:
    """Takes back a scheduled (delayed-arrival) transfer before it arrives: the money returns to the account it
    came from. Already revoked: the same answer again (nothing moves). Arrived, real-time, or not executed: 409
    NOT_REVOCABLE. No Idempotency-Key: the transfer's own state makes a repeat harmless."""
    transfer = settlement.revoke(session, customer_id, transfer_id)
    return settled(session, transfer, lambda t: presenters.transfer(session, t, settings))
