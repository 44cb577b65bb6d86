"""Amounts that issue 11 reported as misread: a leading decimal point, and a leading magnitude (千一, 萬九)."""

from __future__ import annotations

import pytest

from money import parse_amount


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (".77块", "0.77"),
        ("转.5元", "0.50"),
        ("给儿子转.77块", "0.77"),
        ("千一", "1100.00"),
        ("转千一", "1100.00"),
        ("给儿子转千一", "1100.00"),
        ("萬九", "19000.00"),
        ("转萬九", "19000.00"),
        ("万二", "12000.00"),
        ("百五", "150.00"),
        ("千一块", "1100.00"),
    ],
)
def test_colloquial_amount(text: str, expected: str) -> None:
    result = parse_amount(text)
    assert (result.kind, str(result.yuan)) == ("exact", expected)


@pytest.mark.parametrize("text", ["万一钱不够怎么办", "千万别转", "千万", "万一"])
def test_words_that_start_with_a_magnitude_are_not_amounts(text: str) -> None:
    assert parse_amount(text).kind == "none"


def test_a_sentence_full_stop_is_not_a_decimal_point() -> None:
    # "好的.500元": the point follows a word, but "500" is not "0.500" (finer than a fen would be invalid).
    assert str(parse_amount("好的. 500元").yuan) == "500.00"


@pytest.mark.parametrize(("text", "expected"), [("给他转五百路费", "500.00"), ("转两百路上买吃的", "200.00")])
def test_road_money_is_an_amount(text: str, expected: str) -> None:
    # 路 after a number is a bus route ("300路"), but 路费 and 路上 are money for the journey.
    assert str(parse_amount(text).yuan) == expected


def test_a_bus_route_is_not_an_amount() -> None:
    assert parse_amount("坐300路公交").kind == "none"


@pytest.mark.parametrize("text", ["我要给这家店打两分", "孙子考了一百分", "评委给他打了九十分"])
def test_points_are_not_fen(text: str) -> None:
    assert parse_amount(text).kind == "none"


@pytest.mark.parametrize(("text", "expected"), [("给他打两分钱", "0.02"), ("一百分钱", "1.00"), ("转五元五角五分", "5.55")])
def test_fen_with_a_money_word_are_still_fen(text: str, expected: str) -> None:
    assert str(parse_amount(text).yuan) == expected
