"""Time deposits at maturity: the term interest is paid, then the deposit renews (自动转存) or goes back.

At a deposit's maturity date the bank pays the term interest (its `expected_interest_fen`, fixed at opening, or
recomputed on the remaining principal by a partial early withdrawal, which leaves the rest in the time account)
from its interest-expense account, in one balanced, audited journal, and then, as the customer chose when
opening (`maturity_choice`):

* `renew` (the default, 自动转存): principal + interest become a new deposit of the same product at the
  product's rate of today, opened on the old maturity date, in the same time account (the money does not move;
  only the interest is credited to it). The old deposit is `matured`, the new one records `renewed_from_id`.
* `demand`: principal + interest go back to the account the deposit came from (a demand or pension account;
  the customer's first open demand account if that one is closed) and the time account is closed.

A deposit found long after its maturity is handled as of each maturity date in turn: a renewing 3-month deposit
310 days overdue renews three times (each new deposit opened on the previous maturity date, so its interest
is the same as if the job had run on time), a `demand` one pays out once. No interest is paid for days after
maturity that the job missed (the money sat in the time account); the term interest is.

Exactly once: each maturity is one transaction under the customer's lock (the lock every money movement of
that customer takes), which re-reads the deposit and skips it unless it is still `active` and due; the same
transaction inserts the (deposit, maturity date) row of `deposit_maturities`, whose unique constraint is the
idempotency key, so two runners at the same moment, on any number of instances, pay once.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend.core.db import read_session, write_session
from backend.core.tables import saved_id
from backend.models import Account, DepositMaturity, SavingsProduct, TimeDeposit
from backend.services import audit, clock, interest, ledger
from backend.services.amounts import fen_to_yuan
from backend.services.customers import lock_customer

log = logging.getLogger("backend.maturity")

RENEW = "renew"
DEMAND = "demand"
MATURED = "matured"
# One run handles at most this many maturities; the next run continues (a backlog cannot hold a lease forever).
MAX_PER_RUN = 10_000


@dataclass
class MaturityReport:
    renewed: list[int] = field(default_factory=list)  # ids of the deposits that matured and renewed
    paid_out: list[int] = field(default_factory=list)  # ids of the deposits paid back to a current account
    failed: list[int] = field(default_factory=list)  # ids that raised (logged; retried on the next run)

    @property
    def handled(self) -> int:
        return len(self.renewed) + len(self.paid_out)


def due_deposit_ids(engine: Engine, today: date, after_id: int = 0, limit: int = 500) -> list[int]:
    with read_session(engine) as session:
        rows = session.exec(
            select(TimeDeposit.id)
            .where(TimeDeposit.status == "active", TimeDeposit.maturity_date <= today, col(TimeDeposit.id) > after_id)
            .order_by(col(TimeDeposit.id))
            .limit(limit)
        ).all()
    return [row for row in rows if row is not None]


def _payout_account(session: Session, deposit: TimeDeposit) -> Account:
    source = session.get(Account, deposit.source_account_id)
    if source is not None and source.closed_at is None:
        return source
    fallback = session.exec(
        select(Account).where(Account.customer_id == deposit.customer_id, Account.kind == "demand",
                              col(Account.closed_at).is_(None))
        .order_by(col(Account.id))
    ).first()
    if fallback is None:
        raise RuntimeError(f"deposit {deposit.id}: no open current account to pay into")
    return fallback


def mature_one(engine: Engine, deposit_id: int, today: date) -> str | None:
    """Handles one maturity of one deposit in its own transaction; returns `renew`/`demand`, or None when the
    deposit is not (or no longer) due: another runner got there first, or it is not active."""
    with write_session(engine) as session:
        customer_id = session.exec(select(TimeDeposit.customer_id).where(TimeDeposit.id == deposit_id)).first()
        if customer_id is None:
            return None
        lock_customer(session, customer_id)
        # Re-read under the lock: whatever another runner committed meanwhile is seen here.
        deposit = session.exec(
            select(TimeDeposit).where(TimeDeposit.id == deposit_id).with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        if deposit.status != "active" or deposit.maturity_date > today or deposit.account_id is None:
            return None
        try:
            outcome = _mature(session, deposit)
            session.commit()
        except IntegrityError:
            # The (deposit, maturity date) row exists: another runner paid it. Nothing of ours stays.
            session.rollback()
            return None
        return outcome


def _mature(session: Session, deposit: TimeDeposit) -> str:
    interest_fen = deposit.expected_interest_fen
    time_account = session.get(Account, deposit.account_id)
    product = session.get(SavingsProduct, deposit.product_id)
    assert time_account is not None and product is not None
    interest_account = ledger.internal_account_id(session, ledger.INTEREST)
    reference = f"deposit:{deposit.id}:matured:{deposit.maturity_date.isoformat()}"
    new_deposit: TimeDeposit | None = None
    if deposit.maturity_choice == DEMAND:
        target = _payout_account(session, deposit)
        legs = [
            ledger.Leg(saved_id(time_account), -deposit.principal_fen, "定期到期本金", target.name),
            ledger.Leg(saved_id(target), deposit.principal_fen, "定期到期本金", time_account.name),
            ledger.Leg(interest_account, -interest_fen, f"利息 存单#{deposit.id}", internal=True),
            ledger.Leg(saved_id(target), interest_fen, "定期到期利息", time_account.name),
        ]
        journal_id = ledger.post(session, "deposit_matured", reference, legs)
        time_account.closed_at = clock.now()
        session.add(time_account)
        outcome = DEMAND
    else:
        journal_id = ledger.post(session, "deposit_matured", reference, [
            ledger.Leg(interest_account, -interest_fen, f"利息 存单#{deposit.id}", internal=True),
            ledger.Leg(saved_id(time_account), interest_fen, "定期到期利息（自动转存）", "利息"),
        ])
        principal = deposit.principal_fen + interest_fen
        opened_on = deposit.maturity_date
        new_deposit = TimeDeposit(
            customer_id=deposit.customer_id, product_id=deposit.product_id, account_id=deposit.account_id,
            source_account_id=deposit.source_account_id, principal_fen=principal, rate_bp=product.rate_bp,
            opened_on=opened_on, maturity_date=clock.add_months(opened_on, product.term_months),
            expected_interest_fen=interest.expected_interest_fen(principal, product.rate_bp, product.term_months),
            status="active", maturity_choice=RENEW, renewed_from_id=deposit.id,
        )
        session.add(new_deposit)
        session.flush()
        outcome = RENEW
    deposit.status = MATURED
    deposit.closed_on = deposit.maturity_date
    deposit.interest_paid_fen = interest_fen
    session.add(deposit)
    session.add(DepositMaturity(
        deposit_id=saved_id(deposit), maturity_date=deposit.maturity_date, outcome=outcome,
        interest_fen=interest_fen, journal_id=journal_id,
        new_deposit_id=new_deposit.id if new_deposit is not None else None,
    ))
    audit.record(session, "system", None, "deposit.matured", "deposit", deposit.id,
                 customer_id=deposit.customer_id, maturity_date=deposit.maturity_date.isoformat(), outcome=outcome,
                 principal=fen_to_yuan(deposit.principal_fen), interest=fen_to_yuan(interest_fen),
                 new_deposit_id=new_deposit.id if new_deposit is not None else None)
    session.flush()
    return outcome


def mature_due(engine: Engine, today: date | None = None, max_count: int = MAX_PER_RUN) -> MaturityReport:
    """Every maturity due on or before `today` (China calendar day; default today), renewals of renewals
    included, each in its own transaction. Safe to run on several instances at once (see the module docstring)."""
    today = today or clock.today_cn()
    report = MaturityReport()
    # One pass in id order: a renewal gets a higher id than the deposit it continues, so a renewal that is
    # itself due (a deposit found long after its maturity) comes up later in the same pass.
    cursor = 0
    while report.handled + len(report.failed) < max_count:
        ids = due_deposit_ids(engine, today, after_id=cursor)
        if not ids:
            break
        for deposit_id in ids:
            cursor = deposit_id
            try:
                outcome = mature_one(engine, deposit_id, today)
            except Exception as exc:  # one bad deposit must not stop the others; it is retried next run
                log.error("deposit maturity failed for deposit %s: %s", deposit_id, type(exc).__name__)
                report.failed.append(deposit_id)
                continue
            if outcome == RENEW:
                report.renewed.append(deposit_id)
            elif outcome == DEMAND:
                report.paid_out.append(deposit_id)
            # None: another runner has it, or it stopped being due
    return report
