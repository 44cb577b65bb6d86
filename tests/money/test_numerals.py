"""External numeral cases (duckling, cn2an) through money.parse_number, which parse_amount is built on.

Respecting the cases' cn2an_mode column: each row runs in its own mode; INVALID rows must raise.
Left out, on purpose:
- mode "direct" (cn2an's digit-string reading, "零一" -> "01"): parse_number returns a number, which
  has no leading zeros; reading digits one by one is voice.normalize.read_digits' job.
- duckling's counting words and fractions (一對 = 2, 五打 = 60, 一半, 二分之一, 十份十一, 一又十分一):
  not amounts; parse_amount deliberately treats "一半" as ambiguous rather than as a number.
Rows without a mode (duckling's) run in smart mode.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from money import parse_number
from tests.money.cases import load

NUMERAL_CASES = load("numeral_cases.tsv")
_NOT_IMPLEMENTED = ("對", "雙", "打", "半", "分之", "份", "又")


def _in_scope(row: dict[str, str]) -> bool:
    if row["cn2an_mode"] == "direct":
        return False
    return not any(word in row["text"] for word in _NOT_IMPLEMENTED)


SCOPED = [r for r in NUMERAL_CASES if _in_scope(r)]


def test_scope_keeps_most_cases() -> None:
    assert len(SCOPED) >= 260, len(SCOPED)


@pytest.mark.parametrize("row", SCOPED, ids=lambda r: f"{r['cn2an_mode'] or 'smart'}:{r['text']}")
def test_numeral_case(row: dict[str, str]) -> None:
    mode = row["cn2an_mode"] or "smart"
    if row["expected"] == "INVALID":
        with pytest.raises(ValueError):
            parse_number(row["text"], mode)
    else:
        assert parse_number(row["text"], mode) == Decimal(row["expected"])


def test_decimals_are_exact_not_float() -> None:
    assert parse_number("零点零零零零零零零零零零零零零零一", "strict") == Decimal("1e-15")
    assert parse_number("零点一", "strict") + parse_number("零点二", "strict") == Decimal("0.3")
    assert parse_number("1.5万") == Decimal(15000)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一万二", 12000),
        ("两千五", 2500),
        ("3千5", 3500),
        ("三千五万", 35000000),
        ("百二万", 1200000),
        ("15k", 15000),
        ("30w", 300000),
    ],
)
def test_colloquial(text: str, value: int) -> None:
    assert parse_number(text) == value


def test_unknown_mode() -> None:
    with pytest.raises(ValueError):
        parse_number("一", "direct")
