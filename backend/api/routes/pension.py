"""Pension credits and one-time notices (issue 12)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from backend.api.deps import CustomerId, SessionDep, WriteSessionDep
from backend.api.responses import errors
from backend.services import notices, payroll
from backend.services.amounts import fen_to_yuan

router = APIRouter(tags=["pension"])
NoticeKey = Annotated[str, Path(pattern=notices.KEY.pattern, max_length=40, examples=["pension:12"])]


class PensionCreditOut(BaseModel):
    id: int
    account_id: int
    amount: str
    credited_at: datetime
    credited_on: date  # the China calendar day


class PensionCreditsOut(BaseModel):
    items: list[PensionCreditOut]
    last: PensionCreditOut | None
    this_month: bool  # false: "none this month" (the sentence says when the last one came)
    message: str


class NoticeOut(BaseModel):
    id: str  # "pension:12" | "deposit:5": POST /notices/{id}/seen
    kind: Literal["pension_credit", "deposit_matured"]
    text: str
    amount: str
    at: datetime


class SeenOut(BaseModel):
    id: str
    seen: bool = True


def _credit(row: payroll.Credit) -> PensionCreditOut:
    return PensionCreditOut(id=row.id, account_id=row.account_id, amount=fen_to_yuan(row.amount_fen),
                            credited_at=row.credited_at, credited_on=row.credited_on)


@router.get("/pension/credits", response_model=PensionCreditsOut, responses=errors(401))
def pension_credits(
    customer_id: CustomerId, session: SessionDep, limit: Annotated[int, Query(ge=1, le=60)] = 12
) -> PensionCreditsOut:
    items = payroll.credits(session, customer_id, limit)
    this_month, message = payroll.credits_message(items)
    out = [_credit(item) for item in items]
    return PensionCreditsOut(items=out, last=out[0] if out else None, this_month=this_month, message=message)


@router.get("/notices", response_model=list[NoticeOut], responses=errors(401))
def list_notices(customer_id: CustomerId, session: SessionDep) -> list[NoticeOut]:
    return [NoticeOut(id=n.key, kind=n.kind, text=n.text, amount=fen_to_yuan(n.amount_fen), at=n.at)
            for n in notices.unread(session, customer_id)]


@router.post("/notices/{notice_id}/seen", response_model=SeenOut,
             responses=errors(401, 404))
def notice_seen(notice_id: NoticeKey, customer_id: CustomerId, session: WriteSessionDep) -> SeenOut:
    notices.mark_seen(session, customer_id, notice_id)
    session.commit()
    return SeenOut(id=notice_id)
