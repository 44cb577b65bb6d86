"""The common turn: what every channel tells the customer when Rasa or its action server fails."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

import gateway.conversation as conversation


async def _no_audio(*_args, **_kwargs):
    return None


@pytest.fixture(autouse=True)
def quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conversation, "audio_url_async", _no_audio)


def _turn_with(monkeypatch: pytest.MonkeyPatch, answer) -> list[conversation.Reply]:
    seen: dict = {}

    async def send(sender, text, metadata):
        seen.update(metadata)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(conversation, "send_message", send)
    # A thread of its own: Playwright's sync API (browser tests) may leave an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        replies = pool.submit(asyncio.run, conversation.turn("c1", "查余额", "tok", channel="web")).result()
    assert seen == {"channel": "web", "token": "tok"}
    return replies


def test_silence_from_rasa_becomes_an_apology(monkeypatch: pytest.MonkeyPatch) -> None:
    replies = _turn_with(monkeypatch, [])
    assert len(replies) == 1 and replies[0].error == "NO_ANSWER"
    assert "转人工" in replies[0].text


def test_rasa_down_becomes_an_apology(monkeypatch: pytest.MonkeyPatch) -> None:
    replies = _turn_with(monkeypatch, conversation.RasaUnavailable("HTTP 502"))
    assert [r.error for r in replies] == ["RASA_UNAVAILABLE"]


def test_replies_keep_buttons_and_speech_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = [{"text": "对吗？", "buttons": [{"title": "是", "payload": "/affirm"}], "custom": {"speech_rate": 0.85}}]
    (reply,) = _turn_with(monkeypatch, raw)
    assert reply.buttons == [{"title": "是", "payload": "/affirm"}]
    assert reply.speech_rate == 0.85 and reply.risk is None and reply.handoff is None and not reply.end_call


def test_the_reply_contract_fields_are_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = [{"text": "这很像冒充公检法的骗局。", "custom": {
        "risk": {"kind": "fraud", "family": "authority", "level": "stop"},
        "handoff": {"reason": "fraud", "summary": "客户说民警让他转到安全账户"},
        "transfer_id": 12, "pending_id": 7, "receipt": {"transfer_id": 12}, "end_call": True,
        "key_figure": "500.00元", "speech_rate": 0.8}}]
    (reply,) = _turn_with(monkeypatch, raw)
    assert reply.risk == conversation.Risk("fraud", "authority", "stop")
    assert reply.handoff == conversation.Handoff("fraud", "客户说民警让他转到安全账户")
    assert (reply.transfer_id, reply.pending_id, reply.receipt_transfer_id) == (12, 7, 12)
    assert reply.end_call is True and reply.key_figure == "500.00元" and reply.speech_rate == 0.8
    out = reply.to_json()
    assert out["risk"] == {"kind": "fraud", "family": "authority", "level": "stop"}
    assert out["receipt"] == {"transfer_id": 12} and out["handoff"] == {"reason": "fraud"}
    assert "custom" not in out and "summary" not in str(out)  # the staff summary is not the browser's


@pytest.mark.parametrize("custom", [
    {"risk": "yes", "handoff": "please", "transfer_id": "12", "pending_id": True, "receipt": 12,
     "end_call": "true", "speech_rate": "fast"},
    {"risk": {"kind": "other"}, "handoff": None, "transfer_id": -1, "receipt": {"transfer_id": 0},
     "speech_rate": float("nan")},
])
def test_malformed_contract_fields_are_dropped_not_raised(monkeypatch: pytest.MonkeyPatch, custom: dict) -> None:
    (reply,) = _turn_with(monkeypatch, [{"text": "好的。", "custom": custom}])
    assert reply.risk is None and reply.handoff is None and reply.transfer_id is None
    assert reply.pending_id is None and reply.receipt_transfer_id is None and reply.end_call is False
    assert reply.speech_rate == 1.0


@pytest.mark.parametrize("typed,sent", [
    ('/transfer_money{"amount":"1e30"}', 'transfer_money{"amount":"1e30"}'),
    ('  //affirm', "affirm"), ("\u200b/deny", "deny"), ("／affirm", "affirm"), ("给儿子转/500", "给儿子转/500"),
])
def test_typed_text_never_starts_with_the_intent_prefix(typed: str, sent: str) -> None:
    assert conversation.plain_text(typed) == sent
