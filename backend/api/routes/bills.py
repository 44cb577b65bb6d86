"""Bill payment (issue 12): billers, saved 户号, quotes, payments (pending -> confirm/cancel), receipts."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictStr
from sqlmodel import Session

from backend.api.deps import CustomerId, IdempotencyKey, SessionDep, SettingsDep, WriteSessionDep
from backend.api.idempotent import run_once
from backend.api.pending_routes import confirmed, settled
from backend.api.responses import MONEY_ERRORS, errors
from backend.core.tables import saved_id
from backend.models import Bill, BillAccount, Biller, BillPayment
from backend.schemas import MAX_ID, Amount, Id, Name
from backend.services import billers, bills, clock
from backend.services.amounts import fen_to_yuan, parse_yuan
from rules.redact import mask_phone

router = APIRouter(tags=["bills"])
RecordId = Annotated[int, Path(ge=1, le=MAX_ID)]


class BillerOut(BaseModel):
    id: int
    code: Literal["WATER", "POWER", "GAS", "MOBILE"]
    name: str
    kind: Literal["bill", "topup"]


class BillAccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    biller_id: Id
    account_no: Annotated[StrictStr, Field(pattern=r"^[0-9 -]{4,24}$", examples=["3301001236", "13900000011"])]
    label: Annotated[str, Name(20)]


class BillAccountOut(BaseModel):
    id: int
    biller: BillerOut
    label: str
    # 户号 are the household's own numbers (printed on every bill); phone numbers are masked like the customer's.
    account_no_display: str
    account_tail: str
    created_at: datetime


class QuoteOut(BaseModel):
    bill_account: BillAccountOut
    status: Literal["due", "paid", "none", "topup"]
    amount_due: str | None
    period: str | None
    due_date: date | None
    unusual: bool
    usual_amount: str | None
    message: str


class BillPaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bill_account_id: Id
    from_account_id: Id
    amount: Amount | None = None  # required for a top-up; for a bill the bill's amount (optional, must match)
    require_confirmation: bool = False


class BillPaymentOut(BaseModel):
    id: int
    status: Literal["pending", "completed", "cancelled", "expired"]
    amount: str
    bill_account: BillAccountOut
    from_account_id: int
    period: str | None
    due_date: date | None
    unusual: bool
    usual_amount: str | None
    receipt_no: str | None
    created_at: datetime
    expires_at: datetime | None
    executed_at: datetime | None
    message: str


def _biller(row: Biller) -> BillerOut:
    return BillerOut(id=row.id, code=row.code, name=row.name, kind=row.kind)  # type: ignore[arg-type]


def _display(row: BillAccount, biller: Biller) -> str:
    return mask_phone(row.account_no) if biller.kind == billers.TOPUP else row.account_no


def _bill_account(row: BillAccount, biller: Biller) -> BillAccountOut:
    return BillAccountOut(id=saved_id(row), biller=_biller(biller), label=row.label,
                          account_no_display=_display(row, biller),
                          account_tail=row.account_no[-4:], created_at=row.created_at)


def _month_text(period: str) -> str:
    return f"{int(period[5:])}月"


def _quote(q: bills.Quote) -> QuoteOut:
    account = _bill_account(q.bill_account, q.biller)
    usual = None if q.usual_fen is None else fen_to_yuan(q.usual_fen)
    if q.biller.kind == billers.TOPUP:
        return QuoteOut(bill_account=account, status="topup", amount_due=None, period=None, due_date=None,
                        unusual=False, usual_amount=usual,
                        message=f"给{q.bill_account.label}充话费，一次可以充 10 元到 500 元。")
    if q.bill is None:
        return QuoteOut(bill_account=account, status="none", amount_due=None, period=None, due_date=None,
                        unusual=False, usual_amount=usual, message=f"{q.bill_account.label}现在没有要交的费用。")
    amount = fen_to_yuan(q.bill.amount_fen)
    when = f"{_month_text(q.bill.period)}的{q.biller.name}"
    if q.paid:
        return QuoteOut(bill_account=account, status="paid", amount_due="0.00", period=q.bill.period,
                        due_date=q.bill.due_date, unusual=False, usual_amount=usual,
                        message=f"{when} {amount} 元已经交过了，不用再交。")
    message = f"{when}要交 {amount} 元，{q.bill.due_date.month}月{q.bill.due_date.day}日前交。"
    if q.unusual:
        message += f"这次比平常多不少，平常大约 {usual} 元，请先核对一下。"
    return QuoteOut(bill_account=account, status="due", amount_due=amount, period=q.bill.period,
                    due_date=q.bill.due_date, unusual=q.unusual, usual_amount=usual, message=message)


def receipt_no(row: BillPayment) -> str | None:
    if row.status != "completed" or row.executed_at is None:
        return None
    return f"JF{row.executed_at.astimezone(clock.CHINA_TZ):%Y%m%d}{row.id:08d}"


def present_payment(session: Session, row: BillPayment) -> BillPaymentOut:
    account = session.get(BillAccount, row.bill_account_id)
    biller = session.get(Biller, row.biller_id)
    assert account is not None and biller is not None
    bill = session.get(Bill, row.bill_id) if row.bill_id is not None else None
    status = bills.effective_status(row)
    amount = fen_to_yuan(row.amount_fen)
    what = f"{_month_text(bill.period)}的{biller.name}" if bill is not None else f"{account.label}的话费"
    messages = {
        "pending": f"从您的账户交{what} {amount} 元，还没有交"
                   + (f"，请在 {clock.cn_clock_text(row.expires_at)} 前确认。" if row.expires_at else "。"),
        "completed": f"{what} {amount} 元已经交好了。",
        "cancelled": "这笔缴费已经取消，钱没有动。",
        "expired": "这笔缴费等的时间太久，已经失效了，钱没有动。如果还需要，请重新办理。",
    }
    return BillPaymentOut(
        id=row.id, status=status, amount=amount, bill_account=_bill_account(account, biller),  # type: ignore[arg-type]
        from_account_id=row.from_account_id, period=bill.period if bill else None,
        due_date=bill.due_date if bill else None, unusual=row.unusual,
        usual_amount=None if row.usual_amount_fen is None else fen_to_yuan(row.usual_amount_fen),
        receipt_no=receipt_no(row), created_at=row.created_at,
        expires_at=row.expires_at if status == "pending" else None, executed_at=row.executed_at,
        message=messages[status],
    )


@router.get("/billers", response_model=list[BillerOut], responses=errors(401))
def list_billers(customer_id: CustomerId, session: SessionDep) -> list[BillerOut]:
    return [_biller(row) for row in bills.biller_rows(session)]


@router.get("/bill-accounts", response_model=list[BillAccountOut], responses=errors(401))
def list_bill_accounts(customer_id: CustomerId, session: SessionDep) -> list[BillAccountOut]:
    by_id = {row.id: row for row in bills.biller_rows(session)}
    return [_bill_account(row, by_id[row.biller_id]) for row in bills.bill_accounts(session, customer_id)]


@router.post("/bill-accounts", response_model=BillAccountOut, status_code=201, responses=MONEY_ERRORS)
def save_bill_account(body: BillAccountIn, customer_id: CustomerId, session: WriteSessionDep) -> BillAccountOut:
    row = bills.save_account(session, customer_id, body.biller_id, body.account_no, body.label)
    out = _bill_account(row, bills.biller_of(session, row.biller_id))
    session.commit()
    return out


@router.get("/bill-accounts/{bill_account_id}/bill", response_model=QuoteOut, responses=MONEY_ERRORS)
def get_quote(bill_account_id: RecordId, customer_id: CustomerId, session: SessionDep) -> QuoteOut:
    return _quote(bills.quote(session, customer_id, bill_account_id))


@router.post("/bill-payments", response_model=BillPaymentOut, status_code=201, responses=MONEY_ERRORS)
def create_bill_payment(
    body: BillPaymentIn,
    customer_id: CustomerId,
    idempotency_key: IdempotencyKey,
    session: WriteSessionDep,
    settings: SettingsDep,
) -> JSONResponse:
    amount_fen = None if body.amount is None else parse_yuan(body.amount)

    def action() -> BillPaymentOut:
        payment = bills.create_payment(session, settings, customer_id, body.bill_account_id, body.from_account_id,
                                       amount_fen, body.require_confirmation)
        return present_payment(session, payment)

    payload = body.model_dump(exclude={"amount"}) | {"amount_fen": amount_fen}
    return run_once(session, customer_id, idempotency_key, "bill_payment", payload, action)


@router.get("/bill-payments", response_model=list[BillPaymentOut], responses=errors(401))
def list_bill_payments(
    customer_id: CustomerId, session: SessionDep, limit: Annotated[int, Query(ge=1, le=50)] = 10
) -> list[BillPaymentOut]:
    """The customer's latest payments, newest first ("上个月的电费交了没有", a receipt again)."""
    return [present_payment(session, row) for row in bills.recent_payments(session, customer_id, limit)]


@router.get("/bill-payments/{payment_id}", response_model=BillPaymentOut, responses=MONEY_ERRORS)
def get_bill_payment(payment_id: RecordId, customer_id: CustomerId, session: SessionDep) -> BillPaymentOut:
    return present_payment(session, bills.own_payment(session, customer_id, payment_id))


@router.post("/bill-payments/{payment_id}/confirm", response_model=BillPaymentOut, responses=MONEY_ERRORS)
def confirm_bill_payment(payment_id: RecordId, customer_id: CustomerId, session: WriteSessionDep) -> BillPaymentOut:
    return confirmed(session, bills.confirm(session, customer_id, payment_id), lambda p: present_payment(session, p))


@router.post("/bill-payments/{payment_id}/cancel", response_model=BillPaymentOut, responses=MONEY_ERRORS)
def cancel_bill_payment(payment_id: RecordId, customer_id: CustomerId, session: WriteSessionDep) -> BillPaymentOut:
    return settled(session, bills.cancel(session, customer_id, payment_id), lambda p: present_payment(session, p))
