"""Web widget and kiosk routes with the backend and Rasa faked: sign-in, sessions, expiry, chat, staff."""
from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway import backend_client, sessions
from gateway.conversation import Reply
from gateway.main import create_app
from gateway.routes import web
from gateway.sessions import COOKIE, MemorySessionStore
from gateway.transcripts import get_book

CUSTOMER_TOKEN = "customer-token-secret"
STAFF_TOKEN = "staff-token-secret"


class FakeBackend:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str | None, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.down = False

    async def call(self, method: str, path: str, *, token: str | None = None, json: Any = None,
                   params: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
                   **_: Any) -> Any:
        self.calls.append((method, path, token, json))
        self.headers.append(headers or {})
        if self.down:
            raise backend_client.BackendError(503, "BACKEND_UNAVAILABLE", backend_client.UNAVAILABLE_MESSAGE)
        if path == "/auth/login":
            if json == {"phone": "13800000001", "pin": "135790"}:
                return {"access_token": CUSTOMER_TOKEN, "token_type": "bearer", "expires_in": 1800,
                        "customer": {"id": 1, "name": "张桂兰"}}
            raise backend_client.BackendError(401, "BAD_CREDENTIALS", "手机号或密码不对。")
        if path == "/staff/login":
            if json == {"username": "staff", "password": "anxin-staff"}:
                return {"access_token": STAFF_TOKEN, "token_type": "bearer", "expires_in": 28800,
                        "staff": {"id": 1, "name": "王柜员"}}
            raise backend_client.BackendError(401, "BAD_CREDENTIALS", "bad")
        if path == "/staff/approvals":
            assert token == STAFF_TOKEN and params == {"status": "pending"}
            return [{"id": 7, "kind": "transfer", "status": "pending", "reason": "NEW_PAYEE",
                     "customer_name": "陈阿婆", "transfer": {"id": 3, "amount": "200.00"}}]
        if path.startswith("/staff/approvals/"):
            assert token == STAFF_TOKEN
            return {"id": 7, "status": "approved" if path.endswith("approve") else "rejected", "decided_by": 1}
        if path == "/transfers/3":
            assert token == CUSTOMER_TOKEN
            return {"id": 3, "status": "completed", "amount": "500.00", "payee": {"name": "王小明"},
                    "created_at": "2026-11-27T10:44:00Z", "executed_at": "2026-11-27T16:30:00Z"}
        raise AssertionError(f"unexpected backend call {method} {path}")


class FakeRasa:
    def __init__(self) -> None:
        self.turns: list[tuple[str, str, str | None, str]] = []

    async def turn(self, sender: str, text: str, token: str | None, channel: str,
                   audio_format: str = "mp3") -> list[Reply]:
        self.turns.append((sender, text, token, channel))
        if text == "转人工":
            return [Reply(text="好的，正在为您转人工。", custom={"handoff": True})]
        return [Reply(text="您的余额是 12000.00 元（壹万贰仟元整）。", buttons=[{"title": "好的", "payload": "/affirm"}],
                      audio_url="/audio/abc.mp3", custom={"transfer_id": 3})]


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeBackend, FakeRasa]]:
    backend, rasa = FakeBackend(), FakeRasa()
    monkeypatch.setattr(backend_client, "call", backend.call)
    monkeypatch.setattr(web, "turn", rasa.turn)

    async def no_audio(*_: Any, **__: Any) -> str:
        return "/audio/greeting.mp3"

    monkeypatch.setattr(web, "audio_url_async", no_audio)
    sessions.set_store(MemorySessionStore())
    sessions.get_web_settings.cache_clear()
    monkeypatch.setenv("ANXIN_KIOSK_IDLE_TIMEOUT_S", "120")
    monkeypatch.setenv("ANXIN_WEB_IDLE_TIMEOUT_S", "600")
    yield backend, rasa
    sessions.get_web_settings.cache_clear()


@pytest.fixture
def client(fakes: tuple[FakeBackend, FakeRasa]) -> TestClient:
    return TestClient(create_app())


def sign_in(client: TestClient) -> dict[str, Any]:
    resp = client.post("/api/login", json={"phone": "138 0000 0001", "pin": "135790"})
    assert resp.status_code == 200, resp.text
    return resp.json()


def staff_in(client: TestClient, role: str) -> None:
    resp = client.post("/api/staff/login", json={"username": "staff", "password": "anxin-staff", "role": role})
    assert resp.status_code == 200, resp.text


def test_pages_are_served_with_a_strict_content_policy(client: TestClient) -> None:
    for path in ("/", "/chat", "/kiosk", "/kiosk/staff"):
        resp = client.get(path)
        assert resp.status_code == 200
        assert "text/html" in resp.headers["content-type"]
        assert "default-src 'self'" in resp.headers["content-security-policy"]
    assert "frame-ancestors *" in client.get("/chat").headers["content-security-policy"]
    assert "frame-ancestors 'none'" in client.get("/kiosk").headers["content-security-policy"]
    assert client.get("/anxin-widget.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/static/anxin.css").status_code == 200


def test_sign_in_keeps_the_bank_token_on_the_gateway(client: TestClient, fakes: tuple[FakeBackend, FakeRasa]) -> None:
    resp = client.post("/api/login", json={"phone": "13800000001", "pin": "135790"})
    assert resp.status_code == 200
    assert CUSTOMER_TOKEN not in resp.text
    assert resp.json()["signed_in"] is True and resp.json()["name"] == "张桂兰"
    cookie = resp.headers["set-cookie"]
    assert f"{COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "session" not in resp.json()  # the id goes into the body only when the embedded widget asks
    greeting = resp.json()["greeting"]
    assert "张桂兰" in greeting["text"] and [b["title"] for b in greeting["buttons"]] == ["查余额", "转账", "存定期"]


def test_embedded_widget_gets_its_session_id_for_the_header(fakes: tuple[FakeBackend, FakeRasa]) -> None:
    client = TestClient(create_app())
    resp = client.post("/api/login", json={"phone": "13800000001", "pin": "135790"},
                       headers={"X-Anxin-Session-Mode": "header"})
    sid = resp.json()["session"]
    client.cookies.clear()
    resp = client.post("/api/chat", json={"text": "余额"}, headers={"X-Anxin-Session": sid})
    assert resp.status_code == 200


@pytest.mark.parametrize("body,code", [
    ({"phone": "1380000", "pin": "135790"}, "BAD_PHONE"),
    ({"phone": "13800000001", "pin": "12"}, "BAD_PIN"),
    ({"phone": "13800000001", "pin": "abcdef"}, "BAD_PIN"),
    ({}, "BAD_PHONE"),
])
def test_bad_sign_in_input_gets_a_chinese_message(client: TestClient, body: dict[str, str], code: str) -> None:
    resp = client.post("/api/login", json=body)
    assert resp.status_code == 422
    assert resp.json()["code"] == code
    assert "位" in resp.json()["message"]


def test_malformed_bodies_are_refused_in_chinese_not_500(client: TestClient) -> None:
    for raw in (b"not json", b"[1,2]", b"x" * 5000):
        resp = client.post("/api/login", content=raw, headers={"content-type": "application/json"})
        assert 400 <= resp.status_code < 500
        assert resp.json()["message"] and "Traceback" not in resp.text


def test_wrong_pin_and_backend_down_are_passed_on_in_words(client: TestClient,
                                                           fakes: tuple[FakeBackend, FakeRasa]) -> None:
    resp = client.post("/api/login", json={"phone": "13800000001", "pin": "000000"})
    assert resp.status_code == 401 and resp.json()["message"] == "手机号或密码不对。"
    fakes[0].down = True
    resp = client.post("/api/login", json={"phone": "13800000001", "pin": "135790"})
    assert resp.status_code == 503 and "稍后" in resp.json()["message"]


def test_chat_forwards_the_token_to_rasa_and_not_to_the_browser(client: TestClient,
                                                               fakes: tuple[FakeBackend, FakeRasa]) -> None:
    sign_in(client)
    resp = client.post("/api/chat", json={"text": "我的余额是多少"})
    assert resp.status_code == 200
    body = resp.json()
    assert CUSTOMER_TOKEN not in resp.text
    reply = body["replies"][0]
    assert reply["buttons"] == [{"title": "好的", "payload": "/affirm"}]
    assert reply["audio_url"] == "/audio/abc.mp3" and reply["transfer_id"] == 3
    sender, text, token, channel = fakes[1].turns[-1]
    assert (text, token, channel) == ("我的余额是多少", CUSTOMER_TOKEN, "web")
    assert sender.startswith("web-") and len(sender) > 10


def test_chat_needs_a_session_and_a_sensible_text(client: TestClient) -> None:
    resp = client.post("/api/chat", json={"text": "余额"})
    assert resp.status_code == 401 and "登录" in resp.json()["message"]
    sign_in(client)
    assert client.post("/api/chat", json={"text": "   "}).json()["code"] == "EMPTY"
    assert client.post("/api/chat", json={"text": "钱" * 501}).json()["code"] == "TOO_LONG"


def test_every_sign_in_gets_a_new_session_id_and_a_new_conversation(client: TestClient,
                                                                  fakes: tuple[FakeBackend, FakeRasa]) -> None:
    sign_in(client)
    first = client.cookies.get(COOKIE)
    client.post("/api/chat", json={"text": "a"})
    sign_in(client)
    assert client.cookies.get(COOKIE) != first
    client.post("/api/chat", json={"text": "b"})
    assert fakes[1].turns[0][0] != fakes[1].turns[1][0]
    assert sessions.get_store().get(first or "") is None


def test_idle_session_expires_and_extend_gives_the_full_time_again(client: TestClient) -> None:
    sign_in(client)
    session = sessions.get_store().get(client.cookies.get(COOKIE) or "")
    assert session is not None
    session.expires_at = time.time() + 5
    assert client.get("/api/session").json()["seconds_left"] <= 5
    resp = client.post("/api/extend")
    assert resp.status_code == 200 and resp.json()["seconds_left"] >= 590
    session.expires_at = time.time() - 1
    assert client.get("/api/session").json()["signed_in"] is False
    assert client.post("/api/chat", json={"text": "余额"}).status_code == 401
    assert client.post("/api/extend").status_code == 401


def test_sign_out_forgets_the_customer(client: TestClient) -> None:
    sign_in(client)
    sid = client.cookies.get(COOKIE) or ""
    resp = client.post("/api/logout")
    assert resp.status_code == 200 and resp.json()["signed_in"] is False
    assert sessions.get_store().get(sid) is None
    assert client.post("/api/chat", json={"text": "余额"}).status_code == 401


def test_kiosk_needs_staff_then_runs_customer_after_customer(client: TestClient,
                                                             fakes: tuple[FakeBackend, FakeRasa]) -> None:
    assert client.post("/api/staff/login", json={"username": "staff", "password": "nope"}).status_code == 401
    staff_in(client, "station")
    state = client.get("/api/session").json()
    assert state["staff"] == {"name": "王柜员", "role": "station"} and state["signed_in"] is False
    assert state["kiosk_idle_timeout_s"] == 120
    sign_in(client)
    assert client.get("/api/session").json()["idle_timeout_s"] == 120
    client.post("/api/chat", json={"text": "余额"})
    assert fakes[1].turns[-1][3] == "kiosk"
    live = list(get_book().live())
    conv = fakes[1].turns[-1][0]
    mine = [t for t in live if t["conversation_id"] == conv]
    assert mine and [line["who"] for line in mine[0]["lines"]] == ["system", "customer", "assistant"]
    # The customer leaves: the station keeps its staff, the transcript is gone.
    client.post("/api/logout")
    state = client.get("/api/session").json()
    assert state["signed_in"] is False and state["staff"]["name"] == "王柜员"
    assert not [t for t in get_book().live() if t["conversation_id"] == conv]


def test_kiosk_customer_expiry_keeps_the_station(client: TestClient) -> None:
    staff_in(client, "station")
    sign_in(client)
    session = sessions.get_store().get(client.cookies.get(COOKIE) or "")
    assert session is not None
    session.expires_at = time.time() - 1
    state = client.get("/api/session").json()
    assert state["signed_in"] is False and state["name"] == "" and state["staff"]["role"] == "station"


def test_the_kiosk_station_cannot_reach_the_approvals(client: TestClient) -> None:
    staff_in(client, "station")
    sign_in(client)
    assert client.get("/api/staff/approvals").status_code == 401
    assert client.post("/api/staff/approvals/7/approve", json={}).status_code == 401


def test_staff_panel_lists_and_decides_with_the_staff_token(fakes: tuple[FakeBackend, FakeRasa]) -> None:
    kiosk, panel = TestClient(create_app()), TestClient(create_app())
    assert panel.get("/api/staff/approvals").status_code == 401
    staff_in(panel, "panel")
    items = panel.get("/api/staff/approvals").json()["items"]
    assert items[0]["id"] == 7 and STAFF_TOKEN not in panel.get("/api/staff/approvals").text
    assert items[0]["transfer"]["amount_capitals"] == "贰佰元整"
    resp = panel.post("/api/staff/approvals/7/approve", json={"note": ""})
    assert resp.status_code == 200 and resp.json()["approval"]["status"] == "approved"
    assert fakes[0].calls[-1] == ("POST", "/staff/approvals/7/approve", STAFF_TOKEN, {"note": ""})
    assert panel.post("/api/staff/approvals/7/delete", json={}).status_code == 404
    assert panel.post("/api/staff/approvals/abc/approve", json={}).status_code == 404
    # Live transcripts of a kiosk in use.
    staff_in(kiosk, "station")
    sign_in(kiosk)
    kiosk.post("/api/chat", json={"text": "转人工"})
    live = panel.get("/api/staff/transcripts").json()["items"]
    assert live[-1]["customer_name"] == "张桂兰"
    texts = [line["text"] for line in live[-1]["lines"]]
    assert "转人工" in texts and "客户要求转人工，请到客户身边" in texts


def test_receipt_data_comes_from_the_backend_with_capitals(client: TestClient) -> None:
    assert client.get("/api/transfers/3").status_code == 401
    sign_in(client)
    body = client.get("/api/transfers/3").json()
    assert body["transfer"]["amount"] == "500.00" and body["amount_capitals"] == "伍佰元整"
    assert body["time_local"] == "2026-11-28 00:30"  # Beijing time, the next day already
    assert client.get("/api/transfers/abc").status_code == 404


def test_memory_store_is_bounded() -> None:
    store = MemorySessionStore(max_sessions=3)
    made = [store.create("web", 60) for _ in range(5)]
    assert len(store.all()) == 3
    assert store.get(made[-1].sid) is not None


def test_kiosk_transcript_shows_the_button_title_not_its_payload(fakes: tuple[FakeBackend, FakeRasa]) -> None:
    kiosk, panel = TestClient(create_app()), TestClient(create_app())
    staff_in(kiosk, "station")
    sign_in(kiosk)
    kiosk.post("/api/chat", json={"text": "/affirm", "shown": "对，转吧"})
    assert fakes[1].turns[-1][1] == "/affirm"  # Rasa gets the payload
    staff_in(panel, "panel")
    lines = panel.get("/api/staff/transcripts").json()["items"][-1]["lines"]
    assert "对，转吧" in [line["text"] for line in lines]
    assert "/affirm" not in [line["text"] for line in lines]


def test_no_extension_goes_past_the_bank_token(client: TestClient) -> None:
    sign_in(client)
    session = sessions.get_store().get(client.cookies.get(COOKIE) or "")
    assert session is not None
    assert session.token_expires_at <= time.time() + 1800  # the fake backend's expires_in
    session.token_expires_at = time.time() + 40
    assert 30 <= client.post("/api/extend").json()["seconds_left"] <= 40


def test_sign_in_passes_the_customer_address_for_the_rate_limit(client: TestClient,
                                                               fakes: tuple[FakeBackend, FakeRasa]) -> None:
    sign_in(client)
    assert fakes[0].headers[-1] == {"X-Forwarded-For": "testclient"}
    staff_in(client, "panel")
    assert fakes[0].headers[-1] == {"X-Forwarded-For": "testclient"}


def test_a_kiosk_whose_staff_sign_in_ended_gives_no_customer_session(client: TestClient) -> None:
    resp = client.post("/api/login", json={"phone": "13800000001", "pin": "135790", "kiosk": True})
    assert resp.status_code == 403 and resp.json()["code"] == "STAFF_REQUIRED"
    assert COOKIE not in client.cookies
    staff_in(client, "panel")  # a staff panel is no kiosk station either
    resp = client.post("/api/login", json={"phone": "13800000001", "pin": "135790", "kiosk": True})
    assert resp.status_code == 403
