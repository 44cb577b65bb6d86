"""打给 without money is a phone call, not a transfer, even when it names a relative (issue 9, off-topic)."""
from __future__ import annotations

import pytest

from assistant.guard import decide

TRANSFER = {"name": "transfer_money", "confidence": 0.9}


def _relationship(text: str, word: str) -> list[dict]:
    start = text.index(word)
    return [{"entity": "relationship", "value": word, "start": start, "end": start + len(word)}]


@pytest.mark.parametrize(("text", "word"), [("帮我打给女儿", "女儿"), ("给儿子打个电话", "儿子"), ("拨个电话给孙子", "孙子")])
def test_a_call_to_a_relative_is_out_of_scope(text: str, word: str) -> None:
    assert decide(text, TRANSFER, [TRANSFER], _relationship(text, word)).intent == "out_of_scope"


@pytest.mark.parametrize(("text", "word"), [("打钱给女儿", "女儿"), ("给儿子打五百块", "儿子"), ("打给儿子两千元", "儿子")])
def test_money_to_a_relative_stays_a_transfer(text: str, word: str) -> None:
    entities = _relationship(text, word)
    if any(c.isdigit() or c in "五千" for c in text):
        entities.append({"entity": "amount", "value": "500.00", "start": 0, "end": 1})
    assert decide(text, TRANSFER, [TRANSFER], entities).intent is None
