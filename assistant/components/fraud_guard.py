"""Rasa component: the fraud stop and the banking-signal guard on every message (assistant/guard.py decides).

Placed after the FallbackClassifier, so neither a low-confidence "我没听明白" nor any other intent can hide
a scam story: on a `rules.fraud` hit (or the classifier's own `report_scam_instruction`) the intent becomes
`report_scam_instruction` with confidence 1.0 and a `fraud_family` entity carries the family to the actions.
A `transfer_money` without any banking signal becomes `out_of_scope`.
"""
from __future__ import annotations

import logging
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from assistant.guard import SCAM_INTENT, decide

logger = logging.getLogger(__name__)
FAMILY_ENTITY = "fraud_family"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class FraudGuard(GraphComponent, EntityExtractorMixin):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # How sure the classifier must be of report_scam_instruction, when no rule fired, to stop the flow.
        # Its top choice is enough by default: a needless warning costs a sentence, a missed one the savings.
        return {"classifier_min_confidence": 0.0}

    def __init__(self, config: dict[str, Any]) -> None:
        self._min_confidence = float(config.get("classifier_min_confidence", 0.0))

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> FraudGuard:
        return cls({**cls.get_default_config(), **(config or {})})

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._process_one(message)
        return messages

    def _process_one(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        intent = message.get(INTENT) or {}
        ranking = list(message.get(INTENT_RANKING_KEY) or [])
        entities = list(message.get(ENTITIES) or [])
        decision = decide(text, intent, ranking, entities, self._min_confidence)
        if decision.intent is None:
            return
        # Logged by rule name and family only: the customer's words stay out of the logs.
        logger.info("fraud_guard: %s -> %s (%s, %s)", intent.get("name"), decision.intent, decision.reason,
                    decision.family or decision.rule or "-")
        chosen = {"name": decision.intent, "confidence": 1.0}
        message.set(INTENT, chosen, add_to_output=True)
        others = [r for r in ranking if r.get("name") != decision.intent]
        message.set(INTENT_RANKING_KEY, [chosen, *others], add_to_output=True)
        if decision.intent == SCAM_INTENT and decision.family:
            found = [{"entity": FAMILY_ENTITY, "value": decision.family, "start": 0, "end": len(text),
                      "confidence": 1.0}]
            kept = [e for e in entities if e.get("entity") != FAMILY_ENTITY]
            message.set(ENTITIES, kept + self.add_extractor_name(found), add_to_output=True)
