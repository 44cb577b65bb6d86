"""The voice clamps the pace to the dialogue's range (rules.speech), not a wider one of its own."""
from __future__ import annotations

from rules import speech
from voice.engines import clamp_rate


def test_the_voice_clamps_to_the_dialogues_range() -> None:
    assert clamp_rate is speech.parse
    assert (clamp_rate(2.0), clamp_rate(0.1), clamp_rate(float("nan"))) == (speech.MAX, speech.MIN, speech.DEFAULT)
