"""Pending records (issue 10 item 1): the read-back is rendered from a backend record with its exact figures,
"是" confirms that record and nothing else, and a record left waiting expires."""
from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session, select

from backend.core.config import Settings
from backend.models import TimeDeposit, Transfer
from backend.services import clock
from tests.backend.factories import CustomerFixture
from tests.backend.helpers import audit_actions, balance_fen


def pending_transfer(client: TestClient, who: CustomerFixture, amount: str = "100.00") -> dict:
    body = {"from_account_id": who.accounts["demand"], "payee_id": who.payees["王小明"], "amount": amount,
            "require_confirmation": True}
    response = client.post("/transfers", json=body, headers=who.idem())
    assert response.status_code == 201, response.text
    return response.json()


def product_id(client: TestClient, code: str = "TD12") -> int:
    return next(p["id"] for p in client.get("/savings/products").json() if p["code"] == code)


def deposit_body(client: TestClient, who: CustomerFixture, amount: str = "10000.00", **extra: object) -> dict:
    return {"product_id": product_id(client), "from_account_id": who.accounts["demand"], "amount": amount,
            "require_confirmation": True, **extra}


def expire_now(engine: Engine, model: type, row_id: int) -> None:
    with Session(engine) as session:
        session.execute(update(model).where(model.id == row_id)  # type: ignore[attr-defined]
                        .values(expires_at=clock.now() - timedelta(seconds=1)))
        session.commit()


def test_pending_transfer_carries_its_expiry(client: TestClient, alice: CustomerFixture, settings: Settings):
    pending = pending_transfer(client, alice)
    expected = clock.now() + timedelta(minutes=settings.pending_ttl_minutes)
    assert abs(datetime.fromisoformat(pending["expires_at"]) - expected) < timedelta(minutes=1)
    assert "还没有转出" in pending["message"]


def test_confirm_after_expiry_is_refused_and_the_record_is_expired(
    client: TestClient, engine: Engine, alice: CustomerFixture
):
    pending = pending_transfer(client, alice)
    expire_now(engine, Transfer, pending["id"])
    # Before any write, reads already say expired.
    assert client.get(f"/transfers/{pending['id']}", headers=alice.headers).json()["status"] == "expired"
    response = client.post(f"/transfers/{pending['id']}/confirm", headers=alice.headers)
    assert (response.status_code, response.json()["code"]) == (409, "EXPIRED")
    assert "失效" in response.json()["message"]
    with Session(engine) as session:
        row = session.get(Transfer, pending["id"])
        assert row is not None and row.status == "expired" and row.journal_id is None
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00
    listed = client.get("/transfers", headers=alice.headers).json()
    assert [t["status"] for t in listed if t["id"] == pending["id"]] == ["expired"]
    assert "transfer.expired" in audit_actions(engine, "customer", alice.id)
    again = client.post(f"/transfers/{pending['id']}/confirm", headers=alice.headers)
    assert (again.status_code, again.json()["code"]) == (409, "INVALID_STATE")


def test_cancel_of_an_expired_pending_transfer_says_expired(
    client: TestClient, engine: Engine, alice: CustomerFixture
):
    pending = pending_transfer(client, alice)
    expire_now(engine, Transfer, pending["id"])
    response = client.post(f"/transfers/{pending['id']}/cancel", headers=alice.headers)
    assert (response.status_code, response.json()["status"]) == (200, "expired")


def test_pending_deposit_quotes_its_figures_and_moves_nothing(
    client: TestClient, engine: Engine, alice: CustomerFixture
):
    response = client.post("/deposits", json=deposit_body(client, alice, maturity_choice="demand"),
                           headers=alice.idem())
    assert response.status_code == 201, response.text
    deposit = response.json()
    assert deposit["status"] == "pending"
    assert deposit["expected_interest"] == "110.00"
    assert deposit["maturity_date"] == clock.add_months(clock.today_cn(), 12).isoformat()
    assert deposit["maturity_choice"] == "demand"
    assert deposit["account_id"] is None and deposit["expires_at"]
    assert "110.00" in deposit["message"]
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00
    assert [a["kind"] for a in client.get("/accounts", headers=alice.headers).json()] == ["demand"]
    # Not an opened deposit: the listing leaves it out unless asked.
    assert client.get("/deposits", headers=alice.headers).json() == []
    assert [d["id"] for d in client.get("/deposits?include_pending=true", headers=alice.headers).json()] \
        == [deposit["id"]]

    confirmed = client.post(f"/deposits/{deposit['id']}/confirm", headers=alice.headers)
    assert confirmed.status_code == 200, confirmed.text
    opened = confirmed.json()
    assert (opened["status"], opened["expected_interest"], opened["maturity_choice"]) == ("active", "110.00", "demand")
    assert balance_fen(engine, alice.accounts["demand"]) == 0
    assert balance_fen(engine, opened["account_id"]) == 10_000_00
    assert audit_actions(engine, "customer", alice.id)[-2:] == ["deposit.pending", "deposit.opened"]
    twice = client.post(f"/deposits/{deposit['id']}/confirm", headers=alice.headers)
    assert (twice.status_code, twice.json()["code"]) == (409, "INVALID_STATE")
    assert balance_fen(engine, alice.accounts["demand"]) == 0


def test_maturity_choice_defaults_to_renew_and_is_stored(client: TestClient, engine: Engine, alice: CustomerFixture):
    body = deposit_body(client, alice, "100.00")
    body.pop("require_confirmation")
    opened = client.post("/deposits", json=body, headers=alice.idem()).json()
    assert (opened["status"], opened["maturity_choice"]) == ("active", "renew")
    with Session(engine) as session:
        row = session.get(TimeDeposit, opened["id"])
        assert row is not None and row.maturity_choice == "renew"
    bad = client.post("/deposits", json=deposit_body(client, alice, "100.00", maturity_choice="spend"),
                      headers=alice.idem())
    assert (bad.status_code, bad.json()["code"]) == (422, "VALIDATION_ERROR")


def test_pending_deposit_is_idempotent_like_any_opening(client: TestClient, alice: CustomerFixture):
    body = deposit_body(client, alice, "100.00")
    first = client.post("/deposits", json=body, headers=alice.idem("dep-pending-1"))
    again = client.post("/deposits", json=body, headers=alice.idem("dep-pending-1"))
    assert first.json() == again.json() and again.headers.get("Idempotent-Replayed") == "true"
    other = client.post("/deposits", json=body | {"amount": "200.00"}, headers=alice.idem("dep-pending-1"))
    assert (other.status_code, other.json()["code"]) == (409, "IDEMPOTENCY_KEY_REUSED")
    assert len(client.get("/deposits?include_pending=true", headers=alice.headers).json()) == 1


def test_confirm_rechecks_the_funds_of_a_pending_deposit(client: TestClient, engine: Engine, alice: CustomerFixture):
    deposit = client.post("/deposits", json=deposit_body(client, alice, "6000.00"), headers=alice.idem()).json()
    spend = {"from_account_id": alice.accounts["demand"], "payee_id": alice.payees["王小明"], "amount": "4999.00"}
    assert client.post("/transfers", json=spend, headers=alice.idem()).json()["status"] == "completed"
    response = client.post(f"/deposits/{deposit['id']}/confirm", headers=alice.headers)
    assert (response.status_code, response.json()["code"]) == (422, "INSUFFICIENT_FUNDS")
    assert client.get(f"/deposits/{deposit['id']}", headers=alice.headers).json()["status"] == "pending"
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00 - 4999_00


def test_cancel_ends_a_pending_deposit(client: TestClient, engine: Engine, alice: CustomerFixture):
    deposit = client.post("/deposits", json=deposit_body(client, alice), headers=alice.idem()).json()
    cancelled = client.post(f"/deposits/{deposit['id']}/cancel", headers=alice.headers)
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    response = client.post(f"/deposits/{deposit['id']}/confirm", headers=alice.headers)
    assert (response.status_code, response.json()["code"]) == (409, "INVALID_STATE")
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00
    assert client.post(f"/deposits/{deposit['id']}/early-withdrawal", headers=alice.idem()).status_code == 409


def test_expired_pending_deposit_cannot_be_confirmed(client: TestClient, engine: Engine, alice: CustomerFixture):
    deposit = client.post("/deposits", json=deposit_body(client, alice), headers=alice.idem()).json()
    expire_now(engine, TimeDeposit, deposit["id"])
    response = client.post(f"/deposits/{deposit['id']}/confirm", headers=alice.headers)
    assert (response.status_code, response.json()["code"]) == (409, "EXPIRED")
    assert client.get(f"/deposits/{deposit['id']}", headers=alice.headers).json()["status"] == "expired"
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00


def test_a_pending_deposit_is_not_withdrawable(client: TestClient, alice: CustomerFixture):
    deposit = client.post("/deposits", json=deposit_body(client, alice), headers=alice.idem()).json()
    preview = client.get(f"/deposits/{deposit['id']}/early-withdrawal", headers=alice.headers)
    assert (preview.status_code, preview.json()["code"]) == (409, "INVALID_STATE")
    assert "还没有存入" in preview.json()["message"]


def test_other_customers_pending_deposit_is_not_found(client: TestClient, alice: CustomerFixture, bob: CustomerFixture):
    deposit = client.post("/deposits", json=deposit_body(client, alice), headers=alice.idem()).json()
    for action in ("confirm", "cancel"):
        response = client.post(f"/deposits/{deposit['id']}/{action}", headers=bob.headers)
        assert (response.status_code, response.json()["code"]) == (404, "NOT_FOUND")


def test_expire_due_marks_lapsed_records_for_a_periodic_job(
    client: TestClient, engine: Engine, alice: CustomerFixture
):
    from backend.core.db import write_session
    from backend.models import Approval
    from backend.services import transfers

    pending = pending_transfer(client, alice)
    held = client.post("/transfers", json={"from_account_id": alice.accounts["demand"], "amount": "300.00",
                                           "payee_id": alice.payees["新朋友"]}, headers=alice.idem()).json()
    live = pending_transfer(client, alice, "1.00")
    expire_now(engine, Transfer, pending["id"])
    expire_now(engine, Transfer, held["id"])
    with write_session(engine) as session:
        expired = transfers.expire_due(session)
        session.commit()
    assert {pending["id"], held["id"]} <= set(expired) and live["id"] not in expired
    with Session(engine) as session:
        assert session.get(Transfer, held["id"]).status == "expired"  # type: ignore[union-attr]
        approval = session.exec(select(Approval).where(Approval.transfer_id == held["id"])).one()
        assert approval.status == "expired"
        assert session.get(Transfer, live["id"]).status == "pending"  # type: ignore[union-attr]
