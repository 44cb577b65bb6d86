"""Rasa component: the exact yuan amount of a message as an `amount` entity, via money.parse_amount.

The value is a decimal string with two places ("12000.00"), never a float. When the text holds an amount
that is not one exact RMB figure, an `amount_issue` entity says why ("ambiguous": 几百, 一两千;
"foreign": 美元; "invalid": 零元, 负数) so the form can ask for one exact amount or decline the currency.
"""
from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

import money

# Phrases like 三个月 / 一年 are deposit terms, not amounts; they must not become `amount`.
_NOT_AMOUNT_LABELS = {"deposit_term"}


def amount_entities(text: str, other_entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The amount / amount_issue entities for one text (without the extractor name)."""
    result = money.parse_amount(text)
    start, end = result.span if result.span else (0, len(text))
    if result.kind == "exact" and result.yuan is not None:
        if any(e.get("entity") in _NOT_AMOUNT_LABELS and e["start"] < end and start < e["end"]
               for e in other_entities):
            return []
        return [{"entity": "amount", "value": f"{result.yuan:.2f}", "start": start, "end": end,
                 "confidence": 1.0}]
    if result.kind in ("ambiguous", "foreign", "invalid"):
        return [{"entity": "amount_issue", "value": result.kind, "start": start, "end": end,
                 "confidence": 1.0}]
    return []


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class AmountExtractor(GraphComponent, EntityExtractorMixin):
    """Runs after the phrase extractor so it can leave deposit terms alone."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> AmountExtractor:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            existing = message.get(ENTITIES, [])
            found = amount_entities(text, existing)
            if found:
                message.set(ENTITIES, existing + self.add_extractor_name(found), add_to_output=True)
        return messages
