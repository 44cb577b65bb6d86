"""The backend's half of the fraud guard (issue 9).

The policy itself (families, rules, normalisation) lives in the shared `rules` package, the same code the
dialogue uses, so the two can never disagree. Here:

* `screen(...)`: what the customer wrote or said in a money flow (note, context, payee) against that policy;
* `start_cooling_off(...)`: a fraud stop (from the dialogue, POST /fraud/stops) or the backend's own scam hit
  puts the customer under a cooling-off stored on the customer's row, so every backend instance, and a
  restart, sees it. Until it ends every new transfer (and every confirmation) is held for staff with
  SCAM_RISK; at the stop every pending transfer, deposit and early withdrawal is cancelled and every held transfer is marked
  SCAM_RISK for its reviewer. One transaction: the hold, the cancellations and the audit entry stay together.

A repeat is safe: the hold is extended to now + the cooling-off (never shortened), already cancelled records
are not touched again.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import Engine, bindparam, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from backend.core.config import Settings
from backend.core.db import write_session
from backend.core.tables import saved_id, table_of
from backend.models import Approval, BillPayment, Customer, TimeDeposit, Transfer
from backend.services import audit, clock, settlement, withdrawals
from backend.services.customers import lock_customer
from rules import fraud as fraud_rules
from rules.redact import redact_digits

# The records a fraud stop ends while they wait for their "是" (one body for both, typed for each).
_Pending = TypeVar("_Pending", TimeDeposit, BillPayment)

SCAM_RISK = "SCAM_RISK"
CHANNELS = ("web", "phone", "kiosk")
_CUSTOMERS = table_of(Customer)
_COOLING_OFF = core_select(_CUSTOMERS.c.cooling_off_until).where(_CUSTOMERS.c.id == bindparam("customer_id"))


def screen(*texts: str) -> fraud_rules.FraudHit | None:
    """The first hit of the shared fraud policy in any of the texts (each screened on its own, so words of two
    fields never join into a pattern that neither holds)."""
    for text in texts:
        if text:
            hit = fraud_rules.screen(text)
            if hit is not None:
                return hit
    return None


def known_family(family: str) -> bool:
    return family in fraud_rules.FAMILIES or family == fraud_rules.GENERIC


def active(until: datetime | None, now: datetime | None = None) -> datetime | None:
    """The end of a cooling-off that is still running, else None."""
    return until if until is not None and until > (now or clock.now()) else None


def cooling_off_until(session: Session, customer_id: int) -> datetime | None:
    return active(session.execute(_COOLING_OFF, {"customer_id": customer_id}).scalar_one_or_none())


@dataclass
class StopOutcome:
    cooling_off_until: datetime
    cancelled_transfer_ids: list[int] = field(default_factory=list)
    cancelled_deposit_ids: list[int] = field(default_factory=list)
    cancelled_bill_payment_ids: list[int] = field(default_factory=list)
    cancelled_withdrawal_ids: list[int] = field(default_factory=list)  # pending early withdrawals
    held_transfer_ids: list[int] = field(default_factory=list)  # already with staff, now marked SCAM_RISK
    # Scheduled (delayed-arrival) transfers not yet arrived: taken back to the customer.
    revoked_transfer_ids: list[int] = field(default_factory=list)


def start_cooling_off(
    session: Session, settings: Settings, customer_id: int, action: str, **detail: object
) -> StopOutcome:
    """Starts (or extends) the customer's cooling-off and stops every money flow in progress. The caller
    commits. `action` names the audit entry (fraud.stop, transfer.scam_suspected); `detail` goes with it."""
    lock_customer(session, customer_id)
    now = clock.now()
    current = cooling_off_until(session, customer_id)
    until = max(current or now, now + timedelta(hours=settings.fraud_cooling_off_hours))
    session.execute(update(_CUSTOMERS).where(_CUSTOMERS.c.id == customer_id).values(cooling_off_until=until))
    outcome = StopOutcome(cooling_off_until=until)

    in_flight = session.exec(
        select(Transfer).where(col(Transfer.customer_id) == customer_id, col(Transfer.status).in_(("pending", "held")))
        .order_by(col(Transfer.id))
        .with_for_update()
    ).all()
    for transfer in in_flight:
        if transfer.expires_at is not None and transfer.expires_at <= now:
            _end(session, transfer, "expired", now)
        elif transfer.status == "pending":
            _end(session, transfer, "cancelled", now)
            outcome.cancelled_transfer_ids.append(saved_id(transfer))
        else:
            # Held: the money has not moved and staff decide; they must know the customer was being scammed.
            transfer.hold_reason = SCAM_RISK
            session.add(transfer)
            _set_approval(session, saved_id(transfer), reason=SCAM_RISK)
            outcome.held_transfer_ids.append(saved_id(transfer))

    outcome.cancelled_deposit_ids = _end_pending(session, TimeDeposit, customer_id, now)
    outcome.cancelled_bill_payment_ids = _end_pending(session, BillPayment, customer_id, now)

    outcome.cancelled_withdrawal_ids = withdrawals.cancel_all_pending(session, customer_id, now)
    # The very case delayed arrival exists for: money on its way to a scammer comes back.
    outcome.revoked_transfer_ids = settlement.revoke_all_scheduled(session, customer_id, reason="fraud_stop")

    audit.record(session, "customer", customer_id, action, "customer", customer_id, **detail,
                 cooling_off_until=until.isoformat(), cancelled_transfer_ids=outcome.cancelled_transfer_ids,
                 cancelled_deposit_ids=outcome.cancelled_deposit_ids,
                 cancelled_bill_payment_ids=outcome.cancelled_bill_payment_ids,
                 cancelled_withdrawal_ids=outcome.cancelled_withdrawal_ids,
                 held_transfer_ids=outcome.held_transfer_ids, revoked_transfer_ids=outcome.revoked_transfer_ids)
    session.flush()
    return outcome


def _end_pending(session: Session, model: type[_Pending], customer_id: int,
                 now: datetime) -> list[int]:
    """Ends the customer's pending records of one kind (a deposit or a bill payment waiting for its "是"): past
    their time they are expired, the others cancelled. The ids of the cancelled ones."""
    rows = session.exec(
        select(model).where(model.customer_id == customer_id, model.status == "pending")
        .order_by(col(model.id))
        .with_for_update()
    ).all()
    cancelled: list[int] = []
    for row in rows:
        row.status = "expired" if row.expires_at is not None and row.expires_at <= now else "cancelled"
        row.ended_at = now
        session.add(row)
        if row.status == "cancelled":
            cancelled.append(saved_id(row))
    return cancelled


def _end(session: Session, transfer: Transfer, status: str, now: datetime) -> None:
    transfer.status = status
    transfer.ended_at = now
    session.add(transfer)
    _set_approval(session, saved_id(transfer), status="cancelled" if status == "cancelled" else status)


def _set_approval(session: Session, transfer_id: int, **values: str) -> None:
    session.execute(
        update(Approval).where(col(Approval.transfer_id) == transfer_id, col(Approval.status) == "pending")
        .values(**values)
    )


def stop(
    session: Session, settings: Settings, customer_id: int, family: str, channel: str, text: str,
    transfer_id: int | None,
) -> StopOutcome:
    """POST /fraud/stops: the dialogue stopped a scam. The text is redacted again (the dialogue should have
    done it; a card number or a code must never reach the audit log either way)."""
    own = transfer_id is not None and session.exec(
        select(Transfer.id).where(Transfer.id == transfer_id, Transfer.customer_id == customer_id)
    ).first() is not None
    return start_cooling_off(
        session, settings, customer_id, "fraud.stop", family=family, channel=channel,
        text=redact_digits(text), transfer_id=transfer_id if own else None,
    )


def record_scam_hit(
    engine: Engine, settings: Settings, customer_id: int, hit: fraud_rules.FraudHit, payee_id: int
) -> None:
    """The backend's own scam hit on a transfer: audited and the cooling-off started in a transaction of its
    own (the refused transfer itself was rolled back), so the hold never depends on the dialogue."""
    with write_session(engine) as session:
        start_cooling_off(session, settings, customer_id, "transfer.scam_suspected",
                          family=hit.family, rule=hit.rule, payee_id=payee_id)
        session.commit()
