"""Hotlines are dialled, so they are heard digit by digit: "打96110" was heard as 九万六千一百一十 (issue 9)."""
from __future__ import annotations

import pytest

from voice.normalize import to_speech_text


@pytest.mark.parametrize(("text", "heard"), [
    ("拿不准就打96110反诈专线", "九六幺幺零"),
    ("请打95588", "九五五八八"),
    ("打12345问问", "幺二三四五"),
])
def test_service_numbers_are_read_digit_by_digit(text: str, heard: str) -> None:
    assert heard in to_speech_text(text)


def test_an_amount_of_five_digits_is_still_an_amount() -> None:
    assert "九万六千一百一十元" in to_speech_text("转96110元")
