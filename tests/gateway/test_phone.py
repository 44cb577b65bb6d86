"""TwiML contract of the phone line, with Rasa and the backend faked at the gateway's client functions."""
from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

import gateway.backend_client as backend_client
import gateway.conversation as conversation
import gateway.routes.phone as phone
from gateway import phone_texts as P
from gateway import staff_queue
from gateway.calls import (
    MemoryCallStore,
    call_store,
    caller_phone,
    handoffs,
    redact,
    set_call_store,
    state_to_json,
)
from gateway.config import DEV_TWILIO_AUTH_TOKEN, get_phone_settings
from gateway.main import create_app
from tests.voice.helpers import use_voice, wav_info

BASE = "http://testserver"
CALLER = "+8613800000001"
PIN = "135790"
STAFF = "+8657112345678"


@dataclass
class FakeRasa:
    """Answers with queued replies and records what the gateway sent."""

    queue: list[list[dict[str, Any]]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        self.sent.append({"sender": sender, "text": text, "metadata": dict(metadata)})
        return self.queue.pop(0) if self.queue else [{"text": "好的。"}]


@dataclass
class FakeBackend:
    pins: dict[str, str] = field(default_factory=lambda: {"13800000001": PIN})
    locked: bool = False
    logins: list[dict[str, str]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        assert (method, path) == ("POST", "/auth/login")
        body = kwargs["json"]
        self.logins.append(body)
        self.headers.append(kwargs.get("headers") or {})
        if self.locked:
            raise backend_client.BackendError(423, "LOCKED", "密码错误次数太多，已锁定十五分钟。")
        if self.pins.get(body["phone"]) != body["pin"]:
            raise backend_client.BackendError(401, "BAD_CREDENTIALS", "手机号或密码不对。")
        return {"access_token": "tok-secret-123", "token_type": "bearer", "expires_in": 1800,
                "customer": {"id": 1, "name": "张桂兰"}}


@dataclass
class Answer:
    """A TwiML answer and the texts it speaks (as sent to the speech layer)."""

    root: ET.Element
    said: str

    def find(self, path: str) -> ET.Element | None:
        return self.root.find(path)


class Line:
    """A caller on the line: signs and posts Twilio's webhooks, keeps what was said (text) and answered."""

    def __init__(self, client: TestClient, spoken: list[str], sid: str = "CA0001") -> None:
        self.client = client
        self.sid = sid
        self.spoken = spoken
        self.validator = RequestValidator(DEV_TWILIO_AUTH_TOKEN)
        self.rates: list[tuple[str, float]] = []

    def post(self, path: str, sign: bool = True, **params: str) -> Any:
        params = {"CallSid": self.sid, "From": CALLER, "To": "+8657100000000", **params}
        headers = {"X-Twilio-Signature": self.validator.compute_signature(BASE + path, params)} if sign else {}
        return self.client.post(path, data=params, headers=headers)

    def twiml(self, path: str = "/voice/gather", **params: str) -> Answer:
        before = len(self.spoken)
        resp = self.post(path, **params)
        assert resp.status_code == 200, resp.text
        assert resp.headers["content-type"].startswith("application/xml")
        root = ET.fromstring(resp.text)
        assert root.tag == "Response"
        _assert_chinese_everywhere(root)
        return Answer(root, "".join(self.spoken[before:]))

    def call_in(self) -> Answer:
        return self.twiml("/voice/incoming")

    def sign_in(self) -> Answer:
        self.call_in()
        return self.twiml(Digits=PIN)


def _assert_chinese_everywhere(root: ET.Element) -> None:
    for el in root.iter():
        if el.tag in ("Say", "Gather"):
            assert el.get("language") == "zh-CN", ET.tostring(el)


@pytest.fixture
def world(tmp_path, monkeypatch):
    use_voice(monkeypatch, tmp_path / "audio")
    monkeypatch.setenv("ANXIN_STAFF_PHONE", STAFF)
    for name in ("ANXIN_TWILIO_AUTH_TOKEN", "ANXIN_PHONE_PUBLIC_URL", "ANXIN_TWILIO_TRUST_FORWARDED"):
        monkeypatch.delenv(name, raising=False)
    get_phone_settings.cache_clear()
    previous = call_store()
    set_call_store(MemoryCallStore(ttl_s=3600))
    staff_queue.set_queue(staff_queue.MemoryQueue())
    rasa, backend = FakeRasa(), FakeBackend()
    monkeypatch.setattr(conversation, "send_message", rasa.send)
    monkeypatch.setattr(backend_client, "call", backend.call)
    spoken: list[str] = []
    rates: list[tuple[str, float]] = []
    real = phone.audio_url_async

    async def recording(text, buttons=None, rate=1.0, fmt="mp3", key_figure=None):
        spoken.append(text)
        rates.append((text, rate))
        assert fmt == "wav"  # phones get 8 kHz WAV
        return await real(text, buttons, rate, fmt, key_figure)

    monkeypatch.setattr(phone, "audio_url_async", recording)
    client = TestClient(create_app())
    line = Line(client, spoken)
    line.rates = rates
    yield line, rasa, backend
    get_phone_settings.cache_clear()
    set_call_store(previous)


def _gather(root: Answer) -> ET.Element:
    gather = root.find("Gather")
    assert gather is not None, ET.tostring(root)
    assert gather.get("action") == f"{BASE}/voice/gather"
    assert gather.get("actionOnEmptyResult") == "true"
    return gather


# ---------------------------------------------------------------- signatures

def test_unsigned_request_is_refused_and_reaches_nothing(world):
    line, rasa, backend = world
    assert line.post("/voice/incoming", sign=False).status_code == 403
    assert line.post("/voice/gather", sign=False, Digits=PIN).status_code == 403
    assert len(call_store()) == 0 and backend.logins == [] and rasa.sent == []


def test_wrongly_signed_request_is_refused(world):
    line, _, backend = world
    params = {"CallSid": "CA0001", "From": CALLER}
    bad = RequestValidator("someone-elses-token").compute_signature(BASE + "/voice/incoming", params)
    assert line.client.post("/voice/incoming", data=params, headers={"X-Twilio-Signature": bad}).status_code == 403
    # Signed for other parameters than those posted (a tampered Digits):
    good = line.validator.compute_signature(BASE + "/voice/gather", {"CallSid": "CA0001", "Digits": "1"})
    resp = line.client.post("/voice/gather", data={"CallSid": "CA0001", "Digits": PIN},
                            headers={"X-Twilio-Signature": good})
    assert resp.status_code == 403 and backend.logins == []


def test_forwarded_url_is_honoured_only_when_configured(world, monkeypatch):
    line, _, _ = world
    params = {"CallSid": "CA0009", "From": CALLER}
    public = "https://anxin.example.cn/voice/incoming"
    headers = {"X-Twilio-Signature": line.validator.compute_signature(public, params),
               "X-Forwarded-Proto": "https", "X-Forwarded-Host": "anxin.example.cn"}
    assert line.client.post("/voice/incoming", data=params, headers=headers).status_code == 403
    monkeypatch.setenv("ANXIN_TWILIO_TRUST_FORWARDED", "true")
    get_phone_settings.cache_clear()
    resp = line.client.post("/voice/incoming", data=params, headers=headers)
    assert resp.status_code == 200
    root = ET.fromstring(resp.text)
    assert root.find("Gather/Play").text.startswith("https://anxin.example.cn/audio/")
    assert root.find("Gather").get("action") == "https://anxin.example.cn/voice/gather"


# ---------------------------------------------------------------- signing in

def test_incoming_call_asks_for_the_pin_on_the_keypad_with_our_own_audio(world):
    line, _, _ = world
    root = line.call_in()
    gather = _gather(root)
    assert (gather.get("input"), gather.get("numDigits"), gather.get("finishOnKey")) == ("dtmf", "6", "#")
    assert "按键" in root.said and "六位密码" in root.said
    play = gather.find("Play").text
    assert play.startswith(f"{BASE}/audio/") and play.endswith(".wav")
    audio = line.client.get(play.removeprefix(BASE))
    assert audio.status_code == 200
    channels, width, rate, seconds = wav_info(audio.content)
    assert (channels, width, rate) == (1, 2, 8000) and seconds > 2
    assert root.find("Redirect") is not None  # silence comes back even without actionOnEmptyResult


def test_right_pin_signs_in_with_the_calling_number_and_never_logs_the_pin(world, caplog):
    line, rasa, backend = world
    rasa.queue.append([{"text": "您好，我是安心助手。\n您想办什么事？",
                        "buttons": [{"title": "查余额", "payload": "/check_balance"},
                                    {"title": "转账", "payload": "/transfer_money"}]}])
    with caplog.at_level("DEBUG"):
        root = line.sign_in()
    assert backend.logins == [{"phone": "13800000001", "pin": PIN}]
    # The caller's own bucket for the backend's sign-in limits: the hashed calling number, not the gateway's
    # address that every call would share.
    assert backend.headers == [{"X-Anxin-Caller": hashlib.sha256(b"+8613800000001").hexdigest()}]
    gather = _gather(root)
    assert gather.get("input") == "speech dtmf" and gather.get("speechTimeout") == "2"
    assert gather.get("numDigits") == "1"  # the greeting's choices are keys
    assert "张桂兰" in root.said and "您想办什么事" in root.said
    # The assistant greets a signed-in caller: its greeting intent, with the token, on the phone channel.
    assert rasa.sent == [{"sender": rasa.sent[0]["sender"], "text": "/greet",
                          "metadata": {"channel": "phone", "token": "tok-secret-123"}}]
    state = call_store().get("CA0001")
    assert state.token == "tok-secret-123" and "tok-secret" not in repr(state)
    assert PIN not in caplog.text and "tok-secret" not in caplog.text


def test_wrong_pin_retries_then_offers_a_person(world):
    line, _, backend = world
    line.call_in()
    root = line.twiml(Digits="000000")
    assert "密码不对" in root.said and P.PIN_RETRY in root.said
    assert _gather(root).get("numDigits") == "6"
    line.twiml(Digits="111111")
    root = line.twiml(Digits="222222")
    assert "密码已经错了三次" in root.said and "按0" in root.said  # the setting's default, 3
    assert _gather(root).get("input") == "dtmf speech"
    assert len(backend.logins) == 3
    root = line.twiml(Digits="333333")  # no further PIN attempts in this call
    assert len(backend.logins) == 3


def test_the_number_of_pin_tries_said_is_the_setting(world, monkeypatch):
    line, _, backend = world
    monkeypatch.setenv("ANXIN_MAX_PIN_FAILURES", "2")
    get_phone_settings.cache_clear()
    line.call_in()
    line.twiml(Digits="000000")
    root = line.twiml(Digits="111111")
    assert "密码已经错了两次" in root.said and "三次" not in root.said and len(backend.logins) == 2


def test_locked_account_hears_the_backends_message_and_can_reach_a_person(world):
    line, _, backend = world
    backend.locked = True
    line.call_in()
    root = line.twiml(Digits=PIN)
    assert "锁定" in root.said
    root = line.twiml(Digits="0")
    assert root.find("Dial").text == STAFF


def test_short_pin_and_spoken_pin_are_refused_without_asking_the_backend(world, caplog):
    line, _, backend = world
    line.call_in()
    assert P.PIN_FORMAT in line.twiml(Digits="1234").said
    with caplog.at_level("DEBUG"):
        root = line.twiml(SpeechResult="一三五七九零")
    assert P.SPOKEN_PIN in root.said and "一三五七九零" not in caplog.text
    assert backend.logins == []


def test_unknown_number_is_offered_a_person_only(world):
    line, _, backend = world
    root = line.twiml("/voice/incoming", From="anonymous")
    assert P.UNKNOWN_CALLER in root.said
    assert backend.logins == []
    assert line.twiml(From="anonymous", Digits="0").find("Dial").text == STAFF


# ---------------------------------------------------------------- turns

def test_speech_turn_goes_to_the_assistant_with_token_and_phone_channel(world):
    line, rasa, _ = world
    line.sign_in()
    rasa.queue.append([{"recipient_id": "x", "text": "您的活期账户余额是12,000.00元。",
                        "custom": {"speech_rate": 0.85, "key_figure": "12,000.00元"}}])
    root = line.twiml(SpeechResult="查余额", Confidence="0.9")
    assert rasa.sent[-1]["text"] == "查余额"
    assert rasa.sent[-1]["metadata"] == {"channel": "phone", "token": "tok-secret-123"}
    assert rasa.sent[-1]["sender"].startswith("phone-") and "CA0001" not in rasa.sent[-1]["sender"]
    assert "12,000.00元" in root.said and root.said.endswith(P.HEAR_AGAIN)
    assert _gather(root).find("Play").text.endswith(".wav")


def test_buttons_become_keys_and_one_digit_answers(world):
    line, rasa, _ = world
    line.sign_in()
    rasa.queue.append([{"text": "要给儿子王小明转500元吗？",
                        "buttons": [{"title": "是", "payload": "/affirm"}, {"title": "否", "payload": "/deny"}]}])
    root = line.twiml(SpeechResult="给儿子转五百")
    assert _gather(root).get("numDigits") == "1"
    assert _gather(root).get("hints").startswith("是,否,") and "转人工" in _gather(root).get("hints")
    line.twiml(Digits="1")
    assert rasa.sent[-1]["text"] == "/affirm"


def test_keys_one_and_two_mean_yes_and_no_and_longer_digits_are_an_amount(world):
    line, rasa, _ = world
    line.sign_in()
    root = line.twiml(SpeechResult="转账")
    assert _gather(root).get("numDigits") is None  # no choice on the table: amounts end with #
    line.twiml(Digits="2")
    line.twiml(Digits="1")
    line.twiml(Digits="500")
    assert [m["text"] for m in rasa.sent[-3:]] == ["否", "是", "500"]


def test_star_repeats_the_last_prompt_without_asking_the_assistant(world):
    line, rasa, _ = world
    line.sign_in()
    rasa.queue.append([{"text": "您的活期账户余额是12,000.00元。"}])
    first = line.twiml(SpeechResult="查余额")
    n = len(rasa.sent)
    again = line.twiml(Digits="*")
    assert len(rasa.sent) == n
    assert again.said == first.said
    assert again.find("Gather/Play").text == first.find("Gather/Play").text  # the same cached audio


def test_silence_twice_reprompts_then_offers_a_person_then_says_goodbye(world):
    line, rasa, _ = world
    line.sign_in()
    rasa.queue.append([{"text": "请问转给谁？"}])
    line.twiml(SpeechResult="转账")
    for _ in range(2):
        root = line.twiml()
        assert root.said.startswith(P.STILL_THERE) and "请问转给谁" in root.said
    root = line.twiml()
    assert P.OFFER_PERSON in root.said and _gather(root).get("numDigits") == "1"
    root = line.twiml()  # still nothing: the offer once more
    assert P.OFFER_PERSON in root.said
    root = line.twiml()
    assert root.find("Hangup") is not None and call_store().get("CA0001") is None


def test_after_the_offer_key_one_goes_back_to_the_conversation(world):
    line, rasa, _ = world
    line.sign_in()
    for _ in range(3):
        line.twiml()
    root = line.twiml(Digits="1")
    assert P.CONTINUE in root.said and _gather(root).get("input") == "speech dtmf"
    line.twiml(SpeechResult="查余额")
    assert rasa.sent[-1]["text"] == "查余额"


def test_key_zero_puts_the_caller_through_to_staff(world):
    line, _, _ = world
    line.sign_in()
    root = line.twiml(Digits="0")
    dial = root.find("Dial")
    assert dial.text == STAFF and dial.get("action") == f"{BASE}/voice/dial-done"
    assert P.TRANSFERRING in root.said
    assert handoffs.recent(1)[0].reason == "来电客户要求转人工"
    assert line.twiml("/voice/dial-done", DialCallStatus="completed").find("Hangup") is not None
    missed = line.twiml("/voice/dial-done", DialCallStatus="no-answer")
    assert missed.find("Hangup") is not None


def test_assistant_handoff_dials_staff_and_keeps_a_summary_without_secrets(world, caplog):
    line, rasa, _ = world
    line.sign_in()
    rasa.queue.append([{"text": "好的，我帮您转人工。",
                        "custom": {"handoff": {"reason": "asked",
                                               "summary": "客户要挂失银行卡 6222 0212 3456 7890 123"}}}])
    with caplog.at_level("INFO"):
        root = line.twiml(SpeechResult="我的卡丢了")
    assert root.find("Dial").text == STAFF
    assert "转人工" in root.said
    note = handoffs.recent(1)[0]
    assert note.customer == "张桂兰" and note.phone_masked == "138****0001"
    assert note.summary == "客户要挂失银行卡 ****0123"
    assert "6222 0212" not in caplog.text and "0212345" not in caplog.text and "****0123" in caplog.text
    assert "tok-secret" not in caplog.text and call_store().get("CA0001").token is None


def test_without_a_staff_number_the_caller_is_told_and_the_call_ends(world, monkeypatch):
    line, _, _ = world
    monkeypatch.setenv("ANXIN_STAFF_PHONE", "")
    get_phone_settings.cache_clear()
    line.sign_in()
    root = line.twiml(Digits="0")
    assert root.find("Dial") is None and root.find("Hangup") is not None
    assert P.NO_STAFF in root.said


def test_goodbye_hangs_up_on_the_end_call_field(world):
    line, rasa, _ = world
    line.sign_in()
    rasa.queue.append([{"text": "好的，祝您生活愉快。", "custom": {"end_call": True}}])
    root = line.twiml(SpeechResult="没事了，再见")
    assert root.find("Hangup") is not None and root.find("Gather") is None
    assert "好的，祝您生活愉快。" in root.said
    assert call_store().get("CA0001") is None


def test_the_word_goodbye_without_the_field_does_not_hang_up(world):
    # Issue 15: channels act on reply fields, never on text ("再见" can be part of any sentence).
    line, rasa, _ = world
    line.sign_in()
    rasa.queue.append([{"text": "您可以说“再见”结束，也可以继续问我。"}])
    root = line.twiml(SpeechResult="怎么结束")
    assert root.find("Hangup") is None and root.find("Gather") is not None
    assert call_store().get("CA0001") is not None


def test_synthesis_failure_falls_back_to_say_in_chinese(world, monkeypatch):
    line, rasa, _ = world
    line.sign_in()

    async def no_audio(*_a, **_k):
        return None

    monkeypatch.setattr(phone, "audio_url_async", no_audio)
    rasa.queue.append([{"text": "您的活期账户余额是12,000.00元。"}])
    root = line.twiml(SpeechResult="查余额")
    say = root.find("Gather/Say")
    assert say is not None and say.get("language") == "zh-CN"
    assert say.text.startswith("您的活期账户余额是") and "再说一遍" in say.text  # key figure said twice
    assert root.find("Gather/Play") is None


def test_assistant_down_is_an_apology_not_an_error(world, monkeypatch):
    line, _, _ = world
    line.sign_in()

    async def down(*_a, **_k):
        raise conversation.RasaUnavailable("HTTP 502")

    monkeypatch.setattr(conversation, "send_message", down)
    root = line.twiml(SpeechResult="查余额")
    assert conversation.RASA_DOWN_TEXT in root.said and root.find("Gather") is not None


def test_unexpected_failure_is_handed_to_staff_not_a_500(world, monkeypatch):
    line, _, _ = world
    line.sign_in()

    async def boom(*_a, **_k):
        raise RuntimeError("bug")

    monkeypatch.setattr(phone, "turn", boom)
    root = line.twiml(SpeechResult="查余额")
    assert root.find("Dial").text == STAFF


def test_status_callback_forgets_the_call_and_its_token(world):
    line, _, _ = world
    line.sign_in()
    assert call_store().get("CA0001").token
    assert line.post("/voice/status", CallStatus="completed").status_code == 200
    assert call_store().get("CA0001") is None


def test_a_call_unknown_after_a_restart_starts_again_at_the_pin(world):
    line, _, backend = world
    root = line.twiml(Digits="1")
    assert P.ASK_PIN in root.said and _gather(root).get("numDigits") == "6" and backend.logins == []


def test_one_conversation_per_call(world):
    line, rasa, _ = world
    line.sign_in()
    line.twiml(SpeechResult="查余额")
    other = Line(line.client, line.spoken, sid="CA0002")
    other.sign_in()
    other.twiml(SpeechResult="查余额")
    senders = {m["sender"] for m in rasa.sent}
    assert len(senders) == 2


@pytest.mark.parametrize("raw,phone_number", [
    ("+8613800000001", "13800000001"), ("008613800000002", "13800000002"), ("13800000003", "13800000003"),
    ("+86 138-0000-0001", "13800000001"), ("+14155550100", None), ("anonymous", None), ("", None), (None, None),
    ("client:alice", None), ("+8601012345678", None),
])
def test_caller_phone(raw, phone_number):
    assert caller_phone(raw) == phone_number


def test_redact_keeps_only_the_last_four_of_long_numbers():
    assert redact("卡号6222021234567890123，金额500元") == "卡号****0123，金额500元"
    assert redact("电话138 0000 0001") == "电话****0001"


def test_the_handoff_choice_on_the_keypad_dials_staff_at_once(world):
    line, rasa, _ = world
    line.sign_in()
    rasa.queue.append([{"text": "还是没听明白，对不起。\n要不要转人工？",
                        "buttons": [{"title": "转人工", "payload": "/human_handoff"},
                                    {"title": "不用了", "payload": "/deny"}]}])
    line.twiml(SpeechResult="嗯嗯啊啊")
    n = len(rasa.sent)
    root = line.twiml(Digits="1")
    assert root.find("Dial").text == STAFF and len(rasa.sent) == n


def test_the_handoff_wording_alone_does_not_dial(world):
    line, rasa, _ = world
    line.sign_in()
    rasa.queue.append([{"text": "如果需要，我可以为您转人工。"}])
    root = line.twiml(SpeechResult="你能做什么")
    assert root.find("Dial") is None and root.find("Gather") is not None


def test_the_handoff_field_dials(world):
    line, rasa, _ = world
    line.sign_in()
    rasa.queue.append([{"text": "好的，马上请工作人员接听。\n请稍等。", "custom": {"handoff": {"reason": "asked", "summary": ""}}}])
    root = line.twiml(SpeechResult="转人工")
    assert root.find("Dial").text == STAFF and "马上请工作人员接听" in root.said


FRAUD_REPLY = [{"text": "这很像冒充公检法的骗局。\n公检法不会让您把钱转到“安全账户”。\n请马上挂断那个电话。\n有疑问打96110。",
                "custom": {"risk": {"kind": "fraud", "family": "authority", "level": "stop"},
                           "handoff": {"reason": "fraud", "summary": "民警让客户转钱到安全账户"}}}]


@pytest.mark.parametrize("accept", [{"Digits": "0"}, {"SpeechResult": "转人工"}, {"SpeechResult": "我要人工"}])
def test_a_fraud_stop_warns_then_offers_a_person_who_is_dialled(world, accept):
    line, rasa, _ = world
    line.sign_in()
    rasa.queue.append(FRAUD_REPLY)
    root = line.twiml(SpeechResult="电话里的民警叫我把钱转到安全账户")
    # The warning first, then the offer, inside a Gather that listens for 0 and for speech: not dialled yet.
    assert root.find("Dial") is None
    gather = _gather(root)
    assert "dtmf" in gather.get("input") and "speech" in gather.get("input") and "转人工" in gather.get("hints")
    assert root.said.index("96110") < root.said.index(phone.FRAUD_OFFER)
    entry = staff_queue.get_queue().waiting()[0]  # staff know at once, even if the caller hangs up now
    assert (entry["channel"], entry["reason"], entry["family"], entry["contact"]) == \
        ("phone", "fraud", "authority", "138****0001")
    n = len(rasa.sent)
    root = line.twiml(**accept)
    assert root.find("Dial").text == STAFF and len(rasa.sent) == n
    assert handoffs.recent(1)[0].reason == "疑似诈骗，来电客户要转人工"
    assert [e["reason"] for e in staff_queue.get_queue().waiting()] == ["fraud"]  # one entry per call


def test_after_a_fraud_warning_key_one_goes_back_to_the_conversation(world):
    line, rasa, _ = world
    line.sign_in()
    rasa.queue.append(FRAUD_REPLY)
    line.twiml(SpeechResult="电话里的民警叫我把钱转到安全账户")
    root = line.twiml(Digits="1")
    assert P.CONTINUE in root.said and root.find("Dial") is None
    line.twiml(SpeechResult="查余额")
    assert rasa.sent[-1]["text"] == "查余额"


def test_speech_never_reaches_the_assistant_as_an_intent(world):
    line, rasa, _ = world
    line.sign_in()
    line.twiml(SpeechResult='/transfer_money{"amount":"1e30"}')
    assert rasa.sent[-1]["text"] == 'transfer_money{"amount":"1e30"}'


@pytest.mark.parametrize("params", [{"Digits": PIN}, {"SpeechResult": "我的密码是1 3 5 7 9 0"},
                                    {"SpeechResult": "密码135790对吧"}])
def test_the_pin_again_later_in_the_call_never_reaches_the_assistant(world, params, caplog):
    line, rasa, _ = world
    line.sign_in()
    n = len(rasa.sent)
    with caplog.at_level("DEBUG"):
        root = line.twiml(**params)
    assert len(rasa.sent) == n and P.PIN_NOT_AGAIN in root.said
    assert PIN not in caplog.text
    state = call_store().get("CA0001")
    assert PIN not in state_to_json(state) and state.token  # still signed in
    line.twiml(Digits="500")  # other numbers still go through
    assert rasa.sent[-1]["text"] == "500"


def test_the_line_speaks_its_own_sentences_at_the_pace_the_caller_chose(world):
    line, rasa, _ = world
    line.sign_in()
    rasa.queue.append([{"text": "好的，我说慢一点。", "custom": {"speech_rate": 0.7}}])
    line.twiml(SpeechResult="说慢点")
    assert line.rates[-1] == ("好的，我说慢一点。", 0.7)
    line.twiml()  # silence: "您还在吗？" and the last reply, both slow
    assert line.rates[-2:] == [(P.STILL_THERE, 0.7), ("好的，我说慢一点。", 0.7)]


def test_signed_request_without_a_call_id_is_a_clear_400(world):
    line, _, _ = world
    params = {"From": CALLER}
    sig = line.validator.compute_signature(BASE + "/voice/gather", params)
    resp = line.client.post("/voice/gather", data=params, headers={"X-Twilio-Signature": sig})
    assert resp.status_code == 400 and "CallSid" in resp.text


def test_garbage_body_is_refused_not_a_500(world):
    line, _, _ = world
    resp = line.client.post("/voice/gather", content=b"\xff\xfe\x00garbage",
                            headers={"X-Twilio-Signature": "abc", "Content-Type": "multipart/form-data"})
    assert resp.status_code == 403
