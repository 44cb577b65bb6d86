"""GET /staff/ops: per channel, the last 24 h of turns, misunderstood turns, handoffs, scam stops and held
transfers, from the stored event stream; staff only."""
from __future__ import annotations

import time
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from backend.events.consumer import store
from tests.backend.factories import CustomerFixture, StaffFixture


def turn(sender: str, ts: float, intent: str, channel: str, *actions: str, outcome: str | None = None) -> list[dict]:
    events: list[dict] = [{"sender_id": sender, "event": "user", "timestamp": ts, "text": "x",
                           "parse_data": {"intent": {"name": intent}}, "metadata": {"channel": channel}}]
    for i, name in enumerate(actions, start=1):
        events.append({"sender_id": sender, "event": "action", "timestamp": ts + i / 100, "name": name})
    if outcome:
        events.append({"sender_id": sender, "event": "slot", "timestamp": ts + 0.5, "name": "outcome",
                       "value": outcome})
    return events


def test_ops_figures_per_channel(client: TestClient, engine: Engine, staff: StaffFixture) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM conversation_events"))
    now = time.time()
    web, kiosk = uuid.uuid4().hex, uuid.uuid4().hex
    events = [
        *turn(web, now - 7200, "check_balance", "web", "action_balance"),
        # misunderstood twice over (low confidence and the default fallback): one misunderstood turn
        *turn(web, now - 3600, "nlu_fallback", "web", "action_default_fallback"),
        *turn(web, now - 60, "transfer", "web", "action_submit_transfer", outcome="held"),
        *turn(kiosk, now - 30, "inform", "kiosk", "action_fraud_stop"),
        *turn(kiosk, now - 20, "human_handoff", "kiosk", "action_handoff"),
        *turn(kiosk, now - 10, "chitchat", "kiosk", "action_default_fallback"),
        # older than the window: not counted
        *turn(web, now - 30 * 3600, "nlu_fallback", "web", "action_handoff"),
    ]
    store(engine, events)
    resp = client.get("/staff/ops", headers=staff.headers)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert len(body["hours"]) == 24
    by = {c["channel"]: c for c in body["channels"]}
    assert set(by) == {"web", "kiosk"}
    assert by["web"]["turns"] == 3 and sum(by["web"]["turns_per_hour"]) == 3
    assert by["web"]["misunderstood"] == 1 and by["web"]["misunderstood_share"] == round(1 / 3, 4)
    assert by["web"]["held_transfers"] == 1 and by["web"]["handoffs"] == 0
    assert by["kiosk"]["turns"] == 3 and by["kiosk"]["misunderstood"] == 1
    assert by["kiosk"]["scam_stops"] == 1 and by["kiosk"]["handoffs"] == 1
    assert by["web"]["turns_per_hour"][-1] == 1  # the last minute is in the newest hour


def test_ops_is_for_staff_only(client: TestClient, alice: CustomerFixture) -> None:
    assert client.get("/staff/ops").status_code == 401
    resp = client.get("/staff/ops", headers=alice.headers)
    assert resp.status_code == 403 and resp.json()["code"] == "FORBIDDEN"
