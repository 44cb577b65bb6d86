"""Rasa's REST channel, answering with one item per bot reply: text, buttons and custom together.

Rasa's own collector splits a reply that has both text and a custom payload into two items, so the
gateway would lose which speech rate or key figure belongs to which text. This channel keeps the URL
(/webhooks/rest/webhook, it is named "rest") and the request format of docs/contracts.md.
Configured in assistant/credentials.yml as `assistant.channels.OneItemRestInput`.
"""
from __future__ import annotations

import logging
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

import assistant.speedups  # noqa: F401  (the action-answer check, installed with the server's custom parts)

logger = logging.getLogger(__name__)


class OneItemOutputChannel(CollectingOutputChannel):
    """Collects each bot reply as a single {"recipient_id", "text", "buttons", "custom"} item."""

    @classmethod
    def name(cls) -> str:
        return "collector"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        item = self._message(
            recipient_id,
            text=message.get("text") or None,
            image=message.get("image") or None,
            buttons=message.get("buttons") or None,
            attachment=message.get("attachment") or None,
            custom=message.get("custom") or None,
        )
        if len(item) > 1:  # more than the recipient id
            await self._persist_message(item)


class OneItemRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            collector = OneItemOutputChannel()
            message = UserMessage(
                self._extract_message(request),
                collector,
                await self._extract_sender(request),
                input_channel=self._extract_input_channel(request),
                metadata=self.get_metadata(request),
            )
            try:
                await on_new_message(message)
            except CancelledError:
                logger.error("REST message timed out")
            except Exception:
                # The text is not logged: it may hold an amount or a name the customer said.
                logger.exception("REST message failed")
            return response.json(collector.messages)

        return webhook
