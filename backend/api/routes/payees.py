from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import select

from backend.api import presenters
from backend.api.deps import CustomerId, EngineDep, SessionDep, SettingsDep, WriteSessionDep
from backend.errors import AppError
from backend.models import Payee
from backend.schemas import ErrorOut, PayeeIn, PayeeOut
from backend.services import audit
from backend.services.customers import lock_customer
from backend.services.scam import SCAM_MESSAGE, find_scam_pattern

router = APIRouter(tags=["payees"])


@router.get("/payees", response_model=list[PayeeOut], responses={401: {"model": ErrorOut}})
def list_payees(customer_id: CustomerId, session: SessionDep, settings: SettingsDep) -> list[PayeeOut]:
    rows = session.exec(select(Payee).where(Payee.customer_id == customer_id).order_by(Payee.id)).all()  # type: ignore[arg-type]
    return [presenters.payee(row, settings) for row in rows]


@router.post(
    "/payees",
    response_model=PayeeOut,
    status_code=201,
    responses={401: {"model": ErrorOut}, 409: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)
def add_payee(
    body: PayeeIn, customer_id: CustomerId, session: WriteSessionDep, engine: EngineDep, settings: SettingsDep
) -> PayeeOut:
    pattern = find_scam_pattern(body.name, body.relationship, body.bank)
    if pattern:
        session.rollback()
        audit.record_separately(engine, "customer", customer_id, "payee.scam_suspected", pattern=pattern)
        raise AppError(422, "SCAM_SUSPECTED", SCAM_MESSAGE)
    lock_customer(session, customer_id)
    existing = session.exec(
        select(Payee).where(Payee.customer_id == customer_id, Payee.account_number == body.account_number)
    ).first()
    if existing is not None:
        raise AppError(409, "PAYEE_EXISTS", f"这个账号已经在您的收款人里了：{existing.relationship} {existing.name}。")
    payee = Payee(customer_id=customer_id, name=body.name, relationship=body.relationship, bank=body.bank,
                  account_number=body.account_number)
    session.add(payee)
    session.flush()
    audit.record(session, "customer", customer_id, "payee.added", "payee", payee.id)
    session.commit()
    return presenters.payee(payee, settings)
