"""The ledger's own guarantees, below the API: balanced journals only, internal legs applied at commit and
dropped with a rollback, balances equal to the sum of entries."""
from __future__ import annotations

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from backend.core.config import Settings
from backend.core.db import write_session
from backend.models import LedgerEntry
from backend.services import ledger
from tests.backend.factories import create_customer
from tests.backend.helpers import balance_fen, entries_sum_fen


def _entry_count(engine: Engine, account_id: int) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.account_id == account_id)).one()


def test_unbalanced_journal_is_refused(engine: Engine, settings: Settings):
    who = create_customer(engine, settings)
    with write_session(engine) as session, pytest.raises(ValueError):
        ledger.post(session, "test", "x", [ledger.Leg(who.accounts["demand"], -1, "x")])


def test_internal_leg_waits_for_commit_and_vanishes_with_rollback(engine: Engine, settings: Settings):
    who = create_customer(engine, settings)
    with write_session(engine) as session:
        interest = ledger.internal_account_id(session, ledger.INTEREST)
    before = balance_fen(engine, interest), _entry_count(engine, interest)
    legs = [ledger.Leg(interest, -123, "利息", internal=True), ledger.Leg(who.accounts["demand"], 123, "利息")]

    with write_session(engine) as session:
        ledger.post(session, "test", "rolled-back", legs)
        session.rollback()
    assert (balance_fen(engine, interest), _entry_count(engine, interest)) == before
    assert balance_fen(engine, who.accounts["demand"]) == 10_000_00

    with write_session(engine) as session:
        ledger.post(session, "test", "committed", legs)
        session.commit()
    assert balance_fen(engine, interest) == before[0] - 123
    assert _entry_count(engine, interest) == before[1] + 1
    assert balance_fen(engine, who.accounts["demand"]) == 10_000_00 + 123
    for account_id in (interest, who.accounts["demand"]):
        assert balance_fen(engine, account_id) == entries_sum_fen(engine, account_id)


def test_overdraft_is_refused_by_the_ledger_itself(engine: Engine, settings: Settings):
    who = create_customer(engine, settings, accounts={"demand": 100})
    with write_session(engine) as session:
        clearing = ledger.clearing_account_id(session, who.accounts["demand"])
        with pytest.raises(Exception) as refused:
            ledger.post(session, "test", "overdraft", [
                ledger.Leg(who.accounts["demand"], -101, "x"), ledger.Leg(clearing, 101, "x", internal=True)])
        assert getattr(refused.value, "code", None) == "INSUFFICIENT_FUNDS"
    assert balance_fen(engine, who.accounts["demand"]) == 100
