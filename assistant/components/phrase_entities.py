"""Rasa component: relationship, deposit_term and account_type entities from the spaCy EntityRuler.

Rasa's own SpacyNLP would load the pipeline by path every time the server starts, from whatever directory
it runs in. This component instead copies the pipeline built by assistant.components.spacy_pipeline into
the trained model, so a model file is self-contained.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import spacy
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from spacy.language import Language

from assistant.components.spacy_pipeline import register_phrases_with_jieba


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True)
class PhraseEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Adds one entity per phrase the ruler finds; the value is the pattern's id (女儿 for 闺女)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # Relative to the directory `rasa train` runs in (the repository root, see scripts/train.sh).
        return {"pipeline_path": "var/spacy/anxin_zh"}

    def __init__(self, nlp: Language | None, model_storage: ModelStorage, resource: Resource,
                 source_path: Path | None = None) -> None:
        self._nlp = nlp
        self._model_storage = model_storage
        self._resource = resource
        self._source_path = source_path
        if nlp is not None:
            _register_ruler_phrases(nlp)

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> PhraseEntityExtractor:
        path = Path(config["pipeline_path"])
        if not (path / "config.cfg").exists():
            raise FileNotFoundError(
                f"No spaCy pipeline at {path}: build it with "
                f"`python -m assistant.components.spacy_pipeline --out {path}` (scripts/train.sh does)."
            )
        return cls(spacy.load(path), model_storage, resource, source_path=path)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> PhraseEntityExtractor:
        with model_storage.read_from(resource) as directory:
            nlp = spacy.load(directory)
        return cls(nlp, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        # Nothing is learned: the "training" is copying the built pipeline into the model.
        assert self._source_path is not None
        with self._model_storage.write_to(self._resource) as directory:
            shutil.copytree(self._source_path, directory, dirs_exist_ok=True)
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text or self._nlp is None:
                continue
            found = [
                {"entity": ent.label_, "value": ent.ent_id_ or ent.text, "start": ent.start_char,
                 "end": ent.end_char, "confidence": 1.0}
                for ent in self._nlp(text).ents
            ]
            if found:
                message.set(ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name(found),
                            add_to_output=True)
        return messages


def _register_ruler_phrases(nlp: Language) -> None:
    if "entity_ruler" in nlp.pipe_names:
        register_phrases_with_jieba(list(nlp.get_pipe("entity_ruler").patterns))
