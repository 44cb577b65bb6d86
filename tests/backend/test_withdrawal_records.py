"""Pending early withdrawals (issue 10, item 1): the read-back is rendered from a record the bank made and "是"
confirms that record's id: exactly its figures move, or nothing does."""
from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session

from backend.core.config import Settings
from backend.models import EarlyWithdrawal, TimeDeposit
from backend.services import clock
from tests.backend.factories import CustomerFixture
from tests.backend.helpers import MovingClock, audit_actions, balance_fen


def _open(client: TestClient, who: CustomerFixture, amount: str = "9000.00", code: str = "TD12") -> dict:
    product = next(p for p in client.get("/savings/products").json() if p["code"] == code)
    body = {"product_id": product["id"], "from_account_id": who.accounts["demand"], "amount": amount}
    resp = client.post("/deposits", json=body, headers=who.idem())
    assert resp.status_code == 201, resp.text
    return resp.json()


def _held_100_days(engine: Engine, deposit_id: int) -> None:
    """The deposit was opened 100 days ago and matures in 20: the early-withdrawal interest is not zero."""
    today = clock.today_cn()
    with Session(engine) as session:
        session.execute(update(TimeDeposit).where(TimeDeposit.id == deposit_id)  # type: ignore[arg-type]
                        .values(opened_on=today - timedelta(days=100), maturity_date=today + timedelta(days=20)))
        session.commit()


def _pending(client: TestClient, who: CustomerFixture, deposit_id: int, key: str | None = None,  # type: ignore[no-untyped-def]
             amount: str | None = None):
    body: dict[str, object] = {"require_confirmation": True} | ({} if amount is None else {"amount": amount})
    return client.post(f"/deposits/{deposit_id}/early-withdrawal", json=body, headers=who.idem(key))


def test_pending_record_holds_the_preview_figures_and_nothing_moves(
    client: TestClient, engine: Engine, settings: Settings, alice: CustomerFixture, moving_clock: MovingClock
):
    deposit = _open(client, alice)
    _held_100_days(engine, deposit["id"])
    before = balance_fen(engine, alice.accounts["demand"])
    preview = client.get(f"/deposits/{deposit['id']}/early-withdrawal", headers=alice.headers).json()
    resp = _pending(client, alice, deposit["id"])
    assert resp.status_code == 201, resp.text
    record = resp.json()
    assert record["status"] == "pending" and record["deposit_id"] == deposit["id"]
    assert (record["principal"], record["interest"], record["lost_interest"], record["total"]) == (
        preview["principal"], preview["interest"], preview["lost_interest"], preview["total"])
    assert record["interest"] == "2.50" and record["lost_interest"] == "96.50"
    assert record["maturity_date"] == preview["maturity_date"]
    assert record["to_account_id"] == alice.accounts["demand"]
    expected_expiry = moving_clock.now() + timedelta(minutes=settings.pending_ttl_minutes)
    assert record["expires_at"].startswith(expected_expiry.replace(tzinfo=None).isoformat()[:16])
    # Nothing moved: the money is still in the deposit, the deposit still active.
    assert balance_fen(engine, alice.accounts["demand"]) == before
    assert client.get(f"/deposits/{deposit['id']}", headers=alice.headers).json()["status"] == "active"
    assert "early_withdrawal.pending" in audit_actions(engine, "customer", alice.id)
    assert client.get(f"/withdrawals/{record['id']}", headers=alice.headers).json() == record


def test_confirm_pays_exactly_the_recorded_figures_once(client: TestClient, engine: Engine,
                                                        alice: CustomerFixture):
    deposit = _open(client, alice)
    _held_100_days(engine, deposit["id"])
    before = balance_fen(engine, alice.accounts["demand"])
    record = _pending(client, alice, deposit["id"], "ew-1").json()
    # The same request again (a retried read-back) answers the same record, not a second one.
    assert _pending(client, alice, deposit["id"], "ew-1").json()["id"] == record["id"]
    done = client.post(f"/withdrawals/{record['id']}/confirm", headers=alice.headers)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed" and done.json()["executed_at"]
    assert balance_fen(engine, alice.accounts["demand"]) == before + 9000_00 + 2_50
    after = client.get(f"/deposits/{deposit['id']}", headers=alice.headers).json()
    assert (after["status"], after["interest_paid"]) == ("withdrawn_early", "2.50")
    assert "early_withdrawal.completed" in audit_actions(engine, "customer", alice.id)
    again = client.post(f"/withdrawals/{record['id']}/confirm", headers=alice.headers)
    assert (again.status_code, again.json()["code"]) == (409, "INVALID_STATE")
    assert balance_fen(engine, alice.accounts["demand"]) == before + 9000_00 + 2_50


def test_confirm_moves_the_recorded_deposit_only(client: TestClient, engine: Engine, alice: CustomerFixture):
    first = _open(client, alice, "3000.00")
    second = _open(client, alice, "4000.00")
    record = _pending(client, alice, first["id"]).json()
    assert client.post(f"/withdrawals/{record['id']}/confirm", headers=alice.headers).status_code == 200
    assert client.get(f"/deposits/{first['id']}", headers=alice.headers).json()["status"] == "withdrawn_early"
    assert client.get(f"/deposits/{second['id']}", headers=alice.headers).json()["status"] == "active"


def test_cancel_moves_nothing_and_cannot_be_confirmed(client: TestClient, engine: Engine,
                                                      alice: CustomerFixture):
    deposit = _open(client, alice)
    before = balance_fen(engine, alice.accounts["demand"])
    record = _pending(client, alice, deposit["id"]).json()
    cancelled = client.post(f"/withdrawals/{record['id']}/cancel", headers=alice.headers)
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    late = client.post(f"/withdrawals/{record['id']}/confirm", headers=alice.headers)
    assert (late.status_code, late.json()["code"]) == (409, "INVALID_STATE")
    assert balance_fen(engine, alice.accounts["demand"]) == before
    assert client.get(f"/deposits/{deposit['id']}", headers=alice.headers).json()["status"] == "active"
    assert "early_withdrawal.cancelled" in audit_actions(engine, "customer", alice.id)


def test_past_its_time_it_is_expired(client: TestClient, engine: Engine, settings: Settings,
                                     alice: CustomerFixture, moving_clock: MovingClock):
    deposit = _open(client, alice)
    before = balance_fen(engine, alice.accounts["demand"])
    record = _pending(client, alice, deposit["id"]).json()
    moving_clock.advance(minutes=settings.pending_ttl_minutes, seconds=1)
    resp = client.post(f"/withdrawals/{record['id']}/confirm", headers=alice.headers)
    assert (resp.status_code, resp.json()["code"]) == (409, "EXPIRED")
    assert client.get(f"/withdrawals/{record['id']}", headers=alice.headers).json()["status"] == "expired"
    assert balance_fen(engine, alice.accounts["demand"]) == before
    assert client.get(f"/deposits/{deposit['id']}", headers=alice.headers).json()["status"] == "active"


def test_a_quote_of_another_day_is_expired(client: TestClient, engine: Engine, alice: CustomerFixture):
    deposit = _open(client, alice)
    before = balance_fen(engine, alice.accounts["demand"])
    record = _pending(client, alice, deposit["id"]).json()
    # Quoted yesterday (midnight passed since the read-back), still within its minutes: the interest has grown.
    with Session(engine) as session:
        session.execute(update(EarlyWithdrawal).where(EarlyWithdrawal.id == record["id"])  # type: ignore[arg-type]
                        .values(quote_date=clock.today_cn() - timedelta(days=1)))
        session.commit()
    resp = client.post(f"/withdrawals/{record['id']}/confirm", headers=alice.headers)
    assert (resp.status_code, resp.json()["code"]) == (409, "EXPIRED")
    assert balance_fen(engine, alice.accounts["demand"]) == before
    assert client.get(f"/deposits/{deposit['id']}", headers=alice.headers).json()["status"] == "active"


def test_confirm_refused_when_the_deposit_is_no_longer_active(client: TestClient, engine: Engine,
                                                              alice: CustomerFixture):
    deposit = _open(client, alice)
    record = _pending(client, alice, deposit["id"]).json()
    assert client.post(f"/deposits/{deposit['id']}/early-withdrawal", headers=alice.idem()).status_code == 200
    after_direct = balance_fen(engine, alice.accounts["demand"])
    resp = client.post(f"/withdrawals/{record['id']}/confirm", headers=alice.headers)
    assert (resp.status_code, resp.json()["code"]) == (409, "INVALID_STATE")
    assert balance_fen(engine, alice.accounts["demand"]) == after_direct


def test_only_the_customers_own_records(client: TestClient, alice: CustomerFixture, bob: CustomerFixture):
    deposit = _open(client, alice)
    record = _pending(client, alice, deposit["id"]).json()
    for method, path in (("GET", ""), ("POST", "/confirm"), ("POST", "/cancel")):
        resp = client.request(method, f"/withdrawals/{record['id']}{path}", headers=bob.headers)
        assert (resp.status_code, resp.json()["code"]) == (404, "NOT_FOUND")
    someone_elses = _pending(client, bob, deposit["id"])
    assert (someone_elses.status_code, someone_elses.json()["code"]) == (404, "NOT_FOUND")
    assert client.get(f"/withdrawals/{record['id']}", headers=alice.headers).json()["status"] == "pending"
    missing = client.get("/withdrawals/2147483647", headers=alice.headers)
    assert (missing.status_code, missing.json()["code"]) == (404, "NOT_FOUND")


def test_a_pending_withdrawal_of_a_deposit_not_active_is_refused(client: TestClient, alice: CustomerFixture):
    deposit = _open(client, alice)
    client.post(f"/deposits/{deposit['id']}/early-withdrawal", headers=alice.idem())
    resp = _pending(client, alice, deposit["id"])
    assert (resp.status_code, resp.json()["code"]) == (409, "INVALID_STATE")


def test_without_require_confirmation_it_withdraws_now(client: TestClient, alice: CustomerFixture):
    deposit = _open(client, alice)
    resp = client.post(f"/deposits/{deposit['id']}/early-withdrawal", json={"require_confirmation": False},
                       headers=alice.idem())
    assert (resp.status_code, resp.json()["status"]) == (200, "withdrawn_early")


@pytest.mark.parametrize("amount", [None, "1000.00"])  # whole, and partial (issue 11)
def test_a_fraud_stop_cancels_pending_withdrawals(client: TestClient, engine: Engine, alice: CustomerFixture,
                                                  amount: str | None):
    deposit = _open(client, alice)
    before = balance_fen(engine, alice.accounts["demand"])
    record = _pending(client, alice, deposit["id"], amount=amount).json()
    assert record["partial"] is (amount is not None)
    stop = client.post("/fraud/stops", json={"family": "authority", "channel": "web", "text": ""},
                       headers=alice.headers)
    assert stop.status_code == 201, stop.text
    assert stop.json()["cancelled_withdrawal_ids"] == [record["id"]]
    assert client.get(f"/withdrawals/{record['id']}", headers=alice.headers).json()["status"] == "cancelled"
    late = client.post(f"/withdrawals/{record['id']}/confirm", headers=alice.headers)
    assert (late.status_code, late.json()["code"]) == (409, "INVALID_STATE")
    assert balance_fen(engine, alice.accounts["demand"]) == before


