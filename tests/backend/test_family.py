"""The family contact (亲情联系人, issue 12): set by staff only, audited, told of a held transfer, no power."""
from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from backend.core.config import Settings
from backend.models import AuditLog, OutboxMessage
from tests.backend.factories import CustomerFixture, StaffFixture, create_customer

CONTACT = {"name": "王小明", "relationship": "儿子", "phone": "13900000021"}


def path(customer_id: int) -> str:
    return f"/staff/customers/{customer_id}/family-contact"


def test_staff_set_read_change_and_remove_it(client: TestClient, engine: Engine, alice: CustomerFixture,
                                             staff: StaffFixture):
    assert client.get(path(alice.id), headers=staff.headers).json()["code"] == "NOT_FOUND"
    assert client.get("/family-contact", headers=alice.headers).json()["code"] == "NOT_FOUND"
    put = client.put(path(alice.id), json=CONTACT, headers=staff.headers)
    assert put.status_code == 200, put.text
    assert {k: put.json()[k] for k in CONTACT} == CONTACT and put.json()["set_by"] == staff.id
    assert client.get(path(alice.id), headers=staff.headers).json() == put.json()
    mine = client.get("/family-contact", headers=alice.headers).json()
    assert mine == {"name": "王小明", "relationship": "儿子", "phone_masked": "139****0021"}
    changed = client.put(path(alice.id), json=CONTACT | {"phone": "13900000022"}, headers=staff.headers).json()
    assert changed["phone"] == "13900000022"
    with Session(engine) as session:
        entries = session.exec(select(AuditLog).where(AuditLog.actor_kind == "staff", AuditLog.actor_id == staff.id,
                                                      AuditLog.target_id == alice.id).order_by(AuditLog.id)).all()
    assert [e.action for e in entries] == ["family_contact.set", "family_contact.changed"]
    assert all("1390000002" not in e.detail for e in entries)  # the audit keeps the number masked
    assert json.loads(entries[0].detail)["phone"] == "139****0021"
    assert client.delete(path(alice.id), headers=staff.headers).status_code == 204
    assert client.get(path(alice.id), headers=staff.headers).json()["code"] == "NOT_FOUND"
    assert client.delete(path(alice.id), headers=staff.headers).json()["code"] == "NOT_FOUND"


def test_only_staff_can_set_it(client: TestClient, alice: CustomerFixture, staff: StaffFixture):
    assert client.put(path(alice.id), json=CONTACT, headers=alice.headers).status_code == 403
    assert client.get(path(alice.id), headers=alice.headers).status_code == 403
    assert client.put(path(alice.id), json=CONTACT).status_code == 401
    assert client.put("/family-contact", json=CONTACT, headers=alice.headers).status_code == 405
    for bad in ({"phone": "12345"}, {"name": ""}, {"phone": "139000000211"}, {"extra": "x"}):
        response = client.put(path(alice.id), json=CONTACT | bad, headers=staff.headers)
        assert response.status_code == 422 and response.json()["code"] == "VALIDATION_ERROR", bad
    assert client.put(path(2_000_000_000), json=CONTACT, headers=staff.headers).json()["code"] == "NOT_FOUND"


def test_a_held_transfer_tells_the_contact_and_shows_the_number_to_staff(
    client: TestClient, engine: Engine, settings: Settings, alice: CustomerFixture, staff: StaffFixture
):
    client.put(path(alice.id), json=CONTACT, headers=staff.headers)
    held = client.post("/transfers", json={"from_account_id": alice.accounts["demand"],
                                           "payee_id": alice.payees["新朋友"], "amount": "800.00"},
                       headers=alice.idem()).json()
    assert held["status"] == "held" and held["hold_reason"] == "NEW_PAYEE"
    assert held["message"].endswith("银行工作人员会给您的儿子王小明打电话确认。")
    with Session(engine) as session:
        sms = session.exec(select(OutboxMessage).where(OutboxMessage.reference == f"transfer:{held['id']}")).all()
    assert [(m.kind, m.to_phone, m.customer_id) for m in sms] == [("transfer_held_family", "13900000021", alice.id)]
    assert "张阿姨" in sms[0].text and "800.00元" in sms[0].text and "打电话确认" in sms[0].text
    approval = next(a for a in client.get("/staff/approvals?status=pending", headers=staff.headers).json()
                    if a["transfer"]["id"] == held["id"])
    assert approval["family_contact"] == {"name": "王小明", "relationship": "儿子", "phone": "13900000021"}
    beside = client.get(f"/staff/approvals/{approval['id']}/family-contact", headers=staff.headers).json()
    assert beside["customer_id"] == alice.id and beside["contact"]["phone"] == "13900000021"
    assert client.get(f"/staff/approvals/{approval['id']}/family-contact", headers=alice.headers).status_code == 403

    # Without a contact: nothing is written, the staff view says so.
    other = create_customer(engine, settings, "李大爷", {"demand": 10_000_00}, {"李春花": 100})
    other_held = client.post("/transfers", json={"from_account_id": other.accounts["demand"],
                                                 "payee_id": other.payees["李春花"], "amount": "6000.00"},
                             headers=other.idem()).json()
    assert other_held["status"] == "held" and other_held["hold_reason"] == "LARGE_AMOUNT"
    assert "打电话确认" not in other_held["message"]
    with Session(engine) as session:
        assert session.exec(select(OutboxMessage).where(
            OutboxMessage.reference == f"transfer:{other_held['id']}")).first() is None
    other_approval = next(a for a in client.get("/staff/approvals?status=pending", headers=staff.headers).json()
                          if a["transfer"]["id"] == other_held["id"])
    assert other_approval["family_contact"] is None
    assert client.get(f"/staff/approvals/{other_approval['id']}/family-contact",
                      headers=staff.headers).json()["contact"] is None


def test_the_contact_has_no_power_over_the_money(client: TestClient, alice: CustomerFixture, staff: StaffFixture):
    client.put(path(alice.id), json=CONTACT, headers=staff.headers)
    login = client.post("/auth/login", json={"phone": CONTACT["phone"], "pin": "135790"})
    assert login.status_code == 401 and login.json()["code"] == "BAD_CREDENTIALS"


def test_staff_find_the_customer_by_phone(client: TestClient, alice: CustomerFixture, staff: StaffFixture):
    found = client.get(f"/staff/customers?phone={alice.phone}", headers=staff.headers).json()
    assert found == [{"id": alice.id, "name": alice.name, "phone_masked": f"{alice.phone[:3]}****{alice.phone[-4:]}"}]
    assert client.get("/staff/customers?phone=13000000000", headers=staff.headers).json() == []
    assert client.get(f"/staff/customers?phone={alice.phone}", headers=alice.headers).status_code == 403
    assert client.get("/staff/customers?phone=abc", headers=staff.headers).status_code == 422
