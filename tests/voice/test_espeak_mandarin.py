"""The offline engine reads banking Mandarin right: the wheel's espeak-ng 1.52 `cmn`, not Debian's 1.51.

espeak's phoneme mnemonics carry Chao tone numbers: 55 first tone, 35 second, 214 third, 51 fourth, 11 neutral.
"""
from __future__ import annotations

import re

import pytest

from voice import espeak


@pytest.mark.parametrize("text,expected", [
    ("银行", "ji35nX'A35N"),  # háng, not xíng
    ("余额", "j'y35_| 'o-35"),  # yú é
    ("转账", "ts.'ua214n_| ts.'A51N"),  # zhuǎn zhàng
    ("一万", "ji35w'A51n"),  # yī before a fourth tone becomes yí
    ("利率", "l'i51_| l'y51"),  # lì lǜ, not lì shuài
    ("存款", "tshu@35nkhw'a214n"),  # cún kuǎn
    ("儿子", "'@r35_| ts'i[11"),  # ér zi, neutral tone
])
def test_banking_words_read_with_the_right_syllables_and_tones(text, expected):
    assert expected in espeak.phonemes(text)


def test_a_typical_reply_stays_in_mandarin():
    reads = espeak.phonemes("您的活期账户余额是一万二千元。请说是或否，也可以按1或2。")
    assert "(en)" not in reads  # no switch to English letter names
    tones = re.findall(r"(?:55|35|214|51|11)", reads)
    assert len(tones) == 26  # a toned syllable for every character and digit


def test_unknown_voice_is_a_clear_error():
    with pytest.raises(espeak.EspeakUnavailable, match="no voice"):
        espeak.synth("你好", voice="no-such-voice")
    samples, rate = espeak.synth("你好")  # and the library still works afterwards
    assert rate == 22050 and len(samples) > 0
