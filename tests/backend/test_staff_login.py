"""Staff sign-in (issue 10, item 7): the customers' rate limit, cool-down and lock-out, and an audit entry for
every failure and lock."""
from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from backend.core.config import Settings
from backend.core.ratelimit import Limit, LoginRateLimiter
from backend.main import create_app
from backend.models import AuditLog, StaffUser
from tests.backend.factories import StaffFixture
from tests.backend.helpers import MovingClock, audit_actions


def staff_login(client: TestClient, username: str, password: str):
    return client.post("/staff/login", json={"username": username, "password": password})


def test_wrong_passwords_cool_down_then_lock_the_staff_account(
    client: TestClient, engine: Engine, staff: StaffFixture, moving_clock: MovingClock
):
    codes = []
    for _ in range(5):
        codes.append(staff_login(client, staff.username, "wrong").json()["code"])
        moving_clock.advance(seconds=300)  # past each wait
    assert codes == ["BAD_CREDENTIALS"] * 4 + ["LOCKED"]
    # Locked: even the right password is refused, until the lock runs out.
    assert staff_login(client, staff.username, staff.password).json()["code"] == "LOCKED"
    moving_clock.advance(minutes=15)
    assert staff_login(client, staff.username, staff.password).status_code == 200
    actions = audit_actions(engine, "staff", staff.id)
    assert actions.count("staff.login.failed") == 5
    assert actions.count("staff.login.locked") == 1
    assert "staff.login.refused" in actions and actions[-1] == "staff.login.ok"
    with Session(engine) as session:
        row = session.get(StaffUser, staff.id)
        assert row is not None and row.failed_attempts == 0 and row.locked_until is None


def test_a_burst_of_wrong_passwords_is_slowed_and_audited(
    client: TestClient, engine: Engine, staff: StaffFixture, moving_clock: MovingClock
):
    codes = [staff_login(client, staff.username, "wrong").json()["code"] for _ in range(10)]
    assert codes[:3] == ["BAD_CREDENTIALS"] * 3 and set(codes[3:]) == {"RATE_LIMITED"}
    actions = audit_actions(engine, "staff", staff.id)
    assert actions.count("staff.login.failed") == 3 and actions.count("staff.login.refused") == 7


def test_unknown_staff_names_answer_like_known_ones_and_are_audited(
    client: TestClient, engine: Engine, staff: StaffFixture, moving_clock: MovingClock
):
    known = staff_login(client, staff.username, "wrong").json()
    unknown = staff_login(client, "nobody-" + staff.username, "wrong").json()
    assert known == unknown
    with Session(engine) as session:
        entry = session.exec(select(AuditLog).where(AuditLog.action == "staff.login.unknown")
                             .order_by(AuditLog.id.desc())).first()  # type: ignore[attr-defined]
        assert entry is not None and entry.actor_id is None
        assert "nobody" not in entry.detail and len(json.loads(entry.detail)["username_sha256"]) == 16


def test_staff_sign_in_is_rate_limited(settings: Settings, staff: StaffFixture):
    app = create_app(settings, migrate=False)
    app.state.login_limiter = LoginRateLimiter(Limit(3, 300), Limit(1000, 300))
    with TestClient(app, base_url="http://testserver/api/v1") as client:
        codes = [staff_login(client, staff.username, staff.password).status_code for _ in range(4)]
    app.state.engine.dispose()
    assert codes == [200, 200, 200, 429]
