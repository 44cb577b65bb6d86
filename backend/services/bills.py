"""Bill payment (缴费): saved biller accounts, quotes, and paying a bill or a top-up.

* A customer saves a biller account number (户号, or a phone number for 话费) under a label ("家里的电费");
  the biller must know the number (services/billers.py), otherwise UNKNOWN_BILL_ACCOUNT.
* A quote is the bill due now (amount, period, due date) as the biller reports it, plus whether the bank has
  already paid it, and `unusual`: the amount is far above the household's usual bill (the median of its
  previous bills; for a top-up, of its previous top-ups), so the dialogue says so before the read-back.
* Paying is one balanced, audited journal: the customer's demand or pension account to the biller's own
  internal settlement account. Like a transfer it can first be a `pending` record (require_confirmation), which
  the read-back is rendered from and which confirm executes after deciding every rule again.
* Never paid twice: the bill is a row unique per (biller, account number, period), and executing marks it paid
  with a conditional UPDATE (... WHERE status = 'unpaid') in the same transaction as the money movement; a
  second payment of the same bill, by the same customer or another one of the household, at the same moment
  or later, finds no unpaid row and is refused with BILL_ALREADY_PAID, moving nothing.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend.core.config import Settings
from backend.core.tables import table_of
from backend.errors import AppError, ErrorCode, not_found
from backend.models import Bill, BillAccount, Biller, BillPayment
from backend.services import audit, billers, clock, fraud, ledger
from backend.services.amounts import fen_to_yuan
from backend.services.customers import SPENDABLE_KINDS, lock_customer, own_account, own_row
from backend.services.pending import end, take_pending

LIVE = ("pending",)
# "Far above the usual bill": at least twice the usual and at least 50 yuan more (a 20-yuan water bill that
# doubles is not worth a warning; a 900-yuan electricity bill for a 90-yuan household is).
UNUSUAL_FACTOR = 2
UNUSUAL_MIN_EXCESS_FEN = 50_00
TOPUP_MIN_FEN = 10_00
TOPUP_MAX_FEN = 500_00
HISTORY_MONTHS = 6
_BILLS = table_of(Bill)


@dataclass(frozen=True)
class Quote:
    bill_account: BillAccount
    biller: Biller
    bill: billers.BillInfo | None  # None: nothing due (or a top-up biller)
    paid: bool  # the bank has paid this bill already
    usual_fen: int | None
    unusual: bool


def biller_rows(session: Session) -> list[Biller]:
    return list(session.exec(select(Biller).order_by(col(Biller.id))).all())


def biller_of(session: Session, biller_id: int) -> Biller:
    row = session.get(Biller, biller_id)
    if row is None:
        raise not_found("缴费项目")
    return row


def _client(row: Biller) -> billers.Biller:
    client = billers.DIRECTORY.get(row.code)
    if client is None:
        raise ErrorCode.BILLER_UNAVAILABLE.error()
    return client


def normalize_account_no(text: str) -> str:
    """What people type around a 户号: spaces and dashes."""
    return "".join(ch for ch in text if ch not in " -")


def save_account(session: Session, customer_id: int, biller_id: int, account_no: str, label: str) -> BillAccount:
    lock_customer(session, customer_id)
    biller = biller_of(session, biller_id)
    account_no = normalize_account_no(account_no)
    if not _client(biller).known(account_no):
        raise unknown_account(biller)
    exists = session.exec(select(BillAccount.id).where(
        BillAccount.customer_id == customer_id, BillAccount.biller_id == biller_id,
        BillAccount.account_no == account_no,
    )).first()
    if exists is not None:
        raise ErrorCode.BILL_ACCOUNT_EXISTS.error()
    row = BillAccount(customer_id=customer_id, biller_id=biller_id, account_no=account_no, label=label,
                      created_at=clock.now())
    session.add(row)
    session.flush()
    audit.record(session, "customer", customer_id, "bill_account.saved", "bill_account", row.id,
                 biller=biller.code, account_tail=account_no[-4:], label=label)
    return row


def unknown_account(biller: Biller) -> AppError:
    if biller.kind == billers.TOPUP:
        return ErrorCode.UNKNOWN_BILL_ACCOUNT.error("这个手机号不对，请核对一下，应该是11位数字。")
    return ErrorCode.UNKNOWN_BILL_ACCOUNT.error(
        f"{biller.name}户号没有查到，请对一下缴费单上的户号，或者到柜台问一下。")


def own_bill_account(session: Session, customer_id: int, bill_account_id: int) -> BillAccount:
    return own_row(session, BillAccount, customer_id, bill_account_id, "缴费户号")


def bill_accounts(session: Session, customer_id: int) -> list[BillAccount]:
    return list(session.exec(
        select(BillAccount).where(col(BillAccount.customer_id) == customer_id).order_by(col(BillAccount.id))
    ).all())


def _stored_bill(session: Session, biller_id: int, info: billers.BillInfo) -> Bill | None:
    return session.exec(select(Bill).where(
        Bill.biller_id == biller_id, Bill.account_no == info.account_no, Bill.period == info.period)).first()


def is_unusual(amount_fen: int, usual_fen: int | None) -> bool:
    return usual_fen is not None and amount_fen >= usual_fen * UNUSUAL_FACTOR and \
        amount_fen - usual_fen >= UNUSUAL_MIN_EXCESS_FEN


def _usual_topup_fen(session: Session, bill_account_id: int) -> int | None:
    amounts = session.exec(
        select(BillPayment.amount_fen).where(BillPayment.bill_account_id == bill_account_id,
                                             BillPayment.status == "completed")
        .order_by(col(BillPayment.id).desc()).limit(HISTORY_MONTHS)
    ).all()
    return int(statistics.median_low(amounts)) if amounts else None


def quote(session: Session, customer_id: int, bill_account_id: int, today: date | None = None) -> Quote:
    today = today or clock.today_cn()
    account = own_bill_account(session, customer_id, bill_account_id)
    biller = biller_of(session, account.biller_id)
    client = _client(biller)
    if biller.kind == billers.TOPUP:
        return Quote(account, biller, None, False, _usual_topup_fen(session, bill_account_id), False)
    if not client.known(account.account_no):
        raise unknown_account(biller)
    info = client.lookup(account.account_no, today)
    # The usual bill: the median of the bills before this one (the biller's history of the household).
    history = [b.amount_fen for b in client.bills(account.account_no, today, HISTORY_MONTHS + 1)[1:]]
    usual = int(statistics.median_low(history)) if history else None
    if info is None:
        return Quote(account, biller, None, False, usual, False)
    stored = _stored_bill(session, biller.id, info)  # type: ignore[arg-type]
    paid = stored is not None and stored.status == "paid"
    return Quote(account, biller, info, paid, usual, not paid and is_unusual(info.amount_fen, usual))


def _bill_row(session: Session, biller_id: int, info: billers.BillInfo) -> Bill:
    """The bank's row for this bill, created on first use. Two households' members may create it at the same
    moment (they do not share a customer lock): the loser of the unique constraint reads the winner's row."""
    stored = _stored_bill(session, biller_id, info)
    if stored is not None:
        return stored
    try:
        with session.begin_nested():
            row = Bill(biller_id=biller_id, account_no=info.account_no, period=info.period,
                       amount_fen=info.amount_fen, due_date=info.due_date, reference=info.reference,
                       created_at=clock.now())
            session.add(row)
        return row
    except IntegrityError:
        stored = _stored_bill(session, biller_id, info)
        assert stored is not None
        return stored


def _check_source(session: Session, customer_id: int, from_account_id: int, amount_fen: int) -> None:
    account = own_account(session, customer_id, from_account_id)
    if account.kind not in SPENDABLE_KINDS:
        raise ErrorCode.ACCOUNT_NOT_ALLOWED.error("定期存单不能直接缴费，请从活期或养老金账户交。")
    if account.balance_fen < amount_fen:
        raise ErrorCode.INSUFFICIENT_FUNDS.error("账户余额不够，这笔费用没有交。")


def _check_topup(session: Session, customer_id: int, amount_fen: int | None) -> int:
    if amount_fen is None or not TOPUP_MIN_FEN <= amount_fen <= TOPUP_MAX_FEN:
        raise ErrorCode.TOPUP_AMOUNT.error()
    # A fraud cooling-off: "top up this number" is a known scam ask (gift cards, 刷单), and a top-up cannot be
    # taken back; utility bills to the household's own 户号 stay possible.
    if fraud.cooling_off_until(session, customer_id) is not None:
        raise ErrorCode.TOPUP_ON_HOLD.error()
    return amount_fen


def create_payment(
    session: Session,
    settings: Settings,
    customer_id: int,
    bill_account_id: int,
    from_account_id: int,
    amount_fen: int | None,
    require_confirmation: bool = False,
) -> BillPayment:
    lock_customer(session, customer_id)
    account = own_bill_account(session, customer_id, bill_account_id)
    biller = biller_of(session, account.biller_id)
    bill_id: int | None = None
    if biller.kind == billers.TOPUP:
        amount_fen = _check_topup(session, customer_id, amount_fen)
        usual = _usual_topup_fen(session, bill_account_id)
    else:
        current = quote(session, customer_id, bill_account_id)
        if current.bill is None:
            raise ErrorCode.NO_BILL_DUE.error()
        if current.paid:
            raise already_paid(current.bill)
        if amount_fen is not None and amount_fen != current.bill.amount_fen:
            raise ErrorCode.BILL_AMOUNT_MISMATCH.error(
                f"这期{biller.name}应交 {fen_to_yuan(current.bill.amount_fen)} 元，要按账单金额交。")
        amount_fen = current.bill.amount_fen
        bill_id = _bill_row(session, biller.id, current.bill).id  # type: ignore[arg-type]
        usual = current.usual_fen
    _check_source(session, customer_id, from_account_id, amount_fen)
    now = clock.now()
    payment = BillPayment(
        customer_id=customer_id, bill_account_id=account.id, biller_id=biller.id, bill_id=bill_id,  # type: ignore[arg-type]
        from_account_id=from_account_id, amount_fen=amount_fen, status="pending",
        unusual=is_unusual(amount_fen, usual), usual_amount_fen=usual, created_at=now,
    )
    if require_confirmation:
        payment.expires_at = now + timedelta(minutes=settings.pending_ttl_minutes)
    session.add(payment)
    session.flush()
    if require_confirmation:
        audit.record(session, "customer", customer_id, "bill_payment.pending", "bill_payment", payment.id,
                     amount=fen_to_yuan(amount_fen), biller=biller.code)
        return payment
    _execute(session, payment, biller, account)
    return payment


def already_paid(info: billers.BillInfo) -> AppError:
    return ErrorCode.BILL_ALREADY_PAID.error(f"{info.period[5:].lstrip('0')}月的这期账单已经交过了，不会重复扣钱。")


def _execute(session: Session, payment: BillPayment, biller: Biller, account: BillAccount) -> None:
    """Marks the bill paid (only if it still is unpaid) and moves the money, in the caller's transaction."""
    now = clock.now()
    if payment.bill_id is not None:
        marked = session.execute(
            update(_BILLS).where(_BILLS.c.id == payment.bill_id, _BILLS.c.status == "unpaid")
            .values(status="paid", payment_id=payment.id, paid_at=now)
        )
        if marked.rowcount != 1:  # type: ignore[attr-defined]
            bill = session.get(Bill, payment.bill_id)
            assert bill is not None
            raise ErrorCode.BILL_ALREADY_PAID.error(
                f"{bill.period[5:].lstrip('0')}月的这期账单已经交过了，不会重复扣钱。")
    label = f"缴{biller.name} {account.label}"
    payment.journal_id = ledger.post(session, "bill_payment", f"bill_payment:{payment.id}", [
        ledger.Leg(payment.from_account_id, -payment.amount_fen, label[:100], biller.name),
        ledger.Leg(biller.settlement_account_id, payment.amount_fen, f"代收{biller.name} #{payment.id}",
                   account.label[:50], internal=True),
    ])
    payment.status = "completed"
    payment.executed_at = payment.ended_at = now
    payment.expires_at = None
    session.add(payment)
    audit.record(session, "customer", payment.customer_id, "bill_payment.completed", "bill_payment", payment.id,
                 amount=fen_to_yuan(payment.amount_fen), biller=biller.code, bill_id=payment.bill_id,
                 from_account_id=payment.from_account_id, account_tail=account.account_no[-4:])
    session.flush()


def own_payment(session: Session, customer_id: int, payment_id: int, lock: bool = False) -> BillPayment:
    return own_row(session, BillPayment, customer_id, payment_id, "缴费记录", lock)


def recent_payments(session: Session, customer_id: int, limit: int = 10) -> list[BillPayment]:
    return list(session.exec(
        select(BillPayment).where(BillPayment.customer_id == customer_id)
        .order_by(col(BillPayment.id).desc()).limit(limit)
    ).all())


def is_expired(row: BillPayment, now: datetime | None = None) -> bool:
    return row.status in LIVE and row.expires_at is not None and row.expires_at <= (now or clock.now())


def effective_status(row: BillPayment) -> str:
    return "expired" if is_expired(row) else row.status


def _pending(session: Session, customer_id: int, payment_id: int, not_pending: str) -> BillPayment:
    return take_pending(session, customer_id, lambda: own_payment(session, customer_id, payment_id, lock=True),
                        is_expired, lambda row: end(session, row, "expired", "bill_payment"), not_pending)


def confirm(session: Session, customer_id: int, payment_id: int) -> BillPayment:
    """Executes a pending payment after checking again: the bill still unpaid, the account, the funds. Past its
    time it comes back `expired` (the route commits that and answers 409 EXPIRED)."""
    payment = _pending(session, customer_id, payment_id, "只有等待确认的缴费才能确认。")
    if payment.status == "expired":
        return payment
    account = own_bill_account(session, customer_id, payment.bill_account_id)
    biller = biller_of(session, payment.biller_id)
    if biller.kind == billers.TOPUP:
        _check_topup(session, customer_id, payment.amount_fen)
    _check_source(session, customer_id, payment.from_account_id, payment.amount_fen)
    _execute(session, payment, biller, account)
    return payment


def cancel(session: Session, customer_id: int, payment_id: int) -> BillPayment:
    payment = _pending(session, customer_id, payment_id, "这笔缴费已经办完或已取消，不能再取消。")
    if payment.status != "expired":
        end(session, payment, "cancelled", "bill_payment")
    return payment
