"""Chinese, Arabic and mixed numerals -> exact Decimal.

cn2an does the hard part (integer sections, its strict/normal/smart grammars). It returns floats for
decimals and for plain Arabic digits, so everything after the decimal point and every plain Arabic
number is read here, digit by digit, into a Decimal: a float never touches a value.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

import cn2an

MODES = ("strict", "normal", "smart")

# One character -> one character, so that positions in a normalized string are positions in the
# original (parse_amount reports spans in the caller's text). Traditional and variant forms go to the
# simplified ones cn2an knows.
_CHAR_MAP = str.maketrans(
    {
        "萬": "万",
        "億": "亿",
        "兩": "两",
        "貳": "贰",
        "參": "叁",
        "叄": "叁",
        "陸": "陆",
        "點": "点",
        "負": "负",
        "塊": "块",
        "個": "个",
        "圓": "圆",
        "錢": "钱",
        "幣": "币",
        "〇": "零",
        "○": "零",
        "幺": "一",
        "貮": "贰",
    }
)

CN_DIGITS = {
    "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
    "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6, "柒": 7, "捌": 8, "玖": 9,
}  # fmt: skip
# Magnitudes a colloquial number may start with ("万九" = 19000, "千一" = 1100); 十 needs no help.
_LEADING_UNITS = "百千万亿佰仟"
# Arabic suffixes: 15k, 30w (万, as typed by Chinese users), 1.2M, .0012G.
_SUFFIX_MULT = {"k": 1000, "K": 1000, "w": 10000, "W": 10000, "M": 1000000, "G": 1000000000}
_NEXT_LOWER = {"百": "十", "佰": "拾", "千": "百", "仟": "佰"}
_TAIL_MULT = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000, "万": 10000, "亿": 100000000}

_ARABIC_INT = re.compile(r"\d+|\d{1,3}(?:,\d{3})+")


def normalize_chars(text: str) -> str:
    """Full-width -> half-width and traditional -> simplified, one character for one character."""
    out = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch)
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out).translate(_CHAR_MAP)


def _expand_colloquial(text: str) -> str:
    """Spellings cn2an does not know; the result no longer lines up with the input (values only)."""
    text = text.replace("廿", "二十").replace("卅", "三十").replace("卌", "四十")
    if text and text[0] in _LEADING_UNITS:
        text = "一" + text  # 万九 -> 一万九, 百二万 -> 一百二万
    # 一百二万 / 三百五万: a trailing digit right before 万/亿 completes the higher section (120万).
    text = re.sub(
        r"([百佰千仟])([一二两三四五六七八九壹贰叁肆伍陆柒捌玖])(?=[万亿])",
        lambda m: m.group(1) + m.group(2) + _NEXT_LOWER[m.group(1)],
        text,
    )
    return text


def _digits_value(digits: str) -> str:
    """A run of digits (Arabic or Chinese, no units) as a digit string, or ValueError."""
    out = []
    for ch in digits:
        if ch.isdigit() and ch.isascii():
            out.append(ch)
        elif ch in CN_DIGITS:
            out.append(str(CN_DIGITS[ch]))
        else:
            raise ValueError(f"not a digit: {ch!r}")
    return "".join(out)


def _integer(part: str, mode: str) -> int:
    """The integer section (before the decimal point)."""
    if _ARABIC_INT.fullmatch(part):
        return int(part.replace(",", ""))
    if mode == "smart":
        part = _expand_colloquial(part)
    elif mode == "normal":
        part = part.replace("廿", "二十")
    try:
        value = cn2an.cn2an(part, mode)
    except (ValueError, KeyError, IndexError, TypeError) as err:
        raise ValueError(f"not a number in {mode} mode: {part!r}") from err
    if isinstance(value, float):
        # cn2an answers float only where it read Arabic digits itself; accept whole values only.
        if not value.is_integer():
            raise ValueError(f"not an integer: {part!r}")
        return int(Decimal(repr(value)))
    return int(value)


def parse_number(text: str, mode: str = "smart") -> Decimal:
    """Reads one numeral ("一万二", "3千5", "1,000", "1.5万", "负零点一", "壹仟贰佰") exactly.

    `mode` follows cn2an: "strict" (formal, as on a cheque), "normal" (spoken: 两, 一万二, 一二三),
    "smart" (also mixed Arabic/Chinese, 15k, 万九). Raises ValueError for anything else.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    s = normalize_chars(text).strip()
    if mode == "strict":
        s = s.replace("两", "\0")  # 两 is spoken, never written on a cheque
    # Money words cn2an accepts after capitals: 壹拾壹元整, 壹拾壹元壹角壹分.
    money = re.fullmatch(r"(.+?)[元圆](?:[整正]|(.)角(?:(.)分)?)?", s)
    if money and money.group(1):
        whole = parse_number(money.group(1), mode)
        frac = Decimal(0)
        if money.group(2):
            frac += Decimal(_digits_value(money.group(2))) / 10
        if money.group(3):
            frac += Decimal(_digits_value(money.group(3))) / 100
        return whole + frac
    negative = False
    if s[:1] in ("负", "-"):
        negative, s = True, s[1:].lstrip()
    if mode == "smart" and s[-1:] in _SUFFIX_MULT and re.fullmatch(r"[\d.,]+[kKwWMG]", s):
        base = parse_number(s[:-1], mode)
        value = base * _SUFFIX_MULT[s[-1]]
        return -value if negative else value
    s = re.sub(r"个$", "", s) if mode == "smart" else s  # 三个 -> 3 (a count word, not part of the value)
    if not s:
        raise ValueError("empty numeral")
    int_part, sep, frac_part = s.replace("点", ".").partition(".")
    mult = 1
    if sep:
        if mode == "smart" and frac_part[-1:] in _TAIL_MULT:
            mult, frac_part = _TAIL_MULT[frac_part[-1]], frac_part[:-1]  # 1.5万, 16.4亿
        if not frac_part:
            raise ValueError("nothing after the decimal point")
        frac_digits = _digits_value(frac_part)
        if not int_part:
            if mode != "smart" or not frac_part.isascii():
                raise ValueError("nothing before the decimal point")  # 点一 is not a number; .77 is typed
            units = 0
        else:
            if mode != "smart" and _ARABIC_INT.fullmatch(int_part):
                raise ValueError("Arabic digits need smart mode")
            units = _integer(int_part, mode) if not int_part.isdigit() else int(int_part)
        value = (Decimal(units) + Decimal("0." + frac_digits)) * mult
    else:
        if mode != "smart" and re.search(r"\d", int_part):
            raise ValueError("Arabic digits need smart mode")
        value = Decimal(_integer(int_part, mode))
    try:
        value = value.normalize() if value != value.to_integral_value() else value.quantize(Decimal(1))
    except InvalidOperation as err:  # pragma: no cover - Decimal context overflow on absurd input
        raise ValueError(str(err)) from err
    return -value if negative else value
