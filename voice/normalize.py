"""Turns a reply into the text a Mandarin TTS engine should read aloud.

Rules (docs: shared guide elderly-ux.md, "Voice"): amounts in words with units (1234.50元 ->
一千二百三十四元五角); card tails, codes and phone numbers digit by digit with 1 read as 幺; dates,
percentages and counts in words; emoji, markup and links dropped; buttons read as a choice.

One place for each rule: exact amounts go through money/ (fen, never float), numbers through cn2an's
an2cn, and whatever digits are left (fractions, 摄氏度, plain counts) through cn2an.transform.
"""

from __future__ import annotations

import html
import re
from decimal import Decimal

import cn2an

from money import to_fen

_DIGIT_WORDS = "零一二三四五六七八九"
_DIGIT_WORDS_YAO = "零幺二三四五六七八九"  # on the phone 1 is 幺, so that it is not heard as 七

# Full-width digits and signs as some replies carry them; punctuation (，。！) stays as it is.
_FULL_WIDTH = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "％": "%", "￥": "¥", "＄": "$"})

_URL = re.compile(r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+", re.IGNORECASE)
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_TAG = re.compile(r"<[^>]{1,200}>")
_BREAK_TAG = re.compile(r"<\s*(?:br|/p|/div|/li)\s*/?\s*>", re.IGNORECASE)
_MD_MARKS = re.compile(r"\*\*|__|~~|`+|(?m:^\s{0,3}(?:#{1,6}|[-*+>]|\d+\.)\s+)")
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\ufe0f\u200d\u20e3\U000e0020-\U000e007f]"
)

# Identifiers read digit by digit: after a word that names one, a masked card number, a mobile number,
# and any long run of digits that is not an amount.
_ID_WORD = (
    r"尾号|卡号|账号|帐号|手机号码|手机号|手机|电话号码|电话|号码|验证码|密码|编号|工号|热线|客服|单号|"
    r"流水号|订单号|拨打|致电"
)
_ID_AFTER_WORD = re.compile(rf"({_ID_WORD})([是为:：\s]*)(\d+(?:[\s-]\d{{4}})*)")
_MASKED_CARD = re.compile(r"\d{4}(?:\s*[*＊]{4}){2,3}\s*(\d{4})")
_MOBILE = re.compile(r"(?<![\d.])1[3-9]\d{9}(?![\d.])")
_LONG_DIGITS = re.compile(r"(?<![\d.,])\d{7,}(?![\d.,]|\s*(?:元|块|万|亿))")
# Service and hotline numbers are dialled, so they are read digit by digit wherever they stand ("拿不准就打96110"):
# the five-digit 95xxx/96xxx lines (banks, the anti-fraud hotline) and 12xxx government lines, never an amount.
_SERVICE_NUMBER = re.compile(r"(?<![\d.,])(?:9[56]\d{3}|12\d{3})(?![\d.,]|\s*(?:元|块|万|亿))")

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_AMOUNT_YEN = re.compile(rf"(-)?¥\s*(-)?({_NUM})(?:\s*元)?")
_AMOUNT_BIG = re.compile(rf"(-)?({_NUM})\s*(万|亿)\s*(元|块钱|块)")
_AMOUNT_YUAN = re.compile(rf"(-)?({_NUM})\s*(元|块钱|块)")
_PERCENT = re.compile(r"(-?\d+(?:\.\d+)?)\s*%")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?=\s*年)")
_MONTH_DAY = re.compile(r"(?<![\d.])(\d{1,2})(?=\s*(?:月|日|号))")
_TIME = re.compile(r"(?<!\d)(\d{1,2}):(\d{2})(?!\d)")
_TWO_OF = re.compile(r"(?<![\d.第])2(?=\s*(?:个|笔|位|张|次|种|条|项|年|天|周|小时|分钟|倍))")
_GROUPED = re.compile(r"(?<!\d)\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)")
_TRAILING_ZEROS = re.compile(r"(\d+\.\d*?)0+(?!\d)")


def read_digits(digits: str, yao: bool = True) -> str:
    """Reads "1234" as "幺二三四" (yao=False: "一二三四", as years are read). Separators are dropped."""
    words = _DIGIT_WORDS_YAO if yao else _DIGIT_WORDS
    return "".join(words[int(c)] for c in digits if c.isascii() and c.isdigit())


def _liang(words: str) -> str:
    """A leading 二 -> 两 where Mandarin says 两: 两千元, 两万元, 两元, 两角 (but 十二, 二十, 二百, 一万二千)."""
    return re.sub(r"^二(?=[千万亿元角])", "两", words)


def read_number(number: str | Decimal) -> str:
    """Reads "1.10" as "一点一", "12,000" -> "一万二千", "-3.8" -> "负三点八" (trailing decimal zeros unspoken)."""
    text = str(number).replace(",", "")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("", "-"):
        text = "0"
    return cn2an.an2cn(text, "low")


def read_amount(yuan: Decimal | str, unit: str = "元") -> str:
    """An exact amount in words: 1234.50 -> 一千二百三十四元五角, 1005.07 -> 一千零五元零七分, 0.25 -> 两角五分."""
    text = str(yuan).replace(",", "")
    try:
        fen = to_fen(text)
    except ValueError:
        return read_number(text) + unit  # finer than a fen: read the number as written
    sign = "负" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    jiao, fen_digit = divmod(cents, 10)
    parts = []
    if whole or not cents:
        parts.append(cn2an.an2cn(str(whole), "low") + unit)
    if jiao:
        parts.append(_DIGIT_WORDS[jiao] + "角")
    if fen_digit:
        parts.append(("零" if whole and not jiao else "") + _DIGIT_WORDS[fen_digit] + "分")
    return sign + _liang("".join(parts))


def _strip_markup(text: str) -> str:
    text = _BREAK_TAG.sub("\n", text)
    text = _TAG.sub("", text)
    text = html.unescape(text)
    text = _MD_LINK.sub(r"\1", text)
    text = _URL.sub("", text)
    text = _MD_MARKS.sub("", text)
    text = _EMOJI.sub("", text)
    text = re.sub(r"[ \t\u3000]+", " ", text)
    text = re.sub(r" ?\n[\s]*", "\n", text)
    text = re.sub(r" (?=[，。！？、；：,.!?;:])", "", text)
    return text.strip()


def _identifiers(text: str) -> str:
    text = _ID_AFTER_WORD.sub(lambda m: m.group(1) + m.group(2).strip() + read_digits(m.group(3)), text)
    text = _MOBILE.sub(lambda m: read_digits(m.group()), text)
    text = _SERVICE_NUMBER.sub(lambda m: read_digits(m.group()), text)
    return _LONG_DIGITS.sub(lambda m: read_digits(m.group()), text)


def _amounts(text: str) -> str:
    def yen(m: re.Match[str]) -> str:
        sign = "-" if (m.group(1) or m.group(2)) else ""
        return read_amount(sign + m.group(3))

    def big(m: re.Match[str]) -> str:
        return ("负" if m.group(1) else "") + _liang(read_number(m.group(2)) + m.group(3)) + m.group(4)

    def yuan(m: re.Match[str]) -> str:
        number, unit = m.group(2), m.group(3)
        sign = "-" if m.group(1) else ""
        if unit == "元":
            return read_amount(sign + number)
        return ("负" if sign else "") + _liang(read_number(number) + "元")[:-1] + unit  # 100块钱 -> 一百块钱

    text = _AMOUNT_YEN.sub(yen, text)
    text = _AMOUNT_BIG.sub(big, text)
    return _AMOUNT_YUAN.sub(yuan, text)


def _dates_and_times(text: str) -> str:
    text = _ISO_DATE.sub(
        lambda m: (
            f"{read_digits(m.group(1), yao=False)}年{read_number(str(int(m.group(2))))}月"
            f"{read_number(str(int(m.group(3))))}日"
        ),
        text,
    )
    text = _YEAR.sub(lambda m: read_digits(m.group(1), yao=False), text)
    text = _MONTH_DAY.sub(lambda m: read_number(str(int(m.group(1)))), text)

    def clock(m: re.Match[str]) -> str:
        hour, minute = int(m.group(1)), int(m.group(2))
        if hour > 24 or minute > 59:
            return m.group()
        spoken = read_number(str(hour)) + "点"
        if minute:
            spoken += ("零" if minute < 10 else "") + read_number(str(minute)) + "分"
        return spoken

    return _TIME.sub(clock, text)


def _choices(buttons: list[str]) -> str:
    labels = [f"'{_speak(b)}'" for b in buttons]
    keys = [str(i) for i in range(1, len(labels) + 1)]
    if len(labels) == 1:
        return f"请说{labels[0]}，也可以按{keys[0]}。"
    said = "、".join(labels[:-1]) + "或" + labels[-1]
    pressed = "、".join(keys[:-1]) + "或" + keys[-1]
    return f"请说{said}，也可以按{pressed}。"


def _speak(text: str) -> str:
    text = text.translate(_FULL_WIDTH)
    # Before markup goes: the asterisks of "6222 **** **** 1234" are not markdown.
    text = _MASKED_CARD.sub(lambda m: "尾号" + read_digits(m.group(1)), text)
    text = _strip_markup(text)
    text = _identifiers(text)
    text = _amounts(text)
    text = _PERCENT.sub(lambda m: "百分之" + read_number(m.group(1)), text)
    text = _dates_and_times(text)
    text = _GROUPED.sub(lambda m: m.group().replace(",", ""), text)
    text = _TRAILING_ZEROS.sub(lambda m: m.group(1).rstrip("."), text)
    text = _TWO_OF.sub("两", text)
    # What is left (counts, fractions, 摄氏度, signs): cn2an's general rules.
    return cn2an.transform(text, "an2cn") if re.search(r"\d", text) else text


def to_speech_text(text: str, buttons: list[str] | None = None) -> str:
    """The reply as it should be spoken; with buttons, a spoken choice is appended."""
    spoken = _speak(text)
    labels = [b for b in (buttons or []) if b and b.strip()]
    if not labels:
        return spoken
    if spoken and spoken[-1] not in "。！？!?":
        spoken += "。"
    return spoken + _choices(labels)
