"""Property round trips: fen -> yuan string -> fen, and capitals or typed amounts -> parse_amount.

hypothesis is in the "test" extra (.venv); .venv-rasa has no hypothesis, so there this module is skipped.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from money import fen_to_yuan_str, parse_amount, to_capitals, to_fen

hypothesis = pytest.importorskip("hypothesis")
given, st = hypothesis.given, hypothesis.strategies

# Up to 千亿 yuan: far beyond any account, inside what 大写 spells.
FEN = st.integers(min_value=0, max_value=99_999_999_999_99)


@given(FEN)
def test_fen_yuan_round_trip(fen: int) -> None:
    assert to_fen(fen_to_yuan_str(fen)) == fen
    assert to_fen(fen_to_yuan_str(-fen)) == -fen


@given(FEN.filter(lambda f: f > 0))
def test_capitals_parse_back(fen: int) -> None:
    yuan = fen_to_yuan_str(fen)
    result = parse_amount(to_capitals(yuan))
    assert result.kind == "exact", (yuan, to_capitals(yuan), result)
    assert result.yuan == Decimal(yuan)


@given(FEN.filter(lambda f: f > 0))
def test_typed_amounts_parse_back(fen: int) -> None:
    yuan = fen_to_yuan_str(fen)
    assert parse_amount(f"转{yuan}元给儿子").yuan == Decimal(yuan)
    assert parse_amount(f"¥{yuan}").yuan == Decimal(yuan)
