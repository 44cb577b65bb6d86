"""Rasa component: the message text in simplified characters before anything else reads it.

The intent classifier learned simplified Chinese; "給兒子轉兩百塊" (traditional, as typed on a Hong Kong or Taiwan
phone, or by a senior who learned them) shares few character n-grams with "给儿子转两百块" and came out as "没听明白".
The conversion is `rules.text.simplified` (zhconv, length-preserving, so every entity span still points into the
customer's own text). It runs first in the pipeline, at training and at prediction alike, so both see one script.
"""
from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rules.text import simplified


# Registered as a featurizer only because Rasa's default recipe runs a component's process_training_data at
# training time for tokenizers and featurizers alone; it adds no features.
@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SimplifiedText(GraphComponent):
    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> SimplifiedText:
        return cls()

    def _convert(self, message: Message) -> None:
        text = message.get(TEXT)
        if isinstance(text, str) and text and not text.startswith("/"):
            converted = simplified(text)
            if converted != text:
                message.set(TEXT, converted)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            self._convert(message)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._convert(message)
        return messages
