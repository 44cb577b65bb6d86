"""Transfer rules.

A transfer is decided and written in one database transaction, under the customer's lock:

1. only from the caller's own open demand or pension account, to one of the caller's payees;
2. scam screening of the note and the payee (SCAM_SUSPECTED, nothing is written but the audit entry);
3. per-transfer limit, then the daily limit over today's (China time) pending, held and completed transfers;
4. sufficient funds;
5. a payee added less than `new_payee_hold_hours` ago (NEW_PAYEE), or an amount at or above the large-amount
   threshold (LARGE_AMOUNT), makes the transfer `held` with an approval for staff.

Money is NOT reserved while a transfer is held or pending: the balance stays spendable, the amount counts
against the daily limit, and approval (or confirmation) re-checks the funds when it executes the transfer.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, Table, bindparam, func, insert, text
from sqlalchemy import select as core_select
from sqlmodel import Session, select

from backend.core.config import Settings
from backend.errors import AppError, not_found
from backend.models import Account, Approval, Payee, Transfer
from backend.services import audit, clock, ledger
from backend.services.amounts import fen_to_yuan
from backend.services.customers import SPENDABLE_KINDS, lock_customer, own_account
from backend.services.scam import SCAM_MESSAGE, find_scam_pattern

COUNTS_AGAINST_DAILY_LIMIT = ("pending", "held", "completed")
_TRANSFERS: Table = Transfer.__table__  # type: ignore[assignment]
_ACCOUNTS: Table = Account.__table__  # type: ignore[assignment]
_INSERT_TRANSFER = insert(_TRANSFERS).returning(_TRANSFERS.c.id)  # built once; the values come as parameters
_PAYEES: Table = Payee.__table__  # type: ignore[assignment]


class ScamSuspected(AppError):
    def __init__(self, pattern: str) -> None:
        super().__init__(422, "SCAM_SUSPECTED", SCAM_MESSAGE)
        self.pattern = pattern


def invalid_state(message: str = "这笔转账现在不能这样操作。") -> AppError:
    return AppError(409, "INVALID_STATE", message)


def hold_reason(settings: Settings, payee: Payee, amount_fen: int) -> str | None:
    if payee.created_at > clock.now() - timedelta(hours=settings.new_payee_hold_hours):
        return "NEW_PAYEE"
    if amount_fen >= settings.large_amount_fen:
        return "LARGE_AMOUNT"
    return None


def spent_today_query(customer_id: int) -> Select:  # type: ignore[type-arg]
    return select(func.coalesce(func.sum(Transfer.amount_fen), 0)).where(
        Transfer.customer_id == customer_id,
        Transfer.created_at >= clock.start_of_day_cn_utc(),  # type: ignore[operator]
        Transfer.status.in_(COUNTS_AGAINST_DAILY_LIMIT),  # type: ignore[attr-defined]
    )


# The paying account, the payee and today's total in one round trip: a Core statement built once (no ORM
# compilation or object loading per request), the same query as
# select(Account, Payee, spent_today_query(customer_id).scalar_subquery()) with an outer join on the payee.
_SPENT_TODAY = (
    core_select(func.coalesce(func.sum(_TRANSFERS.c.amount_fen), 0))
    .where(
        _TRANSFERS.c.customer_id == bindparam("customer_id"),
        _TRANSFERS.c.created_at >= bindparam("day_start"),
        _TRANSFERS.c.status.in_(COUNTS_AGAINST_DAILY_LIMIT),
    )
    .scalar_subquery()
)
_ACCOUNT_PAYEE_SPENT = (
    core_select(
        _ACCOUNTS.c.id, _ACCOUNTS.c.kind, _ACCOUNTS.c.balance_fen,
        *[column.label(f"payee_{column.name}") for column in _PAYEES.c],
        _SPENT_TODAY.label("spent"),
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


def check_limits(settings: Settings, amount_fen: int, spent: int) -> None:
    if amount_fen > settings.per_transfer_limit_fen:
        raise AppError(
            422, "PER_TRANSFER_LIMIT",
            f"单笔最多转 {fen_to_yuan(settings.per_transfer_limit_fen)} 元，这笔钱没有转出。",
        )
    if spent + amount_fen > settings.daily_limit_fen:
        left = max(settings.daily_limit_fen - spent, 0)
        raise AppError(
            422, "DAILY_LIMIT",
            f"今天累计最多转 {fen_to_yuan(settings.daily_limit_fen)} 元，今天还能转 {fen_to_yuan(left)} 元。",
        )


def create(
    session: Session,
    settings: Settings,
    customer_id: int,
    from_account_id: int,
    payee_id: int,
    amount_fen: int,
    note: str,
    require_confirmation: bool = False,
) -> tuple[Transfer, Payee]:
    """The new transfer and its payee (the session's identity map holds rows weakly, so the caller keeps the
    payee to present the transfer without loading it again)."""
    lock_customer(session, customer_id)
    # Account, payee and today's total in one round trip, read after the customer's lock was taken (so no
    # other transfer of this customer can change them meanwhile); the debit itself is conditional anyway.
    row = session.execute(_ACCOUNT_PAYEE_SPENT, {
        "customer_id": customer_id, "account_id": from_account_id, "payee_id": payee_id,
        "day_start": clock.start_of_day_cn_utc(),
    }).first()
    if row is None:
        raise not_found("账户")
    account, spent = row, row.spent
    payee = None if row.payee_id is None else Payee(**{c.name: row._mapping[f"payee_{c.name}"] for c in _PAYEES.c})
    if account.kind not in SPENDABLE_KINDS:
        raise AppError(422, "ACCOUNT_NOT_ALLOWED", "定期存单不能直接转账，请从活期或养老金账户转。")
    if payee is None:
        raise not_found("收款人")
    pattern = find_scam_pattern(note, payee.name, payee.relationship)
    if pattern:
        raise ScamSuspected(pattern)
    check_limits(settings, amount_fen, int(spent))
    if account.balance_fen < amount_fen:
        raise AppError(422, "INSUFFICIENT_FUNDS", ledger.INSUFFICIENT_FUNDS_MESSAGE)
    reason = hold_reason(settings, payee, amount_fen)
    transfer = Transfer(
        customer_id=customer_id,
        from_account_id=account.id,  # type: ignore[arg-type]
        payee_id=payee.id,  # type: ignore[arg-type]
        amount_fen=amount_fen,
        note=note,
        status="pending",
        hold_reason=reason,
    )
    if require_confirmation or reason:
        session.add(transfer)
        session.flush()
        if require_confirmation:
            audit.record(session, "customer", customer_id, "transfer.pending", "transfer", transfer.id,
                         amount=fen_to_yuan(amount_fen))
        else:
            _advance(session, transfer, payee, actor_kind="customer", actor_id=customer_id)
        return transfer, payee
    # Executed at once: the row is written once, already completed and pointing at its journal. Core inserts
    # (no unit-of-work flush); the object is only presented afterwards.
    transfer.status = "completed"
    transfer.executed_at = transfer.ended_at = clock.now()
    audit_detail = {"amount": fen_to_yuan(amount_fen), "from_account_id": transfer.from_account_id,
                    "payee_id": payee.id}
    if session.get_bind().dialect.name == "postgresql":
        # Journal, transfer and audit entry in one statement (one round trip instead of three); the money moves
        # next, in this transaction, so a refused debit rolls all three back.
        transfer.id, transfer.journal_id = session.execute(_COMPLETED_TRANSFER_PG, {
            "journal_reference": f"customer:{customer_id}", "journal_created_at": _naive_utc(clock.now()),
            "customer_id": customer_id, "from_account_id": transfer.from_account_id, "payee_id": payee.id,
            "amount_fen": amount_fen, "note": note, "created_at": _naive_utc(transfer.created_at),
            "executed_at": _naive_utc(transfer.executed_at), "audit_at": _naive_utc(clock.now()),
            "audit_detail": audit.detail_json(**audit_detail),
        }).one()
        _move_money(session, transfer, payee, transfer.journal_id)
        return transfer, payee
    transfer.journal_id = ledger.new_journal(session, "transfer", f"customer:{customer_id}")
    transfer.id = session.execute(_INSERT_TRANSFER, transfer.model_dump(exclude={"id"})).scalar_one()
    _move_money(session, transfer, payee, transfer.journal_id)
    audit.record(session, "customer", customer_id, "transfer.completed", "transfer", transfer.id, **audit_detail)
    return transfer, payee


def _naive_utc(moment: datetime) -> datetime:
    """What models.UTCDateTime stores, for raw SQL statements."""
    return moment.astimezone(UTC).replace(tzinfo=None)


# A completed transfer's rows on PostgreSQL: its journal, the transfer pointing at it, and the audit entry, in
# the same order as the statements they replace (journal first, so ids keep their order).
_COMPLETED_TRANSFER_PG = text("""
WITH journal AS (
    INSERT INTO journals (kind, reference, created_at) VALUES ('transfer', :journal_reference, :journal_created_at)
    RETURNING id
), transfer AS (
    INSERT INTO transfers (customer_id, from_account_id, payee_id, amount_fen, note, status, hold_reason,
                           journal_id, created_at, executed_at, ended_at)
    SELECT :customer_id, :from_account_id, :payee_id, :amount_fen, :note, 'completed', NULL,
           journal.id, :created_at, :executed_at, :executed_at FROM journal
    RETURNING id, journal_id
), audited AS (
    INSERT INTO audit_log (at, actor_kind, actor_id, action, target_kind, target_id, detail)
    SELECT :audit_at, 'customer', :customer_id, 'transfer.completed', 'transfer', transfer.id, :audit_detail
    FROM transfer
)
SELECT id, journal_id FROM transfer
""")


def _advance(session: Session, transfer: Transfer, payee: Payee, actor_kind: str, actor_id: int) -> None:
    """A pending transfer goes to staff when it has a hold reason, else it is executed now."""
    if transfer.hold_reason:
        transfer.status = "held"
        session.add(transfer)
        session.add(
            Approval(transfer_id=transfer.id, customer_id=transfer.customer_id, reason=transfer.hold_reason)  # type: ignore[arg-type]
        )
        audit.record(session, actor_kind, actor_id, "transfer.held", "transfer", transfer.id,
                     amount=fen_to_yuan(transfer.amount_fen), reason=transfer.hold_reason)
        session.flush()
        return
    execute(session, transfer, payee, actor_kind, actor_id)


def execute(session: Session, transfer: Transfer, payee: Payee, actor_kind: str, actor_id: int) -> None:
    """Executes a pending or held transfer: moves the money and marks it completed."""
    transfer.journal_id = _move_money(session, transfer, payee)
    transfer.status = "completed"
    transfer.executed_at = clock.now()
    transfer.ended_at = transfer.executed_at
    session.add(transfer)
    audit.record(session, actor_kind, actor_id, "transfer.completed", "transfer", transfer.id,
                 amount=fen_to_yuan(transfer.amount_fen), from_account_id=transfer.from_account_id,
                 payee_id=transfer.payee_id)
    session.flush()


def _move_money(session: Session, transfer: Transfer, payee: Payee, journal_id: int | None = None) -> int:
    """The customer's account to (a shard of) the clearing account, in one balanced journal."""
    clearing = ledger.clearing_account_id(session, transfer.from_account_id)
    label = f"转账给{payee.relationship} {payee.name}"
    return ledger.post(session, "transfer", f"transfer:{transfer.id}", [
        ledger.Leg(transfer.from_account_id, -transfer.amount_fen, label, payee.name),
        ledger.Leg(clearing, transfer.amount_fen, f"转出清算 #{transfer.id}", payee.name, internal=True),
    ], journal_id=journal_id)


def own_transfer(session: Session, customer_id: int, transfer_id: int, lock: bool = False) -> Transfer:
    stmt = select(Transfer).where(Transfer.id == transfer_id, Transfer.customer_id == customer_id)
    transfer = session.exec(stmt.with_for_update() if lock else stmt).first()
    if transfer is None:
        raise not_found("转账")
    return transfer


def confirm(session: Session, customer_id: int, transfer_id: int) -> Transfer:
    lock_customer(session, customer_id)
    transfer = own_transfer(session, customer_id, transfer_id, lock=True)
    if transfer.status != "pending":
        raise invalid_state("只有等待确认的转账才能确认。")
    own_account(session, customer_id, transfer.from_account_id, lock=True)
    payee = session.get(Payee, transfer.payee_id)
    assert payee is not None
    _advance(session, transfer, payee, actor_kind="customer", actor_id=customer_id)
    return transfer


def cancel(session: Session, customer_id: int, transfer_id: int) -> Transfer:
    lock_customer(session, customer_id)
    transfer = own_transfer(session, customer_id, transfer_id, lock=True)
    if transfer.status not in ("pending", "held"):
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
