"""The backend's fraud guard (issue 9): fraud stops, the cooling-off hold (in the database, so it holds on
every instance), and the backend's own screening of what the customer said."""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from backend.core.config import Settings
from backend.core.db import make_engine, run_migrations
from backend.main import create_app
from backend.models import AuditLog, Transfer
from backend.services import clock
from tests.backend.conftest import FAST_HASHING, TEST_SECRET, make_settings
from tests.backend.factories import CustomerFixture, StaffFixture, create_customer
from tests.backend.helpers import audit_actions, balance_fen
from tests.backend.server import running_backend

SCAM_CONTEXT = "电话里的民警说我涉嫌洗钱，叫我别跟孩子们讲，把钱转到安全账户保管"


def transfer(client: TestClient, who: CustomerFixture, amount: str = "100.00", payee: str = "王小明", **extra: object):
    body = {"from_account_id": who.accounts["demand"], "payee_id": who.payees[payee], "amount": amount, **extra}
    return client.post("/transfers", json=body, headers=who.idem())


def stop(client: TestClient, who: CustomerFixture, **extra: object):
    body = {"family": "authority", "channel": "kiosk", "text": "民警让我转到安全账户", **extra}
    return client.post("/fraud/stops", json=body, headers=who.headers)


def audit_details(engine: Engine, customer_id: int, action: str) -> list[dict]:
    with Session(engine) as session:
        rows = session.exec(select(AuditLog.detail).where(
            AuditLog.actor_kind == "customer", AuditLog.actor_id == customer_id, AuditLog.action == action
        ).order_by(AuditLog.id)).all()  # type: ignore[arg-type]
        return [json.loads(row) for row in rows]


@pytest.fixture
def second_instance(settings: Settings) -> Iterator[TestClient]:
    """Another backend app (its own engine and pool) on the same database: what a second server process is."""
    app = create_app(settings, migrate=False)
    with TestClient(app, base_url="http://testserver/api/v1") as client:
        yield client
    app.state.engine.dispose()


def test_fraud_stop_cancels_pending_records_and_starts_the_cooling_off(
    client: TestClient, engine: Engine, alice: CustomerFixture, settings: Settings
):
    pending = transfer(client, alice, require_confirmation=True).json()
    held = transfer(client, alice, "300.00", payee="新朋友").json()
    product = next(p["id"] for p in client.get("/savings/products").json() if p["code"] == "TD12")
    deposit = client.post("/deposits", json={"product_id": product, "from_account_id": alice.accounts["demand"],
                                             "amount": "1000.00", "require_confirmation": True},
                          headers=alice.idem()).json()
    response = stop(client, alice, transfer_id=pending["id"], text="他让我报卡号6222020012345678和验证码 834521")
    assert response.status_code == 201, response.text
    body = response.json()
    until = datetime.fromisoformat(body["cooling_off_until"])
    assert abs(until - (clock.now() + timedelta(hours=settings.fraud_cooling_off_hours))) < timedelta(minutes=5)
    assert body["cancelled_transfer_ids"] == [pending["id"]]
    assert body["cancelled_deposit_ids"] == [deposit["id"]]
    assert body["held_transfer_ids"] == [held["id"]]
    assert client.get(f"/transfers/{pending['id']}", headers=alice.headers).json()["status"] == "cancelled"
    assert client.get(f"/deposits/{deposit['id']}", headers=alice.headers).json()["status"] == "cancelled"
    still_held = client.get(f"/transfers/{held['id']}", headers=alice.headers).json()
    assert (still_held["status"], still_held["hold_reason"]) == ("held", "SCAM_RISK")
    confirm = client.post(f"/transfers/{pending['id']}/confirm", headers=alice.headers)
    assert (confirm.status_code, confirm.json()["code"]) == (409, "INVALID_STATE")
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00

    me = client.get("/me", headers=alice.headers).json()
    assert datetime.fromisoformat(me["cooling_off_until"]) == until
    [detail] = audit_details(engine, alice.id, "fraud.stop")
    assert (detail["family"], detail["channel"], detail["transfer_id"]) == ("authority", "kiosk", pending["id"])
    # Redacted again by the backend: no run of 4+ digits reaches the audit log.
    assert not re.search(r"\d{4,}", detail["text"]) and "****" in detail["text"]


def test_during_the_cooling_off_every_transfer_is_held_for_scam_risk(
    client: TestClient, engine: Engine, alice: CustomerFixture, staff: StaffFixture
):
    assert stop(client, alice).status_code == 201
    held = transfer(client, alice, "10.00").json()
    assert (held["status"], held["hold_reason"]) == ("held", "SCAM_RISK")
    assert "96110" in held["message"] and "工作人员" in held["message"]
    pending = transfer(client, alice, "10.00", require_confirmation=True).json()
    assert (pending["status"], pending["hold_reason"]) == ("pending", "SCAM_RISK")
    confirmed = client.post(f"/transfers/{pending['id']}/confirm", headers=alice.headers).json()
    assert (confirmed["status"], confirmed["hold_reason"]) == ("held", "SCAM_RISK")
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00
    queue = client.get("/staff/approvals?status=pending", headers=staff.headers).json()
    reasons = {a["transfer"]["id"]: a["reason"] for a in queue}
    assert reasons[held["id"]] == reasons[confirmed["id"]] == "SCAM_RISK"
    # Staff who have called the customer can still let a genuine transfer go.
    approval = next(a for a in queue if a["transfer"]["id"] == held["id"])
    approved = client.post(f"/staff/approvals/{approval['id']}/approve", headers=staff.headers)
    assert approved.json()["transfer"]["status"] == "completed"


def test_a_repeated_stop_keeps_or_extends_the_hold(client: TestClient, alice: CustomerFixture):
    first = datetime.fromisoformat(stop(client, alice).json()["cooling_off_until"])
    second = stop(client, alice, channel="phone")
    assert second.status_code == 201
    assert datetime.fromisoformat(second.json()["cooling_off_until"]) >= first
    assert second.json()["cancelled_transfer_ids"] == []


def test_the_cooling_off_holds_on_another_backend_instance(
    client: TestClient, second_instance: TestClient, engine: Engine, alice: CustomerFixture
):
    assert transfer(second_instance, alice).json()["status"] == "completed"  # no hold before the stop
    assert stop(client, alice).status_code == 201  # on instance one
    held = transfer(second_instance, alice).json()  # on instance two
    assert (held["status"], held["hold_reason"]) == ("held", "SCAM_RISK")
    assert second_instance.get("/me", headers=alice.headers).json()["cooling_off_until"] is not None
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00 - 100_00


def test_the_backend_refuses_a_scam_context_without_the_dialogues_stop(
    client: TestClient, second_instance: TestClient, engine: Engine, alice: CustomerFixture
):
    """The dialogue missed it (no stop was sent): the backend's own screening refuses and starts the hold."""
    response = transfer(client, alice, "10.00", context=SCAM_CONTEXT)
    assert (response.status_code, response.json()["code"]) == (422, "SCAM_SUSPECTED")
    assert "96110" in response.json()["message"] and "诈骗" in response.json()["message"]
    assert balance_fen(engine, alice.accounts["demand"]) == 10_000_00
    with Session(engine) as session:
        assert session.exec(select(Transfer).where(Transfer.customer_id == alice.id)).all() == []
    assert "transfer.scam_suspected" in audit_actions(engine, "customer", alice.id)
    [detail] = audit_details(engine, alice.id, "transfer.scam_suspected")
    assert detail["family"] and detail["rule"] and "安全账户" not in json.dumps(detail, ensure_ascii=False)
    # The hold started although no stop ever came, and holds on the other instance too.
    assert client.get("/me", headers=alice.headers).json()["cooling_off_until"] is not None
    again = transfer(second_instance, alice, "10.00").json()
    assert (again["status"], again["hold_reason"]) == ("held", "SCAM_RISK")


def test_multiline_context_is_accepted_and_screened(client: TestClient, alice: CustomerFixture):
    benign = transfer(client, alice, "10.00", context="给儿子转点钱\n他要交学费")
    assert benign.json()["status"] == "completed", benign.text
    too_long = transfer(client, alice, "10.00", context="好" * 2001)
    assert (too_long.status_code, too_long.json()["code"]) == (422, "VALIDATION_ERROR")


def test_ordinary_transfers_are_not_held(client: TestClient, alice: CustomerFixture):
    for note in ("学费", "生日红包", "买药"):
        assert transfer(client, alice, "10.00", note=note).json()["status"] == "completed"
    assert client.get("/me", headers=alice.headers).json()["cooling_off_until"] is None


def test_an_unknown_channel_is_refused_but_an_unknown_family_still_stops(
    client: TestClient, engine: Engine, alice: CustomerFixture
):
    response = stop(client, alice, channel="fax")
    assert (response.status_code, response.json()["code"]) == (422, "VALIDATION_ERROR")
    assert client.get("/me", headers=alice.headers).json()["cooling_off_until"] is None
    # A family id the backend does not know (a newer dialogue) must never leave the customer unprotected.
    assert stop(client, alice, family="weather").status_code == 201
    assert audit_details(engine, alice.id, "fraud.stop")[0]["family"] == "generic"
    assert client.get("/me", headers=alice.headers).json()["cooling_off_until"] is not None


def test_a_stop_naming_someone_elses_transfer_still_stops(
    client: TestClient, alice: CustomerFixture, bob: CustomerFixture
):
    others = transfer(client, bob, "10.00", payee="李春花", require_confirmation=True).json()
    response = stop(client, alice, transfer_id=others["id"])
    assert response.status_code == 201
    assert client.get(f"/transfers/{others['id']}", headers=bob.headers).json()["status"] == "pending"


def test_fraud_stop_needs_a_customer(client: TestClient, staff: StaffFixture):
    body = {"family": "authority", "channel": "web", "text": ""}
    assert client.post("/fraud/stops", json=body).status_code == 401
    assert client.post("/fraud/stops", json=body, headers=staff.headers).status_code == 403


def test_the_cooling_off_holds_across_two_server_processes_and_a_restart(tmp_path: Path):
    """Two uvicorn processes on one database file: a stop on one holds on the other, and after a restart."""
    url = f"sqlite:///{tmp_path / 'two-servers.db'}"
    run_migrations(url)
    settings = make_settings(url)
    engine = make_engine(settings)
    who = create_customer(engine, settings)
    engine.dispose()
    env = {"ANXIN_DATABASE_URL": url, "ANXIN_TOKEN_SECRET": TEST_SECRET, "ANXIN_MATURITY_INTERVAL_S": "0"}
    env |= {f"ANXIN_{key.upper()}": str(value) for key, value in FAST_HASHING.items()}
    body = {"from_account_id": who.accounts["demand"], "payee_id": who.payees["王小明"], "amount": "10.00"}
    with running_backend(env) as one, running_backend(env) as two:
        stopped = httpx.post(f"{one}/fraud/stops", json={"family": "relative", "channel": "phone", "text": ""},
                             headers=who.headers, timeout=30)
        assert stopped.status_code == 201, stopped.text
        held = httpx.post(f"{two}/transfers", json=body, headers=who.idem(), timeout=30).json()
        assert (held["status"], held["hold_reason"]) == ("held", "SCAM_RISK")
    with running_backend(env) as restarted:
        again = httpx.post(f"{restarted}/transfers", json=body, headers=who.idem(), timeout=30).json()
        assert (again["status"], again["hold_reason"]) == ("held", "SCAM_RISK")
