"""voice.normalize: every external speech case (cn2an transform, tests/data/speech_cases.tsv) and Anxin's own."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from money import fen_to_yuan_str, parse_amount
from voice.normalize import read_amount, read_digits, read_number, to_speech_text

DATA = Path(__file__).resolve().parent.parent / "data"


def _speech_cases() -> list[tuple[str, str]]:
    with (DATA / "speech_cases.tsv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(r["text"], r["expected_reading"]) for r in rows]


SPEECH_CASES = _speech_cases()


def test_all_external_cases_loaded() -> None:
    assert len(SPEECH_CASES) == 9


@pytest.mark.parametrize(("text", "expected"), SPEECH_CASES)
def test_external_speech_case(text: str, expected: str) -> None:
    assert to_speech_text(text) == expected


BANKING = [
    # amounts in words with units
    ("1234.50元", "一千二百三十四元五角"),
    ("500元", "五百元"),
    ("500 元", "五百元"),
    ("¥12,000.00", "一万二千元"),
    ("￥500", "五百元"),
    ("1005.07元", "一千零五元零七分"),
    ("0.25元", "两角五分"),
    ("2000元", "两千元"),
    ("1.5万元", "一点五万元"),
    ("您的余额是12,000.00元。", "您的余额是一万二千元。"),
    ("支出-500.00元", "支出负五百元"),
    ("小王捡了100块钱", "小王捡了一百块钱"),
    # identifiers digit by digit, 1 as 幺
    ("尾号1234", "尾号幺二三四"),
    ("尾号是1234的卡", "尾号是幺二三四的卡"),
    ("13800000001", "幺三八零零零零零零零幺"),
    ("您的手机13800000001已绑定", "您的手机幺三八零零零零零零零幺已绑定"),
    ("您的卡 6222 **** **** 1234 余额1200.50元", "您的卡 尾号幺二三四 余额一千二百元五角"),
    ("验证码是 123456", "验证码是幺二三四五六"),
    ("客服电话95588", "客服电话九五五八八"),
    # dates, times, percentages, counts
    ("2026年3月4日", "二零二六年三月四日"),
    ("到期日2026-03-04", "到期日二零二六年三月四日"),
    ("10:05到账", "十点零五分到账"),
    ("1.10%", "百分之一点一"),
    ("一年定期年利率1.10%", "一年定期年利率百分之一点一"),
    ("3个月", "三个月"),
    ("存2年定期", "存两年定期"),
    ("第2天", "第二天"),
    ("一年定期", "一年定期"),
    # emoji and markup removed
    ("**重要**：余额500元😊", "重要：余额五百元"),
    ("<b>转账成功</b>", "转账成功"),
    ("转账成功👍🏻！", "转账成功！"),
    ("详情见 https://bank.example.com/x?a=1 。", "详情见。"),
    ("[点这里](https://example.com)查看", "点这里查看"),
    ("第一行<br>第二行", "第一行\n第二行"),
    ("A&amp;B", "A&B"),
]


@pytest.mark.parametrize(("text", "expected"), BANKING)
def test_banking_speech(text: str, expected: str) -> None:
    assert to_speech_text(text) == expected


def test_two_buttons_read_as_a_choice() -> None:
    assert to_speech_text("确认转账吗？", ["是", "否"]) == "确认转账吗？请说'是'或'否'，也可以按1或2。"


def test_three_buttons() -> None:
    assert (
        to_speech_text("您要办什么？", ["查余额", "转账", "存定期"])
        == "您要办什么？请说'查余额'、'转账'或'存定期'，也可以按1、2或3。"
    )


def test_buttons_extend_the_plain_reading() -> None:
    # voice.prosody relies on this: the choices are appended after the reading without buttons.
    body = to_speech_text("转账500元给王小明")
    full = to_speech_text("转账500元给王小明", ["确认", "取消"])
    assert full.startswith(body)
    assert full == "转账五百元给王小明。请说'确认'或'取消'，也可以按1或2。"


def test_button_labels_are_spoken_too() -> None:
    assert to_speech_text("好的", ["转500元"]) == "好的。请说'转五百元'，也可以按1。"


def test_no_or_empty_buttons_change_nothing() -> None:
    assert to_speech_text("您好。", None) == to_speech_text("您好。", []) == "您好。"


def test_helpers() -> None:
    assert read_digits("1234") == "幺二三四"
    assert read_digits("6222-1234", yao=False) == "六二二二一二三四"
    assert read_amount(Decimal("1200.50")) == "一千二百元五角"
    assert read_amount("0.05") == "五分"
    assert read_amount("12000") == "一万二千元"
    assert read_number("1.10") == "一点一"
    assert read_number("12,000") == "一万二千"


def test_no_digits_left_in_a_typical_reply() -> None:
    reply = "您尾号1234的活期账户余额12,000.00元，一年定期年利率1.10%，2026年3月4日到期。"
    spoken = to_speech_text(reply)
    assert not any(c.isdigit() for c in spoken), spoken
    assert (
        spoken
        == "您尾号幺二三四的活期账户余额一万二千元，一年定期年利率百分之一点一，二零二六年三月四日到期。"
    )


@given(st.text(max_size=40), st.lists(st.text(max_size=6), max_size=4))
def test_never_raises_and_appends_choices_after_the_plain_reading(text: str, buttons: list[str]) -> None:
    body = to_speech_text(text)
    full = to_speech_text(text, buttons)
    assert full.startswith(body)


@given(st.integers(min_value=1, max_value=99_999_999_999_99))
def test_spoken_amount_parses_back_to_the_same_fen(fen: int) -> None:
    yuan = fen_to_yuan_str(fen)
    spoken = read_amount(yuan)
    assert not any(c.isdigit() for c in spoken)
    assert parse_amount(spoken).yuan == Decimal(yuan), spoken
