"""The widget and kiosk routes with sessions and transcripts in Redis, as several gateway instances run them:
a store hands out copies, so every change must be saved, and another instance must see it."""
from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway import sessions, transcripts
from gateway.main import create_app
from gateway.session_store_redis import RedisSessionStore
from gateway.sessions import COOKIE
from gateway.transcripts import RedisTranscriptBook
from tests.gateway.test_web import CUSTOMER_TOKEN, FakeBackend, FakeRasa, fakes, sign_in, staff_in  # noqa: F401

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs Debian's redis-server")


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from cluster.stores import RedisServer

    server = RedisServer(Path(tmp_path_factory.mktemp("redis-web")))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def other_instance(url: str) -> None:
    """What another gateway instance has: its own connections, nothing in its memory."""
    sessions.set_store(RedisSessionStore.from_url(url))
    transcripts.set_book(RedisTranscriptBook.from_url(url, ttl_s=600))


@pytest.fixture
def on_redis(fakes: tuple[FakeBackend, FakeRasa], redis_url: str) -> Iterator[str]:  # noqa: F811
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    other_instance(redis_url)
    yield redis_url
    sessions.set_store(sessions.MemorySessionStore())
    transcripts.set_book(transcripts.TranscriptBook())


def test_a_kiosk_visit_across_instances(on_redis: str, fakes: tuple[FakeBackend, FakeRasa]) -> None:  # noqa: F811
    kiosk, panel = TestClient(create_app()), TestClient(create_app())
    staff_in(kiosk, "station")
    other_instance(on_redis)
    sign_in(kiosk)
    other_instance(on_redis)
    kiosk.post("/api/chat", json={"text": "余额"})
    assert fakes[1].turns[-1][2] == CUSTOMER_TOKEN and fakes[1].turns[-1][3] == "kiosk"
    other_instance(on_redis)  # the offered button is in the shared session: another instance honours it
    kiosk.post("/api/chat", json={"payload": "/affirm"})
    assert fakes[1].turns[-1][1] == "/affirm"
    other_instance(on_redis)
    kiosk.post("/api/chat", json={"text": "电话里的民警叫我把钱转到安全账户"})
    other_instance(on_redis)
    staff_in(panel, "panel")
    live = panel.get("/api/staff/transcripts").json()["items"]
    texts = [line["text"] for line in live[0]["lines"]]
    assert texts[3:5] == ["（按了“好的”）", "转好了。"]
    assert live[0]["alert"]["text"] == "疑似诈骗，请马上过去" and live[0]["alert"]["family"] == "authority"
    assert panel.get("/api/staff/approvals").status_code == 200
    assert kiosk.get("/api/staff/approvals").status_code == 401  # the station never reaches approvals
    # The visit ends on yet another instance: the station stays, the customer and transcript are gone.
    other_instance(on_redis)
    kiosk.post("/api/logout", json={})
    state = kiosk.get("/api/session").json()
    assert state["signed_in"] is False and state["staff"]["role"] == "station"
    assert panel.get("/api/staff/transcripts").json()["items"] == []


def test_extend_and_expiry_are_saved(on_redis: str) -> None:
    client = TestClient(create_app())
    sign_in(client)
    store = sessions.get_store()
    session = store.get(client.cookies.get(COOKIE) or "")
    assert session is not None
    session.expires_at = time.time() + 5
    store.save(session)
    other_instance(on_redis)
    assert client.post("/api/extend", json={}).json()["seconds_left"] >= 590
    session = sessions.get_store().get(client.cookies.get(COOKIE) or "")
    assert session is not None and session.extensions == 1
    session.expires_at = time.time() - 1
    sessions.get_store().save(session)
    other_instance(on_redis)
    assert client.post("/api/chat", json={"text": "余额"}).status_code == 401


def test_the_staff_queue_is_shared_by_instances(on_redis: str) -> None:
    from gateway import staff_queue

    first = staff_queue.RedisQueue.from_url(on_redis)
    first.add(staff_queue.make_entry("web", "web-1", "张桂兰", "asked"))
    first.add(staff_queue.make_entry("phone", "phone-2", "李大山", "fraud", family="authority",
                                     summary="卡号 6222021234567890123", contact="138****0002"))
    first.add(staff_queue.make_entry("phone", "phone-2", "李大山", "asked"))  # a fraud entry is never downgraded
    other = staff_queue.RedisQueue.from_url(on_redis)
    items = other.waiting()
    assert [(e["conversation_id"], e["reason"]) for e in items] == [("phone-2", "fraud"), ("web-1", "asked")]
    assert "6222021234567890123" not in str(items) and items[0]["summary"] == "卡号 ****0123"
    assert other.done(items[0]["id"]) and not first.done(items[0]["id"])
    assert [e["conversation_id"] for e in first.waiting()] == ["web-1"]
