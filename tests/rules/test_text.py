"""The normaliser every rule reads text through: the same words in any script, width or spacing compare equal."""
from __future__ import annotations

import pytest

from rules.fraud import screen
from rules.text import normalize


@pytest.mark.parametrize(("raw", "expected"), [
    ("安全賬戶", "安全账户"),
    ("涉嫌洗錢", "涉嫌洗钱"),
    ("別告訴家裡人", "别告诉家里人"),
    ("ＡＢＣ１２３", "abc123"),
    ("ＱＱ上", "qq上"),
    ("安\u200b全\u200c账\u200d户\u200e\u200f", "安全账户"),
    ("安\u2060全\ufeff账户", "安全账户"),
    ("安 全，账 户！", "安全账户"),
    ("安\t全\n账\u3000户", "安全账户"),
    ("“安全”·账户……", "安全账户"),
    ("转500元￥★", "转500元"),
    ("Bank APP", "bankapp"),
    ("", ""),
    ("，。！ \u200b", ""),
])
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_is_idempotent() -> None:
    for raw in ("安全賬戶", "ＡＢＣ　１２３", "电话里的民警叫我别跟孩子们讲，把钱交给他们保管"):
        assert normalize(normalize(raw)) == normalize(raw)


def test_simplified_text_is_left_alone() -> None:
    assert normalize("给儿子转五百块钱") == "给儿子转五百块钱"


@pytest.mark.parametrize("disguised", [
    "安全賬戶", "安 全 账 户", "安全，账户", "安\u200b全\u200b账\u200b户", "说我涉嫌洗錢", "說我涉嫌洗钱",
    "把钱转到安-全-帐-户", "驗證碼告訴他", "向日葵", "ＴｅａｍＶｉｅｗｅｒ", "刷\u200d单\ufeff返利",
    "銀行的人打電話說我卡不安全，讓我把錢挪到一個新賬戶裡",
])
def test_disguised_scam_words_still_hit(disguised: str) -> None:
    assert screen(disguised) is not None


def test_simplified_keeps_length_and_everything_but_the_script() -> None:
    from rules.text import simplified

    assert simplified("給女兒轉 1,000 塊！") == "给女儿转 1,000 块！"
    assert simplified("") == ""
