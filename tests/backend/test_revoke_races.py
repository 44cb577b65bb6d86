"""Revoke racing the settlement (issue 12): two threads, one revoking a scheduled transfer and one settling it
the moment it is due, many times, on SQLite and on PostgreSQL. Each race ends exactly one way (completed and
the revoke refused, or revoked and the settlement a no-op), the money goes exactly one way, and the books
balance to the fen. Then a property test: any mix of transfers (real-time, 2 hours, next day), revokes, fraud
stops and settlements keeps the books balanced and each customer's balance what the outcomes say."""
from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import Session

from backend.core.config import Settings
from backend.core.db import write_session
from backend.errors import AppError
from backend.models import Customer, Transfer
from backend.services import clock, fraud, ledger, settlement, transfers
from tests.backend.factories import CustomerFixture, create_customer
from tests.backend.helpers import balance_fen
from tests.backend.test_services_properties import check_books

ROUNDS = 25
OPENING_FEN = 100_000_00

pytestmark = pytest.mark.postgres  # the db_url fixture runs each test on SQLite and on PostgreSQL


def in_transit_fen(engine: Engine) -> int:
    with Session(engine) as session:
        return balance_fen(engine, ledger.internal_account_id(session, settlement.IN_TRANSIT))


def schedule(engine: Engine, settings: Settings, who: CustomerFixture, amount_fen: int, payee: str = "侄子",
             mode: str | None = None) -> Transfer:
    with write_session(engine) as session:
        transfer, _ = transfers.create(session, settings, who.id, who.accounts["demand"], who.payees[payee],
                                       amount_fen, "", arrival_mode=mode)
        session.commit()
    return transfer


def revoke(engine: Engine, who: CustomerFixture, transfer_id: int) -> str:
    with write_session(engine) as session:
        try:
            settlement.revoke(session, who.id, transfer_id)
            session.commit()
        except AppError as refusal:
            session.rollback()
            return refusal.code
    return "revoked"


def stop(engine: Engine, settings: Settings, who: CustomerFixture) -> list[int]:
    with write_session(engine) as session:
        revoked = fraud.start_cooling_off(session, settings, who.id, "fraud.stop").revoked_transfer_ids
        session.commit()
    return revoked


def race(first: Callable[[], object], second: Callable[[], object], reverse: bool) -> list[object]:
    """Runs both at the same moment (a barrier), in two threads started in either order; their results."""
    start = threading.Barrier(2)
    results: list[object] = [None, None]

    def run(index: int, work: Callable[[], object]) -> None:
        start.wait()
        results[index] = work()

    threads = [threading.Thread(target=run, args=(0, first)), threading.Thread(target=run, args=(1, second))]
    for thread in reversed(threads) if reverse else threads:
        thread.start()
    for thread in threads:
        thread.join(60)
        assert not thread.is_alive()
    return results


def status_of(engine: Engine, transfer_id: int) -> str:
    with Session(engine) as session:
        row = session.get(Transfer, transfer_id)
        assert row is not None
        return row.status


def test_revoke_racing_the_settlement_ends_one_way_only(engine: Engine, settings: Settings):
    who = create_customer(engine, settings, "赛跑奶奶", {"demand": OPENING_FEN}, {"侄子": 10})
    transit_before = in_transit_fen(engine)
    expected_balance = OPENING_FEN
    outcomes: dict[str, int] = {"revoked": 0, "completed": 0}
    for round_no in range(ROUNDS):
        amount = 100_00 + round_no
        transfer = schedule(engine, settings, who, amount)
        assert transfer.arrives_at is not None
        due = transfer.arrives_at + timedelta(seconds=1)
        results = race(
            lambda transfer_id=transfer.id: revoke(engine, who, transfer_id),  # type: ignore[misc]
            lambda transfer_id=transfer.id, due=due: settlement.settle_one(engine, transfer_id, due),  # type: ignore[misc]
            reverse=bool(round_no % 2),
        )
        results = {"revoke": results[0], "settle": results[1]}
        final = status_of(engine, transfer.id)  # type: ignore[arg-type]
        assert final in outcomes, final
        outcomes[final] += 1
        if final == "revoked":
            assert (results["revoke"], results["settle"]) == ("revoked", False)
        else:
            assert (results["revoke"], results["settle"]) == ("NOT_REVOCABLE", True)
            expected_balance -= amount
        assert balance_fen(engine, who.accounts["demand"]) == expected_balance
        # Once ended, neither side can change it any more.
        assert not settlement.settle_one(engine, transfer.id, due)  # type: ignore[arg-type]
        assert revoke(engine, who, transfer.id) == ("revoked" if final == "revoked" else "NOT_REVOCABLE")  # type: ignore[arg-type]
    assert sum(outcomes.values()) == ROUNDS
    assert in_transit_fen(engine) == transit_before  # nothing of hers is left in transit
    check_books(engine)


def test_a_fraud_stop_racing_the_settlement_ends_one_way_only(engine: Engine, settings: Settings):
    who = create_customer(engine, settings, "报警奶奶", {"demand": OPENING_FEN}, {"侄子": 10})
    expected_balance = OPENING_FEN
    for round_no in range(6):
        transfer = schedule(engine, settings, who, 500_00)
        due = transfer.arrives_at + timedelta(seconds=1)  # type: ignore[operator]
        results = race(
            lambda: stop(engine, settings, who),
            lambda transfer_id=transfer.id, due=due: settlement.settle_one(engine, transfer_id, due),  # type: ignore[misc]
            reverse=bool(round_no % 2),
        )
        results = {"stop": results[0], "settle": results[1]}
        final = status_of(engine, transfer.id)  # type: ignore[arg-type]
        if final == "revoked":
            assert (results["stop"], results["settle"]) == ([transfer.id], False)
        else:
            assert (final, results["stop"], results["settle"]) == ("completed", [], True)
            expected_balance -= 500_00
        assert balance_fen(engine, who.accounts["demand"]) == expected_balance
        with write_session(engine) as session:  # the next round's transfer must not be held by the cooling-off
            session.execute(Customer.__table__.update().where(Customer.id == who.id).values(cooling_off_until=None))  # type: ignore[attr-defined]
            session.commit()
    check_books(engine)


transfer_op = st.tuples(st.just("transfer"), st.integers(0, 1), st.sampled_from(["王小明", "侄子"]),
                        st.sampled_from([None, "normal", "next_day"]), st.integers(1, 3_000_00))
revoke_op = st.tuples(st.just("revoke"), st.integers(0, 1), st.integers(0, 20))
settle_op = st.tuples(st.just("settle"), st.sampled_from([1, 3, 25]))
stop_op = st.tuples(st.just("stop"), st.integers(0, 1))
OPS = st.lists(st.one_of(transfer_op, transfer_op, revoke_op, settle_op, stop_op), min_size=1, max_size=12)


@hsettings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=OPS)
def test_the_books_balance_through_any_mix_of_transfers_revokes_and_settlements(
    engine: Engine, settings: Settings, ops: list[tuple]
):
    people = [create_customer(engine, settings, f"混合{i}", {"demand": 5_000_00}, {"王小明": 365, "侄子": 10})
              for i in range(2)]
    expected = [5_000_00, 5_000_00]
    made: list[list[tuple[int, int]]] = [[], []]  # per customer: (transfer id, amount) that moved money
    offset = timedelta(0)
    for op in ops:
        if op[0] == "transfer":
            _, who, payee, mode, amount = op
            if payee == "侄子" and mode == "normal":
                mode = "next_day"  # faster than a new payee's default is refused (tested in test_arrival.py)
            try:
                transfer = schedule(engine, settings, people[who], amount, payee, mode)
            except AppError as refusal:
                assert refusal.code in {"INSUFFICIENT_FUNDS", "DAILY_LIMIT"}
                continue
            if transfer.status in ("completed", "scheduled"):
                expected[who] -= amount
                made[who].append((transfer.id, amount))  # type: ignore[arg-type]
        elif op[0] == "revoke":
            _, who, index = op
            if not made[who]:
                continue
            transfer_id, amount = made[who][index % len(made[who])]
            before = status_of(engine, transfer_id)
            outcome = revoke(engine, people[who], transfer_id)
            if before == "scheduled":
                assert outcome == "revoked"
                expected[who] += amount
            else:
                assert outcome == ("revoked" if before == "revoked" else "NOT_REVOCABLE")
        elif op[0] == "settle":
            offset += timedelta(hours=op[1])
            settlement.settle_due(engine, clock.now() + offset)
        else:
            who = op[1]
            revoked = stop(engine, settings, people[who])
            expected[who] += sum(amount for transfer_id, amount in made[who] if transfer_id in revoked)
        for i, person in enumerate(people):
            assert balance_fen(engine, person.accounts["demand"]) == expected[i]
    check_books(engine)
