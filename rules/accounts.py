"""Which accounts money may leave from: the backend refuses the others, the dialogue offers only these.

A time deposit (kind "time") is never paid from: its money leaves through maturity or an early withdrawal,
each with its own interest rule (backend/services/deposits.py, withdrawals.py).
"""
from __future__ import annotations

__all__ = ["SPENDABLE_KINDS", "is_spendable"]

SPENDABLE_KINDS: tuple[str, ...] = ("demand", "pension")


def is_spendable(kind: object) -> bool:
    return kind in SPENDABLE_KINDS
