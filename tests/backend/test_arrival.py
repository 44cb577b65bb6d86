"""Delayed arrival (延时到账, issue 12): arrival modes by payee age, the read-back's fields, settlement at the due
time, revoke before it, refusal after it, limits and the fraud stop, through the API on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from backend.core.config import Settings
from backend.models import Transfer
from backend.scheduler import release_lease, run_settlement_job, take_lease
from backend.services import ledger, settlement
from tests.backend.factories import CustomerFixture, StaffFixture, create_customer
from tests.backend.helpers import MovingClock, audit_actions, balance_fen
from tests.backend.test_services_properties import check_books


@pytest.fixture
def gran(engine: Engine, settings: Settings) -> CustomerFixture:
    # 王小明 saved a year ago, 侄子 ten days ago (not held: older than a day; still new for arrival), 新朋友 today.
    return create_customer(engine, settings, "张奶奶", {"demand": 10_000_00}, {"王小明": 365, "侄子": 10, "新朋友": 0})


def send(client: TestClient, who: CustomerFixture, amount: str, payee: str, key: str | None = None, **extra: object):
    body = {"from_account_id": who.accounts["demand"], "payee_id": who.payees[payee], "amount": amount, **extra}
    return client.post("/transfers", json=body, headers=who.idem(key))


def in_transit_fen(engine: Engine) -> int:
    with Session(engine) as session:
        return balance_fen(engine, ledger.internal_account_id(session, settlement.IN_TRANSIT))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_an_old_payee_gets_real_time_and_a_payee_saved_ten_days_ago_next_day(
    client: TestClient, engine: Engine, gran: CustomerFixture, moving_clock: MovingClock
):
    old = send(client, gran, "100.00", "王小明").json()
    assert (old["status"], old["arrival_mode"], old["arrives_at"]) == ("completed", "realtime", None)
    before = in_transit_fen(engine)
    new = send(client, gran, "200.00", "侄子")
    assert new.status_code == 201, new.text
    body = new.json()
    assert (body["status"], body["arrival_mode"]) == ("scheduled", "next_day")
    assert at(body["arrives_at"]) == moving_clock.now() + timedelta(hours=24)
    assert "撤回" in body["message"] and "明天" in body["message"]
    # The money has left her account and waits in transit.
    assert balance_fen(engine, gran.accounts["demand"]) == 10_000_00 - 100_00 - 200_00
    assert in_transit_fen(engine) == before + 200_00
    assert "transfer.scheduled" in audit_actions(engine, "customer", gran.id)
    check_books(engine)


def test_the_window_is_a_setting(client: TestClient, engine: Engine, settings: Settings):
    assert settings.new_payee_delay_days == 30
    who = create_customer(engine, settings, "周奶奶", {"demand": 1_000_00}, {"老邻居": 31, "表妹": 29})
    assert send(client, who, "10.00", "老邻居").json()["arrival_mode"] == "realtime"
    assert send(client, who, "10.00", "表妹").json()["arrival_mode"] == "next_day"


def test_a_slower_mode_may_be_chosen_a_faster_one_for_a_new_payee_is_refused(
    client: TestClient, engine: Engine, gran: CustomerFixture, moving_clock: MovingClock
):
    normal = send(client, gran, "50.00", "王小明", arrival_mode="normal").json()
    assert (normal["status"], normal["arrival_mode"]) == ("scheduled", "normal")
    assert at(normal["arrives_at"]) == moving_clock.now() + timedelta(hours=2)
    assert send(client, gran, "50.00", "王小明", arrival_mode="next_day").json()["arrival_mode"] == "next_day"
    for mode in ("realtime", "normal"):
        refused = send(client, gran, "50.00", "侄子", arrival_mode=mode)
        assert (refused.status_code, refused.json()["code"]) == (422, "ARRIVAL_MODE_NOT_ALLOWED")
        assert "次日到账" in refused.json()["message"]
    assert send(client, gran, "50.00", "侄子", arrival_mode="next_day").json()["status"] == "scheduled"
    bad = send(client, gran, "50.00", "王小明", arrival_mode="tomorrow")
    assert bad.status_code == 422
    assert balance_fen(engine, gran.accounts["demand"]) == 10_000_00 - 150_00


def test_the_pending_read_back_has_the_fields_and_confirm_is_once(
    client: TestClient, engine: Engine, gran: CustomerFixture, moving_clock: MovingClock
):
    first = send(client, gran, "300.00", "侄子", key="k-arrival-1", require_confirmation=True).json()
    assert (first["status"], first["arrival_mode"]) == ("pending", "next_day")
    assert at(first["arrives_at"]) == moving_clock.now() + timedelta(hours=24)  # the estimate the read-back says
    again = send(client, gran, "300.00", "侄子", key="k-arrival-1", require_confirmation=True).json()
    assert again["id"] == first["id"]
    assert balance_fen(engine, gran.accounts["demand"]) == 10_000_00  # nothing moves before "是"
    moving_clock.advance(minutes=3)
    confirmed = client.post(f"/transfers/{first['id']}/confirm", headers=gran.headers).json()
    assert (confirmed["status"], confirmed["arrival_mode"]) == ("scheduled", "next_day")
    assert at(confirmed["arrives_at"]) == moving_clock.now() + timedelta(hours=24)
    twice = client.post(f"/transfers/{first['id']}/confirm", headers=gran.headers)
    assert (twice.status_code, twice.json()["code"]) == (409, "INVALID_STATE")
    assert balance_fen(engine, gran.accounts["demand"]) == 10_000_00 - 300_00
    # A pending record that would be held has no arrival time yet (staff decide when).
    held_pending = send(client, gran, "10.00", "新朋友", require_confirmation=True).json()
    assert (held_pending["hold_reason"], held_pending["arrives_at"]) == ("NEW_PAYEE", None)


def test_settles_at_the_due_time_exactly_once(
    client: TestClient, engine: Engine, settings: Settings, gran: CustomerFixture, moving_clock: MovingClock
):
    body = send(client, gran, "400.00", "侄子").json()
    moving_clock.advance(hours=23, minutes=59)
    assert body["id"] not in settlement.settle_due(engine).settled  # (other tests' due transfers settle here)
    transit_before = in_transit_fen(engine)
    assert client.get(f"/transfers/{body['id']}", headers=gran.headers).json()["status"] == "scheduled"
    moving_clock.advance(minutes=1)
    report = run_settlement_job(engine, settings)
    assert report is not None and body["id"] in report.settled
    done = client.get(f"/transfers/{body['id']}", headers=gran.headers).json()
    assert (done["status"], done["arrival_mode"]) == ("completed", "next_day")
    with Session(engine) as session:  # other tests' transfers may have come due in this minute too
        settled_fen = sum(session.get(Transfer, tid).amount_fen for tid in report.settled)  # type: ignore[union-attr]
    assert in_transit_fen(engine) == transit_before - settled_fen
    assert body["id"] not in settlement.settle_due(engine).settled  # never twice
    assert not settlement.settle_one(engine, body["id"])
    assert balance_fen(engine, gran.accounts["demand"]) == 10_000_00 - 400_00
    check_books(engine)


def test_the_settlement_lease_lets_one_instance_run(engine: Engine, settings: Settings, moving_clock: MovingClock):
    moving_clock.advance(days=3)  # past the leases other tests' moved clocks released
    assert take_lease(engine, settlement.SETTLEMENT_JOB, "other-instance", 60)
    try:
        assert run_settlement_job(engine, settings, holder="me") is None
    finally:
        release_lease(engine, settlement.SETTLEMENT_JOB, "other-instance")
    moving_clock.advance(seconds=1)
    assert run_settlement_job(engine, settings, holder="me") is not None


def test_revoke_returns_the_money(client: TestClient, engine: Engine, gran: CustomerFixture, moving_clock: MovingClock):
    body = send(client, gran, "500.00", "侄子").json()
    transit_before = in_transit_fen(engine)
    moving_clock.advance(hours=3)
    revoked = client.post(f"/transfers/{body['id']}/revoke", headers=gran.headers)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "revoked"
    assert "撤回" in revoked.json()["message"] and "回到了您的账户" in revoked.json()["message"]
    assert balance_fen(engine, gran.accounts["demand"]) == 10_000_00
    assert in_transit_fen(engine) == transit_before - 500_00
    assert "transfer.revoked" in audit_actions(engine, "customer", gran.id)
    history = client.get(f"/accounts/{gran.accounts['demand']}/transactions", headers=gran.headers).json()
    assert history["items"][0]["amount"] == "500.00"
    # A retried revoke answers the same and moves nothing; the settlement leaves it alone.
    again = client.post(f"/transfers/{body['id']}/revoke", headers=gran.headers)
    assert (again.status_code, again.json()["status"]) == (200, "revoked")
    moving_clock.advance(hours=24)
    assert body["id"] not in settlement.settle_due(engine).settled
    assert balance_fen(engine, gran.accounts["demand"]) == 10_000_00
    assert client.get("/transfers?status=scheduled", headers=gran.headers).json() == []
    check_books(engine)


def test_revoke_after_settlement_or_of_a_real_time_transfer_is_refused(
    client: TestClient, engine: Engine, settings: Settings, gran: CustomerFixture, moving_clock: MovingClock
):
    scheduled = send(client, gran, "100.00", "侄子").json()
    listed = client.get("/transfers?status=scheduled", headers=gran.headers).json()
    assert [row["id"] for row in listed] == [scheduled["id"]]
    moving_clock.advance(hours=25)
    settlement.settle_due(engine)
    late = client.post(f"/transfers/{scheduled['id']}/revoke", headers=gran.headers)
    assert (late.status_code, late.json()["code"]) == (409, "NOT_REVOCABLE")
    assert "不能撤回" in late.json()["message"]
    realtime = send(client, gran, "100.00", "王小明").json()
    refused = client.post(f"/transfers/{realtime['id']}/revoke", headers=gran.headers)
    assert (refused.status_code, refused.json()["code"]) == (409, "NOT_REVOCABLE")
    pending = send(client, gran, "100.00", "王小明", require_confirmation=True).json()
    not_yet = client.post(f"/transfers/{pending['id']}/revoke", headers=gran.headers)
    assert (not_yet.status_code, not_yet.json()["code"]) == (409, "NOT_REVOCABLE")
    assert "取消" in not_yet.json()["message"]
    other = create_customer(engine, settings, "别人", {"demand": 100_00}, {"王小明": 365})
    assert client.post(f"/transfers/{scheduled['id']}/revoke", headers=other.headers).status_code == 404
    assert balance_fen(engine, gran.accounts["demand"]) == 10_000_00 - 200_00


def test_scheduled_transfers_count_toward_the_daily_limit_and_revoked_ones_do_not(
    engine: Engine, settings: Settings
):
    from backend.main import create_app
    from tests.backend.conftest import make_settings

    strict_settings = make_settings(settings.database_url, daily_limit_fen=1_000_00)
    app = create_app(strict_settings, migrate=False)
    with TestClient(app, base_url="http://testserver/api/v1", raise_server_exceptions=False) as strict:
        who = create_customer(engine, strict_settings, "严奶奶", {"demand": 5_000_00}, {"王小明": 365, "侄子": 10})
        first = send(strict, who, "800.00", "侄子").json()
        assert first["status"] == "scheduled"
        over = send(strict, who, "300.00", "王小明")
        assert (over.status_code, over.json()["code"]) == (422, "DAILY_LIMIT")
        assert "200.00" in over.json()["message"]
        assert strict.post(f"/transfers/{first['id']}/revoke", headers=who.headers).status_code == 200
        assert send(strict, who, "300.00", "王小明").json()["status"] == "completed"
    app.state.engine.dispose()


def test_a_fraud_stop_revokes_the_scheduled_transfers(
    client: TestClient, engine: Engine, gran: CustomerFixture
):
    scheduled = send(client, gran, "600.00", "侄子").json()
    realtime = send(client, gran, "100.00", "王小明").json()
    stop = client.post("/fraud/stops", json={"family": "authority", "channel": "phone", "text": "安全账户"},
                       headers=gran.headers)
    assert stop.status_code == 201, stop.text
    assert stop.json()["revoked_transfer_ids"] == [scheduled["id"]]
    assert client.get(f"/transfers/{scheduled['id']}", headers=gran.headers).json()["status"] == "revoked"
    assert client.get(f"/transfers/{realtime['id']}", headers=gran.headers).json()["status"] == "completed"
    assert balance_fen(engine, gran.accounts["demand"]) == 10_000_00 - 100_00
    assert "fraud.stop" in audit_actions(engine, "customer", gran.id)
    assert "transfer.revoked" in audit_actions(engine, "system", None)  # type: ignore[arg-type]
    again = client.post("/fraud/stops", json={"family": "authority", "channel": "phone", "text": ""},
                        headers=gran.headers)
    assert again.json()["revoked_transfer_ids"] == []
    assert balance_fen(engine, gran.accounts["demand"]) == 10_000_00 - 100_00
    check_books(engine)


def test_staff_approval_of_a_new_payee_transfer_schedules_it(
    client: TestClient, engine: Engine, gran: CustomerFixture, staff: StaffFixture
):
    held = send(client, gran, "300.00", "新朋友").json()
    assert (held["status"], held["arrival_mode"], held["arrives_at"]) == ("held", "next_day", None)
    queue = client.get("/staff/approvals?status=pending", headers=staff.headers).json()
    approval = next(a for a in queue if a["transfer"]["id"] == held["id"])
    approved = client.post(f"/staff/approvals/{approval['id']}/approve", headers=staff.headers).json()
    assert approved["transfer"]["status"] == "scheduled"
    assert approved["transfer"]["arrives_at"] is not None
    # Staff's call does not take away her chance to change her mind.
    assert client.post(f"/transfers/{held['id']}/revoke", headers=gran.headers).json()["status"] == "revoked"
    assert balance_fen(engine, gran.accounts["demand"]) == 10_000_00
