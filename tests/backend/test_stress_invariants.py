"""Concurrent transfers against a real server: 16 clients, 20 accounts, >= 2,000 transfers with retried
Idempotency-Keys, on SQLite and on PostgreSQL. Afterwards: money conserved to the fen, no negative balance,
each key applied once, every balance equal to the sum of its ledger entries, every journal balanced."""
from __future__ import annotations

import queue
import random
import secrets
import threading
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from backend.core.db import make_engine, run_migrations
from backend.models import Account, LedgerEntry, Transfer
from backend.services import ledger
from tests.backend.conftest import FAST_HASHING, TEST_SECRET, make_settings
from tests.backend.factories import CustomerFixture, create_customer
from tests.backend.server import running_backend
from tests.support.postgres import PostgresServer

CLIENTS = 16
ACCOUNTS = 20
TRANSFERS = 2_000
RETRY_SHARE = 0.3
OPENING_FEN = 50_000_00


@pytest.fixture(params=["sqlite", "postgresql"])
def stress_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'stress.db'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = server.create_database("stress")
    run_migrations(url)
    engine = make_engine(make_settings(url))
    yield url, engine
    engine.dispose()


def server_env(url: str) -> dict[str, str]:
    env = {"ANXIN_DATABASE_URL": url, "ANXIN_TOKEN_SECRET": TEST_SECRET,
           "ANXIN_DAILY_LIMIT_FEN": str(10**12), "ANXIN_LARGE_AMOUNT_FEN": str(1_200_00),
           # Many transfers to one payee on one day: the structuring rule would hold nearly all of them.
           "ANXIN_CUMULATIVE_PAYEE_LARGE_AMOUNT_FEN": str(10**12), "ANXIN_CUMULATIVE_DAILY_LARGE_AMOUNT_FEN": str(10**12)}
    return env | {f"ANXIN_{key.upper()}": str(value) for key, value in FAST_HASHING.items()}


def test_concurrent_transfers_keep_the_books_straight(stress_db: tuple[str, Engine]):
    url, engine = stress_db
    settings = make_settings(url)
    customers = [create_customer(engine, settings, f"客户{i}", {"demand": OPENING_FEN}, {"王小明": 365})
                 for i in range(ACCOUNTS)]
    rng = random.Random(20261127)
    operations = [(rng.choice(customers), secrets.token_hex(12), rng.randint(1, 1_500_00)) for _ in range(TRANSFERS)]
    work: list[tuple[CustomerFixture, str, int]] = list(operations)
    work += rng.sample(operations, int(TRANSFERS * RETRY_SHARE))  # the same key sent again, maybe at the same time
    rng.shuffle(work)
    jobs: queue.Queue[tuple[CustomerFixture, str, int]] = queue.Queue()
    for job in work:
        jobs.put(job)
    results: list[tuple[str, int, dict]] = []
    lock = threading.Lock()

    def client_loop(base_url: str) -> None:
        with httpx.Client(base_url=base_url, timeout=60) as http:
            while True:
                try:
                    who, key, amount_fen = jobs.get_nowait()
                except queue.Empty:
                    return
                body = {"from_account_id": who.accounts["demand"], "payee_id": who.payees["王小明"],
                        "amount": f"{amount_fen // 100}.{amount_fen % 100:02d}"}
                response = http.post("/transfers", json=body, headers=who.idem(key))
                with lock:
                    results.append((key, response.status_code, response.json()))

    with running_backend(server_env(url)) as base_url:
        threads = [threading.Thread(target=client_loop, args=(base_url,)) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
    assert not any(thread.is_alive() for thread in threads)
    assert len(results) == len(work)

    statuses = defaultdict(int)
    for _, status, body in results:
        statuses[(status, body.get("code") or body.get("status"))] += 1
    assert set(statuses) <= {(201, "completed"), (201, "held"), (422, "INSUFFICIENT_FUNDS")}, statuses
    assert statuses[(201, "completed")] > TRANSFERS // 4 and statuses[(422, "INSUFFICIENT_FUNDS")] > 0, statuses

    # Each key applied at most once: every success for one key names the same transfer.
    ids_by_key: dict[str, set[int]] = defaultdict(set)
    for key, status, body in results:
        if status == 201:
            ids_by_key[key].add(body["id"])
    assert all(len(ids) == 1 for ids in ids_by_key.values())
    accepted_ids = {next(iter(ids)) for ids in ids_by_key.values()}

    account_ids = [c.accounts["demand"] for c in customers]
    with Session(engine) as session:
        transfers = session.exec(select(Transfer).where(Transfer.from_account_id.in_(account_ids))).all()  # type: ignore[attr-defined]
        assert {t.id for t in transfers} == accepted_ids
        sent_by_account: dict[int, int] = defaultdict(int)
        for t in transfers:
            if t.status == "completed":
                sent_by_account[t.from_account_id] += t.amount_fen
        accounts = session.exec(select(Account)).all()
        entry_sums = dict(session.exec(
            select(LedgerEntry.account_id, func.sum(LedgerEntry.amount_fen)).group_by(LedgerEntry.account_id)
        ).all())
        unbalanced = session.exec(
            select(LedgerEntry.journal_id).group_by(LedgerEntry.journal_id)
            .having(func.sum(LedgerEntry.amount_fen) != 0)
        ).all()
    by_id = {a.id: a for a in accounts}
    for account in accounts:
        assert account.balance_fen == int(entry_sums.get(account.id, 0)), account.number
        if account.kind != "internal":
            assert account.balance_fen >= 0
    for account_id in account_ids:
        assert by_id[account_id].balance_fen == OPENING_FEN - sent_by_account[account_id]
    assert sum(a.balance_fen for a in accounts) == 0
    clearing_fen = sum(a.balance_fen for a in accounts if ledger.is_clearing(a.number))
    assert clearing_fen == sum(sent_by_account.values())
    assert sum(by_id[i].balance_fen for i in account_ids) + clearing_fen == OPENING_FEN * ACCOUNTS
    assert unbalanced == []
