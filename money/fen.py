"""Yuan <-> fen. Integer fen is the one exact representation; every conversion refuses to round."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

FEN_PER_YUAN = 100


def _as_decimal(yuan: Decimal | str) -> Decimal:
    if isinstance(yuan, float) or isinstance(yuan, bool):
        # A float has already lost the exact value (0.1 + 0.2): refuse it rather than guess.
        raise TypeError("amounts must be Decimal or str, never float")
    if isinstance(yuan, int):
        yuan = Decimal(yuan)
    try:
        value = yuan if isinstance(yuan, Decimal) else Decimal(str(yuan).strip())
    except InvalidOperation as err:
        raise ValueError(f"not a decimal amount: {yuan!r}") from err
    if not value.is_finite():
        raise ValueError(f"not a finite amount: {yuan!r}")
    return value


def to_fen(yuan: Decimal | str) -> int:
    """Converts "1200.50" -> 120050. Raises ValueError for anything finer than a fen (never rounds)."""
    value = _as_decimal(yuan)
    fen = value * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise ValueError(f"finer than one fen: {yuan!r}")
    return int(fen)


def fen_to_yuan_str(fen: int) -> str:
    """120050 -> "1200.50"; -50 -> "-0.50"."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError("fen must be an int")
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{whole}.{cents:02d}"


def quantize_yuan(yuan: Decimal | str) -> Decimal:
    """Exact amount with two places: Decimal("12000") -> Decimal("12000.00"); finer than a fen: ValueError."""
    return Decimal(fen_to_yuan_str(to_fen(yuan)))
