"""Logging in, PIN lock-out, tokens and roles."""
from __future__ import annotations

import re
import time
from datetime import timedelta

import jwt
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from backend.core.config import Settings
from backend.models import Customer
from backend.services import clock
from tests.backend.factories import CustomerFixture, StaffFixture
from tests.backend.helpers import MovingClock, audit_actions


def login(client: TestClient, who: CustomerFixture, pin: str | None = None):
    return client.post("/auth/login", json={"phone": who.phone, "pin": pin or who.pin})


def test_login_returns_a_working_token(client: TestClient, alice: CustomerFixture, engine: Engine):
    response = login(client, alice)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["customer"] == {"id": alice.id, "name": alice.name}
    assert 60 <= body["expires_in"] <= 86400
    me = client.get("/me", headers={"Authorization": f"Bearer {body['access_token']}"}).json()
    assert me == {"id": alice.id, "name": alice.name, "phone_masked": f"{alice.phone[:3]}****{alice.phone[-4:]}",
                  "cooling_off_until": None}
    assert "login.ok" in audit_actions(engine, "customer", alice.id)


def test_wrong_pin_and_unknown_phone_are_the_same_401(client: TestClient, alice: CustomerFixture):
    wrong = login(client, alice, "000000")
    unknown = client.post("/auth/login", json={"phone": "19999999999", "pin": "135790"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["code"] == unknown.json()["code"] == "BAD_CREDENTIALS"


def test_five_wrong_pins_lock_for_fifteen_minutes(
    client: TestClient, engine: Engine, alice: CustomerFixture, moving_clock: MovingClock
):
    # Tries 1-2 answer plainly; from the 3rd on the next try waits (1 minute, then 2): services/auth.py.
    for attempt in range(1, 5):
        response = login(client, alice, "000000")
        assert response.status_code == 401
        # No "tries left": a count would tell a customer's number from a stranger's.
        assert not re.search(r"[0-9]次", response.json()["message"])
        moving_clock.advance(seconds=60 * 2 ** max(0, attempt - 3) + 1)
    locked = login(client, alice, "000000")
    assert locked.status_code == 423
    assert locked.json()["code"] == "LOCKED"
    with Session(engine) as session:
        customer = session.get(Customer, alice.id)
        assert customer is not None and customer.locked_until is not None
        remaining = customer.locked_until - clock.now()
        assert timedelta(minutes=14) < remaining <= timedelta(minutes=15)
    assert clock.cn_clock_text(customer.locked_until) in locked.json()["message"]
    # Even the right PIN is refused while locked.
    assert login(client, alice).status_code == 423
    assert "login.locked" in audit_actions(engine, "customer", alice.id)
    # When the lock has run out, the right PIN works again and the counter starts afresh.
    moving_clock.advance(seconds=15 * 60 + 1)
    assert login(client, alice).status_code == 200
    assert login(client, alice, "000000").status_code == 401


def test_success_resets_the_failure_count(client: TestClient, alice: CustomerFixture):
    for _ in range(2):
        assert login(client, alice, "000000").status_code == 401
    assert login(client, alice).status_code == 200
    for _ in range(2):  # no cool-down yet: the count started afresh
        assert login(client, alice, "000000").status_code == 401
    assert "分钟" not in login(client, alice).json().get("message", "")


def test_malformed_login_is_a_validation_error(client: TestClient):
    response = client.post("/auth/login", json={"phone": "138", "pin": 123456})
    assert response.status_code == 422
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert response.json()["message"]


def test_missing_bad_and_expired_tokens(client: TestClient, settings: Settings, alice: CustomerFixture):
    assert client.get("/accounts").json()["code"] == "UNAUTHORIZED"
    assert client.get("/accounts", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    forged = jwt.encode({"sub": str(alice.id), "role": "customer", "exp": int(time.time()) + 60}, "other-secret",
                        algorithm="HS256")
    assert client.get("/accounts", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    expired = jwt.encode({"sub": str(alice.id), "role": "customer", "exp": int(time.time()) - 1},
                         settings.token_secret, algorithm="HS256")
    assert client.get("/accounts", headers={"Authorization": f"Bearer {expired}"}).status_code == 401
    unsigned = jwt.encode({"sub": str(alice.id), "role": "customer", "exp": int(time.time()) + 60}, None,
                          algorithm="none")
    assert client.get("/accounts", headers={"Authorization": f"Bearer {unsigned}"}).status_code == 401


def test_roles_do_not_mix(client: TestClient, alice: CustomerFixture, staff: StaffFixture):
    assert client.get("/staff/approvals", headers=alice.headers).status_code == 403
    assert client.get("/staff/approvals", headers=alice.headers).json()["code"] == "FORBIDDEN"
    assert client.get("/accounts", headers=staff.headers).status_code == 403
    assert client.get("/staff/approvals", headers=staff.headers).status_code == 200


def test_staff_login(client: TestClient, staff: StaffFixture, engine: Engine):
    ok = client.post("/staff/login", json={"username": staff.username, "password": staff.password})
    assert ok.status_code == 200
    assert ok.json()["staff"]["id"] == staff.id
    bad = client.post("/staff/login", json={"username": staff.username, "password": "wrong"})
    assert (bad.status_code, bad.json()["code"]) == (401, "BAD_CREDENTIALS")
    assert audit_actions(engine, "staff", staff.id)[-2:] == ["staff.login.ok", "staff.login.failed"]
