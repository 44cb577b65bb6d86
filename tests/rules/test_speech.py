"""The speech rate's one home (rules.speech): bounds, step, default, parsing, and the copies that must agree."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rules import speech

ROOT = Path(__file__).resolve().parents[2]


def test_the_domain_slot_has_the_rules_bounds_and_default() -> None:
    # YAML cannot import: the slot repeats the numbers, and this is what keeps them equal.
    domain = yaml.safe_load((ROOT / "assistant" / "domain.yml").read_text(encoding="utf-8"))
    slot = domain["slots"]["speech_rate"]
    assert (slot["min_value"], slot["max_value"], slot["initial_value"]) == (speech.MIN, speech.MAX, speech.DEFAULT)


@pytest.mark.parametrize("value,rate", [
    (None, 1.0), ("", 1.0), ("fast", 1.0), (float("nan"), 1.0), (float("inf"), 1.0), (0, 1.0), (-0.7, 1.0),
    (True, 1.0), ({}, 1.0), ("1e400", 1.0),
    (0.85, 0.85), ("0.7", 0.7), (0.3, speech.MIN), (1.5, speech.MAX), (0.7000000000000001, 0.7),
])
def test_parse_clamps_and_never_raises(value: object, rate: float) -> None:
    assert speech.parse(value) == rate


def test_slower_steps_down_to_the_floor() -> None:
    rates = [speech.DEFAULT]
    for _ in range(5):
        rates.append(speech.slower(rates[-1]))
    assert rates == [1.0, 0.85, 0.7, 0.55, 0.5, 0.5]
    assert speech.slower("garbage") == round(speech.DEFAULT - speech.STEP, 2)

