"""The API's amount format: strings in, strings out, never a float.

The conversion itself is `money.fen` (the one home of yuan <-> fen, shared with the dialogue); what lives here is
the API's stricter input rule (plain ASCII digits, no sign or exponent) and the one place the backend rounds:
computed interest, half-up to the fen.
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from money.fen import fen_to_yuan_str, to_fen

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
    fen = to_fen(text)
    if fen <= 0:
        raise InvalidAmount("amount must be greater than zero")
    return fen


def fen_to_yuan(fen: int) -> str:
    """120050 -> '1200.50'; negative amounts keep their sign."""
    # int(): PostgreSQL's SUM over a bigint column comes back as an (integral) Decimal.
    return fen_to_yuan_str(int(fen))


def round_to_fen(yuan: Decimal) -> int:
    """A Decimal amount of yuan, rounded half-up to the fen, as integer fen."""
    return int((yuan.quantize(FEN, rounding=ROUND_HALF_UP) * 100).to_integral_value())


def rate_bp_to_percent(rate_bp: int) -> str:
    """110 -> '1.10' (percent with two places)."""
    return fen_to_yuan(rate_bp)
