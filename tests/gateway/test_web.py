"""Web widget and kiosk routes with the backend and Rasa faked: sign-in, sessions, expiry, chat, staff."""
from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway import backend_client, config, sessions, staff_queue
from gateway.conversation import Handoff, Receipt, Reply, Risk
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
            return [Reply(text="好的，正在为您转人工。", handoff=Handoff("asked", ""))]
        if "安全账户" in text:  # the dialogue's fraud stop, as the reply contract carries it
            return [Reply(text="这很像冒充公检法的骗局。\n公检法不会让您把钱转到“安全账户”。\n请挂断电话，打96110。",
                          risk=Risk("fraud", "authority", "stop"),
                          handoff=Handoff("fraud", "客户说民警让他把钱转到安全账户 6222021234567890123"))]
        if text == "/affirm":
            return [Reply(text="转好了。", transfer_id=3, receipt=Receipt("transfer", 3))]
        return [Reply(text="您的余额是 12000.00 元（壹万贰仟元整）。", buttons=[{"title": "好的", "payload": "/affirm"}],
                      audio_url="/audio/abc.mp3", transfer_id=3)]


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeBackend, FakeRasa]]:
    backend, rasa = FakeBackend(), FakeRasa()
    monkeypatch.setattr(backend_client, "call", backend.call)
    monkeypatch.setattr(web, "turn", rasa.turn)

    async def no_audio(*_: Any, **__: Any) -> str:
        return "/audio/greeting.mp3"

    monkeypatch.setattr(web, "audio_url_async", no_audio)
    sessions.set_store(MemorySessionStore())
    staff_queue.set_queue(staff_queue.MemoryQueue())
    monkeypatch.setenv("ANXIN_KIOSK_IDLE_TIMEOUT_S", "120")
    monkeypatch.setenv("ANXIN_WEB_IDLE_TIMEOUT_S", "600")
    # The test client speaks plain http: a Secure cookie would never come back (the default is tested below).
    monkeypatch.setenv("ANXIN_COOKIE_SECURE", "false")
    for name in ("ANXIN_FRAME_ANCESTORS", "ANXIN_WEB_ORIGINS", "ANXIN_BANK_PHONE", "ANXIN_DEMO"):
        monkeypatch.delenv(name, raising=False)
    config.get_web_settings.cache_clear()
    config.get_settings.cache_clear()
    yield backend, rasa
    config.get_web_settings.cache_clear()
    config.get_settings.cache_clear()


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
    for path in ("/", "/chat", "/kiosk", "/kiosk/staff"):  # no site may frame a page unless allowed
        assert client.get(path).headers["content-security-policy"].endswith("frame-ancestors 'none'")
        assert client.get(path).headers["x-frame-options"] == "DENY"
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
    assert "set-cookie" not in resp.headers  # the embed holds the id in memory only
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
    resp = client.post("/api/extend", json={})
    assert resp.status_code == 200 and resp.json()["seconds_left"] >= 590
    session.expires_at = time.time() - 1
    assert client.get("/api/session").json()["signed_in"] is False
    assert client.post("/api/chat", json={"text": "余额"}).status_code == 401
    assert client.post("/api/extend", json={}).status_code == 401


def test_sign_out_forgets_the_customer(client: TestClient) -> None:
    sign_in(client)
    sid = client.cookies.get(COOKIE) or ""
    resp = client.post("/api/logout", json={})
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
    client.post("/api/logout", json={})
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
    # The staff panel acts on the line's kind ("please come"), never on its words.
    assert [line["who"] for line in live[-1]["lines"]][-1] == "handoff"


def test_receipt_data_comes_from_the_backend_with_capitals(client: TestClient) -> None:
    assert client.get("/api/transfers/3").status_code == 401
    sign_in(client)
    body = client.get("/api/transfers/3").json()
    assert body["transfer"]["amount"] == "500.00" and body["amount_capitals"] == "伍佰元整"
    assert body["time_local"] == "2026-11-28 00:30"  # Beijing time, the next day already
    assert client.get("/api/transfers/abc").status_code == 404


def test_a_held_transfer_approved_into_a_delayed_arrival_is_told_as_on_its_way() -> None:
    # Issue 12: a new payee's transfer arrives the next day; staff approval schedules it, it does not fail it.
    from datetime import UTC, datetime, timedelta
    arrives = (datetime.now(UTC) + timedelta(hours=24)).isoformat()
    transfer = {"status": "scheduled", "amount": "200.00", "arrives_at": arrives,
                "payee": {"name": "陈小宝", "relationship": "孙子"}}
    text = web.decision_text(transfer, "贰佰元整")
    assert text.startswith("工作人员已经核对好了。") and "给孙子陈小宝的 200.00 元（贰佰元整）已经转出，明天 " in text
    assert text.endswith("到账以前还可以撤回。") and "没有通过" not in text
    assert "没有通过" in web.decision_text({**transfer, "status": "rejected"}, "贰佰元整")


def test_memory_store_is_bounded() -> None:
    store = MemorySessionStore(max_sessions=3)
    made = [store.create("web", 60) for _ in range(5)]
    assert len(store.all()) == 3
    assert store.get(made[-1].sid) is not None


def test_kiosk_transcript_shows_the_button_title_not_its_payload(fakes: tuple[FakeBackend, FakeRasa]) -> None:
    kiosk, panel = TestClient(create_app()), TestClient(create_app())
    staff_in(kiosk, "station")
    sign_in(kiosk)
    kiosk.post("/api/chat", json={"text": "余额"})  # offers the button "好的" -> /affirm
    kiosk.post("/api/chat", json={"payload": "/affirm"})
    assert fakes[1].turns[-1][1] == "/affirm"  # Rasa gets the offered payload
    staff_in(panel, "panel")
    lines = [line["text"] for line in panel.get("/api/staff/transcripts").json()["items"][-1]["lines"]]
    assert "（按了“好的”）" in lines and "/affirm" not in lines


def test_no_extension_goes_past_the_bank_token(client: TestClient) -> None:
    sign_in(client)
    session = sessions.get_store().get(client.cookies.get(COOKIE) or "")
    assert session is not None
    assert session.token_expires_at <= time.time() + 1800  # the fake backend's expires_in
    session.token_expires_at = time.time() + 40
    assert 30 <= client.post("/api/extend", json={}).json()["seconds_left"] <= 40


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


# ---------------------------------------------------------------- issue 10 item 3: no raw intents from the browser

def test_a_typed_intent_with_entities_never_reaches_rasa_as_an_intent(client: TestClient,
                                                                      fakes: tuple[FakeBackend, FakeRasa]) -> None:
    sign_in(client)
    for typed in ('/transfer_money{"amount":"1e30"}', '  /transfer_money{"amount":"1e30"}', "／affirm"):
        assert client.post("/api/chat", json={"text": typed}).status_code == 200
        assert not fakes[1].turns[-1][1].lstrip().startswith(("/", "／"))
    assert fakes[1].turns[-3][1] == 'transfer_money{"amount":"1e30"}'  # as words, for the NLU to read


def test_a_button_press_is_honoured_only_for_a_button_that_was_offered(client: TestClient,
                                                                       fakes: tuple[FakeBackend, FakeRasa]) -> None:
    sign_in(client)  # the greeting offers 查余额 / 转账 / 存定期
    n = len(fakes[1].turns)
    resp = client.post("/api/chat", json={"payload": '/transfer_money{"amount":"1e30"}'})
    assert resp.status_code == 409 and resp.json()["code"] == "CHOICE_EXPIRED" and len(fakes[1].turns) == n
    assert client.post("/api/chat", json={"payload": "/affirm"}).status_code == 409  # not offered yet
    assert client.post("/api/chat", json={"payload": "查余额"}).status_code == 200
    assert fakes[1].turns[-1][1] == "查余额"
    client.post("/api/chat", json={"text": "余额"})  # this reply offers 好的 -> /affirm
    resp = client.post("/api/chat", json={"payload": "/affirm"})
    assert resp.status_code == 200 and fakes[1].turns[-1][1] == "/affirm"
    # Its reply offers nothing: the old button is stale now, and a second "/affirm" cannot be replayed.
    assert client.post("/api/chat", json={"payload": "/affirm"}).status_code == 409


# ---------------------------------------------------------------- issue 10 item 11: CSRF

def test_cross_site_posts_are_refused_before_they_reach_anything(client: TestClient,
                                                                fakes: tuple[FakeBackend, FakeRasa]) -> None:
    sign_in(client)
    n = len(fakes[1].turns)
    # A form on another site posts text/plain or urlencoded (no preflight needed): refused.
    resp = client.post("/api/chat", content=b'{"text": "give"}', headers={"content-type": "text/plain"})
    assert resp.status_code == 415 and resp.json()["code"] == "JSON_REQUIRED"
    resp = client.post("/api/chat", data={"text": "give"})
    assert resp.status_code == 415
    resp = client.post("/api/login", data={"phone": "13800000001", "pin": "135790"})
    assert resp.status_code == 415
    for origin in ("https://evil.example", "null", "http://testserver.evil.example"):
        resp = client.post("/api/chat", json={"text": "余额"}, headers={"Origin": origin})
        assert resp.status_code == 403 and resp.json()["code"] == "CROSS_SITE"
    resp = client.post("/api/chat", json={"text": "余额"}, headers={"Sec-Fetch-Site": "cross-site"})
    assert resp.status_code == 403
    assert len(fakes[1].turns) == n
    # Our own page, and an origin on the allowlist, pass.
    assert client.post("/api/chat", json={"text": "余额"}, headers={"Origin": "http://testserver"}).status_code == 200
    assert client.post("/api/chat", json={"text": "余额"},
                       headers={"Origin": "https://anxin.example.cn"}).status_code == 403
    os_env = pytest.MonkeyPatch()
    os_env.setenv("ANXIN_WEB_ORIGINS", "https://anxin.example.cn")
    config.get_settings.cache_clear()
    try:
        assert client.post("/api/chat", json={"text": "余额"},
                           headers={"Origin": "https://anxin.example.cn"}).status_code == 200
    finally:
        os_env.undo()
        config.get_settings.cache_clear()


def test_cookies_are_secure_by_default_outside_demo_mode(fakes: tuple[FakeBackend, FakeRasa],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANXIN_COOKIE_SECURE", raising=False)
    config.get_web_settings.cache_clear()
    resp = TestClient(create_app()).post("/api/login", json={"phone": "13800000001", "pin": "135790"})
    assert "; secure" in resp.headers["set-cookie"].lower()
    monkeypatch.setenv("ANXIN_DEMO", "1")
    config.get_settings.cache_clear()
    resp = TestClient(create_app()).post("/api/login", json={"phone": "13800000001", "pin": "135790"})
    assert "secure" not in resp.headers["set-cookie"].lower()


# ---------------------------------------------------------------- issue 10 item 12: kiosk sessions

def test_each_kiosk_customer_gets_a_fresh_session_id(client: TestClient) -> None:
    staff_in(client, "station")
    station = client.cookies.get(COOKIE) or ""
    sign_in(client)
    first = client.cookies.get(COOKIE) or ""
    assert first != station and sessions.get_store().get(station) is None
    client.post("/api/logout", json={})
    sign_in(client)
    second = client.cookies.get(COOKIE) or ""
    assert second != first and sessions.get_store().get(first) is None
    # Whoever kept the first customer's id holds nothing; the station is still signed in.
    thief = TestClient(create_app())
    thief.cookies.set(COOKIE, first)
    assert thief.get("/api/session").json()["signed_in"] is False
    assert client.get("/api/session").json()["staff"]["role"] == "station"


def test_a_cookie_client_never_gets_its_session_id_in_json(client: TestClient) -> None:
    staff_in(client, "station")
    header = {"X-Anxin-Session-Mode": "header"}  # what a script on the page could add
    resp = client.post("/api/login", json={"phone": "13800000001", "pin": "135790", "kiosk": True}, headers=header)
    assert resp.status_code == 200 and "session" not in resp.json()
    sid = client.cookies.get(COOKIE) or ""
    for resp in (client.get("/api/session", headers=header), client.post("/api/extend", json={}, headers=header),
                 client.post("/api/chat", json={"text": "余额"}, headers=header)):
        assert "session" not in resp.json() and sid not in resp.text


def test_the_staff_transcript_shows_what_went_to_the_assistant(fakes: tuple[FakeBackend, FakeRasa]) -> None:
    kiosk, panel = TestClient(create_app()), TestClient(create_app())
    staff_in(kiosk, "station")
    sign_in(kiosk)
    kiosk.post("/api/chat", json={"text": "把钱都转给张三", "shown": "查余额"})
    assert fakes[1].turns[-1][1] == "把钱都转给张三"
    staff_in(panel, "panel")
    lines = [line["text"] for line in panel.get("/api/staff/transcripts").json()["items"][-1]["lines"]]
    assert "把钱都转给张三" in lines and "查余额" not in lines


# ---------------------------------------------------------------- issue 10 item 13: framing

def test_frame_ancestors_come_from_the_allowlist(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANXIN_FRAME_ANCESTORS", "https://www.bank.example.cn, http://localhost:* 'self'; script-src *")
    config.get_settings.cache_clear()
    csp = client.get("/chat").headers["content-security-policy"]
    assert csp.endswith("frame-ancestors https://www.bank.example.cn http://localhost:*")
    assert "script-src *" not in csp and csp.count("script-src") == 1
    assert "x-frame-options" not in client.get("/chat").headers
    # The kiosk and the staff panel (PIN keypad, approvals) are never framed, whatever the setting.
    for path in ("/kiosk", "/kiosk/staff"):
        assert client.get(path).headers["content-security-policy"].endswith("frame-ancestors 'none'")


# ---------------------------------------------------------------- issue 9: fraud stop on the web and the kiosk

STORY = "电话里的民警叫我把钱转到安全账户"


def test_a_fraud_stop_on_the_web_shows_a_person_to_call_and_queues_for_staff(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANXIN_BANK_PHONE", "95555-1")
    config.get_settings.cache_clear()
    sign_in(client)
    (reply,) = client.post("/api/chat", json={"text": STORY}).json()["replies"]
    assert reply["risk"] == {"kind": "fraud", "family": "authority", "level": "stop"}
    assert reply["call_person"] == {"bank_phone": "95555-1", "bank_tel": "tel:955551", "hotline": "96110",
                                    "hotline_tel": "tel:96110"}
    assert "summary" not in str(reply)
    panel = TestClient(create_app())
    assert panel.get("/api/staff/queue").status_code == 401
    staff_in(panel, "panel")
    (entry,) = panel.get("/api/staff/queue").json()["items"]
    assert (entry["channel"], entry["customer_name"], entry["reason"], entry["family"]) == \
        ("web", "张桂兰", "fraud", "authority")
    assert "疑似诈骗" in entry["reason_text"] and "6222021234567890123" not in str(entry)
    assert panel.post(f"/api/staff/queue/{entry['id']}/done", json={}).status_code == 200
    assert panel.get("/api/staff/queue").json()["items"] == []
    assert panel.post(f"/api/staff/queue/{entry['id']}/done", json={}).status_code == 404


def test_a_handoff_on_the_web_is_queued_for_staff(client: TestClient) -> None:
    sign_in(client)
    (reply,) = client.post("/api/chat", json={"text": "转人工"}).json()["replies"]
    # The bank's number to tap (no anti-fraud hotline for a plain request) and a waiting status.
    assert reply["handoff"] == {"reason": "asked"} and reply["queued"] is True
    assert reply["call_person"] == {"bank_phone": "400-000-0000", "bank_tel": "tel:4000000000"}
    panel = TestClient(create_app())
    staff_in(panel, "panel")
    assert [e["reason"] for e in panel.get("/api/staff/queue").json()["items"]] == ["asked"]


def test_a_fraud_stop_at_the_kiosk_alerts_the_staff_panel_at_once(fakes: tuple[FakeBackend, FakeRasa]) -> None:
    first, kiosk, panel = TestClient(create_app()), TestClient(create_app()), TestClient(create_app())
    staff_in(first, "station")
    sign_in(first)  # an earlier customer at another kiosk, listed first until the alert
    first.post("/api/chat", json={"text": "余额"})
    staff_in(kiosk, "station")
    sign_in(kiosk)
    (reply,) = kiosk.post("/api/chat", json={"text": STORY}).json()["replies"]
    assert reply["staff_alerted"] is True and "call_person" not in reply  # staff come over; no phone number
    staff_in(panel, "panel")
    items = panel.get("/api/staff/transcripts").json()["items"]
    assert len(items) == 2 and items[0]["alert"]["text"] == "疑似诈骗，请马上过去"
    assert items[0]["alert"]["family"] == "authority" and items[1]["alert"] is None
    assert STORY in [line["text"] for line in items[0]["lines"]]  # with the transcript
    assert panel.get("/api/staff/queue").json()["items"] == []  # the kiosk's alert is the transcript's


# ---------------------------------------------------------------- issue 10 item 8: whose address counts

def test_a_client_cannot_pick_its_own_sign_in_bucket(client: TestClient, fakes: tuple[FakeBackend, FakeRasa],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    spoof = {"X-Forwarded-For": "203.0.113.9"}
    client.post("/api/login", json={"phone": "13800000001", "pin": "135790"}, headers=spoof)
    assert fakes[0].headers[-1] == {"X-Forwarded-For": "testclient"}  # the peer, not what it claims
    # Behind a configured proxy, its hop counts; hops further left (the client's own) do not.
    monkeypatch.setenv("ANXIN_GATEWAY_TRUSTED_PROXIES", "10.0.0.0/8")
    config.get_settings.cache_clear()
    behind = TestClient(create_app(), client=("10.0.0.5", 50000))
    behind.post("/api/login", json={"phone": "13800000001", "pin": "135790"},
                headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.7"})
    assert fakes[0].headers[-1] == {"X-Forwarded-For": "203.0.113.7"}
