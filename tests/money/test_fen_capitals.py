"""fen <-> yuan conversion and 大写 capitals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from money import fen_to_yuan_str, quantize_yuan, to_capitals, to_fen


@pytest.mark.parametrize(
    ("yuan", "capitals"),
    [
        ("500", "伍佰元整"),
        ("12000", "壹万贰仟元整"),
        ("1200.50", "壹仟贰佰元伍角"),
        ("1005.07", "壹仟零伍元零柒分"),
        ("0.25", "贰角伍分"),
        ("0.05", "伍分"),
        ("10", "壹拾元整"),
        ("1010", "壹仟零壹拾元整"),
        ("100000", "壹拾万元整"),
        ("1200.05", "壹仟贰佰元零伍分"),
        ("100000001.01", "壹亿零壹元零壹分"),
        (Decimal("3500.00"), "叁仟伍佰元整"),
    ],
)
def test_capitals(yuan: str | Decimal, capitals: str) -> None:
    assert to_capitals(yuan) == capitals


def test_capitals_refuse_negative_and_sub_fen() -> None:
    with pytest.raises(ValueError):
        to_capitals("-1")
    with pytest.raises(ValueError):
        to_capitals("0.001")


def test_fen_conversions() -> None:
    assert to_fen("1200.50") == 120050
    assert to_fen(Decimal("0.01")) == 1
    assert to_fen("12000") == 1200000
    assert fen_to_yuan_str(120050) == "1200.50"
    assert fen_to_yuan_str(5) == "0.05"
    assert fen_to_yuan_str(-50) == "-0.50"
    assert quantize_yuan("12000") == Decimal("12000.00") and str(quantize_yuan("12000")) == "12000.00"


@pytest.mark.parametrize("bad", ["0.001", "abc", "NaN", "Infinity", ""])
def test_to_fen_refuses(bad: str) -> None:
    with pytest.raises(ValueError):
        to_fen(bad)


def test_float_is_refused() -> None:
    with pytest.raises(TypeError):
        to_fen(0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        fen_to_yuan_str(1.0)  # type: ignore[arg-type]
