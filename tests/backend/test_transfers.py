"""Transfer rules, one by one, through the API."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session

from backend.core.config import Settings
from backend.models import Payee
from backend.services import clock
from tests.backend.factories import CustomerFixture, StaffFixture, create_customer
from tests.backend.helpers import audit_actions, balance_fen, entries_sum_fen


def transfer(client: TestClient, who: CustomerFixture, amount: object, payee: str = "王小明", note: str = "",
             key: str | None = None, account: str = "demand", **extra: object):
    body = {"from_account_id": who.accounts[account], "payee_id": who.payees[payee], "amount": amount,
            "note": note, **extra}
    return client.post("/transfers", json=body, headers=who.idem(key))


def test_completed_transfer_moves_money_through_the_ledger(client: TestClient, engine: Engine, alice: CustomerFixture):
    response = transfer(client, alice, "1200.50", note="生活费")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "completed"
    assert body["amount"] == "1200.50"
    assert body["hold_reason"] is None
    assert body["payee"]["name"] == "王小明"
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00 - 1200_50
    assert entries_sum_fen(engine, alice.accounts["demand"]) == 10_000_00 - 1200_50
    history = client.get(f"/accounts/{alice.accounts['demand']}/transactions", headers=alice.headers).json()
    assert history["total"] == 2
    assert history["items"][0]["amount"] == "-1200.50"
    assert history["items"][0]["balance_after"] == "8799.50"
    assert history["items"][0]["counterparty"] == "王小明"
    assert client.get(f"/transfers/{body['id']}", headers=alice.headers).json()["status"] == "completed"
    assert "transfer.completed" in audit_actions(engine, "customer", alice.id)


def test_insufficient_funds_is_refused_and_nothing_moves(client: TestClient, engine: Engine, alice: CustomerFixture):
    response = transfer(client, alice, "10000.01")
    assert response.status_code == 422
    assert response.json()["code"] == "INSUFFICIENT_FUNDS"
    assert "余额" in response.json()["message"]
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00
    # The whole balance is fine.
    assert transfer(client, alice, "4999.99").json()["status"] == "completed"


def test_per_transfer_limit(client: TestClient, engine: Engine, settings: Settings):
    rich = create_customer(engine, settings, "富婆婆", {"demand": 200_000_00}, {"王小明": 365})
    response = transfer(client, rich, "50000.01")
    assert response.status_code == 422
    assert response.json()["code"] == "PER_TRANSFER_LIMIT"
    assert "50000.00" in response.json()["message"]
    # At the limit itself it is allowed (held for staff, being a large amount).
    assert transfer(client, rich, "50000.00").json()["status"] == "held"


def approve_all(client: TestClient, staff: StaffFixture, transfer_ids: list[int]) -> list[dict]:
    queue = client.get("/staff/approvals?status=pending", headers=staff.headers).json()
    ids = {a["transfer"]["id"]: a["id"] for a in queue}
    return [client.post(f"/staff/approvals/{ids[t]}/approve", headers=staff.headers).json() for t in transfer_ids]


def test_daily_limit_counts_what_executes_and_approval_rechecks_it(
    client: TestClient, engine: Engine, settings: Settings, staff: StaffFixture
):
    # Held transfers reserve nothing, not even the limit: each is checked again on the day it executes.
    rich = create_customer(engine, settings, "富婆婆", {"demand": 300_000_00}, {"王小明": 365})
    held = [transfer(client, rich, "50000.00").json() for _ in range(3)]
    assert [t["status"] for t in held] == ["held"] * 3
    first, second, third = approve_all(client, staff, [t["id"] for t in held])
    assert first["transfer"]["status"] == second["transfer"]["status"] == "completed"
    assert third["code"] == "DAILY_LIMIT"
    response = transfer(client, rich, "0.01")
    assert response.status_code == 422
    assert response.json()["code"] == "DAILY_LIMIT"
    assert "0.00" in response.json()["message"]
    assert balance_fen(engine, rich.accounts["demand"]) == 200_000_00


def test_daily_limit_ignores_yesterday_and_cancelled(
    client: TestClient, engine: Engine, settings: Settings, staff: StaffFixture
):
    rich = create_customer(engine, settings, "富婆婆", {"demand": 300_000_00}, {"王小明": 365})
    first = transfer(client, rich, "50000.00").json()
    client.post(f"/transfers/{first['id']}/cancel", headers=rich.headers)
    second = transfer(client, rich, "50000.00").json()
    assert approve_all(client, staff, [second["id"]])[0]["transfer"]["status"] == "completed"
    from backend.models import Transfer
    yesterday = clock.start_of_day_cn_utc() - __import__("datetime").timedelta(seconds=1)
    with Session(engine) as session:
        session.execute(update(Transfer).where(Transfer.id == second["id"])
                        .values(created_at=yesterday, executed_at=yesterday))
        session.commit()
    later = [transfer(client, rich, "50000.00").json() for _ in range(2)]
    assert [a["transfer"]["status"] for a in approve_all(client, staff, [t["id"] for t in later])] \
        == ["completed", "completed"]
    assert transfer(client, rich, "0.01").json()["code"] == "DAILY_LIMIT"


def test_limits_are_configurable(engine: Engine, settings: Settings):
    from backend.main import create_app
    strict = settings.model_copy(update={"per_transfer_limit_fen": 100_00, "large_amount_fen": 50_00})
    app = create_app(strict, migrate=False)
    with TestClient(app, base_url="http://testserver/api/v1") as strict_client:
        who = create_customer(engine, settings)
        assert transfer(strict_client, who, "100.01").json()["code"] == "PER_TRANSFER_LIMIT"
        held = transfer(strict_client, who, "50.00").json()
        assert (held["status"], held["hold_reason"]) == ("held", "LARGE_AMOUNT")
        assert transfer(strict_client, who, "49.99").json()["status"] == "completed"
    app.state.engine.dispose()


def test_new_payee_is_held_for_staff_and_money_is_not_reserved(
    client: TestClient, engine: Engine, alice: CustomerFixture
):
    response = transfer(client, alice, "300.00", payee="新朋友")
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["hold_reason"]) == ("held", "NEW_PAYEE")
    assert response.json()["payee"]["is_new"] is True
    # Not reserved: the balance is untouched until staff approve.
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00
    assert "transfer.held" in audit_actions(engine, "customer", alice.id)


def test_payee_older_than_a_day_is_not_new(client: TestClient, engine: Engine, alice: CustomerFixture):
    with Session(engine) as session:
        session.execute(update(Payee).where(Payee.id == alice.payees["新朋友"])
                        .values(created_at=clock.now() - __import__("datetime").timedelta(hours=24, minutes=1)))
        session.commit()
    body = transfer(client, alice, "300.00", payee="新朋友").json()
    # Not held, but still new for arrival (saved < new_payee_delay_days ago): it arrives the next day.
    assert (body["status"], body["hold_reason"], body["arrival_mode"]) == ("scheduled", None, "next_day")


@pytest.mark.parametrize(("amount", "status", "reason"), [
    ("4999.99", "completed", None),
    ("5000.00", "held", "LARGE_AMOUNT"),
    ("8000.00", "held", "LARGE_AMOUNT"),
])
def test_large_amount_threshold(client: TestClient, alice: CustomerFixture, amount: str, status: str, reason: str | None):
    body = transfer(client, alice, amount).json()
    assert (body["status"], body["hold_reason"]) == (status, reason)


@pytest.mark.parametrize("note", ["转到安全账户", "公检法通知", "验证码 123456", "刷单返利", "解冻资金", "交保证金",
                                  "安 全 账 户", "安全，账户"])
def test_scam_patterns_in_the_note_are_refused(client: TestClient, engine: Engine, alice: CustomerFixture, note: str):
    response = transfer(client, alice, "100.00", note=note)
    assert response.status_code == 422
    assert response.json()["code"] == "SCAM_SUSPECTED"
    assert "诈骗" in response.json()["message"]
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00
    assert "transfer.scam_suspected" in audit_actions(engine, "customer", alice.id)


def test_scam_pattern_in_the_payee_name_is_refused(client: TestClient, engine: Engine, settings: Settings):
    who = create_customer(engine, settings, payees={"安全账户": 365})
    assert transfer(client, who, "100.00", payee="安全账户").json()["code"] == "SCAM_SUSPECTED"


@pytest.mark.parametrize("amount", ["1e3", "NaN", "-5", "0.001", "0", "0.00", "", " 5", "5 ", "１００", "1,000",
                                    "+5", "05", "Infinity", "1000000000000", 5, 5.5, None, True, ["5"]])
def test_invalid_amounts(client: TestClient, engine: Engine, alice: CustomerFixture, amount: object):
    response = transfer(client, alice, amount)
    assert response.status_code == 422
    assert response.json()["code"] == "INVALID_AMOUNT"
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00


@pytest.mark.parametrize(("amount", "fen"), [("0.01", 1), ("5", 500), ("5.5", 550), ("999999.99", 99999999)])
def test_valid_amount_forms(client: TestClient, engine: Engine, settings: Settings, amount: str, fen: int):
    who = create_customer(engine, settings, accounts={"demand": 1_000_000_00},
                          ) if fen > 10_000_00 else create_customer(engine, settings)
    settings_limit = 50_000_00
    response = transfer(client, who, amount)
    if fen > settings_limit:
        assert response.json()["code"] == "PER_TRANSFER_LIMIT"
    else:
        assert response.status_code == 201
        assert response.json()["amount"] == f"{fen // 100}.{fen % 100:02d}"


def test_idempotency_same_key_same_body_answers_the_first_result(
    client: TestClient, engine: Engine, alice: CustomerFixture
):
    first = transfer(client, alice, "100.00", key="pay-1")
    again = transfer(client, alice, "100.00", key="pay-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00 - 100_00


def test_idempotency_same_key_other_body_is_refused(client: TestClient, engine: Engine, alice: CustomerFixture):
    assert transfer(client, alice, "100.00", key="pay-2").status_code == 201
    response = transfer(client, alice, "200.00", key="pay-2")
    assert response.status_code == 409
    assert response.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    # Equal amounts written differently are the same request.
    assert transfer(client, alice, "100", key="pay-2").status_code == 201
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00 - 100_00


def test_idempotency_keys_are_per_customer(client: TestClient, engine: Engine, alice: CustomerFixture, bob: CustomerFixture):
    assert transfer(client, alice, "100.00", key="shared-key").status_code == 201
    response = transfer(client, bob, "100.00", payee="李春花", key="shared-key")
    assert response.status_code == 201
    assert balance_fen(engine, bob.accounts["demand"]) == 2_000_00 - 100_00


def test_refused_request_does_not_burn_the_key(client: TestClient, engine: Engine, alice: CustomerFixture):
    assert transfer(client, alice, "20000.00", key="retry-me").json()["code"] == "INSUFFICIENT_FUNDS"
    assert transfer(client, alice, "20.00", key="retry-me").status_code == 201


def test_idempotency_key_is_required(client: TestClient, alice: CustomerFixture):
    body = {"from_account_id": alice.accounts["demand"], "payee_id": alice.payees["王小明"], "amount": "1.00"}
    response = client.post("/transfers", json=body, headers=alice.headers)
    assert response.status_code == 422
    assert response.json()["code"] == "VALIDATION_ERROR"


def test_transfer_from_pension_account(client: TestClient, engine: Engine, bob: CustomerFixture):
    assert transfer(client, bob, "100.00", payee="李春花", account="pension").status_code == 201
    assert balance_fen(engine, bob.accounts["pension"]) == 3_000_00 - 100_00


def test_pending_transfer_is_confirmed_then_executed(client: TestClient, engine: Engine, alice: CustomerFixture):
    pending = transfer(client, alice, "100.00", require_confirmation=True).json()
    assert pending["status"] == "pending"
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00
    confirmed = client.post(f"/transfers/{pending['id']}/confirm", headers=alice.headers)
    assert confirmed.json()["status"] == "completed"
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00 - 100_00
    again = client.post(f"/transfers/{pending['id']}/confirm", headers=alice.headers)
    assert (again.status_code, again.json()["code"]) == (409, "INVALID_STATE")


def test_confirming_a_pending_transfer_to_a_new_payee_holds_it(client: TestClient, alice: CustomerFixture):
    pending = transfer(client, alice, "100.00", payee="新朋友", require_confirmation=True).json()
    confirmed = client.post(f"/transfers/{pending['id']}/confirm", headers=alice.headers).json()
    assert (confirmed["status"], confirmed["hold_reason"]) == ("held", "NEW_PAYEE")


def test_confirm_rechecks_funds(client: TestClient, engine: Engine, alice: CustomerFixture):
    pending = transfer(client, alice, "6000.00", require_confirmation=True, payee="王小明").json()
    assert transfer(client, alice, "4999.00").status_code == 201
    response = client.post(f"/transfers/{pending['id']}/confirm", headers=alice.headers)
    # Funds are decided again before anything else, even for a transfer that would then be held.
    assert response.json()["code"] == "INSUFFICIENT_FUNDS"
    assert client.get(f"/transfers/{pending['id']}", headers=alice.headers).json()["status"] == "pending"
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00 - 4999_00


def test_cancel_held_and_pending_but_not_completed(client: TestClient, engine: Engine, alice: CustomerFixture):
    held = transfer(client, alice, "300.00", payee="新朋友").json()
    cancelled = client.post(f"/transfers/{held['id']}/cancel", headers=alice.headers)
    assert cancelled.json()["status"] == "cancelled"
    pending = transfer(client, alice, "10.00", require_confirmation=True).json()
    assert client.post(f"/transfers/{pending['id']}/cancel", headers=alice.headers).json()["status"] == "cancelled"
    done = transfer(client, alice, "10.00").json()
    response = client.post(f"/transfers/{done['id']}/cancel", headers=alice.headers)
    assert (response.status_code, response.json()["code"]) == (409, "INVALID_STATE")
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00 - 10_00


def test_cannot_transfer_from_a_time_deposit_account(client: TestClient, engine: Engine, settings: Settings):
    who = create_customer(engine, settings, accounts={"demand": 100_00, "time": 0})
    response = transfer(client, who, "1.00", account="time")
    assert response.json()["code"] == "ACCOUNT_NOT_ALLOWED"


def test_unknown_account_and_payee_are_not_found(client: TestClient, alice: CustomerFixture):
    body = {"from_account_id": 2_000_000_000, "payee_id": alice.payees["王小明"], "amount": "1.00"}
    assert client.post("/transfers", json=body, headers=alice.idem()).json()["code"] == "NOT_FOUND"
    body = {"from_account_id": alice.accounts["demand"], "payee_id": 2_000_000_000, "amount": "1.00"}
    assert client.post("/transfers", json=body, headers=alice.idem()).json()["code"] == "NOT_FOUND"
    assert client.get("/transfers/2000000000", headers=alice.headers).json()["code"] == "NOT_FOUND"


def test_idempotency_key_format(client: TestClient, alice: CustomerFixture):
    body = {"from_account_id": alice.accounts["demand"], "payee_id": alice.payees["王小明"], "amount": "1.00"}
    ok = client.post("/transfers", json=body, headers=alice.headers | {"Idempotency-Key": "anxin-transfer-ab+/c=:1"})
    assert ok.status_code == 201
    for bad in ("has space", "x" * 101):
        response = client.post("/transfers", json=body, headers=alice.headers | {"Idempotency-Key": bad})
        assert (response.status_code, response.json()["code"]) == (422, "VALIDATION_ERROR")
