"""rules.limits holds the limits' defaults; the backend's settings start from them."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from rules import limits

DEFAULTS = {
    "per_transfer_limit_fen": limits.PER_TRANSFER_LIMIT_FEN,
    "daily_limit_fen": limits.DAILY_LIMIT_FEN,
    "large_amount_fen": limits.LARGE_AMOUNT_FEN,
    "min_deposit_fen": limits.MIN_DEPOSIT_FEN,
    "cumulative_payee_large_amount_fen": limits.CUMULATIVE_PAYEE_LARGE_AMOUNT_FEN,
    "cumulative_daily_large_amount_fen": limits.CUMULATIVE_DAILY_LARGE_AMOUNT_FEN,
    "new_payee_hold_hours": limits.NEW_PAYEE_HOLD_HOURS,
    "new_payee_delay_days": limits.NEW_PAYEE_DELAY_DAYS,
}


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_the_backend_settings_default_to_the_rules(name: str) -> None:
    pytest.importorskip("sqlmodel")  # the backend runs in .venv only
    from backend.core.config import Settings

    assert Settings.model_fields[name].default == DEFAULTS[name]


def test_a_payee_is_new_strictly_inside_each_window() -> None:
    now = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)
    hold = timedelta(hours=limits.NEW_PAYEE_HOLD_HOURS)
    assert limits.new_payee_held(now - hold + timedelta(seconds=1), now)
    assert not limits.new_payee_held(now - hold, now)
    delay = timedelta(days=limits.NEW_PAYEE_DELAY_DAYS)
    assert limits.new_payee_delayed(now - delay + timedelta(seconds=1), now)
    assert not limits.new_payee_delayed(now - delay, now)
    assert limits.new_payee_held(now - timedelta(hours=30), now, hold_hours=48)


@pytest.mark.parametrize("window,words", [(timedelta(hours=24), "24小时"), (timedelta(hours=12), "12小时"),
                                          (timedelta(hours=48), "2天"), (timedelta(days=30), "30天")])
def test_window_words(window: timedelta, words: str) -> None:
    assert limits.window_words(window) == words
