"""Money rules over days and across steps (issue 10 items 4, 5 and 15): the daily limit counts what executes
on the business day, confirmation and staff approval decide every rule again, structuring is held, and an
approval that cannot execute ends instead of waiting forever."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session

from backend.core.config import Settings
from backend.main import create_app
from backend.models import Approval, Transfer
from backend.services import clock
from tests.backend.factories import CustomerFixture, StaffFixture, create_customer
from tests.backend.helpers import audit_actions, balance_fen


def transfer(client: TestClient, who: CustomerFixture, amount: str, payee: str = "王小明", **extra: object):
    body = {"from_account_id": who.accounts["demand"], "payee_id": who.payees[payee], "amount": amount, **extra}
    return client.post("/transfers", json=body, headers=who.idem())


def yesterday_evening() -> object:
    """23:58 of the previous business day (China time), as UTC."""
    return clock.start_of_day_cn_utc() - timedelta(minutes=2)


def set_transfer(engine: Engine, transfer_id: int, **values: object) -> None:
    with Session(engine) as session:
        session.execute(update(Transfer).where(Transfer.id == transfer_id).values(**values))  # type: ignore[arg-type]
        session.commit()


@pytest.fixture
def strict(settings: Settings) -> Iterator[TestClient]:
    """The same database, a bank with a 1,000-yuan daily limit."""
    app = create_app(settings.model_copy(update={"daily_limit_fen": 1_000_00}), migrate=False)
    with TestClient(app, base_url="http://testserver/api/v1") as client:
        yield client
    app.state.engine.dispose()


def test_attack_pending_from_yesterday_confirmed_today_cannot_pass_the_daily_limit(
    strict: TestClient, engine: Engine, settings: Settings
):
    """The reported attack: 900 pending at 23:58, 900 sent after midnight, the pending one confirmed: 1,800
    left an account with a 1,000 daily limit. Now the confirmation checks the day it executes on."""
    who = create_customer(engine, settings, accounts={"demand": 5_000_00})
    pending = transfer(strict, who, "900.00", require_confirmation=True).json()
    assert pending["status"] == "pending"
    set_transfer(engine, pending["id"], created_at=yesterday_evening())
    assert transfer(strict, who, "900.00").json()["status"] == "completed"
    response = strict.post(f"/transfers/{pending['id']}/confirm", headers=who.headers)
    assert (response.status_code, response.json()["code"]) == (422, "DAILY_LIMIT")
    assert "100.00" in response.json()["message"]  # what is left today
    assert balance_fen(engine, who.accounts["demand"]) == 5_000_00 - 900_00


def test_attack_held_from_yesterday_approved_today_cannot_pass_the_daily_limit(
    strict: TestClient, engine: Engine, settings: Settings, staff: StaffFixture
):
    who = create_customer(engine, settings, accounts={"demand": 5_000_00}, payees={"王小明": 365, "新朋友": 0})
    held = transfer(strict, who, "900.00", payee="新朋友").json()
    assert held["status"] == "held"
    set_transfer(engine, held["id"], created_at=yesterday_evening())
    assert transfer(strict, who, "900.00").json()["status"] == "completed"
    approval = next(a for a in strict.get("/staff/approvals?status=pending", headers=staff.headers).json()
                    if a["transfer"]["id"] == held["id"])
    response = strict.post(f"/staff/approvals/{approval['id']}/approve", headers=staff.headers)
    assert (response.status_code, response.json()["code"]) == (422, "DAILY_LIMIT")
    assert balance_fen(engine, who.accounts["demand"]) == 5_000_00 - 900_00
    seen = strict.get(f"/transfers/{held['id']}", headers=who.headers).json()
    assert (seen["status"], seen["failure_reason"]) == ("rejected", "DAILY_LIMIT")


def test_daily_limit_counts_what_executed_today_not_what_was_created(
    strict: TestClient, engine: Engine, settings: Settings
):
    who = create_customer(engine, settings, accounts={"demand": 5_000_00})
    done = transfer(strict, who, "900.00").json()
    # Executed yesterday: today's 1,000 are all still there.
    set_transfer(engine, done["id"], created_at=yesterday_evening(), executed_at=yesterday_evening())
    assert transfer(strict, who, "1000.00").json()["status"] == "completed"
    assert transfer(strict, who, "0.01").json()["code"] == "DAILY_LIMIT"


def test_pending_transfers_do_not_use_up_the_daily_limit(strict: TestClient, engine: Engine, settings: Settings):
    who = create_customer(engine, settings, accounts={"demand": 5_000_00})
    first = transfer(strict, who, "800.00", require_confirmation=True).json()
    second = transfer(strict, who, "800.00", require_confirmation=True).json()
    assert first["status"] == second["status"] == "pending"
    assert strict.post(f"/transfers/{first['id']}/confirm", headers=who.headers).json()["status"] == "completed"
    response = strict.post(f"/transfers/{second['id']}/confirm", headers=who.headers)
    assert response.json()["code"] == "DAILY_LIMIT"
    assert balance_fen(engine, who.accounts["demand"]) == 5_000_00 - 800_00


def test_structuring_two_3000_to_one_payee_a_second_apart_holds_the_second(
    client: TestClient, engine: Engine, alice: CustomerFixture
):
    first = transfer(client, alice, "3000.00").json()
    second = transfer(client, alice, "3000.00").json()
    assert (first["status"], first["hold_reason"]) == ("completed", None)
    assert (second["status"], second["hold_reason"]) == ("held", "CUMULATIVE_AMOUNT")
    assert "核对" in second["message"]
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00 - 3000_00


def test_structuring_over_several_payees_is_held_by_the_customer_total(
    client: TestClient, engine: Engine, settings: Settings
):
    who = create_customer(engine, settings, accounts={"demand": 50_000_00},
                          payees={"王小明": 365, "王小红": 365, "王小刚": 365})
    assert transfer(client, who, "4000.00", payee="王小明").json()["status"] == "completed"
    assert transfer(client, who, "4000.00", payee="王小红").json()["status"] == "completed"
    third = transfer(client, who, "4000.00", payee="王小刚").json()
    assert (third["status"], third["hold_reason"]) == ("held", "CUMULATIVE_AMOUNT")


def test_held_transfers_count_towards_the_cumulative_rule(client: TestClient, alice: CustomerFixture):
    big = transfer(client, alice, "5000.00").json()
    assert (big["status"], big["hold_reason"]) == ("held", "LARGE_AMOUNT")
    small = transfer(client, alice, "100.00").json()
    assert (small["status"], small["hold_reason"]) == ("held", "CUMULATIVE_AMOUNT")


def test_confirm_decides_the_cumulative_rule_again(client: TestClient, alice: CustomerFixture):
    pending = transfer(client, alice, "3000.00", require_confirmation=True).json()
    assert pending["hold_reason"] is None
    assert transfer(client, alice, "3000.00").json()["status"] == "completed"
    confirmed = client.post(f"/transfers/{pending['id']}/confirm", headers=alice.headers).json()
    assert (confirmed["status"], confirmed["hold_reason"]) == ("held", "CUMULATIVE_AMOUNT")


def test_failed_approval_ends_and_the_customer_sees_why(
    client: TestClient, engine: Engine, alice: CustomerFixture, staff: StaffFixture
):
    """Item 15: the funds are gone when staff approve: the approval is failed, the transfer rejected, never
    left pending; the customer's next look at the transfer says why."""
    held = transfer(client, alice, "300.00", payee="新朋友").json()
    # The money goes into a time deposit meanwhile (a transfer would itself be held by the cumulative rule).
    product = next(p["id"] for p in client.get("/savings/products").json() if p["code"] == "TD12")
    opened = client.post("/deposits", json={"product_id": product, "from_account_id": alice.accounts["demand"],
                                            "amount": "9800.00"}, headers=alice.idem())
    assert opened.json()["status"] == "active"
    approval = next(a for a in client.get("/staff/approvals?status=pending", headers=staff.headers).json()
                    if a["transfer"]["id"] == held["id"])
    response = client.post(f"/staff/approvals/{approval['id']}/approve", headers=staff.headers)
    assert (response.status_code, response.json()["code"]) == (422, "INSUFFICIENT_FUNDS")
    assert "结束" in response.json()["message"]
    after = client.get(f"/staff/approvals/{approval['id']}", headers=staff.headers).json()
    assert (after["status"], after["transfer"]["status"]) == ("failed", "rejected")
    assert held["id"] not in [a["transfer"]["id"] for a in
                              client.get("/staff/approvals?status=pending", headers=staff.headers).json()]
    seen = client.get(f"/transfers/{held['id']}", headers=alice.headers).json()
    assert (seen["status"], seen["failure_reason"]) == ("rejected", "INSUFFICIENT_FUNDS")
    assert "余额不够" in seen["message"]
    assert balance_fen(engine, alice.accounts["demand"]) == 200_00
    assert "approval.failed" in audit_actions(engine, "staff", staff.id)
    again = client.post(f"/staff/approvals/{approval['id']}/approve", headers=staff.headers)
    assert (again.status_code, again.json()["code"]) == (409, "INVALID_STATE")


def test_held_transfer_expires_and_leaves_the_staff_queue(
    client: TestClient, engine: Engine, alice: CustomerFixture, staff: StaffFixture, settings: Settings
):
    held = transfer(client, alice, "300.00", payee="新朋友").json()
    expires = clock.now() + timedelta(hours=settings.held_ttl_hours)
    from datetime import datetime
    assert abs(datetime.fromisoformat(held["expires_at"]) - expires) < timedelta(minutes=5)
    approval = next(a for a in client.get("/staff/approvals?status=pending", headers=staff.headers).json()
                    if a["transfer"]["id"] == held["id"])
    set_transfer(engine, held["id"], expires_at=clock.now() - timedelta(seconds=1))
    queue = client.get("/staff/approvals?status=pending", headers=staff.headers).json()
    assert held["id"] not in [a["transfer"]["id"] for a in queue]
    expired = client.get("/staff/approvals?status=expired", headers=staff.headers).json()
    assert held["id"] in [a["transfer"]["id"] for a in expired]
    seen = client.get(f"/transfers/{held['id']}", headers=alice.headers).json()
    assert seen["status"] == "expired" and "失效" in seen["message"]
    response = client.post(f"/staff/approvals/{approval['id']}/approve", headers=staff.headers)
    assert (response.status_code, response.json()["code"]) == (409, "EXPIRED")
    with Session(engine) as session:
        row = session.get(Approval, approval["id"])
        assert row is not None and row.status == "expired"
        moved = session.get(Transfer, held["id"])
        assert moved is not None and moved.status == "expired" and moved.journal_id is None
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00
