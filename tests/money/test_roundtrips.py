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


_AMOUNT_ALPHABET = st.sampled_from(
    list("0123456789.,-+%¥$ 零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟")
    + list("元圆块蚊个個角毛毫分仙半点负几多余来整钱")
    + ["美元", "港币", "尾号", "密码", "年", "个月", "左右", "到", "k"]
)


@given(st.one_of(st.text(max_size=30), st.lists(_AMOUNT_ALPHABET, max_size=12).map("".join)))
def test_parse_amount_never_raises_and_keeps_its_promises(text: str) -> None:
    result = parse_amount(text)
    assert result.kind in ("exact", "ambiguous", "foreign", "invalid", "none")
    if result.kind == "exact":
        assert result.yuan is not None and result.yuan > 0
        assert result.yuan == result.yuan.quantize(Decimal("0.01")) and result.yuan.as_tuple().exponent == -2
    else:
        assert result.yuan is None
    if result.kind == "none":
        assert result.span is None
    else:
        assert result.span is not None and 0 <= result.span[0] < result.span[1] <= len(text)
