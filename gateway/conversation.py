"""One conversational turn for any channel: send to Rasa, shape the replies, attach spoken audio."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gateway.rasa_client import RasaUnavailable, send_message
from gateway.routes.audio import audio_url_async

RASA_DOWN_TEXT = "对不起，安心助手暂时没有回应。请稍后再试，或者说“转人工”。"
# Rasa answers an empty list when an action server it needs is down: the customer must not meet silence.
NO_ANSWER_TEXT = "对不起，系统刚才没有办完这件事。请稍后再说一遍，或者说“转人工”。"


@dataclass
class Reply:
    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    speech_rate: float = 1.0
    audio_url: str | None = None
    custom: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "buttons": self.buttons,
            "speech_rate": self.speech_rate,
            "audio_url": self.audio_url,
            "custom": self.custom,
        }


def _shape(raw: list[dict[str, Any]]) -> list[Reply]:
    replies: list[Reply] = []
    for item in raw:
        custom = item.get("custom") or {}
        text = item.get("text") or custom.get("text") or ""
        if not text and not custom:
            continue
        rate = custom.get("speech_rate", 1.0)
        replies.append(
            Reply(
                text=text,
                buttons=[{"title": b.get("title", ""), "payload": b.get("payload", "")} for b in item.get("buttons") or []],
                speech_rate=float(rate) if isinstance(rate, int | float) else 1.0,
                custom=custom,
            )
        )
    return replies


async def turn(sender: str, text: str, token: str | None, channel: str, audio_format: str = "mp3") -> list[Reply]:
    """Runs one user turn. Rasa being down becomes a plain apology, never an exception."""
    metadata: dict[str, Any] = {"channel": channel}
    if token:
        metadata["token"] = token
    try:
        replies = _shape(await send_message(sender, text, metadata))
    except RasaUnavailable:
        replies = [Reply(text=RASA_DOWN_TEXT, custom={"error": "RASA_UNAVAILABLE"})]
    if not replies:
        replies = [Reply(text=NO_ANSWER_TEXT, custom={"error": "NO_ANSWER"})]
    for reply in replies:
        if reply.text:
            titles = [b["title"] for b in reply.buttons]
            reply.audio_url = await audio_url_async(
                reply.text, titles, reply.speech_rate, audio_format, reply.custom.get("key_figure")
            )
    return replies
