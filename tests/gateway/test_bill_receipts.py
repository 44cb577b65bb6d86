"""A bill paid and its receipt on every channel (web, kiosk, phone), with deny and cancel at the read-back, and
the staff panel's family-contact routes. Rasa and the backend are faked at the gateway's client functions: the
channels act on the reply's fields (`bill_payment_id`, `receipt.kind`), and the receipt's figures are the
backend's record, the 户号 masked by the gateway."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

import gateway.conversation as conversation
import gateway.routes.phone as phone
from gateway import backend_client, config, sessions, staff_queue
from gateway.calls import MemoryCallStore, call_store, set_call_store
from gateway.config import get_phone_settings
from gateway.main import create_app
from gateway.routes import web
from gateway.sessions import MemorySessionStore
from gateway.transcripts import get_book
from tests.gateway.test_phone import PIN, STAFF, Line
from tests.voice.helpers import use_voice

CUSTOMER_TOKEN = "customer-token-secret"
STAFF_TOKEN = "staff-token-secret"
HOUSEHOLD_NO = "3301001236"  # the 户号 in full: it must never reach a browser or the phone's words
RECEIPT_NO = "JF2026120100000012"

READBACK = {"text": "交11月电费，家里的电费，户号3301001236。\n128.60元，壹佰贰拾捌元陆角。\n从活期账户出钱。\n对吗？",
            "buttons": [{"title": "是", "payload": "/affirm"}, {"title": "否", "payload": "/deny"}],
            "custom": {"key_figure": "128.60元", "bill_payment_id": 12, "pending_id": 12}}
DONE = {"text": f"交好了。\n11月电费128.60元。\n壹佰贰拾捌元陆角。\n收据号{RECEIPT_NO}。",
        "custom": {"key_figure": "128.60元", "bill_payment_id": 12,
                   "receipt": {"bill_payment_id": 12, "kind": "bill_payment", "receipt_no": RECEIPT_NO}}}
MORE = {"text": "还有别的事吗？", "buttons": [{"title": "查余额", "payload": "查余额"}, {"title": "没有了", "payload": "没有了"}]}
DENIED = {"text": "好的，这笔不交了。\n钱没有动。"}
CANCELLED = {"text": "好的，不办了。\n钱没有动。"}


def bill_payment(status: str = "completed") -> dict[str, Any]:
    return {"id": 12, "status": status, "amount": "128.60",
            "bill_account": {"id": 3, "biller": {"id": 2, "code": "POWER", "name": "电费", "kind": "bill"},
                             "label": "家里的电费", "account_no_display": HOUSEHOLD_NO, "account_tail": "1236",
                             "created_at": "2026-11-01T00:00:00Z"},
            "from_account_id": 1, "period": "2026-11", "due_date": "2026-12-20", "unusual": False,
            "usual_amount": None, "receipt_no": RECEIPT_NO if status == "completed" else None,
            "created_at": "2026-12-01T10:40:00Z", "expires_at": None,
            "executed_at": "2026-12-01T10:44:00Z" if status == "completed" else None,
            "message": "11月的电费 128.60 元已经交好了。"}


class Backend:
    """The bank as the gateway sees it: sign-ins, one customer's bill payment, the staff family-contact routes."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str | None, Any]] = []
        self.contacts: dict[int, dict[str, Any]] = {}

    async def call(self, method: str, path: str, *, token: str | None = None, json: Any = None,
                   params: dict[str, Any] | None = None, **_: Any) -> Any:
        self.calls.append((method, path, token, json if json is not None else params))
        if path == "/auth/login":
            if json in ({"phone": "13800000001", "pin": "135790"}, {"phone": "13800000001", "pin": PIN}):
                return {"access_token": CUSTOMER_TOKEN, "expires_in": 1800, "customer": {"id": 1, "name": "张桂兰"}}
            raise backend_client.BackendError(401, "BAD_CREDENTIALS", "手机号或密码不对。")
        if path == "/staff/login":
            return {"access_token": STAFF_TOKEN, "expires_in": 28800, "staff": {"id": 1, "name": "王柜员"}}
        if path.startswith("/bill-payments/"):
            assert token == CUSTOMER_TOKEN
            if path != "/bill-payments/12":  # another customer's id answers like a missing one
                raise backend_client.BackendError(404, "NOT_FOUND", "没有找到这笔缴费。")
            return bill_payment()
        assert token == STAFF_TOKEN, path
        if path == "/staff/customers":
            return [{"id": 1, "name": "张桂兰", "phone_masked": "138****0001"}] if params == {"phone": "13800000001"} else []
        if path == "/staff/customers/1/family-contact":
            if method == "PUT":
                self.contacts[1] = {"customer_id": 1, **json, "updated_at": "2026-12-01T10:00:00Z", "set_by": 1}
                return self.contacts[1]
            if method == "DELETE":
                self.contacts.pop(1, None)
                return None
            if 1 not in self.contacts:
                raise backend_client.BackendError(404, "NOT_FOUND", "没有找到亲情联系人。")
            return self.contacts[1]
        raise AssertionError(f"unexpected backend call {method} {path}")

    def receipt_fetches(self) -> int:
        return sum(1 for _, path, _, _ in self.calls if path.startswith("/bill-payments/"))


class Rasa:
    """Scripted replies as Rasa's REST channel answers them (raw `custom`, read by gateway.conversation)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, Any]]] = []

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        self.sent.append((sender, text, dict(metadata)))
        if "电费" in text:
            return [READBACK]
        if text in ("/affirm", "是"):
            return [DONE, MORE]
        if text in ("/deny", "否"):
            return [DENIED]
        if text == "算了":
            return [CANCELLED]
        return [{"text": "您好，想办什么？"}]


@pytest.fixture
def world(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, Backend, Rasa]]:
    backend, rasa = Backend(), Rasa()
    monkeypatch.setattr(backend_client, "call", backend.call)
    monkeypatch.setattr(conversation, "send_message", rasa.send)
    use_voice(monkeypatch, tmp_path / "audio")
    sessions.set_store(MemorySessionStore())
    staff_queue.set_queue(staff_queue.MemoryQueue())
    monkeypatch.setenv("ANXIN_COOKIE_SECURE", "false")
    monkeypatch.setenv("ANXIN_STAFF_PHONE", STAFF)
    for name in ("ANXIN_FRAME_ANCESTORS", "ANXIN_WEB_ORIGINS", "ANXIN_DEMO", "ANXIN_TWILIO_AUTH_TOKEN",
                 "ANXIN_PHONE_PUBLIC_URL", "ANXIN_TWILIO_TRUST_FORWARDED"):
        monkeypatch.delenv(name, raising=False)
    config.get_web_settings.cache_clear()
    config.get_settings.cache_clear()
    get_phone_settings.cache_clear()
    previous = call_store()
    set_call_store(MemoryCallStore(ttl_s=3600))
    yield TestClient(create_app()), backend, rasa
    set_call_store(previous)
    config.get_web_settings.cache_clear()
    config.get_settings.cache_clear()
    get_phone_settings.cache_clear()


def web_sign_in(client: TestClient, kiosk: bool = False) -> None:
    if kiosk:
        resp = client.post("/api/staff/login", json={"username": "staff", "password": "pw", "role": "station"})
        assert resp.status_code == 200, resp.text
    resp = client.post("/api/login", json={"phone": "13800000001", "pin": "135790", "kiosk": kiosk})
    assert resp.status_code == 200, resp.text


def chat(client: TestClient, **body: str) -> list[dict[str, Any]]:
    resp = client.post("/api/chat", json=body)
    assert resp.status_code == 200, resp.text
    return resp.json()["replies"]


# ---------------------------------------------------------------- web and kiosk

@pytest.mark.parametrize("kiosk", [False, True], ids=["web", "kiosk"])
def test_a_bill_paid_carries_its_receipt_and_the_receipt_comes_from_the_backend(
        world: tuple[TestClient, Backend, Rasa], kiosk: bool) -> None:
    client, backend, _ = world
    web_sign_in(client, kiosk)
    readback = chat(client, text="交电费")[0]
    # The read-back is about a bill payment: "是" confirms that pending record (the page words its buttons so).
    assert (readback["bill_payment_id"], readback["pending_id"], readback["receipt"]) == (12, 12, None)
    done = chat(client, payload="/affirm")[0]
    assert done["receipt"] == {"kind": "bill_payment", "bill_payment_id": 12, "receipt_no": RECEIPT_NO}
    assert done["transfer_id"] is None and done["pending_id"] is None

    resp = client.get("/api/bill-payments/12")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    receipt = body["bill_payment"]
    assert receipt["biller"] == "电费" and receipt["account_word"] == "户号"
    assert receipt["account_no_masked"] == "****1236" and HOUSEHOLD_NO not in resp.text
    assert (receipt["amount"], receipt["amount_capitals"]) == ("128.60", "壹佰贰拾捌元陆角")
    assert receipt["period_text"] == "2026年11月" and receipt["receipt_no"] == RECEIPT_NO
    assert receipt["status_text"] == "已交好"
    assert body["time_local"] == "2026-12-01 18:44" and body["customer_name"] == "张桂兰"  # Asia/Shanghai
    assert ("GET", "/bill-payments/12", CUSTOMER_TOKEN, None) in backend.calls
    if kiosk:  # the staff's live transcript has the turn, not the receipt's figures
        live = get_book().live()
        assert any("交好了" in line["text"] for t in live for line in t["lines"])


@pytest.mark.parametrize("answer", ["/deny", "算了"], ids=["deny", "cancel"])
@pytest.mark.parametrize("kiosk", [False, True], ids=["web", "kiosk"])
def test_deny_or_cancel_at_the_read_back_gives_no_receipt_and_the_old_yes_is_dead(
        world: tuple[TestClient, Backend, Rasa], kiosk: bool, answer: str) -> None:
    client, backend, rasa = world
    web_sign_in(client, kiosk)
    chat(client, text="交电费")
    reply = chat(client, payload=answer)[0] if answer.startswith("/") else chat(client, text=answer)[0]
    assert reply["receipt"] is None and reply["bill_payment_id"] is None
    # The read-back's "是" was answered: pressing it later confirms nothing.
    resp = client.post("/api/chat", json={"payload": "/affirm"})
    assert resp.status_code == 409 and resp.json()["code"] == "CHOICE_EXPIRED"
    assert "/affirm" not in [text for _, text, _ in rasa.sent] and backend.receipt_fetches() == 0


def test_the_receipt_route_needs_the_customer_and_refuses_other_ids(world: tuple[TestClient, Backend, Rasa]) -> None:
    client, _, _ = world
    assert client.get("/api/bill-payments/12").status_code == 401
    web_sign_in(client)
    other = client.get("/api/bill-payments/13")
    assert other.status_code == 404 and other.json() == {"code": "NOT_FOUND", "message": "没有找到这笔缴费。"}
    assert client.get("/api/bill-payments/abc").status_code == 404
    assert client.get("/api/bill-payments/99999999999").status_code == 404


def test_a_malformed_receipt_field_is_dropped_never_trusted() -> None:
    for bad in ({"kind": "bill_payment", "bill_payment_id": "12"}, {"kind": "bill_payment", "bill_payment_id": True},
                {"kind": "bill_payment"}, {"kind": "bill_payment", "bill_payment_id": -1}):
        assert conversation.Reply.from_rasa({"text": "x", "custom": {"receipt": bad}}).receipt is None
    odd = conversation.Reply.from_rasa({"text": "x", "custom": {"receipt": {
        "kind": "bill_payment", "bill_payment_id": 4, "receipt_no": "<script>"}}})
    assert odd.receipt == conversation.Receipt("bill_payment", 4, "") and odd.receipt_transfer_id is None


# ---------------------------------------------------------------- phone

@pytest.fixture
def line(world: tuple[TestClient, Backend, Rasa], monkeypatch: pytest.MonkeyPatch) -> Line:
    client, _, _ = world
    spoken: list[str] = []
    real = phone.audio_url_async

    async def recording(text: str, buttons: Any = None, rate: float = 1.0, fmt: str = "mp3",
                        key_figure: Any = None) -> str | None:
        spoken.append(text)
        return await real(text, buttons, rate, fmt, key_figure)

    monkeypatch.setattr(phone, "audio_url_async", recording)
    return Line(client, spoken)


def test_on_the_phone_a_bill_paid_has_its_receipt_said(world: tuple[TestClient, Backend, Rasa], line: Line) -> None:
    _, backend, _ = world
    line.sign_in()
    readback = line.twiml(SpeechResult="交电费")
    assert "对吗" in readback.said
    done = line.twiml(Digits="1")  # 1 是
    assert "交好了" in done.said
    # The receipt, from the backend's record: what, the 户号's tail only, the amount, when, the 收据号.
    assert "这笔的回单：11月的电费，户号尾号1236，12月1日 18:44交好。" in done.said
    assert f"收据号{RECEIPT_NO}，请记下来。" in done.said and HOUSEHOLD_NO not in done.said
    # Right after the payment, before the next question (whose choices stay the keys).
    assert done.said.index("这笔的回单") < done.said.index("还有别的事吗")
    assert ("GET", "/bill-payments/12", CUSTOMER_TOKEN, None) in backend.calls
    # * repeats it all, the receipt too.
    again = line.twiml(Digits="*")
    assert "户号尾号1236" in again.said


@pytest.mark.parametrize("answer", [{"Digits": "2"}, {"SpeechResult": "算了"}], ids=["deny", "cancel"])
def test_on_the_phone_deny_or_cancel_at_the_read_back_says_no_receipt(
        world: tuple[TestClient, Backend, Rasa], line: Line, answer: dict[str, str]) -> None:
    _, backend, rasa = world
    line.sign_in()
    line.twiml(SpeechResult="交电费")
    reply = line.twiml(**answer)
    assert "钱没有动" in reply.said and "回单" not in reply.said and "收据号" not in reply.said
    assert backend.receipt_fetches() == 0 and rasa.sent[-1][1] in ("/deny", "算了")


# ---------------------------------------------------------------- the staff panel's family contact

def panel_sign_in(client: TestClient, role: str = "panel") -> None:
    resp = client.post("/api/staff/login", json={"username": "staff", "password": "pw", "role": role})
    assert resp.status_code == 200, resp.text


def test_staff_find_the_customer_and_set_show_and_remove_the_family_contact(
        world: tuple[TestClient, Backend, Rasa]) -> None:
    client, backend, _ = world
    panel_sign_in(client)
    found = client.get("/api/staff/customers", params={"phone": "138 0000 0001"})
    assert found.json() == {"items": [{"id": 1, "name": "张桂兰", "phone_masked": "138****0001"}]}
    assert client.get("/api/staff/customers", params={"phone": "13900000099"}).json() == {"items": []}
    assert client.get("/api/staff/customers/1/family-contact").json() == {"contact": None}
    saved = client.put("/api/staff/customers/1/family-contact",
                       json={"name": " 王小明 ", "relationship": "儿子", "phone": "139-0000-0021"})
    assert saved.status_code == 200, saved.text
    assert backend.calls[-1] == ("PUT", "/staff/customers/1/family-contact", STAFF_TOKEN,
                                 {"name": "王小明", "relationship": "儿子", "phone": "13900000021"})
    shown = client.get("/api/staff/customers/1/family-contact").json()["contact"]
    assert (shown["name"], shown["relationship"], shown["phone"]) == ("王小明", "儿子", "13900000021")
    assert client.request("DELETE", "/api/staff/customers/1/family-contact", json={}).json() == {"contact": None}
    assert client.get("/api/staff/customers/1/family-contact").json() == {"contact": None}


@pytest.mark.parametrize(("body", "code", "words"), [
    ({"name": "", "relationship": "儿子", "phone": "13900000021"}, "BAD_NAME", "名字"),
    ({"name": "王小明", "relationship": "", "phone": "13900000021"}, "BAD_RELATIONSHIP", "关系"),
    ({"name": "王小明", "relationship": "儿子", "phone": "1390000002"}, "BAD_PHONE", "11 位数字"),
    ({"name": "王小明", "relationship": "儿子", "phone": "12900000021"}, "BAD_PHONE", "11 位数字"),
    ({"name": "王" * 51, "relationship": "儿子", "phone": "13900000021"}, "BAD_NAME", "名字"),
])
def test_a_wrong_contact_is_refused_in_plain_chinese_before_the_backend(
        world: tuple[TestClient, Backend, Rasa], body: dict[str, str], code: str, words: str) -> None:
    client, backend, _ = world
    panel_sign_in(client)
    resp = client.put("/api/staff/customers/1/family-contact", json=body)
    assert resp.status_code == 422 and resp.json()["code"] == code and words in resp.json()["message"]
    assert not any(method == "PUT" for method, *_ in backend.calls)
    bad_find = client.get("/api/staff/customers", params={"phone": "12345"})
    assert bad_find.status_code == 422 and "11 位数字" in bad_find.json()["message"]


def test_the_family_contact_needs_the_staff_panel_and_our_own_page(world: tuple[TestClient, Backend, Rasa]) -> None:
    client, backend, _ = world
    body = {"name": "王小明", "relationship": "儿子", "phone": "13900000021"}
    assert client.put("/api/staff/customers/1/family-contact", json=body).status_code == 401
    panel_sign_in(client, role="station")  # the kiosk's own sign-in is not the staff panel
    assert client.get("/api/staff/customers", params={"phone": "13800000001"}).status_code == 401
    web_sign_in(client)  # nor is a customer
    assert client.put("/api/staff/customers/1/family-contact", json=body).status_code == 401
    panel_sign_in(client)
    # CSRF like every other state-changing call: JSON only, and from our own page.
    cross = client.put("/api/staff/customers/1/family-contact", json=body, headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403 and cross.json()["code"] == "CROSS_SITE"
    form = client.put("/api/staff/customers/1/family-contact", content="name=x", headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    assert form.status_code == 415
    gone = client.request("DELETE", "/api/staff/customers/1/family-contact", headers={"Origin": "https://evil.example"},
                          json={})
    assert gone.status_code == 403
    assert not any(method in ("PUT", "DELETE") for method, *_ in backend.calls)


def test_the_kiosk_turn_of_a_bill_does_not_mark_it_held(world: tuple[TestClient, Backend, Rasa]) -> None:
    client, _, _ = world
    web_sign_in(client, kiosk=True)
    chat(client, text="交电费")
    chat(client, payload="/affirm")
    assert web.kiosk_of(12) == ""  # a bill payment is no held transfer
