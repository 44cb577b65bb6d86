"""Savings products, opening time deposits, early withdrawal."""
from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session

from backend.models import TimeDeposit
from backend.services import clock
from tests.backend.factories import CustomerFixture
from tests.backend.helpers import audit_actions, balance_fen, entries_sum_fen

RATES = {"DEMAND": (0, "0.10"), "TD3": (3, "0.85"), "TD6": (6, "1.05"), "TD12": (12, "1.10"), "TD24": (24, "1.20"),
         "TD36": (36, "1.50"), "TD60": (60, "1.55")}


def products(client: TestClient) -> dict[str, dict]:
    return {p["code"]: p for p in client.get("/savings/products").json()}


def open_deposit(client: TestClient, who: CustomerFixture, code: str, amount: object, key: str | None = None):
    body = {"product_id": products(client)[code]["id"], "from_account_id": who.accounts["demand"], "amount": amount}
    return client.post("/deposits", json=body, headers=who.idem(key))


def test_products_and_rates(client: TestClient):
    listed = products(client)
    assert {code: (p["term_months"], p["annual_rate_percent"]) for code, p in listed.items()} == RATES
    assert listed["TD12"]["name"] == "一年定期"


@pytest.mark.parametrize(("code", "amount", "interest"), [
    ("TD12", "10000.00", "110.00"),
    ("TD3", "10000.00", "21.25"),
    ("TD60", "9000.00", "697.50"),
    ("TD6", "333.33", "1.75"),   # 333.33 * 1.05% / 2 = 1.749982... -> 1.75
    ("TD36", "50.00", "2.25"),
])
def test_open_deposit_moves_money_and_quotes_interest(
    client: TestClient, engine: Engine, alice: CustomerFixture, code: str, amount: str, interest: str
):
    response = open_deposit(client, alice, code, amount)
    assert response.status_code == 201, response.text
    deposit = response.json()
    assert deposit["principal"] == amount
    assert deposit["expected_interest"] == interest
    assert deposit["status"] == "active"
    assert deposit["annual_rate_percent"] == RATES[code][1]
    assert deposit["opened_on"] == clock.today_cn().isoformat()
    assert deposit["maturity_date"] == clock.add_months(clock.today_cn(), RATES[code][0]).isoformat()
    principal_fen = int(amount.replace(".", ""))
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00 - principal_fen
    assert balance_fen(engine, deposit["account_id"]) == principal_fen == entries_sum_fen(engine, deposit["account_id"])
    kinds = [a["kind"] for a in client.get("/accounts", headers=alice.headers).json()]
    assert kinds == ["demand", "time"]
    assert client.get("/deposits", headers=alice.headers).json() == [deposit]
    assert "deposit.opened" in audit_actions(engine, "customer", alice.id)


def test_deposit_rules(client: TestClient, engine: Engine, alice: CustomerFixture):
    assert open_deposit(client, alice, "TD12", "49.99").json()["code"] == "BELOW_MINIMUM"
    assert open_deposit(client, alice, "TD12", "10000.01").json()["code"] == "INSUFFICIENT_FUNDS"
    assert open_deposit(client, alice, "DEMAND", "100.00").json()["code"] == "INVALID_PRODUCT"
    assert open_deposit(client, alice, "TD12", "1e3").json()["code"] == "INVALID_AMOUNT"
    body = {"product_id": 2_000_000_000, "from_account_id": alice.accounts["demand"], "amount": "100.00"}
    assert client.post("/deposits", json=body, headers=alice.idem()).json()["code"] == "NOT_FOUND"
    no_key = client.post("/deposits", json=body, headers=alice.headers)
    assert no_key.status_code == 422
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00


def test_deposit_idempotency(client: TestClient, engine: Engine, alice: CustomerFixture):
    first = open_deposit(client, alice, "TD12", "1000.00", key="dep-1")
    again = open_deposit(client, alice, "TD12", "1000.00", key="dep-1")
    assert first.json() == again.json()
    other = open_deposit(client, alice, "TD12", "2000.00", key="dep-1")
    assert (other.status_code, other.json()["code"]) == (409, "IDEMPOTENCY_KEY_REUSED")
    assert balance_fen(engine, alice.accounts["demand"]) == 9_000_00
    assert len(client.get("/deposits", headers=alice.headers).json()) == 1


def _age(engine: Engine, deposit_id: int, days: int) -> None:
    with Session(engine) as session:
        session.execute(update(TimeDeposit).where(TimeDeposit.id == deposit_id)
                        .values(opened_on=clock.today_cn() - timedelta(days=days)))
        session.commit()


def test_early_withdrawal_pays_the_demand_rate_for_the_days_held(
    client: TestClient, engine: Engine, alice: CustomerFixture
):
    deposit = open_deposit(client, alice, "TD12", "9000.00").json()
    _age(engine, deposit["id"], 100)
    preview = client.get(f"/deposits/{deposit['id']}/early-withdrawal", headers=alice.headers).json()
    # 9000 * 0.10% * 100 / 360 = 2.50
    assert {k: preview[k] for k in ("principal", "interest", "annual_rate_percent", "total", "days_held",
                                    "expected_interest_if_held")} == {
        "principal": "9000.00", "interest": "2.50", "annual_rate_percent": "0.10",
        "total": "9002.50", "days_held": 100, "expected_interest_if_held": "99.00"}
    done = client.post(f"/deposits/{deposit['id']}/early-withdrawal", headers=alice.idem("w-1"))
    assert done.status_code == 200
    assert done.json()["status"] == "withdrawn_early"
    assert done.json()["interest_paid"] == "2.50"
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00 + 2_50
    assert balance_fen(engine, deposit["account_id"]) == 0
    assert entries_sum_fen(engine, alice.accounts["demand"]) == 10_000_00 + 2_50
    replay = client.post(f"/deposits/{deposit['id']}/early-withdrawal", headers=alice.idem("w-1"))
    assert replay.json() == done.json()
    again = client.post(f"/deposits/{deposit['id']}/early-withdrawal", headers=alice.idem("w-2"))
    assert (again.status_code, again.json()["code"]) == (409, "INVALID_STATE")
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00 + 2_50
    assert client.get(f"/deposits/{deposit['id']}/early-withdrawal", headers=alice.headers).status_code == 409
    assert "deposit.withdrawn_early" in audit_actions(engine, "customer", alice.id)


def test_early_withdrawal_on_the_same_day_pays_no_interest(client: TestClient, engine: Engine, alice: CustomerFixture):
    deposit = open_deposit(client, alice, "TD6", "500.00").json()
    preview = client.get(f"/deposits/{deposit['id']}/early-withdrawal", headers=alice.headers).json()
    assert (preview["interest"], preview["total"]) == ("0.00", "500.00")
    client.post(f"/deposits/{deposit['id']}/early-withdrawal", headers=alice.idem())
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00
