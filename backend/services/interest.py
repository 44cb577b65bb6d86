"""Interest: simple interest, computed in Decimal, rounded half-up to the fen."""
from __future__ import annotations

from decimal import Decimal

from backend.services.amounts import round_to_fen

BASIS_POINTS = Decimal(10000)
# Chinese banks count the demand rate on a 360-day year.
DAYS_IN_YEAR = Decimal(360)


def expected_interest_fen(principal_fen: int, rate_bp: int, term_months: int) -> int:
    """principal x annual rate x term in years."""
    yuan = Decimal(principal_fen) / 100 * Decimal(rate_bp) / BASIS_POINTS * Decimal(term_months) / Decimal(12)
    return round_to_fen(yuan)


def early_withdrawal_interest_fen(principal_fen: int, demand_rate_bp: int, days_held: int) -> int:
    """principal x demand rate x days held / 360 (what an early withdrawal earns instead of the term rate)."""
    days = max(days_held, 0)
    yuan = Decimal(principal_fen) / 100 * Decimal(demand_rate_bp) / BASIS_POINTS * Decimal(days) / DAYS_IN_YEAR
    return round_to_fen(yuan)


def lost_interest_fen(term_interest_fen: int, demand_interest_fen: int) -> int:
    """The term interest given up by taking money out early: what it would have earned to maturity less what the
    demand rate pays now; never negative (a deposit held past its maturity date loses nothing)."""
    return max(term_interest_fen - demand_interest_fen, 0)
