"""The pipeline's first component turns traditional characters into simplified ones of the same length."""
from __future__ import annotations

from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from assistant.components.simplified_text import SimplifiedText


def test_traditional_text_is_simplified_with_the_same_length() -> None:
    message = Message(data={TEXT: "給兒子轉兩百塊，買藥急用"})
    SimplifiedText().process([message])
    assert message.get(TEXT) == "给儿子转两百块，买药急用"


def test_training_examples_are_simplified_too_and_button_payloads_are_left_alone() -> None:
    data = TrainingData([Message(data={TEXT: "查詢餘額"}), Message(data={TEXT: "/affirm"})])
    SimplifiedText().process_training_data(data)
    assert [m.get(TEXT) for m in data.training_examples] == ["查询余额", "/affirm"]
