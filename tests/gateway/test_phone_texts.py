"""The phone line's own wording (gateway/phone_texts.py): counts come from the settings, said in words."""
from __future__ import annotations

import pytest

from gateway import phone_texts
from gateway.config import PhoneSettings


@pytest.mark.parametrize("count,said", [(1, "一次"), (2, "两次"), (3, "三次"), (5, "五次"), (10, "十次")])
def test_times_are_said_in_words(count: int, said: str) -> None:
    assert phone_texts.times(count) == said


def test_every_allowed_setting_gives_a_sentence_without_digits() -> None:
    field = PhoneSettings.model_fields["max_pin_failures"]
    low = next(m.ge for m in field.metadata if hasattr(m, "ge"))
    high = next(m.le for m in field.metadata if hasattr(m, "le"))
    for n in range(low, high + 1):
        sentence = phone_texts.pin_too_many(n)
        assert sentence.startswith("密码已经错了") and not any(c.isdigit() for c in sentence)
    assert "三次" in phone_texts.pin_too_many(field.default)


def test_by_default_a_call_stops_asking_before_the_account_locks() -> None:
    """Three wrong PINs end the PIN prompts of a call; the account itself locks at the backend's fifth, so one
    call alone never locks the caller out of the bank (a person can still help on the line)."""
    from backend.core.config import Settings

    phone = PhoneSettings.model_fields["max_pin_failures"].default
    assert phone < Settings.model_fields["max_pin_attempts"].default
