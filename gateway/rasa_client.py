"""Talks to Rasa's REST channel. The customer's token travels only in the message metadata."""
from __future__ import annotations

from typing import Any

import httpx

from gateway import http_pool
from gateway.config import get_settings


class RasaUnavailable(Exception):
    """Rasa did not answer in time or answered with an error."""


async def send_message(sender: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
    """Sends one user message and returns Rasa's replies (text, buttons, custom) in order."""
    settings = get_settings()
    url = f"{settings.rasa_url}/webhooks/rest/webhook"
    try:
        resp = await http_pool.client().post(url, json={"sender": sender, "message": text, "metadata": metadata},
                                             timeout=settings.rasa_timeout_s)
    except httpx.HTTPError as exc:
        raise RasaUnavailable(type(exc).__name__) from exc
    if resp.status_code != 200:
        raise RasaUnavailable(f"HTTP {resp.status_code}")
    replies = resp.json()
    if not isinstance(replies, list):
        raise RasaUnavailable("unexpected reply")
    return replies
