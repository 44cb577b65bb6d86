from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import col, select

from backend.api import presenters
from backend.api.deps import CustomerId, EngineDep, SessionDep, SettingsDep, WriteSessionDep
from backend.api.responses import errors
from backend.errors import AppError
from backend.models import Payee
from backend.schemas import PayeeIn, PayeeOut
from backend.services import audit, fraud
from backend.services.customers import lock_customer
from rules.fraud import GENERIC, warning_text

router = APIRouter(tags=["payees"])
# The general wording: a payee refusal does not say which scam family it matched (the dialogue's stop does).
SCAM_MESSAGE = warning_text(GENERIC).replace("\n", "")


@router.get("/payees", response_model=list[PayeeOut], responses=errors(401))
def list_payees(customer_id: CustomerId, session: SessionDep, settings: SettingsDep) -> list[PayeeOut]:
    rows = session.exec(select(Payee).where(col(Payee.customer_id) == customer_id).order_by(col(Payee.id))).all()
    return [presenters.payee(row, settings) for row in rows]


@router.post(
    "/payees",
    response_model=PayeeOut,
    status_code=201,
    responses=errors(401, 409, 422),
)
def add_payee(
    body: PayeeIn, customer_id: CustomerId, session: WriteSessionDep, engine: EngineDep, settings: SettingsDep
) -> PayeeOut:
    hit = fraud.screen(body.name, body.relationship, body.bank)
    if hit is not None:
        session.rollback()
        audit.record_separately(engine, "customer", customer_id, "payee.scam_suspected", pattern=hit.rule)
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
