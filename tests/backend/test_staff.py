"""Staff approvals of held transfers."""
from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.backend.factories import CustomerFixture, StaffFixture
from tests.backend.helpers import audit_actions, balance_fen


def held_transfer(client: TestClient, who: CustomerFixture, amount: str = "300.00") -> dict:
    body = {"from_account_id": who.accounts["demand"], "payee_id": who.payees["新朋友"], "amount": amount}
    response = client.post("/transfers", json=body, headers=who.idem())
    assert response.json()["status"] == "held"
    return response.json()


def approval_for(client: TestClient, staff: StaffFixture, transfer_id: int) -> dict:
    pending = client.get("/staff/approvals?status=pending", headers=staff.headers).json()
    matches = [a for a in pending if a["transfer"]["id"] == transfer_id]
    assert len(matches) == 1
    return matches[0]


def test_approve_executes_the_held_transfer(
    client: TestClient, engine: Engine, alice: CustomerFixture, staff: StaffFixture
):
    transfer = held_transfer(client, alice)
    approval = approval_for(client, staff, transfer["id"])
    assert (approval["kind"], approval["reason"], approval["customer_name"]) == ("transfer", "NEW_PAYEE", "张阿姨")
    response = client.post(f"/staff/approvals/{approval['id']}/approve", json={"note": "已电话核实"},
                           headers=staff.headers)
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["decided_by"], body["note"]) == ("approved", staff.id, "已电话核实")
    # A payee saved today: once approved the money leaves her account and arrives the next day (revocable).
    assert (body["transfer"]["status"], body["transfer"]["arrival_mode"]) == ("scheduled", "next_day")
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00 - 300_00
    assert client.get(f"/transfers/{transfer['id']}", headers=alice.headers).json()["status"] == "scheduled"
    assert "approval.approved" in audit_actions(engine, "staff", staff.id)
    assert "transfer.scheduled" in audit_actions(engine, "staff", staff.id)
    twice = client.post(f"/staff/approvals/{approval['id']}/approve", headers=staff.headers)
    assert (twice.status_code, twice.json()["code"]) == (409, "INVALID_STATE")
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00 - 300_00


def test_reject_ends_the_transfer(client: TestClient, engine: Engine, alice: CustomerFixture, staff: StaffFixture):
    transfer = held_transfer(client, alice)
    approval = approval_for(client, staff, transfer["id"])
    body = client.post(f"/staff/approvals/{approval['id']}/reject", json={"note": "疑似诈骗"},
                       headers=staff.headers).json()
    assert (body["status"], body["decided_by"], body["transfer"]["status"]) == ("rejected", staff.id, "rejected")
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00
    assert client.post(f"/staff/approvals/{approval['id']}/approve", headers=staff.headers).status_code == 409
    assert "approval.rejected" in audit_actions(engine, "staff", staff.id)


def test_approve_rechecks_funds(client: TestClient, engine: Engine, alice: CustomerFixture, staff: StaffFixture):
    transfer = held_transfer(client, alice, "6000.00")
    approval = approval_for(client, staff, transfer["id"])
    products = {p["code"]: p["id"] for p in client.get("/savings/products").json()}
    spend = {"product_id": products["TD12"], "from_account_id": alice.accounts["demand"], "amount": "4999.00"}
    assert client.post("/deposits", json=spend, headers=alice.idem()).json()["status"] == "active"
    response = client.post(f"/staff/approvals/{approval['id']}/approve", headers=staff.headers)
    assert (response.status_code, response.json()["code"]) == (422, "INSUFFICIENT_FUNDS")
    # The transfer ended (issue 10 item 15): the approval failed, the transfer is rejected, nothing moved.
    decided = client.get(f"/staff/approvals/{approval['id']}", headers=staff.headers).json()
    assert (decided["status"], decided["transfer"]["status"]) == ("failed", "rejected")
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00 - 4999_00
    assert client.post(f"/staff/approvals/{approval['id']}/reject", headers=staff.headers).status_code == 409


def test_customer_cancel_closes_the_approval(client: TestClient, alice: CustomerFixture, staff: StaffFixture):
    transfer = held_transfer(client, alice)
    approval = approval_for(client, staff, transfer["id"])
    client.post(f"/transfers/{transfer['id']}/cancel", headers=alice.headers)
    current = client.get(f"/staff/approvals/{approval['id']}", headers=staff.headers).json()
    assert current["status"] == "cancelled"
    response = client.post(f"/staff/approvals/{approval['id']}/approve", headers=staff.headers)
    assert response.status_code == 409


def test_unknown_approval(client: TestClient, staff: StaffFixture):
    response = client.post("/staff/approvals/2000000000/approve", headers=staff.headers)
    assert (response.status_code, response.json()["code"]) == (404, "NOT_FOUND")
    assert client.get("/staff/approvals?status=weird", headers=staff.headers).status_code == 422
