"""Periodic jobs of the backend: the deposit maturity job (services/maturity.py), the settlement of
delayed-arrival transfers (services/settlement.py, its own lease `transfer_settlement`) and the monthly payroll.

Every backend process runs a small background thread (setting ANXIN_MATURITY_INTERVAL_S, 3600 s; 0 turns it
off) that, at start-up and then once per interval, tries to take the job's lease: one row of `job_leases`,
taken with a single conditional UPDATE (free when expired or already ours), so in a cluster one instance runs the
job at a time and a crashed holder's lease runs out after ANXIN_MATURITY_LEASE_S. The lease only avoids
duplicated work; correctness does not depend on it: every maturity is claimed per deposit and maturity date
(services/maturity.py), so a runner that lost its lease mid-run still cannot pay anything twice.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, or_, update

from backend.core.config import Settings
from backend.core.db import write_session
from backend.core.tables import table_of
from backend.models import JobLease
from backend.services import clock, maturity, payroll, settlement

log = logging.getLogger("backend.scheduler")

MATURITY_JOB = "deposit_maturity"  # the row created by migration 0005
SETTLEMENT_INTERVAL_S = 300.0
_LEASES = table_of(JobLease)


def new_holder_id() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def take_lease(engine: Engine, name: str, holder: str, ttl_s: float) -> bool:
    """True when `holder` now holds the lease `name` for `ttl_s` seconds (free, expired, or held by it)."""
    now = clock.now()
    with write_session(engine) as session:
        # Session.execute is typed as returning Result for any statement; an UPDATE's result is a CursorResult,
        # the one that counts the rows matched.
        result = cast("CursorResult[Any]", session.execute(
            update(_LEASES)
            .where(_LEASES.c.name == name, or_(_LEASES.c.expires_at < now, _LEASES.c.holder == holder))
            .values(holder=holder, expires_at=now + timedelta(seconds=ttl_s))
        ))
        session.commit()
    return result.rowcount == 1


def release_lease(engine: Engine, name: str, holder: str) -> None:
    with write_session(engine) as session:
        session.execute(
            update(_LEASES).where(_LEASES.c.name == name, _LEASES.c.holder == holder)
            .values(holder="", expires_at=clock.now())
        )
        session.commit()


def run_maturity_job(
    engine: Engine, settings: Settings, holder: str | None = None, today: date | None = None
) -> maturity.MaturityReport | None:
    """One run under the lease; None when another instance holds it."""
    holder = holder or new_holder_id()
    if not take_lease(engine, MATURITY_JOB, holder, settings.maturity_lease_s):
        return None
    try:
        return maturity.mature_due(engine, today)
    finally:
        release_lease(engine, MATURITY_JOB, holder)


def run_settlement_job(
    engine: Engine, settings: Settings, holder: str | None = None, now: datetime | None = None
) -> settlement.SettlementReport | None:
    """One settlement run under its lease; None when another instance holds it. Correctness does not depend on
    the lease: each transfer is claimed by a conditional UPDATE, so it settles once (or is revoked) anyway."""
    holder = holder or new_holder_id()
    if not take_lease(engine, settlement.SETTLEMENT_JOB, holder, settings.maturity_lease_s):
        return None
    try:
        return settlement.settle_due(engine, now)
    finally:
        release_lease(engine, settlement.SETTLEMENT_JOB, holder)


class Scheduler:
    """The background thread started by the app (main.py) when ANXIN_MATURITY_INTERVAL_S > 0."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.holder = new_holder_id()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="anxin-scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout_s)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                report = run_maturity_job(self.engine, self.settings, self.holder)
                if report is not None and (report.handled or report.failed):
                    log.info("deposit maturity: %d renewed, %d paid out, %d failed",
                             len(report.renewed), len(report.paid_out), len(report.failed))
            except Exception as exc:  # the database may be down for a while; the next run tries again
                log.warning("deposit maturity run failed: %s", type(exc).__name__)
            try:
                settled = run_settlement_job(self.engine, self.settings, self.holder)
                if settled is not None and (settled.settled or settled.failed):
                    log.info("transfer settlement: %d settled, %d failed", len(settled.settled), len(settled.failed))
            except Exception as exc:
                log.warning("transfer settlement run failed: %s", type(exc).__name__)
            try:  # exactly once per month by its batch id, whichever instance runs it (no lease needed)
                payroll.run_monthly_if_due(self.engine, self.settings.payroll_day)
            except Exception as exc:
                log.warning("monthly payroll run failed: %s", type(exc).__name__)
            # A 2-hour transfer should not wait an hour more: settlement runs at least every 5 minutes.
            self._stop.wait(min(self.settings.maturity_interval_s, SETTLEMENT_INTERVAL_S))


def start(engine: Engine, settings: Settings) -> Scheduler | None:
    if settings.maturity_interval_s <= 0:
        return None
    scheduler = Scheduler(engine, settings)
    scheduler.start()
    return scheduler
