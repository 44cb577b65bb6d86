"""Early withdrawal as the dialogue reads it back (issue 11): the preview says the term interest lost, the
maturity date and the days left; the maturity choice can be changed later (PATCH /deposits/{id})."""
from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session

from backend.models import TimeDeposit
from backend.services import clock
from tests.backend.factories import CustomerFixture
from tests.backend.helpers import audit_actions, balance_fen


def _open(client: TestClient, who: CustomerFixture, code: str, amount: str, **extra: object) -> dict:
    product = next(p for p in client.get("/savings/products").json() if p["code"] == code)
    body = {"product_id": product["id"], "from_account_id": who.accounts["demand"], "amount": amount, **extra}
    resp = client.post("/deposits", json=body, headers=who.idem())
    assert resp.status_code == 201, resp.text
    return resp.json()


def _move(engine: Engine, deposit_id: int, opened_on: date, maturity: date) -> None:
    with Session(engine) as session:
        session.execute(update(TimeDeposit).where(TimeDeposit.id == deposit_id)
                        .values(opened_on=opened_on, maturity_date=maturity))
        session.commit()


def test_preview_says_the_interest_lost_and_the_days_left(client: TestClient, engine: Engine,
                                                           alice: CustomerFixture):
    deposit = _open(client, alice, "TD12", "9000.00")
    today = clock.today_cn()
    _move(engine, deposit["id"], today - timedelta(days=100), today + timedelta(days=20))
    preview = client.get(f"/deposits/{deposit['id']}/early-withdrawal", headers=alice.headers).json()
    assert preview["interest"] == "2.50" and preview["expected_interest_if_held"] == "99.00"
    assert preview["lost_interest"] == "96.50"
    assert preview["maturity_date"] == (today + timedelta(days=20)).isoformat()
    assert preview["days_to_maturity"] == 20


def test_preview_on_the_opening_day_loses_all_the_term_interest(client: TestClient, alice: CustomerFixture):
    deposit = _open(client, alice, "TD12", "9000.00")
    preview = client.get(f"/deposits/{deposit['id']}/early-withdrawal", headers=alice.headers).json()
    assert (preview["interest"], preview["lost_interest"]) == ("0.00", deposit["expected_interest"])
    assert preview["maturity_date"] == deposit["maturity_date"]
    assert preview["days_to_maturity"] > 300


def test_maturity_choice_can_be_changed_on_an_active_deposit(client: TestClient, engine: Engine,
                                                             alice: CustomerFixture):
    deposit = _open(client, alice, "TD12", "1000.00")
    assert deposit["maturity_choice"] == "renew"
    resp = client.patch(f"/deposits/{deposit['id']}", json={"maturity_choice": "demand"}, headers=alice.headers)
    assert resp.status_code == 200, resp.text
    assert resp.json()["maturity_choice"] == "demand"
    assert client.get(f"/deposits/{deposit['id']}", headers=alice.headers).json()["maturity_choice"] == "demand"
    assert "deposit.maturity_choice" in audit_actions(engine, "customer", alice.id)
    # Nothing moves: only what happens at maturity changed.
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00 - 1000_00


def test_maturity_choice_on_a_pending_deposit(client: TestClient, alice: CustomerFixture):
    deposit = _open(client, alice, "TD3", "1000.00", require_confirmation=True, maturity_choice="demand")
    assert deposit["status"] == "pending" and deposit["maturity_choice"] == "demand"
    resp = client.patch(f"/deposits/{deposit['id']}", json={"maturity_choice": "renew"}, headers=alice.headers)
    assert resp.json()["maturity_choice"] == "renew"


def test_maturity_choice_refused_when_ended_unknown_or_not_ones_own(client: TestClient, alice: CustomerFixture,
                                                                    bob: CustomerFixture):
    deposit = _open(client, alice, "TD12", "1000.00")
    other = client.patch(f"/deposits/{deposit['id']}", json={"maturity_choice": "demand"}, headers=bob.headers)
    assert (other.status_code, other.json()["code"]) == (404, "NOT_FOUND")
    bad = client.patch(f"/deposits/{deposit['id']}", json={"maturity_choice": "cash"}, headers=alice.headers)
    assert bad.status_code == 422 and "code" in bad.json()
    client.post(f"/deposits/{deposit['id']}/early-withdrawal", headers=alice.idem())
    ended = client.patch(f"/deposits/{deposit['id']}", json={"maturity_choice": "demand"}, headers=alice.headers)
    assert (ended.status_code, ended.json()["code"]) == (409, "INVALID_STATE")
