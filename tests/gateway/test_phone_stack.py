"""A scripted phone call against the real stack: keypad sign-in, the balance, a transfer confirmed with key 1.

Backend, action server and Rasa come from the session's `stack` fixture. The call goes to two gateways:
the stack's own (its real audio: <Play> of 8 kHz WAV), and a second gateway process on the same backend and
Rasa whose speech engine is switched off (a voice espeak-ng does not have), so that every reply comes back
as <Say> text the script can read and react to, exactly as Twilio would receive it when synthesis fails.
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.support.stack import ROOT, Service, Stack, _python, _wait_http, free_port

pytestmark = pytest.mark.rasa

CALLER = "+8613800000001"
PHONE, PIN = "13800000001", "135790"


class Call:
    def __init__(self, stack: Stack, gateway_url: str, sid: str, caller: str = CALLER) -> None:
        self.url = gateway_url
        self.sid = sid
        self.caller = caller
        self.heard: list[str] = []
        # The stack's own random Twilio token (every gateway of the stack has it), as Twilio would sign.
        self.signer = RequestValidator(stack.env["ANXIN_TWILIO_AUTH_TOKEN"])

    def post(self, path: str, **params: str) -> ET.Element:
        params = {"CallSid": self.sid, "From": self.caller, "To": "+8657100000000", **params}
        sig = self.signer.compute_signature(self.url + path, params)
        resp = httpx.post(self.url + path, data=params, headers={"X-Twilio-Signature": sig}, timeout=60)
        assert resp.status_code == 200, resp.text
        root = ET.fromstring(resp.text)
        for el in root.iter():
            if el.tag in ("Say", "Gather"):
                assert el.get("language") == "zh-CN"
        said = "".join(el.text or "" for el in root.iter("Say"))
        self.heard.append(said)
        return root

    @property
    def last(self) -> str:
        return self.heard[-1]


def _balance(backend_url: str) -> Decimal:
    login = httpx.post(f"{backend_url}/api/v1/auth/login", json={"phone": PHONE, "pin": PIN}, timeout=10)
    login.raise_for_status()
    token = login.json()["access_token"]
    accounts = httpx.get(f"{backend_url}/api/v1/accounts", headers={"Authorization": f"Bearer {token}"},
                         timeout=10).json()
    return sum((Decimal(a["balance"]) for a in accounts if a["kind"] == "demand"), Decimal("0"))


@pytest.fixture(scope="module")
def text_gateway(stack: Stack) -> Iterator[str]:
    """A second gateway on the stack's backend and Rasa, replying in <Say> text (no synthesis)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**stack.env, "ANXIN_GATEWAY_URL": url, "ANXIN_ESPEAK_VOICE": "no-such-voice",
           "ANXIN_TTS_ENGINE": "offline", "ANXIN_AUDIO_DIR": str(stack.workdir / "audio-text-gateway"),
           "ANXIN_STAFF_PHONE": "+8657112345678"}
    log = stack.workdir / "text-gateway.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([_python(), "-m", "uvicorn", "gateway.main:app", "--host", "127.0.0.1",
                                 "--port", str(port)], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        _wait_http(Service("text-gateway", proc, log), f"{url}/openapi.json", 60)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


def test_stack_gateway_plays_its_own_phone_audio(stack: Stack):
    call = Call(stack, stack.gateway_url, "CA-stack-audio")
    root = call.post("/voice/incoming")
    gather = root.find("Gather")
    assert gather is not None and gather.get("numDigits") == "6" and gather.get("input") == "dtmf"
    play = gather.find("Play").text
    assert play.startswith(stack.gateway_url + "/audio/") and play.endswith(".wav")
    audio = httpx.get(play, timeout=10)
    assert audio.status_code == 200 and audio.content[:4] == b"RIFF" and len(audio.content) > 16000
    unsigned = httpx.post(stack.gateway_url + "/voice/incoming", data={"CallSid": "CA-x", "From": CALLER})
    assert unsigned.status_code == 403


def test_phone_call_signs_in_hears_the_balance_and_transfers_with_key_one(stack: Stack, text_gateway: str):
    before = _balance(stack.backend_url)
    call = Call(stack, text_gateway, "CA-stack-transfer")

    root = call.post("/voice/incoming")
    assert root.find("Gather").get("input") == "dtmf" and "密码" in call.last

    root = call.post("/voice/gather", Digits=PIN)
    assert "张桂兰" in call.last, call.heard
    assert root.find("Gather").get("input") == "speech dtmf"

    call.post("/voice/gather", SpeechResult="查余额")
    assert "余额" in call.last, call.heard
    # 12,000.00 as words (the exact balance may have moved in earlier tests of this session)
    assert "元" in call.last and ("万" in call.last or "千" in call.last), call.last

    root = call.post("/voice/gather", SpeechResult="给儿子转五百元")
    gather = root.find("Gather")
    assert gather is not None and root.find("Dial") is None, call.heard
    # The read-back: who and how much, with 是/否 as keys 1/2.
    assert gather.get("numDigits") == "1" and "五百" in call.last and "王小明" in call.last, call.heard

    call.post("/voice/gather", Digits="1")
    print("\n".join(call.heard))  # the whole call as Twilio would say it, shown with -s or on failure
    assert any(word in call.last for word in ("成功", "转好", "完成", "已经转")), call.heard
    assert _balance(stack.backend_url) == before - Decimal("500.00")


def test_wrong_pin_on_the_real_backend_is_refused(stack: Stack, text_gateway: str):
    # 陈阿婆, not 张桂兰: one wrong PIN must not bring the transfer test's customer nearer a lock-out.
    call = Call(stack, text_gateway, "CA-stack-wrong-pin", caller="+8613800000003")
    call.post("/voice/incoming")
    root = call.post("/voice/gather", Digits="000000")
    assert root.find("Gather").get("numDigits") == "6"
    assert "密码" in call.last and "陈阿婆" not in call.last
    call.post("/voice/status", CallStatus="completed")
