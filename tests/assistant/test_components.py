"""The assistant's own Rasa pieces: NLU components, tracker store redaction, REST channel, speech-rate NLG.

These need rasa itself, so they live with the action tests in .venv-rasa:
.venv-rasa/bin/python -m pytest tests/assistant
"""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from assistant.channels import OneItemOutputChannel
from assistant.components import spacy_pipeline
from assistant.components.amount_extractor import AmountExtractor
from assistant.components.fraud_guard import FraudGuard
from assistant.components.phrase_entities import PhraseEntityExtractor
from assistant.nlg import SpeechRateNLG
from assistant.tracker_store import RedactingInMemoryTrackerStore, RedactingSQLiteTrackerStore

ROOT = Path(__file__).resolve().parents[2]
SECRET = "eyJ.secret-token.sig"


def entities_of(message: Message) -> dict[str, str]:
    return {e["entity"]: e["value"] for e in message.get("entities", [])}


@pytest.mark.parametrize(("text", "expected"), [
    ("给儿子转500块", {"amount": "500.00"}),
    ("一万二", {"amount": "12000.00"}),
    ("几百块吧", {"amount_issue": "ambiguous"}),
    ("转100美元", {"amount_issue": "foreign"}),
    ("查余额", {}),
])
def test_amount_extractor(text, expected):
    extractor = AmountExtractor.create({}, None, None, None)  # type: ignore[arg-type]
    (message,) = extractor.process([Message(data={"text": text})])
    assert entities_of(message) == expected
    assert all(e["extractor"] == "AmountExtractor" for e in message.get("entities", []))


def test_a_deposit_term_is_not_an_amount():
    extractor = AmountExtractor.create({}, None, None, None)  # type: ignore[arg-type]
    message = Message(data={"text": "存三个月", "entities": [
        {"entity": "deposit_term", "value": "3", "start": 1, "end": 4}]})
    extractor.process([message])
    assert "amount" not in entities_of(message)


def classified(text: str, name: str, confidence: float = 0.7, entities: list | None = None) -> Message:
    intent = {"name": name, "confidence": confidence}
    return Message(data={"text": text, "intent": intent, "entities": entities or [],
                         "intent_ranking": [intent, {"name": "greet", "confidence": 0.1}]})


def test_fraud_guard_turns_a_scam_story_into_the_stop_intent_with_its_family():
    guard = FraudGuard.create({}, None, None, None)  # type: ignore[arg-type]
    (message,) = guard.process([classified("我老同学说他急着用钱，叫我先转两千给他侄子", "transfer_money",
                                           entities=[{"entity": "amount", "value": "2000.00", "start": 8,
                                                      "end": 10}])])
    assert message.get("intent") == {"name": "report_scam_instruction", "confidence": 1.0}
    assert message.get("intent_ranking")[0] == {"name": "report_scam_instruction", "confidence": 1.0}
    family = [e for e in message.get("entities") if e["entity"] == "fraud_family"]
    assert [(e["value"], e["extractor"]) for e in family] == [("relative", "FraudGuard")]
    assert entities_of(message)["amount"] == "2000.00"


def test_fraud_guard_sends_an_off_topic_transfer_out_of_scope_and_leaves_the_rest():
    guard = FraudGuard.create({}, None, None, None)  # type: ignore[arg-type]
    rating, transfer, balance = guard.process([
        classified("给《活着》这本书打五颗星", "transfer_money"),
        classified("给儿子转500块", "transfer_money", entities=[{"entity": "relationship", "value": "儿子",
                                                                 "start": 1, "end": 3}]),
        classified("查余额", "check_balance"),
    ])
    assert rating.get("intent") == {"name": "out_of_scope", "confidence": 1.0}
    assert "fraud_family" not in entities_of(rating)
    assert transfer.get("intent")["name"] == "transfer_money"
    assert balance.get("intent") == {"name": "check_balance", "confidence": 0.7}


def test_fraud_guard_is_in_the_pipeline_after_every_classifier():
    import yaml

    pipeline = [c["name"] for c in yaml.safe_load((ROOT / "assistant" / "config.yml").read_text())["pipeline"]]
    assert pipeline[-1] == "assistant.components.fraud_guard.FraudGuard"
    assert pipeline.index("FallbackClassifier") < pipeline.index(pipeline[-1])


@pytest.fixture(scope="module")
def phrase_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[LocalModelStorage, Resource]:
    """Builds the pipeline from the real patterns, 'trains' the component, and returns its storage."""
    base = tmp_path_factory.mktemp("phrases")
    spacy_pipeline.build(ROOT / "nlu_data" / "entity_patterns.jsonl", base / "pipeline")
    (base / "storage").mkdir()
    storage, resource = LocalModelStorage(base / "storage"), Resource("phrases")
    context = ExecutionContext(GraphSchema({}), "test")
    component = PhraseEntityExtractor.create({"pipeline_path": str(base / "pipeline")}, storage, resource, context)
    component.train(TrainingData())
    return storage, resource


@pytest.mark.parametrize(("text", "expected"), [
    ("给我闺女转两千", {"relationship": "女儿"}),
    ("给大儿子打点钱", {"relationship": "儿子"}),
    ("存个三年定期", {"deposit_term": "36", "account_type": "time"}),
    ("从养老金卡里转", {"account_type": "pension"}),
])
def test_phrase_extractor_loads_from_the_model_alone(phrase_model, text, expected):
    storage, resource = phrase_model
    loaded = PhraseEntityExtractor.load({"pipeline_path": "/nonexistent"}, storage, resource,
                                        ExecutionContext(GraphSchema({}), "test"))
    (message,) = loaded.process([Message(data={"text": text})])
    assert entities_of(message) == expected


def test_pipeline_build_is_skipped_when_patterns_are_unchanged(tmp_path):
    patterns = tmp_path / "p.jsonl"
    patterns.write_text(json.dumps({"label": "relationship", "pattern": "老伴", "id": "老伴"}) + "\n")
    spacy_pipeline.build(patterns, tmp_path / "out")
    assert spacy_pipeline.is_current(patterns, tmp_path / "out")
    patterns.write_text(patterns.read_text() + json.dumps({"label": "relationship", "pattern": "老头子", "id": "老伴"}))
    assert not spacy_pipeline.is_current(patterns, tmp_path / "out")


def test_bad_pattern_lines_fail_loudly(tmp_path):
    patterns = tmp_path / "p.jsonl"
    patterns.write_text(json.dumps({"label": "colour", "pattern": "红"}) + "\n")
    with pytest.raises(ValueError):
        spacy_pipeline.read_patterns(patterns)


DOMAIN = Domain.from_yaml('version: "3.1"\nintents: [greet]\nslots:\n  speech_rate:\n    type: float\n'
                          '    initial_value: 1.0\n    mappings:\n    - type: custom\n')


def conversation() -> DialogueStateTracker:
    metadata = {"token": SECRET, "channel": "web"}
    return DialogueStateTracker.from_events("c1", [
        ActionExecuted("action_listen"),
        UserUttered("你好", {"name": "greet", "confidence": 1.0},
                    parse_data={"intent": {"name": "greet", "confidence": 1.0}, "metadata": metadata},
                    metadata=metadata),
        BotUttered("您好", {"custom": {"speech_rate": 1.0}}),
        SlotSet("speech_rate", 0.85),
        # What Rasa's action_session_start does with the first message's metadata.
        SlotSet("session_started_metadata", dict(metadata)),
    ], slots=DOMAIN.slots)


def test_tracker_store_never_keeps_the_token():
    store = RedactingInMemoryTrackerStore(DOMAIN)
    live = conversation()
    asyncio.run(store.save(live))
    assert SECRET not in store.store["c1"]
    # The running turn keeps its token: later actions of the same turn still need it.
    assert live.latest_message.metadata["token"] == SECRET
    restored = asyncio.run(store.retrieve("c1"))
    assert restored.latest_message.metadata == {"channel": "web"}
    assert restored.get_slot("session_started_metadata") == {"channel": "web"}
    assert restored.get_slot("speech_rate") == 0.85
    assert [e.as_dict()["event"] for e in restored.events] == [e.as_dict()["event"] for e in live.events]


def test_tracker_store_is_created_from_the_endpoint_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    from rasa.core.tracker_store import TrackerStore
    from rasa.utils.endpoints import read_endpoint_config

    # The file's action endpoint sends ${ANXIN_ACTIONS_SECRET}: Rasa refuses to read it when that is unset.
    monkeypatch.setenv("ANXIN_ACTIONS_SECRET", "x" * 43)
    monkeypatch.setenv("ANXIN_RASA_TRACKER_DB", str(tmp_path / "tracker.db"))
    config = read_endpoint_config(str(ROOT / "assistant" / "endpoints.yml"), "tracker_store")
    # Issue 14: the embedded profile keeps conversations in SQLite (assistant.tracker_store), token redacted.
    store = TrackerStore.create(config, DOMAIN)
    assert isinstance(store, RedactingSQLiteTrackerStore) and store.path == tmp_path / "tracker.db"


def test_channel_sends_text_buttons_and_custom_as_one_item():
    channel = OneItemOutputChannel()
    asyncio.run(channel.send_response("c1", {"text": "转给谁？", "buttons": [{"title": "儿子", "payload": "/x"}],
                                             "custom": {"speech_rate": 0.85}}))
    asyncio.run(channel.send_response("c1", {"text": "", "custom": None}))
    assert channel.messages == [{"recipient_id": "c1", "text": "转给谁？",
                                 "buttons": [{"title": "儿子", "payload": "/x"}], "custom": {"speech_rate": 0.85}}]


def test_nlg_puts_the_speech_rate_in_every_response():
    domain = Domain.from_yaml('version: "3.1"\nslots:\n  speech_rate:\n    type: float\n    initial_value: 1.0\n'
                              '    mappings:\n    - type: custom\nresponses:\n  utter_ok:\n  - text: "好的"\n')
    tracker = DialogueStateTracker.from_events("c1", [SlotSet("speech_rate", 0.7)], slots=domain.slots)
    message = asyncio.run(SpeechRateNLG(None, domain).generate("utter_ok", tracker, "rest"))
    assert message["text"] == "好的" and message["custom"] == {"speech_rate": 0.7}


def test_action_answers_are_still_validated_after_the_speedup():
    import jsonschema
    from rasa.core.actions.action import RemoteAction

    import assistant.speedups  # noqa: F401

    action = RemoteAction("action_x", None)
    assert action._validate_action_result({"events": [{"event": "slot", "name": "a", "value": 1}], "responses": []})
    with pytest.raises(jsonschema.ValidationError):
        action._validate_action_result({"events": "not a list"})


def test_goodbye_carries_end_call_with_the_speech_rate():
    domain = Domain.load(str(ROOT / "assistant" / "domain.yml"))
    tracker = DialogueStateTracker.from_events("c1", [SlotSet("speech_rate", 0.85)], slots=domain.slots)
    message = asyncio.run(SpeechRateNLG(None, domain).generate("utter_goodbye", tracker, "rest"))
    assert "再见" in message["text"]
    assert message["custom"] == {"end_call": True, "speech_rate": 0.85}
