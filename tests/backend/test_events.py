"""The event stream's consumer (backend.events): one row per event however often it is delivered, and no
token, PIN or full account number in what it stores."""
from __future__ import annotations

import time
import uuid

from sqlalchemy import Engine, text

from backend.events.consumer import event_id, event_row, store

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
PIN = "135790"
ACCOUNT = "6222021234567891234"


def user_event(sender: str, text_: str, ts: float, intent: str = "check_balance", **extra: object) -> dict:
    return {"sender_id": sender, "event": "user", "timestamp": ts, "text": text_,
            "parse_data": {"intent": {"name": intent, "confidence": 0.9}, "text": text_},
            "input_channel": "rest", "metadata": {"token": TOKEN, "channel": "web"}, **extra}


def rows_for(engine: Engine, sender_hash: str) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(
            text("SELECT * FROM conversation_events WHERE conversation = :c ORDER BY id"), {"c": sender_hash})]


def test_a_redelivered_event_is_stored_once(engine: Engine) -> None:
    sender = uuid.uuid4().hex
    ts = time.time()
    events = [user_event(sender, "查余额", ts),
              {"sender_id": sender, "event": "action", "timestamp": ts, "name": "action_balance"},
              {"sender_id": sender, "event": "bot", "timestamp": ts, "text": "余额12000.00元"}]
    assert store(engine, events) == 3
    # RabbitMQ redelivers an unacknowledged batch; Rasa republishes after an outage: the same bytes again.
    assert store(engine, events + [dict(events[0])]) == 0
    row = event_row(events[0])
    assert row is not None
    got = rows_for(engine, row["conversation"])
    assert [r["type"] for r in got] == ["user", "action", "bot"]
    assert got[0]["channel"] == "web" and got[0]["name"] == "check_balance"


def test_events_at_one_instant_have_distinct_ids() -> None:
    ts = time.time()
    a = {"sender_id": "s1", "event": "action", "timestamp": ts, "name": "action_listen"}
    b = {"sender_id": "s1", "event": "action", "timestamp": ts, "name": "utter_greet"}
    c = {"sender_id": "s2", "event": "action", "timestamp": ts, "name": "action_listen"}
    assert len({event_id(a), event_id(b), event_id(c)}) == 3
    assert event_id(a) == event_id(dict(reversed(list(a.items()))))  # key order does not matter


def test_no_token_pin_or_account_number_is_stored(engine: Engine) -> None:
    sender = uuid.uuid4().hex
    ts = time.time()
    events = [
        user_event(sender, f"我的密码是{PIN}，卡号{ACCOUNT}，token={TOKEN}", ts),
        {"sender_id": sender, "event": "slot", "timestamp": ts, "name": "session_started_metadata",
         "value": {"token": TOKEN, "channel": "web"}},
        {"sender_id": sender, "event": "slot", "timestamp": ts, "name": "to_account", "value": ACCOUNT},
        {"sender_id": sender, "event": "bot", "timestamp": ts + 0.1, "text": f"您的卡号{ACCOUNT}，验证码{PIN}",
         "metadata": {"token": TOKEN}},
        {"sender_id": sender, "event": "session_started", "timestamp": ts, "metadata": {"token": TOKEN}},
    ]
    assert store(engine, events) == len(events)
    row = event_row(events[0])
    assert row is not None
    stored = rows_for(engine, row["conversation"])
    assert len(stored) == len(events)
    dump = repr(stored)
    for secret in (TOKEN, PIN, ACCOUNT, ACCOUNT[-8:], sender):
        assert secret not in dump, secret
    assert "密码是****" in stored[0]["text"]


def test_something_that_is_not_an_event_is_skipped(engine: Engine) -> None:
    assert store(engine, [{"hello": "world"}, {"event": "user"}]) == 0


def test_the_consumer_answers_health_checks() -> None:
    import httpx

    from backend.events.consumer import Consumer, serve_health
    from cluster.services import free_port

    consumer = Consumer("amqp://nobody@127.0.0.1:1/", engine=None)  # type: ignore[arg-type]  (never runs here)
    consumer.stored = 7
    port = free_port()
    server = serve_health(consumer, "127.0.0.1", port)
    assert server is not None
    try:
        assert httpx.get(f"http://127.0.0.1:{port}/health").json() == {"status": "ok", "stored": 7}
        assert httpx.get(f"http://127.0.0.1:{port}/other").status_code == 404
        assert serve_health(consumer, "127.0.0.1", port) is None  # a taken port: logged, not fatal
    finally:
        server.shutdown()
