"""Exact yuan <-> fen conversion for the API: strings in, strings out, never a float."""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

# Plain ASCII digits only (\d would accept full-width and other scripts' digits), no sign, no exponent,
# at most two decimals, no leading zeros; 12 integer digits keep every sum far inside a 64-bit column.
_AMOUNT = re.compile(r"(?:0|[1-9][0-9]{0,11})(?:\.[0-9]{1,2})?")
FEN = Decimal("0.01")


class InvalidAmount(ValueError):
    pass


def parse_yuan(text: object) -> int:
    """'1200.5' -> 120050 fen. Raises InvalidAmount for anything but a positive decimal string."""
    if not isinstance(text, str) or not _AMOUNT.fullmatch(text):
        raise InvalidAmount("amount must be a positive decimal string with at most two decimals")
    fen = int(Decimal(text) * 100)
    if fen <= 0:
        raise InvalidAmount("amount must be greater than zero")
    return fen


def fen_to_yuan(fen: int) -> str:
    """120050 -> '1200.50'; negative amounts keep their sign."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def round_to_fen(yuan: Decimal) -> int:
    """A Decimal amount of yuan, rounded half-up to the fen, as integer fen."""
    return int((yuan.quantize(FEN, rounding=ROUND_HALF_UP) * 100).to_integral_value())


def rate_bp_to_percent(rate_bp: int) -> str:
    """110 -> '1.10' (percent with two places)."""
    return fen_to_yuan(rate_bp)
