"""Rasa component: a message with two requests ("查一下余额，然后给儿子转三百") becomes intent `multi_request`.

Where to split and what each part asks is assistant/multi.py (pure Python, tested on its own). The amount,
relationship and term entities of the first part are dropped, so the money flow of the second part only sees
its own ("看看一年的利息，然后存一万" does not make a one-year deposit). Placed before the FraudGuard on
purpose: the guard screens the whole text afterwards, so a scam in the second part still stops everything.
"""
from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from assistant.multi import split_requests

MULTI_INTENT = "multi_request"
SCAM_INTENT = "report_scam_instruction"
# Entities a money flow fills its slots from: only the second part's count.
FLOW_ENTITIES = frozenset({"amount", "amount_issue", "relationship", "deposit_term"})


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class MultiRequestSplitter(GraphComponent):
    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> MultiRequestSplitter:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._process_one(message)
        return messages

    def _process_one(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        if ((message.get(INTENT) or {}).get("name")) == SCAM_INTENT:
            return
        split = split_requests(text)
        if split is None:
            # The classifier's own multi_request stands: action_multi_request says what Anxin can do when it
            # cannot tell the two parts apart.
            return
        # The ranking is left as the classifier made it: the FraudGuard reads the classifier's own top choice.
        message.set(INTENT, {"name": MULTI_INTENT, "confidence": 1.0}, add_to_output=True)
        start, end = split.span
        entities = [e for e in message.get(ENTITIES) or []
                    if e.get("entity") not in FLOW_ENTITIES or start <= int(e.get("start") or 0) < end]
        message.set(ENTITIES, entities, add_to_output=True)
