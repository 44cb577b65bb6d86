"""Pauses, the key figure and its repeat, around whatever voice.normalize makes of the text."""
from __future__ import annotations

import pytest

import voice.prosody as prosody
from voice.prosody import (
    COMMA_PAUSE_S,
    KEY_FIGURE_PAUSE_S,
    REPEAT_LEAD,
    SENTENCE_PAUSE_S,
    build_plan,
    find_key_figure,
)


def test_guide_pause_lengths():
    assert 0.3 <= COMMA_PAUSE_S <= 0.5
    assert 0.6 <= KEY_FIGURE_PAUSE_S <= 1.0


@pytest.mark.parametrize("text,figure", [
    ("您的活期账户余额是12,000.00元。", "12,000.00元"),
    ("要给儿子转500元吗？", "500元"),
    ("余额：¥3,500.00", "¥3,500.00"),
    ("余额是一万二千元。", "一万二千元"),
    ("您好，请问您要办什么？", None),
    ("支出500元，收入3500元。", None),  # two amounts: no single key figure
])
def test_find_key_figure(text, figure):
    assert find_key_figure(text) == figure


def test_commas_and_stops_become_pauses():
    plan = build_plan("好的，已经取消了。还有别的吗？")
    assert plan.text == "好的，已经取消了。还有别的吗？"  # what gTTS or Twilio's <Say> read
    assert [(s.text, s.pause_after_s) for s in plan.segments] == [
        ("好的", COMMA_PAUSE_S), ("已经取消了", SENTENCE_PAUSE_S), ("还有别的吗", SENTENCE_PAUSE_S),
    ]


def test_long_pause_before_the_figure_and_the_figure_repeated_before_the_choices(monkeypatch):
    def fake_normalize(text: str, buttons: list[str] | None = None) -> str:
        spoken = text.replace("500元", "五百元")
        return spoken + ("请说是或否，也可以按1或2。" if buttons else "")

    monkeypatch.setattr(prosody, "to_speech_text", fake_normalize)
    plan = build_plan("要给儿子转500元吗？", ["是", "否"])
    texts = [s.text for s in plan.segments]
    assert texts == ["要给儿子转", "五百元吗", REPEAT_LEAD, "五百元", "请说是或否", "也可以按1或2"]
    assert plan.segments[0].pause_after_s == KEY_FIGURE_PAUSE_S


def test_the_assistants_key_figure_wins(monkeypatch):
    plan = build_plan("转账金额500元，手续费0元。", key_figure="500元")
    assert [s.text for s in plan.segments][-2:] == [REPEAT_LEAD, prosody._spoken("500元")]


def test_markup_and_quotes_are_not_read():
    plan = build_plan("请说“是”或者‘否’（也可以按键）。")
    assert all(not set(s.text) & set("“”‘’（）") for s in plan.segments)


def test_decimal_point_and_thousands_separator_are_no_pauses(monkeypatch):
    monkeypatch.setattr(prosody, "to_speech_text", lambda text, buttons=None: text)
    assert [s.text for s in build_plan("利率1.10，共12,000").segments] == ["利率1.10", "共12,000"]


def test_empty_text_has_no_segments():
    assert build_plan("").segments == ()
    assert build_plan("。，").segments == ()


def test_the_repeat_follows_the_sentence_with_the_figure_so_a_question_stays_by_its_choices(monkeypatch):
    def fake_normalize(text: str, buttons: list[str] | None = None) -> str:
        spoken = text.replace("500.00元", "五百元")
        return spoken + ("请说是或否。" if buttons else "")

    monkeypatch.setattr(prosody, "to_speech_text", fake_normalize)
    plan = build_plan("给儿子王小明转账500.00元，\n伍佰元整。\n从活期账户出钱。\n对吗？", ["是", "否"])
    assert [s.text for s in plan.segments] == [
        "给儿子王小明转账", "五百元", "伍佰元整", REPEAT_LEAD, "五百元", "从活期账户出钱", "对吗", "请说是或否",
    ]
    assert plan.segments[0].pause_after_s == KEY_FIGURE_PAUSE_S
