"""Delayed arrival (延时到账, issue 12): a transfer arrives in real time, in 2 hours or the next day (24 hours),
as the PBOC lets customers choose, and can be revoked until it arrives.

* Mode: a payee saved less than `new_payee_delay_days` (30) ago gets `next_day` by default, any other payee
  `realtime`. The customer may choose a slower mode; a faster one than a new payee's default is refused
  (ARRIVAL_MODE_NOT_ALLOWED): the delay is the window in which a scammed senior, or her family, can still stop it.
* Schedule (confirm, a direct transfer, a staff approval): after every rule of services/transfers.py the money
  leaves the customer's account for the bank's in-transit account (INTERNAL-IN-TRANSIT) in one balanced,
  audited journal: status `scheduled`, `executed_at` now (limits count it from now on: the money has left her),
  `arrives_at` now + the mode's delay.
* Settle (the settlement job, `python -m backend.jobs settle`): at `arrives_at` in-transit -> clearing (the
  payee's side, like a real-time transfer), status `completed`.
* Revoke (POST /transfers/{id}/revoke, and every scheduled transfer at a fraud stop): in-transit -> back to the
  customer's account, status `revoked`; it no longer counts toward her limits.

Exactly once: settle and revoke each claim the transfer with one conditional UPDATE ... WHERE status =
'scheduled' and post their journal in the same transaction. On PostgreSQL the second UPDATE waits for the first
one's row lock and then finds the status changed (no row: it does nothing); SQLite serialises writers. So a
revoke racing the settlement ends one way only, on any number of instances, and the books always balance.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, update
from sqlmodel import Session, col, select

from backend.core.config import Settings
from backend.core.db import read_session, write_session
from backend.core.tables import saved_id, table_of
from backend.errors import AppError, ErrorCode, not_found
from backend.models import Account, Payee, Transfer
from backend.services import audit, clock, ledger
from backend.services.amounts import fen_to_yuan
from backend.services.customers import lock_customer
from rules import limits
from rules.arrival import DELAYS, MODES, NEXT_DAY, NORMAL, REALTIME

__all__ = ["DELAYS", "MODES", "NEXT_DAY", "NORMAL", "REALTIME"]  # (callers name them settlement.X)

log = logging.getLogger("backend.settlement")

SCHEDULED, REVOKED = "scheduled", "revoked"
IN_TRANSIT = "INTERNAL-IN-TRANSIT"  # migration 0009
SETTLEMENT_JOB = "transfer_settlement"  # its job_leases row (migration 0009)
MAX_PER_RUN = 10_000  # one run settles at most this many; the next run continues

_TRANSFERS = table_of(Transfer)

_NOT_ARRIVED_YET = "这笔钱还没有转出，不用撤回；不想转的话，可以直接取消。"
_REVOKE_REFUSALS = {
    "completed": ErrorCode.NOT_REVOCABLE.message,
    "pending": _NOT_ARRIVED_YET,
    "held": _NOT_ARRIVED_YET,
}


def is_new_payee(settings: Settings, payee: Payee, now: datetime | None = None) -> bool:
    return limits.new_payee_delayed(payee.created_at, now or clock.now(), settings.new_payee_delay_days)


def default_mode(settings: Settings, payee: Payee) -> str:
    return NEXT_DAY if is_new_payee(settings, payee) else REALTIME


def choose_mode(settings: Settings, payee: Payee, requested: str | None) -> str:
    """The transfer's mode: the default, or the customer's slower choice. Faster than a new payee's default
    (realtime or 2 hours to a payee saved less than 30 days ago) is refused, never silently changed."""
    default = default_mode(settings, payee)
    if requested is None:
        return default
    if DELAYS[requested] < DELAYS[default]:
        raise ErrorCode.ARRIVAL_MODE_NOT_ALLOWED.error()
    return requested


def estimated_arrival(mode: str, moment: datetime) -> datetime | None:
    return None if mode == REALTIME else moment + DELAYS[mode]


def schedule(session: Session, transfer: Transfer, payee: Payee, actor_kind: str, actor_id: int | None) -> None:
    """The transfer's rules were just decided: the customer's account -> in-transit, status scheduled. The
    caller holds the customer's lock; the debit is conditional (INSUFFICIENT_FUNDS rolls everything back)."""
    now = clock.now()
    if transfer.id is None:
        session.add(transfer)
        session.flush()
    in_transit = ledger.internal_account_id(session, IN_TRANSIT)
    transfer.journal_id = ledger.post(session, "transfer", f"transfer:{transfer.id}", [
        ledger.Leg(transfer.from_account_id, -transfer.amount_fen, f"转账给{payee.relationship} {payee.name}（在途）",
                   payee.name),
        ledger.Leg(in_transit, transfer.amount_fen, f"在途 #{transfer.id}", payee.name, internal=True),
    ])
    transfer.status = SCHEDULED
    transfer.executed_at = now
    transfer.arrives_at = now + DELAYS[transfer.arrival_mode]
    transfer.expires_at = None
    session.add(transfer)
    audit.record(session, actor_kind, actor_id, "transfer.scheduled", "transfer", transfer.id,
                 amount=fen_to_yuan(transfer.amount_fen), from_account_id=transfer.from_account_id,
                 payee_id=transfer.payee_id, arrival_mode=transfer.arrival_mode,
                 arrives_at=transfer.arrives_at.isoformat())
    session.flush()


def _claim(session: Session, transfer_id: int, status: str, due_by: datetime | None = None) -> bool:
    """scheduled -> `status`, only if it is still scheduled (and, for a settlement, due): the one winner."""
    now = clock.now()
    stmt = update(_TRANSFERS).where(_TRANSFERS.c.id == transfer_id, _TRANSFERS.c.status == SCHEDULED)
    if due_by is not None:
        stmt = stmt.where(_TRANSFERS.c.arrives_at <= due_by)
    # Session.execute is typed as returning Result for any statement; an UPDATE's result is a CursorResult,
    # the one that counts the rows matched.
    result = cast("CursorResult[Any]", session.execute(stmt.values(status=status, ended_at=now)))
    return result.rowcount == 1


def _reload(session: Session, transfer_id: int) -> Transfer:
    return session.exec(
        select(Transfer).where(Transfer.id == transfer_id).execution_options(populate_existing=True)
    ).one()


def _return_to_customer(session: Session, transfer: Transfer, actor_kind: str, actor_id: int | None,
                        reason: str) -> None:
    """In-transit -> the customer's account (the one it came from; her first open demand account if that one
    was closed meanwhile), audited. The transfer was just claimed as revoked."""
    target = session.get(Account, transfer.from_account_id)
    if target is None or target.closed_at is not None:
        target = session.exec(
            select(Account).where(Account.customer_id == transfer.customer_id, Account.kind == "demand",
                                  col(Account.closed_at).is_(None))
            .order_by(col(Account.id))
        ).first()
        if target is None:
            raise RuntimeError(f"transfer {transfer.id}: no open account to return the money to")
    in_transit = ledger.internal_account_id(session, IN_TRANSIT)
    ledger.post(session, "transfer_revoked", f"transfer:{transfer.id}:revoked", [
        ledger.Leg(in_transit, -transfer.amount_fen, f"在途退回 #{transfer.id}", internal=True),
        ledger.Leg(saved_id(target), transfer.amount_fen, "转账已撤回，退回", "撤回"),
    ])
    audit.record(session, actor_kind, actor_id, "transfer.revoked", "transfer", transfer.id,
                 amount=fen_to_yuan(transfer.amount_fen), to_account_id=target.id, reason=reason)


def revoke(session: Session, customer_id: int, transfer_id: int) -> Transfer:
    """POST /transfers/{id}/revoke. A scheduled transfer comes back (revoked); one already revoked answers as it
    is (a retried request moves nothing); anything else is 409 NOT_REVOCABLE with why. The caller commits."""
    lock_customer(session, customer_id)
    transfer = session.exec(
        select(Transfer).where(Transfer.id == transfer_id, Transfer.customer_id == customer_id)
        .execution_options(populate_existing=True)
    ).first()
    if transfer is None:
        raise not_found("转账")
    if transfer.status == REVOKED:
        return transfer
    if transfer.status != SCHEDULED or not _claim(session, transfer_id, REVOKED):
        status = _reload(session, transfer_id).status
        if status == REVOKED:  # a fraud stop took it back a moment ago
            return _reload(session, transfer_id)
        raise refusal(status)
    transfer = _reload(session, transfer_id)
    _return_to_customer(session, transfer, "customer", customer_id, "customer")
    session.flush()
    return transfer


def refusal(status: str) -> AppError:
    return ErrorCode.NOT_REVOCABLE.error(_REVOKE_REFUSALS.get(status, "这笔转账没有转出，不用撤回。"))


def revoke_all_scheduled(session: Session, customer_id: int, reason: str) -> list[int]:
    """A fraud stop: every scheduled transfer of the customer goes back to her (that is what the delay is for).
    The caller holds the customer's lock and commits. The ids revoked."""
    ids = session.exec(
        select(Transfer.id).where(Transfer.customer_id == customer_id, Transfer.status == SCHEDULED)
        .order_by(col(Transfer.id))
    ).all()
    revoked: list[int] = []
    for transfer_id in ids:
        if transfer_id is not None and _claim(session, transfer_id, REVOKED):
            _return_to_customer(session, _reload(session, transfer_id), "system", None, reason)
            revoked.append(transfer_id)
    return revoked


@dataclass
class SettlementReport:
    settled: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def due_transfer_ids(engine: Engine, now: datetime, after_id: int = 0, limit: int = 500) -> list[int]:
    with read_session(engine) as session:
        rows = session.exec(
            select(Transfer.id)
            .where(Transfer.status == SCHEDULED, col(Transfer.arrives_at) <= now, col(Transfer.id) > after_id)
            .order_by(col(Transfer.id))
            .limit(limit)
        ).all()
    return [row for row in rows if row is not None]


def settle_one(engine: Engine, transfer_id: int, now: datetime | None = None) -> bool:
    """Settles one due scheduled transfer in its own transaction: in-transit -> clearing, completed. False when
    it is not (or no longer) scheduled and due: revoked meanwhile, or another runner settled it."""
    now = now or clock.now()
    with write_session(engine) as session:
        if not _claim(session, transfer_id, "completed", due_by=now):
            session.rollback()
            return False
        transfer = _reload(session, transfer_id)
        payee = session.get(Payee, transfer.payee_id)
        assert payee is not None
        in_transit = ledger.internal_account_id(session, IN_TRANSIT)
        clearing = ledger.clearing_account_id(session, transfer.from_account_id)
        ledger.post(session, "transfer_settled", f"transfer:{transfer.id}:settled", [
            ledger.Leg(in_transit, -transfer.amount_fen, f"在途到账 #{transfer.id}", payee.name, internal=True),
            ledger.Leg(clearing, transfer.amount_fen, f"转出清算 #{transfer.id}", payee.name, internal=True),
        ])
        audit.record(session, "system", None, "transfer.settled", "transfer", transfer.id,
                     customer_id=transfer.customer_id, amount=fen_to_yuan(transfer.amount_fen),
                     arrival_mode=transfer.arrival_mode)
        session.commit()
    return True


def settle_due(engine: Engine, now: datetime | None = None, max_count: int = MAX_PER_RUN) -> SettlementReport:
    """Every scheduled transfer due by `now` (default: the bank's clock), each in its own transaction. Safe on
    several instances at once (see the module docstring)."""
    now = now or clock.now()
    report = SettlementReport()
    cursor = 0
    while len(report.settled) + len(report.failed) < max_count:
        ids = due_transfer_ids(engine, now, after_id=cursor)
        if not ids:
            break
        for transfer_id in ids:
            cursor = transfer_id
            try:
                if settle_one(engine, transfer_id, now):
                    report.settled.append(transfer_id)
            except Exception as exc:  # one bad transfer must not stop the others; retried on the next run
                log.error("settlement failed for transfer %s: %s", transfer_id, type(exc).__name__)
                report.failed.append(transfer_id)
    return report
