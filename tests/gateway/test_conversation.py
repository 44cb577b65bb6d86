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
    assert len(replies) == 1 and replies[0].custom["error"] == "NO_ANSWER"
    assert "转人工" in replies[0].text


def test_rasa_down_becomes_an_apology(monkeypatch: pytest.MonkeyPatch) -> None:
    replies = _turn_with(monkeypatch, conversation.RasaUnavailable("HTTP 502"))
    assert [r.custom["error"] for r in replies] == ["RASA_UNAVAILABLE"]


def test_replies_keep_buttons_and_speech_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = [{"text": "对吗？", "buttons": [{"title": "是", "payload": "/affirm"}], "custom": {"speech_rate": 0.85}}]
    (reply,) = _turn_with(monkeypatch, raw)
    assert reply.buttons == [{"title": "是", "payload": "/affirm"}]
    assert reply.speech_rate == 0.85 and reply.custom == {"speech_rate": 0.85}
