"""The speech rate: a pace multiplier (1.0 normal) that the dialogue sets and every voice renders.

The one home of its bounds, step, default and parsing. assistant/domain.yml's `speech_rate` slot repeats MIN,
MAX and DEFAULT (YAML cannot import), and tests/rules/test_speech.py fails when the two disagree.

One range for the dialogue and the voice: the dialogue only ever slows down (`slower`: 1.0 -> 0.85 -> 0.7 ->
0.55 -> 0.5), no channel offers faster than normal, and a pace above 1.0 is harder for the seniors Anxin is
for, on a phone line above all. So the voice clamps to the same range instead of a wider one of its own.
"""
from __future__ import annotations

import math
from typing import Any

__all__ = ["DEFAULT", "MAX", "MIN", "STEP", "parse", "slower"]

DEFAULT = 1.0
MIN = 0.5  # slower than this espeak-ng and gTTS drag single syllables apart: harder to follow, not easier
MAX = 1.0
STEP = 0.15  # one "说慢点" is a change the listener hears; three steps reach 0.55


def parse(value: Any) -> float:
    """A rate from a slot, a reply's custom payload or a query: clamped to MIN..MAX and rounded to two places;
    anything that is not a positive finite number (None, "fast", NaN, 0, True) is DEFAULT. Never raises."""
    if isinstance(value, bool):
        return DEFAULT
    try:
        rate = float(value)
    except (TypeError, ValueError, OverflowError):
        return DEFAULT
    if not math.isfinite(rate) or rate <= 0:
        return DEFAULT
    return round(min(MAX, max(MIN, rate)), 2)


def slower(rate: Any) -> float:
    """One step slower than `rate`, never under MIN. Rounded so the steps stay 0.85, 0.7, 0.55 instead of
    float noise like 0.7000000000000001."""
    return max(MIN, round(parse(rate) - STEP, 2))
