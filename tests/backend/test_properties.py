"""Property tests (hypothesis) for exact amounts and interest."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.services.amounts import InvalidAmount, fen_to_yuan, parse_yuan
from backend.services.interest import early_withdrawal_interest_fen, expected_interest_fen

FEN = st.integers(min_value=1, max_value=999_999_999_999_99)


@given(FEN)
def test_fen_yuan_round_trip(fen: int):
    text = fen_to_yuan(fen)
    assert parse_yuan(text) == fen
    whole, cents = text.split(".")
    assert len(cents) == 2 and int(whole) * 100 + int(cents) == fen


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999999.99"), places=2,
                   allow_nan=False, allow_infinity=False))
def test_every_two_place_decimal_parses_exactly(value: Decimal):
    text = format(value, "f")
    assert parse_yuan(text) == int(value * 100)


@given(st.text(max_size=20))
def test_parse_accepts_only_plain_decimal_strings(text: str):
    try:
        fen = parse_yuan(text)
    except InvalidAmount:
        return
    assert fen > 0
    assert set(text) <= set("0123456789.")
    assert Decimal(text) * 100 == fen


@given(st.one_of(st.floats(), st.integers(), st.none(), st.booleans()))
def test_non_strings_are_refused(value: object):
    with pytest.raises(InvalidAmount):
        parse_yuan(value)


@pytest.mark.parametrize("text", ["1e3", "NaN", "-5", "0.001", "0", "0.00", "1.", ".5", "00.10", "1_000", "٣"])
def test_known_bad_forms(text: str):
    with pytest.raises(InvalidAmount):
        parse_yuan(text)


RATES_BP = st.sampled_from([10, 85, 105, 110, 120, 150, 155])
TERMS = st.sampled_from([3, 6, 12, 24, 36, 60])


@settings(max_examples=300)
@given(FEN, RATES_BP, TERMS)
def test_expected_interest_is_exact_half_up(principal_fen: int, rate_bp: int, term: int):
    interest = expected_interest_fen(principal_fen, rate_bp, term)
    # Exact rational value in fen; half-up rounding means the result is within half a fen, ties rounding up.
    exact_numerator = principal_fen * rate_bp * term  # fen * 10000 * 12
    denominator = 10000 * 12
    assert abs(interest * denominator - exact_numerator) * 2 <= denominator
    if (exact_numerator * 2) % (2 * denominator) == denominator:  # exactly half a fen
        assert interest * denominator > exact_numerator
    assert interest == int((Decimal(exact_numerator) / denominator).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@given(FEN, FEN, RATES_BP, TERMS)
def test_interest_grows_with_principal(a: int, b: int, rate_bp: int, term: int):
    low, high = sorted((a, b))
    assert expected_interest_fen(low, rate_bp, term) <= expected_interest_fen(high, rate_bp, term)


@given(FEN, st.integers(min_value=0, max_value=5 * 366))
def test_early_interest_never_beats_the_term_interest_of_a_longer_term(principal_fen: int, days: int):
    early = early_withdrawal_interest_fen(principal_fen, 10, days)
    assert early >= 0
    assert early <= early_withdrawal_interest_fen(principal_fen, 10, days + 1)
    # The demand rate (0.10 %) is below every term rate, so breaking a deposit early never pays more.
    months = days // 30 + 1
    assert early <= expected_interest_fen(principal_fen, 85, months) + 1


def test_interest_examples_from_the_bank_counter():
    assert expected_interest_fen(10_000_00, 110, 12) == 110_00
    assert expected_interest_fen(333_33, 105, 6) == 1_75
    assert early_withdrawal_interest_fen(9_000_00, 10, 100) == 2_50
    assert early_withdrawal_interest_fen(10_000_00, 10, 30) == 83  # 0.8333 -> 0.83
    assert early_withdrawal_interest_fen(10_000_00, 10, 0) == 0
