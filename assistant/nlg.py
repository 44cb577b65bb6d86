"""Domain responses with the conversation's speech rate in their custom payload.

The voice layer reads `custom.speech_rate` (docs/contracts.md). Rasa fills slot values into responses
only as text, so this generator adds the `speech_rate` slot as a number to every response.
Configured in assistant/endpoints.yml as `nlg: type: assistant.nlg.SpeechRateNLG`.
"""
from __future__ import annotations

from typing import Any

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

import assistant.speedups  # noqa: F401  (the action-answer check, installed with the server's custom parts)
from rules import speech


class SpeechRateNLG(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config: EndpointConfig | None = None, domain: Domain | None = None) -> None:
        super().__init__((domain or Domain.empty()).responses)

    async def generate(self, utter_action: str, tracker: DialogueStateTracker, output_channel: str,
                       **kwargs: Any) -> dict[str, Any] | None:
        message = await super().generate(utter_action, tracker, output_channel, **kwargs)
        if message is not None:
            custom = dict(message.get("custom") or {})
            custom["speech_rate"] = speech.parse(tracker.get_slot("speech_rate"))
            message["custom"] = custom
        return message
