"""What one completed transfer writes (issue 14: on PostgreSQL it is written by a single statement): the
debit and the clearing shard's credit in one balanced journal, each entry with its account's balance after it,
the transfer pointing at the journal, the audit entry; and when the conditional debit is refused after the
rules passed (money left meanwhile), nothing at all."""
from __future__ import annotations

from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from backend.core.config import Settings
from backend.models import AuditLog, Journal, LedgerEntry, Transfer
from backend.services import ledger, transfers
from tests.backend.factories import CustomerFixture, create_customer
from tests.backend.helpers import audit_actions, balance_fen, entries_sum_fen


def _clearing_of(engine: Engine, account_id: int) -> int:
    with Session(engine) as session:
        return ledger.clearing_account_id(session, account_id)


def _post(client: TestClient, who: CustomerFixture, amount: str):  # type: ignore[no-untyped-def]
    return client.post("/transfers", headers=who.idem(), json={
        "from_account_id": who.accounts["demand"], "payee_id": who.payees["王小明"], "amount": amount})


def test_a_completed_transfer_is_one_balanced_journal(client: TestClient, engine: Engine, alice: CustomerFixture):
    account = alice.accounts["demand"]
    clearing = _clearing_of(engine, account)
    clearing_before = balance_fen(engine, clearing)
    response = _post(client, alice, "321.09")
    assert response.status_code == 201, response.text
    body = response.json()
    with Session(engine) as session:
        row = session.get(Transfer, body["id"])
        assert row is not None and row.status == "completed" and row.journal_id is not None
        assert (row.arrival_mode, row.executed_at is not None, row.ended_at is not None) == ("realtime", True, True)
        journal = session.get(Journal, row.journal_id)
        assert journal is not None and journal.kind == "transfer"
        entries = session.exec(select(LedgerEntry).where(LedgerEntry.journal_id == row.journal_id)
                               .order_by(LedgerEntry.id)).all()  # type: ignore[arg-type]
    assert [(e.account_id, e.amount_fen) for e in entries] == [(account, -321_09), (clearing, 321_09)]
    assert entries[0].balance_after_fen == balance_fen(engine, account) == 10_000_00 - 321_09
    assert entries[0].description == "转账给儿子 王小明"
    assert entries[1].description == f"转出清算 #{row.id}"
    assert {e.counterparty for e in entries} == {"王小明"}
    assert balance_fen(engine, clearing) == clearing_before + 321_09
    assert entries[1].balance_after_fen <= balance_fen(engine, clearing)  # others may have moved it since
    assert entries_sum_fen(engine, account) == balance_fen(engine, account)
    assert "transfer.completed" in audit_actions(engine, "customer", alice.id)


def test_a_refused_debit_writes_nothing(client: TestClient, engine: Engine, settings: Settings,
                                        monkeypatch: pytest.MonkeyPatch):
    poor = create_customer(engine, settings, "钱少", {"demand": 100_00}, {"王小明": 365})
    # The rules read a balance that is no longer there (as if money left between the read and the debit):
    # the conditional debit is what refuses, and it must leave no journal, transfer, entry or audit behind.
    real = transfers.situation
    monkeypatch.setattr(transfers, "situation",
                        lambda *args: replace(real(*args), balance_fen=10**12))
    account = poor.accounts["demand"]
    clearing = _clearing_of(engine, account)
    clearing_before = balance_fen(engine, clearing)

    def counts() -> tuple[int, int, int]:
        with Session(engine) as session:
            return (session.exec(select(func.count()).select_from(Journal)).one(),
                    session.exec(select(func.count()).select_from(LedgerEntry)).one(),
                    session.exec(select(func.count()).select_from(AuditLog)
                                 .where(AuditLog.action == "transfer.completed")).one())

    before = counts()
    response = _post(client, poor, "100.01")
    assert (response.status_code, response.json().get("code")) == (422, "INSUFFICIENT_FUNDS"), response.text
    assert balance_fen(engine, account) == 100_00
    assert balance_fen(engine, clearing) == clearing_before
    assert counts() == before
    with Session(engine) as session:
        assert not session.exec(select(Transfer).where(Transfer.customer_id == poor.id)).all()
