"""The dialogue's amount helpers keep money exact: they refuse what is finer than a fen instead of rounding it."""
from decimal import Decimal

import pytest

from actions.common import digits, yuan


@pytest.mark.parametrize("value, expected", [
    ("500", Decimal("500.00")), ("0.77", Decimal("0.77")), (Decimal("12000"), Decimal("12000.00")),
    ("1200.50", Decimal("1200.50")),
])
def test_yuan_is_exact_to_the_fen(value, expected):
    assert yuan(value) == expected


@pytest.mark.parametrize("value", ["0.005", "12.345", "1.125", "nan", "1e30", None, "abc"])
def test_yuan_refuses_rather_than_rounds(value):
    # Half-to-even would have made "1.125" 1.12 and "0.005" 0.00: a figure nobody said.
    assert yuan(value) is None


def test_digits_never_rounds():
    assert digits("500") == "500.00"
    with pytest.raises(ValueError):
        digits("1.005")
