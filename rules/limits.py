"""The bank's limits and windows, and their defaults: what backend/core/config.py's settings start from.

The backend enforces them (a deployment may change each one with its ANXIN_* setting); the dialogue only words
them. Amounts are integer fen. tests/rules/test_limits.py fails when a setting's default is not the value here.

Two windows make a payee "new", and they are different rules:
- NEW_PAYEE_HOLD_HOURS: a transfer to a payee saved this recently is held for staff (hold reason NEW_PAYEE);
  the customer hears the window ("24小时内新添加的").
- NEW_PAYEE_DELAY_DAYS: a transfer to a payee saved this recently arrives the next day by default (延时到账),
  so the customer can still revoke it.
"""
from __future__ import annotations

from datetime import datetime, timedelta

__all__ = [
    "CUMULATIVE_DAILY_LARGE_AMOUNT_FEN", "CUMULATIVE_PAYEE_LARGE_AMOUNT_FEN", "DAILY_LIMIT_FEN", "LARGE_AMOUNT_FEN",
    "MIN_DEPOSIT_FEN", "NEW_PAYEE_DELAY_DAYS", "NEW_PAYEE_HOLD_HOURS", "PER_TRANSFER_LIMIT_FEN", "added_within",
    "new_payee_delayed", "new_payee_held", "window_words",
]

PER_TRANSFER_LIMIT_FEN = 50_000_00
DAILY_LIMIT_FEN = 100_000_00
LARGE_AMOUNT_FEN = 5_000_00  # at or above: held for staff (LARGE_AMOUNT)
MIN_DEPOSIT_FEN = 50_00
# Structuring (one large sum split into smaller ones): a business day's transfers to one payee, or to all
# payees together, are held for staff from these sums.
CUMULATIVE_PAYEE_LARGE_AMOUNT_FEN = 5_000_00
CUMULATIVE_DAILY_LARGE_AMOUNT_FEN = 10_000_00

NEW_PAYEE_HOLD_HOURS = 24
NEW_PAYEE_DELAY_DAYS = 30


def added_within(created_at: datetime, now: datetime, window: timedelta) -> bool:
    """Whether something saved at `created_at` is still inside `window` at `now` (a payee that is still new)."""
    return created_at > now - window


def new_payee_held(created_at: datetime, now: datetime, hold_hours: int = NEW_PAYEE_HOLD_HOURS) -> bool:
    """A transfer to this payee is held for staff (NEW_PAYEE); the API's `is_new` of a payee."""
    return added_within(created_at, now, timedelta(hours=hold_hours))


def new_payee_delayed(created_at: datetime, now: datetime, delay_days: int = NEW_PAYEE_DELAY_DAYS) -> bool:
    """A transfer to this payee arrives the next day by default (延时到账)."""
    return added_within(created_at, now, timedelta(days=delay_days))


def window_words(window: timedelta) -> str:
    """A window as the customer hears it: 24 hours -> "24小时", 30 days -> "30天", 48 hours -> "2天"."""
    hours = int(window.total_seconds() // 3600)
    if hours >= 48 and hours % 24 == 0:
        return f"{hours // 24}天"
    return f"{hours}小时"
