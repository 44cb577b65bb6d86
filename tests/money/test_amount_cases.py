"""Every external amount case (duckling, JioNLP) through parse_amount, plus Anxin's own banking cases."""

from __future__ import annotations

from decimal import Decimal

import pytest

from money import parse_amount
from tests.money.cases import load

AMOUNT_CASES = load("amount_cases.tsv")


def _outcome(text: str) -> str:
    result = parse_amount(text)
    return str(result.yuan) if result.kind == "exact" else result.kind.upper()


def test_external_amount_cases_pass_rate() -> None:
    assert len(AMOUNT_CASES) >= 80
    failures = [(c["text"], c["expected_yuan"], _outcome(c["text"])) for c in AMOUNT_CASES]
    failures = [f for f in failures if f[1] != f[2]]
    rate = 1 - len(failures) / len(AMOUNT_CASES)
    assert rate >= 0.99, f"pass rate {rate:.1%}; failures (text, expected, got): {failures}"


# Anxin's own cases: what seniors say at the counter or on the phone.
BANKING = [
    ("五百块", "500.00"),
    ("一万二", "12000.00"),
    ("两千五", "2500.00"),
    ("3千5", "3500.00"),
    ("1,000元", "1000.00"),
    ("八百块钱", "800.00"),
    ("两毛五", "0.25"),
    ("一块二", "1.20"),
    ("两块半", "2.50"),
    ("1.5万", "15000.00"),
    ("三万块", "30000.00"),
    ("五千元整", "5000.00"),
    ("伍佰元整", "500.00"),
    ("伍佰元", "500.00"),
    ("壹仟贰佰元伍角", "1200.50"),
    ("壹仟零伍元零柒分", "1005.07"),
    ("500", "500.00"),
    ("转500给儿子", "500.00"),
    ("给儿子转一千二百块", "1200.00"),
    ("转五百块钱给女儿", "500.00"),
    ("十块零五分", "10.05"),
    ("一分钱", "0.01"),
    ("五蚊", "5.00"),
    ("两毫", "0.20"),
    ("五仙", "0.05"),
    ("¥12,000.00", "12000.00"),
    ("￥500", "500.00"),
    ("RMB 300", "300.00"),
    ("人民币五百元", "500.00"),
    ("转500元人民币", "500.00"),
    ("兩千塊", "2000.00"),
    ("存5万一年定期", "50000.00"),
    ("每月存五百块一个月", "500.00"),
    ("存5万十二个月", "50000.00"),
    ("给尾号1234的卡转五百块", "500.00"),
    ("给两个孙子各转五百", "500.00"),
    ("第二笔转八百", "800.00"),
    ("转500成功了吗", "500.00"),
    ("转500，就500", "500.00"),
    ("帮我转个五百块", "500.00"),
    ("一百八十元", "180.00"),
    ("十万", "100000.00"),
    ("转十五万", "150000.00"),
    ("一千八百块", "1800.00"),
    ("一千二百三十四块五毛六", "1234.56"),
    ("五十块零五毛", "50.50"),
    ("五块五", "5.50"),
    ("3万5", "35000.00"),
    ("1w", "10000.00"),
    ("一万块钱存一年定期", "10000.00"),
    ("存两万，三年的", "20000.00"),
    ("上个月转了500", "500.00"),
    ("5号转500", "500.00"),
    ("两点转500", "500.00"),
    ("给儿子转500，他的卡号是6222020000001234", "500.00"),
    # ranges and estimates: ask again, never guess
    ("三五百", "AMBIGUOUS"),
    ("转三五百块给他", "AMBIGUOUS"),
    ("几千", "AMBIGUOUS"),
    ("十几块", "AMBIGUOUS"),
    ("一两千", "AMBIGUOUS"),
    ("15k左右", "AMBIGUOUS"),
    ("至少九千", "AMBIGUOUS"),
    ("大概五百", "AMBIGUOUS"),
    ("五百多", "AMBIGUOUS"),
    ("一百来块", "AMBIGUOUS"),
    ("五百或者六百", "AMBIGUOUS"),
    ("转500，不对，转600", "AMBIGUOUS"),
    ("500,1000", "AMBIGUOUS"),
    ("转一半", "AMBIGUOUS"),
    ("百八十块", "AMBIGUOUS"),
    ("万把块钱", "AMBIGUOUS"),
    ("一千出头", "AMBIGUOUS"),
    ("我有五六千", "AMBIGUOUS"),
    # other currencies
    ("转500美元", "FOREIGN"),
    ("$500", "FOREIGN"),
    ("USD 500", "FOREIGN"),
    ("500日元", "FOREIGN"),
    ("五百港币", "FOREIGN"),
    ("一百欧元", "FOREIGN"),
    ("二十英镑", "FOREIGN"),
    # not payable
    ("0.001元", "INVALID"),
    ("-500元", "INVALID"),
    ("负五百块", "INVALID"),
    ("零元", "INVALID"),
    # numbers that are not amounts
    ("一年定期", "NONE"),
    ("存三个月", "NONE"),
    ("定期五年", "NONE"),
    ("尾号1234", "NONE"),
    ("我的手机号是13800000001", "NONE"),
    ("13800000001", "NONE"),
    ("密码123456", "NONE"),
    ("验证码是246802", "NONE"),
    ("2026年3月4日", "NONE"),
    ("2026-03-04", "NONE"),
    ("10:30转账", "NONE"),
    ("利率是1.10%", "NONE"),
    ("百分之五十", "NONE"),
    ("三分之一", "NONE"),
    ("我今年72岁", "NONE"),
    ("查一下余额", "NONE"),
    ("千万别转", "NONE"),
    ("万一被骗了怎么办", "NONE"),
    ("十分感谢", "NONE"),
    ("说慢一点", "NONE"),
    ("下午三点去银行", "NONE"),
    ("我们一块去", "NONE"),
    ("转账成功了吗", "NONE"),
    ("千万把钱看好", "NONE"),
    ("一刀切", "NONE"),
    ("十全十美", "NONE"),
    ("转账给13800000002", "NONE"),
    ("能转港币吗", "NONE"),
    ("", "NONE"),
]


@pytest.mark.parametrize(("text", "expected"), BANKING)
def test_banking_cases(text: str, expected: str) -> None:
    assert _outcome(text) == expected


def test_exact_result_has_two_places_and_span() -> None:
    text = "给儿子转一千二百块钱吧"
    result = parse_amount(text)
    assert result.kind == "exact"
    assert result.yuan == Decimal("1200.00") and str(result.yuan) == "1200.00"
    assert result.fen == 120000
    assert result.span is not None
    assert text[result.span[0] : result.span[1]] == "一千二百块钱"


def test_span_is_in_the_callers_text_for_full_width_input() -> None:
    text = "转５００元"
    result = parse_amount(text)
    assert result.yuan == Decimal("500.00")
    assert text[slice(*result.span)] == "５００元"


def test_non_exact_results_carry_no_value() -> None:
    for text in ("三五百", "500美元", "0.001元", "一年定期"):
        assert parse_amount(text).yuan is None
    assert parse_amount("一年定期").span is None
