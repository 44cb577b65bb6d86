"""Transfer rules.

A transfer is decided and written in one database transaction, under the customer's lock:

1. only from the caller's own open demand or pension account, to one of the caller's payees;
2. fraud screening of the note, the context (what the customer said in this money flow) and the payee with
   the shared policy (`rules.fraud`): a hit is SCAM_SUSPECTED, nothing is written, and the route starts the
   customer's cooling-off in a transaction of its own (services/fraud.py);
3. per-transfer limit, then the daily limit over what EXECUTED on this business day (China time): completed
   transfers by `executed_at`, plus this one;
4. sufficient funds;
5. hold for staff (`held`, with an approval), first reason wins: the customer is in a fraud cooling-off
   (SCAM_RISK); a payee added less than `new_payee_hold_hours` ago (NEW_PAYEE); an amount at or above the
   large-amount threshold (LARGE_AMOUNT); or what went (completed or held) to this payee, or to anyone, today
   reaches the cumulative thresholds with this one (CUMULATIVE_AMOUNT: one sum split into smaller ones).

6. arrival (services/settlement.py): `realtime` completes at once; `normal`/`next_day` (the default to a payee
   saved less than `new_payee_delay_days` ago) is `scheduled`: debited into the in-transit account, revocable
   until it settles. Scheduled transfers count toward the daily and cumulative limits like completed ones.

Money is NOT reserved while a transfer is pending or held, so every rule is decided again when it executes:
confirmation re-runs 3-5 (a hold then), staff approval re-runs 3-4 on the day it executes. A pending transfer
expires after `pending_ttl_minutes`, a held one after `held_ttl_hours` (`expired`; the customer sees it).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ScalarSelect, and_, bindparam, func, insert, or_, text, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from backend.core.config import Settings
from backend.core.tables import saved_id, table_of
from backend.errors import AppError, ErrorCode, not_found
from backend.models import Account, Approval, Customer, Payee, Transfer
from backend.services import audit, clock, fraud, ledger, settlement
from backend.services.amounts import fen_to_yuan
from backend.services.customers import SPENDABLE_KINDS, lock_customer, own_row
from rules import limits

LIVE = ("pending", "held")  # states that can still move money (until they expire)
EXECUTED = ("completed", settlement.SCHEDULED)  # money has left the customer's account
_TRANSFERS = table_of(Transfer)
_ACCOUNTS = table_of(Account)
_CUSTOMERS = table_of(Customer)
_INSERT_TRANSFER = insert(_TRANSFERS).returning(_TRANSFERS.c.id)  # built once; the values come as parameters
_PAYEES = table_of(Payee)


class ScamSuspected(AppError):
    def __init__(self, hit: fraud.fraud_rules.FraudHit) -> None:
        super().__init__(422, ErrorCode.SCAM_SUSPECTED.name, scam_message(hit.family))
        self.hit = hit


def scam_message(family: str) -> str:
    # The shared warning (which scam, the one rule, hang up, nothing moved, 96110), then the hold it starts.
    return f"{fraud.fraud_rules.warning_text(family)}\n为了您的安全，接下来一段时间您的每笔转账都要先由银行工作人员核对。"


def invalid_state(message: str = "这笔转账现在不能这样操作。") -> AppError:
    return ErrorCode.INVALID_STATE.error(message)


def is_expired(row: Transfer, now: datetime | None = None) -> bool:
    return row.status in LIVE and row.expires_at is not None and row.expires_at <= (now or clock.now())


def effective_status(row: Transfer, now: datetime | None = None) -> str:
    """What the customer and staff are told: a live record past its time is expired even before a write
    marks it so (reads never write)."""
    return "expired" if is_expired(row, now) else row.status


# The executed-today sum and the cumulative sums (completed today, and held ones created today that have not
# expired) are scalar subqueries with the same parameters, so one round trip reads everything a rule needs.
def _today_sum(per_payee: bool, include_held: bool) -> ScalarSelect[Any]:
    t = _TRANSFERS.c
    # Scheduled transfers (delayed arrival) count from the moment they left the customer's account; a revoked
    # one came back and does not.
    completed = and_(t.status.in_(EXECUTED), t.executed_at >= bindparam("day_start"))
    counted = completed
    if include_held:
        held = and_(t.status == "held", t.created_at >= bindparam("day_start"),
                    or_(t.expires_at.is_(None), t.expires_at > bindparam("now")))
        counted = or_(completed, held)
    where = [t.customer_id == bindparam("customer_id"), counted]
    if per_payee:
        where.append(t.payee_id == bindparam("payee_id"))
    return core_select(func.coalesce(func.sum(t.amount_fen), 0)).where(*where).scalar_subquery()


_SITUATION = (
    core_select(
        _ACCOUNTS.c.id, _ACCOUNTS.c.kind, _ACCOUNTS.c.balance_fen,
        *[column.label(f"payee_{column.name}") for column in _PAYEES.c],
        _today_sum(per_payee=False, include_held=False).label("spent"),
        _today_sum(per_payee=True, include_held=True).label("payee_today"),
        _today_sum(per_payee=False, include_held=True).label("customer_today"),
        core_select(_CUSTOMERS.c.cooling_off_until).where(_CUSTOMERS.c.id == bindparam("customer_id"))
        .scalar_subquery().label("cooling_off_until"),
    )
    .select_from(_ACCOUNTS.outerjoin(
        _PAYEES, (_PAYEES.c.id == bindparam("payee_id")) & (_PAYEES.c.customer_id == bindparam("customer_id"))
    ))
    .where(
        _ACCOUNTS.c.id == bindparam("account_id"),
        _ACCOUNTS.c.customer_id == bindparam("customer_id"),
        _ACCOUNTS.c.closed_at.is_(None),
    )
)


@dataclass(frozen=True)
class Situation:
    """What the rules look at, read under the customer's lock (nothing of this customer changes meanwhile)."""

    account_id: int
    account_kind: str
    balance_fen: int
    payee: Payee | None
    spent_fen: int  # executed on this business day
    payee_today_fen: int  # completed or held today to this payee
    customer_today_fen: int  # completed or held today to anyone
    cooling_off_until: datetime | None


def situation(session: Session, customer_id: int, account_id: int, payee_id: int) -> Situation:
    now = clock.now()
    row = session.execute(_SITUATION, {
        "customer_id": customer_id, "account_id": account_id, "payee_id": payee_id,
        "day_start": clock.start_of_day_cn_utc(now), "now": now,
    }).first()
    if row is None:
        raise not_found("账户")
    payee = None if row.payee_id is None else Payee(**{c.name: row._mapping[f"payee_{c.name}"] for c in _PAYEES.c})
    cooling = row.cooling_off_until
    if cooling is not None and cooling.tzinfo is None:  # a scalar subquery may come back as the raw column
        cooling = cooling.replace(tzinfo=UTC)
    return Situation(row.id, row.kind, row.balance_fen, payee, int(row.spent), int(row.payee_today),
                     int(row.customer_today), fraud.active(cooling, now))


def check_limits(settings: Settings, amount_fen: int, spent: int) -> None:
    if amount_fen > settings.per_transfer_limit_fen:
        raise ErrorCode.PER_TRANSFER_LIMIT.error(
            f"单笔最多转 {fen_to_yuan(settings.per_transfer_limit_fen)} 元，这笔钱没有转出。"
        )
    if spent + amount_fen > settings.daily_limit_fen:
        left = max(settings.daily_limit_fen - spent, 0)
        raise ErrorCode.DAILY_LIMIT.error(
            f"今天累计最多转 {fen_to_yuan(settings.daily_limit_fen)} 元，今天还能转 {fen_to_yuan(left)} 元。"
        )


def check_can_execute(settings: Settings, now_state: Situation, amount_fen: int) -> Payee:
    """Rules 1, 3 and 4: the refusals. Returns the payee."""
    if now_state.account_kind not in SPENDABLE_KINDS:
        raise ErrorCode.ACCOUNT_NOT_ALLOWED.error("定期存单不能直接转账，请从活期或养老金账户转。")
    if now_state.payee is None:
        raise not_found("收款人")
    check_limits(settings, amount_fen, now_state.spent_fen)
    if now_state.balance_fen < amount_fen:
        raise ErrorCode.INSUFFICIENT_FUNDS.error(ledger.INSUFFICIENT_FUNDS_MESSAGE)
    return now_state.payee


def hold_reason(settings: Settings, payee: Payee, amount_fen: int, now_state: Situation | None = None) -> str | None:
    """Rule 5: why staff must look at this transfer first, or None."""
    if now_state is not None and now_state.cooling_off_until is not None:
        return fraud.SCAM_RISK
    if limits.new_payee_held(payee.created_at, clock.now(), settings.new_payee_hold_hours):
        return "NEW_PAYEE"
    if amount_fen >= settings.large_amount_fen:
        return "LARGE_AMOUNT"
    if now_state is not None and (
        now_state.payee_today_fen + amount_fen >= settings.cumulative_payee_large_amount_fen
        or now_state.customer_today_fen + amount_fen >= settings.cumulative_daily_large_amount_fen
    ):
        return "CUMULATIVE_AMOUNT"
    return None


def create(
    session: Session,
    settings: Settings,
    customer_id: int,
    from_account_id: int,
    payee_id: int,
    amount_fen: int,
    note: str,
    require_confirmation: bool = False,
    context: str = "",
    arrival_mode: str | None = None,
) -> tuple[Transfer, Payee]:
    """The new transfer and its payee (the session's identity map holds rows weakly, so the caller keeps the
    payee to present the transfer without loading it again)."""
    lock_customer(session, customer_id)
    # Everything the rules need in one round trip, read after the customer's lock was taken (so no other
    # transfer of this customer can change it meanwhile); the debit itself is conditional anyway.
    state = situation(session, customer_id, from_account_id, payee_id)
    if state.account_kind not in SPENDABLE_KINDS:
        raise ErrorCode.ACCOUNT_NOT_ALLOWED.error("定期存单不能直接转账，请从活期或养老金账户转。")
    if state.payee is None:
        raise not_found("收款人")
    hit = fraud.screen(note, context, state.payee.name, state.payee.relationship)
    if hit is not None:
        raise ScamSuspected(hit)
    mode = settlement.choose_mode(settings, state.payee, arrival_mode)
    payee = check_can_execute(settings, state, amount_fen)
    reason = hold_reason(settings, payee, amount_fen, state)
    now = clock.now()
    transfer = Transfer(
        customer_id=customer_id,
        from_account_id=state.account_id,
        payee_id=saved_id(payee),
        amount_fen=amount_fen,
        note=note,
        status="pending",
        hold_reason=reason,  # for a pending one: what confirming would do, decided again then
        created_at=now,
        arrival_mode=mode,
    )
    if require_confirmation:
        transfer.expires_at = now + timedelta(minutes=settings.pending_ttl_minutes)
        # What the read-back says: when it would arrive if confirmed now (a hold decides it later).
        transfer.arrives_at = None if reason else settlement.estimated_arrival(mode, now)
        session.add(transfer)
        session.flush()
        audit.record(session, "customer", customer_id, "transfer.pending", "transfer", transfer.id,
                     amount=fen_to_yuan(amount_fen))
        return transfer, payee
    if reason:
        _hold(session, settings, transfer, reason, actor_kind="customer", actor_id=customer_id)
        return transfer, payee
    if mode != settlement.REALTIME:
        settlement.schedule(session, transfer, payee, actor_kind="customer", actor_id=customer_id)
        return transfer, payee
    # Executed at once: the row is written once, already completed and pointing at its journal. Core inserts
    # (no unit-of-work flush); the object is only presented afterwards.
    transfer.status = "completed"
    transfer.executed_at = transfer.ended_at = clock.now()
    audit_detail = {"amount": fen_to_yuan(amount_fen), "from_account_id": transfer.from_account_id,
                    "payee_id": payee.id}
    if session.get_bind().dialect.name == "postgresql":
        # The whole movement in one statement (issue 14: one round trip instead of four, see below).
        written = session.execute(_COMPLETED_TRANSFER_PG, {
            "journal_reference": f"customer:{customer_id}", "journal_created_at": _naive_utc(clock.now()),
            "customer_id": customer_id, "from_account_id": transfer.from_account_id, "payee_id": payee.id,
            "amount_fen": amount_fen, "note": note, "created_at": _naive_utc(transfer.created_at),
            "executed_at": _naive_utc(transfer.executed_at), "audit_at": _naive_utc(clock.now()),
            "audit_detail": audit.detail_json(**audit_detail),
            "clearing_account_id": ledger.clearing_account_id(session, transfer.from_account_id),
            "debit_description": _debit_label(payee), "clearing_description": _CLEARING_LABEL,
            "counterparty": payee.name, "entries_at": _naive_utc(clock.now()),
        }).first()
        if written is None:  # the conditional debit refused: nothing at all was written
            raise ErrorCode.INSUFFICIENT_FUNDS.error(ledger.INSUFFICIENT_FUNDS_MESSAGE)
        transfer.id, transfer.journal_id = written
        return transfer, payee
    transfer.journal_id = ledger.new_journal(session, "transfer", f"customer:{customer_id}")
    transfer.id = session.execute(_INSERT_TRANSFER, transfer.model_dump(exclude={"id"})).scalar_one()
    _move_money(session, transfer, payee, transfer.journal_id)
    audit.record(session, "customer", customer_id, "transfer.completed", "transfer", transfer.id, **audit_detail)
    return transfer, payee


def _naive_utc(moment: datetime) -> datetime:
    """What models.UTCDateTime stores, for raw SQL statements."""
    return moment.astimezone(UTC).replace(tzinfo=None)


# A completed transfer on PostgreSQL in one statement (issue 14): the customer's conditional debit, the clearing
# shard's credit, the journal, the transfer pointing at it, both ledger entries (each with its account's balance
# after it, as ledger.post writes them) and the audit entry. Each part reads the rows of the one before it, so a
# refused debit (no row) writes nothing at all and the statement returns no row. The clearing shard is credited
# here rather than just before the commit (ledger's deferred internal legs): its row lock is held one round trip
# longer (the idempotency record) but a round trip is saved; lock order stays customer account, then internal.
_COMPLETED_TRANSFER_PG = text("""
WITH debited AS (
    UPDATE accounts SET balance_fen = balance_fen - :amount_fen
    WHERE id = :from_account_id AND balance_fen >= :amount_fen
    RETURNING balance_fen
), credited AS (
    UPDATE accounts SET balance_fen = balance_fen + :amount_fen
    WHERE id = :clearing_account_id AND EXISTS (SELECT 1 FROM debited)
    RETURNING balance_fen
), journal AS (
    INSERT INTO journals (kind, reference, created_at)
    SELECT 'transfer', :journal_reference, :journal_created_at FROM credited
    RETURNING id
), transfer AS (
    INSERT INTO transfers (customer_id, from_account_id, payee_id, amount_fen, note, status, hold_reason,
                           journal_id, created_at, executed_at, ended_at)
    SELECT :customer_id, :from_account_id, :payee_id, :amount_fen, :note, 'completed', NULL,
           journal.id, :created_at, :executed_at, :executed_at FROM journal
    RETURNING id, journal_id
), entries AS (
    INSERT INTO ledger_entries (journal_id, account_id, amount_fen, balance_after_fen, description, counterparty,
                                created_at)
    SELECT transfer.journal_id, :from_account_id, -:amount_fen, debited.balance_fen, :debit_description,
           :counterparty, :entries_at FROM transfer, debited
    UNION ALL
    SELECT transfer.journal_id, :clearing_account_id, :amount_fen, credited.balance_fen,
           CAST(:clearing_description AS text) || transfer.id, :counterparty, :entries_at FROM transfer, credited
), audited AS (
    INSERT INTO audit_log (at, actor_kind, actor_id, action, target_kind, target_id, detail)
    SELECT :audit_at, 'customer', :customer_id, 'transfer.completed', 'transfer', transfer.id, :audit_detail
    FROM transfer
)
SELECT id, journal_id FROM transfer
""")


def _hold(session: Session, settings: Settings, transfer: Transfer, reason: str, actor_kind: str,
          actor_id: int) -> None:
    """The transfer goes to staff: held (until held_ttl_hours from now) with a pending approval for `reason`
    (its hold_reason, already set; passed as well because an approval always has one)."""
    transfer.status = "held"
    transfer.expires_at = clock.now() + timedelta(hours=settings.held_ttl_hours)
    transfer.arrives_at = None  # decided when staff approve
    session.add(transfer)
    session.flush()
    session.add(
        Approval(transfer_id=saved_id(transfer), customer_id=transfer.customer_id, reason=reason)
    )
    audit.record(session, actor_kind, actor_id, "transfer.held", "transfer", transfer.id,
                 amount=fen_to_yuan(transfer.amount_fen), reason=transfer.hold_reason)
    session.flush()


def execute(session: Session, transfer: Transfer, payee: Payee, actor_kind: str, actor_id: int) -> None:
    """Executes a pending or held transfer whose rules were just decided: moves the money, marks it completed
    (or, with a delayed arrival mode, scheduled: the money waits in transit, revocable, until it arrives)."""
    if transfer.arrival_mode != settlement.REALTIME:
        settlement.schedule(session, transfer, payee, actor_kind, actor_id)
        return
    transfer.journal_id = _move_money(session, transfer, payee)
    transfer.status = "completed"
    transfer.executed_at = clock.now()
    transfer.ended_at = transfer.executed_at
    session.add(transfer)
    audit.record(session, actor_kind, actor_id, "transfer.completed", "transfer", transfer.id,
                 amount=fen_to_yuan(transfer.amount_fen), from_account_id=transfer.from_account_id,
                 payee_id=transfer.payee_id)
    session.flush()


def expire(session: Session, transfer: Transfer, actor_kind: str, actor_id: int | None) -> None:
    """A live transfer past its time: ended as expired (and its approval leaves the staff queue)."""
    transfer.status = "expired"
    transfer.ended_at = clock.now()
    session.add(transfer)
    session.execute(
        update(Approval).where(col(Approval.transfer_id) == transfer.id, col(Approval.status) == "pending")
        .values(status="expired")
    )
    audit.record(session, actor_kind, actor_id, "transfer.expired", "transfer", transfer.id)
    session.flush()


def expire_due(session: Session, limit: int = 500) -> list[int]:
    """Marks live transfers past their time as expired (for a periodic job; reads already present them as
    expired). Returns their ids; the caller commits."""
    rows = session.exec(
        select(Transfer).where(col(Transfer.status).in_(LIVE), col(Transfer.expires_at) <= clock.now())
        .order_by(col(Transfer.id)).limit(limit)
    ).all()
    for row in rows:
        lock_customer(session, row.customer_id)
        session.refresh(row)
        if is_expired(row):
            expire(session, row, "system", None)
    return [saved_id(row) for row in rows if row.status == "expired"]


def _move_money(session: Session, transfer: Transfer, payee: Payee, journal_id: int | None = None) -> int:
    """The customer's account to (a shard of) the clearing account, in one balanced journal."""
    clearing = ledger.clearing_account_id(session, transfer.from_account_id)
    return ledger.post(session, "transfer", f"transfer:{transfer.id}", [
        ledger.Leg(transfer.from_account_id, -transfer.amount_fen, _debit_label(payee), payee.name),
        ledger.Leg(clearing, transfer.amount_fen, f"{_CLEARING_LABEL}{transfer.id}", payee.name, internal=True),
    ], journal_id=journal_id)


_CLEARING_LABEL = "转出清算 #"  # + the transfer's id: the clearing leg's description


def _debit_label(payee: Payee) -> str:
    """The customer's leg's description, as the statement shows it."""
    return f"转账给{payee.relationship} {payee.name}"


def own_transfer(session: Session, customer_id: int, transfer_id: int, lock: bool = False) -> Transfer:
    return own_row(session, Transfer, customer_id, transfer_id, "转账", lock)


def confirm(session: Session, settings: Settings, customer_id: int, transfer_id: int) -> Transfer:
    """Executes (or holds) a pending transfer after deciding every rule again, as of now. A pending transfer
    past its time comes back `expired` (the route commits that and answers 409 EXPIRED)."""
    lock_customer(session, customer_id)
    transfer = own_transfer(session, customer_id, transfer_id, lock=True)
    if is_expired(transfer):
        expire(session, transfer, "customer", customer_id)
        return transfer
    if transfer.status != "pending":
        raise invalid_state("只有等待确认的转账才能确认。")
    state = situation(session, customer_id, transfer.from_account_id, transfer.payee_id)
    payee = check_can_execute(settings, state, transfer.amount_fen)
    transfer.hold_reason = hold_reason(settings, payee, transfer.amount_fen, state)
    if transfer.hold_reason:
        _hold(session, settings, transfer, transfer.hold_reason, actor_kind="customer", actor_id=customer_id)
    else:
        execute(session, transfer, payee, actor_kind="customer", actor_id=customer_id)
    return transfer


def cancel(session: Session, customer_id: int, transfer_id: int) -> Transfer:
    lock_customer(session, customer_id)
    transfer = own_transfer(session, customer_id, transfer_id, lock=True)
    if is_expired(transfer):
        expire(session, transfer, "customer", customer_id)  # nothing moves either way: the answer says expired
        return transfer
    if transfer.status not in LIVE:
        raise invalid_state("这笔转账已经办完或已取消，不能再取消。")
    transfer.status = "cancelled"
    transfer.ended_at = clock.now()
    session.add(transfer)
    approval = session.exec(select(Approval).where(Approval.transfer_id == transfer.id)).first()
    if approval is not None and approval.status == "pending":
        approval.status = "cancelled"
        session.add(approval)
    audit.record(session, "customer", customer_id, "transfer.cancelled", "transfer", transfer.id)
    session.flush()
    return transfer
