"""Partial early withdrawal (部分提前支取, issue 11): once per deposit, the part taken earns the demand rate for
the days held, the rest keeps its opening day, rate and maturity date and matures with the term interest of the
remaining principal. One balanced, audited journal; confirm re-checks everything; idempotent by key. (A fraud
stop cancelling a pending partial record: tests/backend/test_withdrawal_records.py.)

Known figures: 一年定期 (TD12, 1.10 %) of 9000.00 opened on 2026-03-01 (China), 活期 0.10 % on a 360-day year.
After 100 days 4000.00 is taken: 4000 x 0.10 % x 100 / 360 = 1.11 interest; the remainder 5000.00 expects
5000 x 1.10 % = 55.00 at 2027-03-01; the part would have earned 99.00 - 55.00 = 44.00, so 42.89 is lost."""
from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import Session, select

from backend.core.config import Settings
from backend.core.db import write_session
from backend.errors import AppError
from backend.models import Account, LedgerEntry, SavingsProduct, TimeDeposit
from backend.services import clock, deposits, maturity, withdrawals
from tests.backend.factories import CustomerFixture, create_customer
from tests.backend.helpers import MovingClock, audit_actions, balance_fen
from tests.backend.test_services_properties import check_books

OPENED = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in China on 2026-03-01
MATURITY = date(2027, 3, 1)


@pytest.fixture
def opened_clock(moving_clock: MovingClock) -> MovingClock:
    moving_clock.current = OPENED
    return moving_clock


def _open(client: TestClient, who: CustomerFixture, amount: str = "9000.00", choice: str = "demand") -> dict:
    product = next(p for p in client.get("/savings/products").json() if p["code"] == "TD12")
    body = {"product_id": product["id"], "from_account_id": who.accounts["demand"], "amount": amount,
            "maturity_choice": choice}
    resp = client.post("/deposits", json=body, headers=who.idem())
    assert resp.status_code == 201, resp.text
    return resp.json()


def _preview(client: TestClient, who: CustomerFixture, deposit_id: int, amount: str | None = None):  # type: ignore[no-untyped-def]
    params = {} if amount is None else {"amount": amount}
    return client.get(f"/deposits/{deposit_id}/early-withdrawal", params=params, headers=who.headers)


def _withdraw(client: TestClient, who: CustomerFixture, deposit_id: int, amount: str | None,  # type: ignore[no-untyped-def]
              confirm: bool = False, key: str | None = None):
    body: dict[str, object] = {"require_confirmation": confirm}
    if amount is not None:
        body["amount"] = amount
    return client.post(f"/deposits/{deposit_id}/early-withdrawal", json=body, headers=who.idem(key))


def _time_account_balance(engine: Engine, deposit_id: int) -> int:
    with Session(engine) as session:
        row = session.get(TimeDeposit, deposit_id)
        assert row is not None and row.account_id is not None
        return balance_fen(engine, row.account_id)


def test_preview_of_a_partial_withdrawal_to_the_fen(client: TestClient, alice: CustomerFixture,
                                                    opened_clock: MovingClock):
    deposit = _open(client, alice)
    opened_clock.advance(days=100)
    resp = _preview(client, alice, deposit["id"], "4000.00")
    assert resp.status_code == 200, resp.text
    got = resp.json()
    assert got["partial"] is True
    assert (got["amount"], got["principal"], got["deposit_principal"]) == ("4000.00", "4000.00", "9000.00")
    assert (got["interest"], got["total"], got["days_held"]) == ("1.11", "4001.11", 100)
    assert (got["expected_interest_if_held"], got["lost_interest"]) == ("44.00", "42.89")
    assert (got["remaining_principal"], got["remaining_expected_interest"]) == ("5000.00", "55.00")
    assert got["remaining_maturity_date"] == got["maturity_date"] == MATURITY.isoformat()
    assert got["days_to_maturity"] == (MATURITY - date(2026, 6, 9)).days
    assert got["annual_rate_percent"] == "0.10"


def test_preview_without_amount_is_the_whole_deposit_as_before(client: TestClient, alice: CustomerFixture,
                                                                opened_clock: MovingClock):
    deposit = _open(client, alice)
    opened_clock.advance(days=100)
    got = _preview(client, alice, deposit["id"]).json()
    assert got["partial"] is False
    assert (got["amount"], got["principal"], got["interest"], got["lost_interest"]) == (
        "9000.00", "9000.00", "2.50", "96.50")
    assert got["remaining_principal"] is None and got["remaining_expected_interest"] is None
    assert got["remaining_maturity_date"] is None


def test_partial_withdrawal_now_moves_the_part_and_its_interest_in_one_journal(
    client: TestClient, engine: Engine, alice: CustomerFixture, opened_clock: MovingClock
):
    deposit = _open(client, alice)
    opened_clock.advance(days=100)
    before = balance_fen(engine, alice.accounts["demand"])
    resp = _withdraw(client, alice, deposit["id"], "4000.00")
    assert resp.status_code == 200, resp.text
    after = resp.json()
    assert (after["status"], after["principal"], after["expected_interest"]) == ("active", "5000.00", "55.00")
    assert (after["opened_on"], after["maturity_date"]) == ("2026-03-01", MATURITY.isoformat())
    assert (after["partial_withdrawn"], after["partial_interest_paid"]) == ("4000.00", "1.11")
    assert after["partial_withdrawn_on"] == "2026-06-09"
    assert balance_fen(engine, alice.accounts["demand"]) == before + 4000_00 + 1_11
    assert _time_account_balance(engine, deposit["id"]) == 5000_00
    with Session(engine) as session:
        entries = session.exec(select(LedgerEntry).where(LedgerEntry.account_id == alice.accounts["demand"])
                               .order_by(LedgerEntry.id)).all()  # type: ignore[arg-type]
        assert len({e.journal_id for e in entries[-2:]}) == 1  # the part and its interest: one journal
    assert "deposit.partial_withdrawn" in audit_actions(engine, "customer", alice.id)
    check_books(engine)


def test_one_partial_withdrawal_per_deposit(client: TestClient, engine: Engine, alice: CustomerFixture,
                                            opened_clock: MovingClock):
    deposit = _open(client, alice)
    opened_clock.advance(days=10)
    assert _withdraw(client, alice, deposit["id"], "1000.00").status_code == 200
    before = balance_fen(engine, alice.accounts["demand"])
    for resp in (_preview(client, alice, deposit["id"], "1000.00"),
                 _withdraw(client, alice, deposit["id"], "1000.00"),
                 _withdraw(client, alice, deposit["id"], "1000.00", confirm=True)):
        assert (resp.status_code, resp.json()["code"]) == (422, "PARTIAL_ALREADY_USED")
        assert "一次" in resp.json()["message"]
    assert balance_fen(engine, alice.accounts["demand"]) == before
    # The rest can still be taken out whole.
    whole = _withdraw(client, alice, deposit["id"], None)
    assert (whole.status_code, whole.json()["status"]) == (200, "withdrawn_early")
    assert balance_fen(engine, alice.accounts["demand"]) > before + 8000_00
    check_books(engine)


@pytest.mark.parametrize(("amount", "code"), [
    ("8950.01", "REMAINDER_TOO_SMALL"),  # 49.99 would stay; the minimum is 50.00
    ("9000.00", "AMOUNT_NOT_LESS_THAN_PRINCIPAL"),
    ("9000.01", "AMOUNT_NOT_LESS_THAN_PRINCIPAL"),
    ("12.345", "INVALID_AMOUNT"),
    ("-5", "INVALID_AMOUNT"),
    ("0", "INVALID_AMOUNT"),
    ("abc", "INVALID_AMOUNT"),
])
def test_refused_amounts_move_nothing(client: TestClient, engine: Engine, settings: Settings,
                                      alice: CustomerFixture, amount: str, code: str):
    assert settings.min_deposit_fen == 50_00
    deposit = _open(client, alice)
    before = balance_fen(engine, alice.accounts["demand"])
    for resp in (_preview(client, alice, deposit["id"], amount), _withdraw(client, alice, deposit["id"], amount),
                 _withdraw(client, alice, deposit["id"], amount, confirm=True)):
        assert (resp.status_code, resp.json()["code"]) == (422, code), resp.text
        assert resp.json()["message"]
    assert balance_fen(engine, alice.accounts["demand"]) == before
    assert client.get(f"/deposits/{deposit['id']}", headers=alice.headers).json()["principal"] == "9000.00"


def test_exactly_the_minimum_may_stay(client: TestClient, engine: Engine, alice: CustomerFixture):
    deposit = _open(client, alice)
    resp = _withdraw(client, alice, deposit["id"], "8950.00")
    assert (resp.status_code, resp.json()["principal"]) == (200, "50.00"), resp.text


def test_pending_partial_holds_the_preview_and_confirm_pays_it(
    client: TestClient, engine: Engine, alice: CustomerFixture, opened_clock: MovingClock
):
    deposit = _open(client, alice)
    opened_clock.advance(days=100)
    preview = _preview(client, alice, deposit["id"], "4000.00").json()
    before = balance_fen(engine, alice.accounts["demand"])
    resp = _withdraw(client, alice, deposit["id"], "4000.00", confirm=True, key="pw-1")
    assert resp.status_code == 201, resp.text
    record = resp.json()
    assert record["status"] == "pending" and record["partial"] is True
    for name in ("amount", "principal", "interest", "total", "lost_interest", "days_held", "maturity_date",
                 "remaining_principal", "remaining_maturity_date", "remaining_expected_interest"):
        assert record[name] == preview[name], name
    assert balance_fen(engine, alice.accounts["demand"]) == before  # nothing moved yet
    assert _withdraw(client, alice, deposit["id"], "4000.00", confirm=True, key="pw-1").json()["id"] == record["id"]
    done = client.post(f"/withdrawals/{record['id']}/confirm", headers=alice.headers)
    assert (done.status_code, done.json()["status"]) == (200, "completed"), done.text
    assert "5000.00" in done.json()["message"]
    assert balance_fen(engine, alice.accounts["demand"]) == before + 4001_11
    after = client.get(f"/deposits/{deposit['id']}", headers=alice.headers).json()
    assert (after["status"], after["principal"], after["partial_withdrawn"]) == ("active", "5000.00", "4000.00")
    again = client.post(f"/withdrawals/{record['id']}/confirm", headers=alice.headers)
    assert (again.status_code, again.json()["code"]) == (409, "INVALID_STATE")
    assert balance_fen(engine, alice.accounts["demand"]) == before + 4001_11
    assert "early_withdrawal.completed" in audit_actions(engine, "customer", alice.id)
    check_books(engine)


def test_confirm_rechecks_the_partial_rule(client: TestClient, engine: Engine, alice: CustomerFixture):
    deposit = _open(client, alice)
    first = _withdraw(client, alice, deposit["id"], "1000.00", confirm=True).json()
    whole_before = _withdraw(client, alice, deposit["id"], None, confirm=True).json()
    second = _withdraw(client, alice, deposit["id"], "2000.00", confirm=True).json()
    assert client.post(f"/withdrawals/{first['id']}/confirm", headers=alice.headers).status_code == 200
    before = balance_fen(engine, alice.accounts["demand"])
    late = client.post(f"/withdrawals/{second['id']}/confirm", headers=alice.headers)
    assert (late.status_code, late.json()["code"]) == (422, "PARTIAL_ALREADY_USED")
    # The whole withdrawal quoted 9000.00 before the partial one: the deposit no longer holds that, nothing moves.
    stale = client.post(f"/withdrawals/{whole_before['id']}/confirm", headers=alice.headers)
    assert (stale.status_code, stale.json()["code"]) == (409, "EXPIRED")
    assert balance_fen(engine, alice.accounts["demand"]) == before
    whole = _withdraw(client, alice, deposit["id"], None, confirm=True).json()
    assert whole["partial"] is False and whole["amount"] == whole["principal"] == "8000.00"
    assert whole["remaining_principal"] is None


def test_confirm_after_the_deposit_was_withdrawn_whole_is_refused(client: TestClient, engine: Engine,
                                                                  alice: CustomerFixture):
    deposit = _open(client, alice)
    record = _withdraw(client, alice, deposit["id"], "1000.00", confirm=True).json()
    assert _withdraw(client, alice, deposit["id"], None).status_code == 200
    before = balance_fen(engine, alice.accounts["demand"])
    resp = client.post(f"/withdrawals/{record['id']}/confirm", headers=alice.headers)
    assert (resp.status_code, resp.json()["code"]) == (409, "INVALID_STATE")
    assert balance_fen(engine, alice.accounts["demand"]) == before


def test_cancel_of_a_pending_partial_moves_nothing(client: TestClient, engine: Engine, alice: CustomerFixture):
    deposit = _open(client, alice)
    before = balance_fen(engine, alice.accounts["demand"])
    record = _withdraw(client, alice, deposit["id"], "1000.00", confirm=True).json()
    resp = client.post(f"/withdrawals/{record['id']}/cancel", headers=alice.headers)
    assert (resp.status_code, resp.json()["status"]) == (200, "cancelled")
    assert balance_fen(engine, alice.accounts["demand"]) == before
    # Cancelled, the one partial withdrawal is not used up.
    assert _withdraw(client, alice, deposit["id"], "1000.00").status_code == 200


def test_an_idempotent_retry_withdraws_once(client: TestClient, engine: Engine, alice: CustomerFixture):
    deposit = _open(client, alice)
    before = balance_fen(engine, alice.accounts["demand"])
    first = _withdraw(client, alice, deposit["id"], "1000.00", key="pw-retry")
    again = _withdraw(client, alice, deposit["id"], "1000.00", key="pw-retry")
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert balance_fen(engine, alice.accounts["demand"]) == before + 1000_00
    # The same key for another amount is another request: refused, nothing moves.
    other = _withdraw(client, alice, deposit["id"], "2000.00", key="pw-retry")
    assert (other.status_code, other.json()["code"]) == (409, "IDEMPOTENCY_KEY_REUSED")
    assert balance_fen(engine, alice.accounts["demand"]) == before + 1000_00


def test_the_remainder_matures_with_its_own_term_interest(
    client: TestClient, engine: Engine, alice: CustomerFixture, opened_clock: MovingClock
):
    deposit = _open(client, alice, choice="demand")
    opened_clock.advance(days=100)
    assert _withdraw(client, alice, deposit["id"], "4000.00").status_code == 200
    before = balance_fen(engine, alice.accounts["demand"])
    report = maturity.mature_due(engine, today=MATURITY)
    assert deposit["id"] in report.paid_out
    assert balance_fen(engine, alice.accounts["demand"]) == before + 5000_00 + 55_00
    after = client.get(f"/deposits/{deposit['id']}", headers=alice.headers).json()
    assert (after["status"], after["interest_paid"], after["closed_on"]) == ("matured", "55.00", "2027-03-01")
    check_books(engine)


def test_a_renewing_remainder_renews_the_remainder_and_its_interest(
    client: TestClient, engine: Engine, alice: CustomerFixture, opened_clock: MovingClock
):
    deposit = _open(client, alice, choice="renew")
    opened_clock.advance(days=30)
    assert _withdraw(client, alice, deposit["id"], "4000.00").status_code == 200
    maturity.mature_due(engine, today=MATURITY)
    with Session(engine) as session:
        renewal = session.exec(select(TimeDeposit).where(TimeDeposit.renewed_from_id == deposit["id"])).one()
        assert (renewal.principal_fen, renewal.opened_on) == (5055_00, MATURITY)
        assert renewal.partial_withdrawn_fen is None  # a new deposit: its own one partial withdrawal
    check_books(engine)


def test_concurrent_partial_withdrawals_of_one_deposit_pay_once(engine: Engine, settings: Settings):
    """Four requests at the same moment (the customer lock and the deposit row lock decide): one is paid."""
    who = create_customer(engine, settings, "赵大妈", {"demand": 9000_00}, {})
    with write_session(engine) as session:
        product = session.exec(select(SavingsProduct).where(SavingsProduct.code == "TD12")).one()
        deposit_id = deposits.open_deposit(session, settings, who.id, product.id, who.accounts["demand"],  # type: ignore[arg-type]
                                           9000_00).id
        session.commit()
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def attempt() -> None:
        barrier.wait()
        with write_session(engine) as session:
            try:
                deposits.withdraw_early(session, who.id, deposit_id, 1000_00, settings)  # type: ignore[arg-type]
                session.commit()
                outcomes.append("paid")
            except AppError as exc:
                session.rollback()
                outcomes.append(exc.code)

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["PARTIAL_ALREADY_USED"] * 3 + ["paid"]
    assert balance_fen(engine, who.accounts["demand"]) == 1000_00
    check_books(engine)


# Property: any sequence of partial, whole, pending-then-confirmed withdrawals and maturity runs on a few
# deposits keeps the books balanced, the customer's money is what the successful operations say, and no deposit
# ever has more than one partial withdrawal.
DEPOSITS = 2
op_partial = st.tuples(st.just("partial"), st.integers(0, DEPOSITS - 1), st.integers(1, 1200_00), st.booleans())
op_whole = st.tuples(st.just("whole"), st.integers(0, DEPOSITS - 1), st.booleans())
op_days = st.tuples(st.just("days"), st.integers(1, 200))
op_mature = st.tuples(st.just("mature"))
OPS = st.lists(st.one_of(op_partial, op_whole, op_days, op_mature), min_size=1, max_size=8)


@hsettings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(ops=OPS, choice=st.sampled_from(["renew", "demand"]))
def test_the_books_balance_through_any_partial_whole_and_maturity_mix(
    engine: Engine, settings: Settings, moving_clock: MovingClock, ops: list[tuple], choice: str
):
    moving_clock.current = OPENED
    who = create_customer(engine, settings, "王奶奶", {"demand": 3000_00}, {})
    with write_session(engine) as session:
        product = session.exec(select(SavingsProduct).where(SavingsProduct.code == "TD3")).one()
        ids = [deposits.open_deposit(session, settings, who.id, product.id, who.accounts["demand"],  # type: ignore[arg-type]
                                     1000_00, maturity_choice=choice).id for _ in range(DEPOSITS)]
        session.commit()
    for op in ops:
        with write_session(engine) as session:
            try:
                if op[0] == "partial":
                    _, d, fen, confirm = op
                    if confirm:
                        row = withdrawals.create_pending(session, settings, who.id, ids[d], fen)
                        session.commit()
                        withdrawals.confirm(session, who.id, row.id, settings)  # type: ignore[arg-type]
                    else:
                        deposits.withdraw_early(session, who.id, ids[d], fen, settings)
                elif op[0] == "whole":
                    _, d, confirm = op
                    if confirm:
                        row = withdrawals.create_pending(session, settings, who.id, ids[d])
                        session.commit()
                        withdrawals.confirm(session, who.id, row.id, settings)  # type: ignore[arg-type]
                    else:
                        deposits.withdraw_early(session, who.id, ids[d])
                elif op[0] == "days":
                    moving_clock.advance(days=op[1])
                else:
                    session.close()
                    maturity.mature_due(engine, today=clock.today_cn())
                session.commit()
            except AppError as exc:
                session.rollback()
                assert exc.code in {"PARTIAL_ALREADY_USED", "REMAINDER_TOO_SMALL", "AMOUNT_NOT_LESS_THAN_PRINCIPAL",
                                    "INVALID_STATE"}, exc.code
    check_books(engine)
    with Session(engine) as session:
        accounts = session.exec(select(Account).where(Account.customer_id == who.id)).all()
        total = sum(a.balance_fen for a in accounts)
        rows = session.exec(select(TimeDeposit).where(TimeDeposit.customer_id == who.id)).all()
        paid = sum((r.interest_paid_fen or 0) + (r.partial_interest_fen or 0) for r in rows)
        # Interest paid is the only money that came in; a renewal's interest is counted by the matured row.
        assert total == 3000_00 + paid
        for r in rows:
            if r.status == "active":
                account = session.get(Account, r.account_id)
                assert account is not None and account.balance_fen == r.principal_fen
            if r.partial_withdrawn_fen is not None:
                assert r.principal_fen >= settings.min_deposit_fen
