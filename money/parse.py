"""Finding one RMB amount in what a customer said or typed.

The rule that matters: never guess. A range or a vague amount ("三五百", "五百多", "15k左右") is
"ambiguous", another currency is "foreign", and numbers that are not amounts (deposit terms, card
tails, phone numbers, PINs, dates) are not read as amounts at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from money.fen import quantize_yuan
from money.numerals import CN_DIGITS, normalize_chars, parse_number

Kind = Literal["exact", "ambiguous", "foreign", "invalid", "none"]


@dataclass(frozen=True)
class AmountResult:
    kind: Kind
    yuan: Decimal | None = None  # two places, only when kind == "exact"
    span: tuple[int, int] | None = None  # (start, end) in the caller's text

    @property
    def fen(self) -> int | None:
        return None if self.yuan is None else int(self.yuan * 100)


_CN_DIGIT = "零一二两三四五六七八九壹贰叁肆伍陆柒捌玖"
_MAG = "十拾廿卅卌百佰千仟万亿"
_YUAN_UNITS = "元圆块蚊个"
_JIAO_UNITS = "角毛毫"
_FEN_UNITS = "分仙"
_UNITS = _YUAN_UNITS + _JIAO_UNITS + _FEN_UNITS
_LEVEL = {**dict.fromkeys(_YUAN_UNITS, 0), **dict.fromkeys(_JIAO_UNITS, 1), **dict.fromkeys(_FEN_UNITS, 2)}
_SCALE = (Decimal(1), Decimal("0.1"), Decimal("0.01"))
_VAGUE = "几多余来"  # 几千, 五百多, 五百余元, 一百来块

# A run of numeral characters and money units. Commas only as thousands separators and "." only
# between digits, so "500，1000" is two runs (and so two amounts: ambiguous), not one bad number.
_RUN = re.compile(
    rf"(?:[0-9{_CN_DIGIT}{_MAG}几个]|(?<![0-9])\.(?=[0-9]))"
    rf"(?:[0-9{_CN_DIGIT}{_MAG}{_UNITS}{_VAGUE}半点]"
    r"|(?<=\d),(?=\d{3}(?!\d))"
    r"|(?<=\d)\.(?=\d)"
    r"|(?<=\d)[kKwW]"
    r"|(?<=[0-9])\s+(?=[元块万千百亿])"
    r")*"
)

# Dates, times and fractions typed with digits are masked before looking for amounts.
_MASKED = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}:\d{2}(?::\d{2})?|\d+/\d+")

# Words right before a number that make it an identifier, not an amount ("尾号1234", "密码123456").
_ID_BEFORE = re.compile(
    r"(?:尾号|卡号|账号|帐号|号码|手机号?|电话|密码|验证码|校验码|编号|身份证号?|工号|邮编|门牌号?|房间|"
    r"后四位|末四位|后4位|末4位|第|之)[是为:\s]*$|(?<!RMB)(?<!CNY)(?<![rR]mb)(?<!cny)(?<=[A-Za-z])$"
)
# What may follow a number that makes it a count, term, time or measure ("一年", "三个月", "五分钟").
_COUNT_AFTER = re.compile(
    r"\s*(?:个|月|年|日|号|天|岁|周|星期|礼拜|次|遍|位|张|笔|人(?!民)|名|小时|时|钟|秒|%|期|倍|折|成(?!功)|"
    r"楼|层|室|路(?![费上])|公里|斤|克|米|度|℃|条|件|台|辆|户|家|间|份|项|页|句|只|头|届|级|栋|之|儿|下|些)"
)
_RMB_BEFORE = re.compile(r"(?:¥|RMB|CNY|人民币)\s*$", re.IGNORECASE)
# "打两分", "考了一百分", "得了九十分": a score, not fen.
_SCORE_BEFORE = re.compile(r"(?:打|考|得|评|拿|扣|给)了?(?:个)?\s*$")
# "一块去" = together, not one yuan.
_TOGETHER_AFTER = re.compile(r"[去走来吃玩住做聊]")

_FOREIGN = (
    r"美元|美金|美刀|港币|港元|港纸|日元|日币|円|欧元|英镑|镑|泰铢|卢布|韩元|韩币|新台币|台币|澳元|澳币|"
    r"加元|加币|卢比|法郎|新币|新加坡元|澳门币|葡币|比索|外币|USD|US\$|HKD|EUR|GBP|JPY|KRW|AUD|CAD|TWD|"
    r"\$|€|£|₩"
)
_FOREIGN_AFTER = re.compile(rf"^[\s多余左右上下元块钱]*(?:{_FOREIGN})", re.IGNORECASE)
_FOREIGN_BEFORE = re.compile(rf"(?:{_FOREIGN})\s*$", re.IGNORECASE)

_VAGUE_BEFORE = re.compile(
    r"(?:至少|最少|最多|至多|起码|起碼|大概|大约|(?<![预合节签])约|(?<![最附])近|将近|接近|差不多|不到|不足|"
    r"不少于|不超过|不超|小于|大于|超过|多于|少于|低于|高于|数)\s*(?:人民币|RMB|¥)?\s*$",
    re.IGNORECASE,
)
_VAGUE_AFTER = re.compile(
    r"^\s*(?:钱)?\s*(?:\(含\))?\s*(?:以上|以下|以内|之内|左右|上下|出头|不等|封顶|起|多|开外)"
)
# 三五百, 一两千, 十五六块: two neighbouring digits before a magnitude or unit mean "one or the other".
_NEIGHBOURS = re.compile(rf"([一二两三四五六七八九])([一二两三四五六七八九])(?=[{_MAG}{_UNITS}])")
_NEGATIVE_BEFORE = re.compile(r"(?:^|[^0-9" + _CN_DIGIT + _MAG + _UNITS + r"])\s*[-负]\s*$")


# Set phrases for a rough amount: 百八十块 (a hundred or so), 千把块, 万儿八千.
_ROUGH = re.compile(
    rf"(?<![0-9{_CN_DIGIT}十拾])(?:百八十|千八百)|千儿八百|万儿八千|(?<!千)[百千万]把(?:块|元)"
)


# 千一 = 1100, 萬九 = 19000, 百五 = 150: a magnitude and one digit, said without the leading 一. "万一" (in case) is
# a word, so it stays out.
_LEADING_MAGNITUDE = re.compile(r"[百佰千仟][一二两三四五六七八九]|万[二两三四五六七八九]")


class _Vague(Exception):
    """The amount is a range or an estimate."""


def _is_neighbour_range(run: str) -> bool:
    for m in _NEIGHBOURS.finditer(run):
        gap = CN_DIGITS[m.group(2)] - CN_DIGITS[m.group(1)]
        if gap in (1, 2):
            return True
    return False


def _value(run: str) -> Decimal:
    """The value of one run such as "十块零五分", "两毛五", "1.2万元", "五個半"; ValueError if it is not one."""
    run = re.sub(r"\s+", "", run)
    if run.startswith("."):
        run = "0" + run  # ".77块" = 0.77
    run = re.sub(r"个(?=[万亿])", "", run)  # 两个亿 = 两亿
    if run.startswith("个"):
        run = "一" + run  # 個半 = 一个半 = 1.50
    total = Decimal(0)
    last_level: int | None = None
    pos = 0
    tokens = re.findall(rf"([^{_UNITS}半]*)([{_UNITS}半]?)", run)
    tokens = [t for t in tokens if t != ("", "")]
    for i, (num, unit) in enumerate(tokens):
        pos += len(num) + len(unit)
        is_last = i == len(tokens) - 1
        if unit == "半":
            if num or last_level != 0 or not is_last:
                raise _Vague(run)  # 一半: half of what?
            total += Decimal("0.5")
            continue
        skipped_zero = last_level is not None and num.startswith("零")
        if last_level is not None:
            num = num.lstrip("零")
        if unit:
            level = _LEVEL[unit]
            if not num or (last_level is not None and level <= last_level):
                raise ValueError(f"units out of order in {run!r}")
            total += parse_number(num, "smart") * _SCALE[level]
            last_level = level
        elif last_level is None:
            total += parse_number(num, "smart")  # a bare number counts as yuan
            last_level = 0
        else:
            # 一块二 = 1.20, 两毛五 = 0.25, 三块零四 = 3.04: one digit for the next (or, after 零, the one after).
            level = last_level + (2 if skipped_zero else 1)
            if len(num) != 1 or level > 2 or not is_last:
                raise ValueError(f"unreadable tail in {run!r}")
            total += parse_number(num, "smart") * _SCALE[level]
            last_level = level
    return total


def _candidates(s: str) -> list[tuple[int, int, str]]:
    """Runs of s that may be amounts, as (start, end, run); identifiers, counts and dates left out."""
    masked = [m.span() for m in _MASKED.finditer(s)]
    found: list[tuple[int, int, str]] = []
    for m in _RUN.finditer(s):
        start, end = m.span()
        run = m.group()
        if any(a < end and start < b for a, b in masked):
            continue
        if run.startswith("个") and not re.fullmatch(rf"个(?:半|[{_CN_DIGIT}0-9])", run):
            run, start = run[1:], start + 1  # 转个五百块: 个 is filler; 個半 and 個九 are 1.50 and 1.90
            if not run:
                continue
        before, after = s[:start], s[end:]
        if _ID_BEFORE.search(before):
            continue
        if _COUNT_AFTER.match(after):
            # "存5万一年": the last digits belong to the term; keep what comes before them.
            split = re.fullmatch(rf"(.*[万亿千仟元块])([{_CN_DIGIT}0-9十]+个?)", run)
            if not split:
                continue
            run = split.group(1)
            end = start + len(run)
        if run.endswith("个") or re.search(r"点(?![0-9" + _CN_DIGIT + "])", run):
            continue  # 三个 is a count, 三点 and 三点半 are times
        digits = re.sub(r"\D", "", run)
        has_unit = any(ch in _UNITS for ch in run) or bool(_RMB_BEFORE.search(before))
        if not has_unit:
            if run.isdigit() and (len(run) >= 11 or (run[0] == "0" and len(run) > 1)):
                continue  # phone and card numbers, codes with leading zeros
            if "半" in run:
                pass  # "转一半": vague, kept so that it is answered as ambiguous
            elif not digits:
                # Chinese numerals alone: need a digit and a magnitude ("五百"); "一" in 一下, "千万" in
                # 千万别转, "万一" are words, not amounts.
                tens = run[0] in "十拾" and len(run) > 1  # 十万, 十五: the 一 is unsaid
                if not (any(c in _CN_DIGIT for c in run) or "几" in run or tens) or not any(
                    c in _MAG for c in run
                ):
                    continue
                if run[0] in "百佰千仟万亿" and not _LEADING_MAGNITUDE.fullmatch(run):
                    continue
        if (run.endswith("分") and not any(u in run for u in "元圆块蚊角毛毫") and after[:1] != "钱"
                and _SCORE_BEFORE.search(before)):
            continue  # 打两分, 考了一百分: points, not fen
        if run in ("十分", "一分", "一块") and after[:1] not in ("钱", ""):
            if run != "一块" or _TOGETHER_AFTER.match(after) or after[:1] == "儿":
                continue  # 十分感谢, 一分为二, 一块去
        if run.endswith(("元", "圆", "块", "蚊", "角", "毛", "分", "仙")):
            tail = re.match(r"钱|[整正]", after)
            if tail:
                end += tail.end()
        found.append((start, end, s[start:end]))
    return found


def parse_amount(text: str) -> AmountResult:
    """The one RMB amount in `text`, or why there is none we may act on."""
    s = normalize_chars(text)
    for m in _RUN.finditer(s):
        # Before any filtering: "3千万亿日元" is yen, not a date, and "十多欧元" is euros however vague.
        if _FOREIGN_AFTER.match(s[m.end() :]) or _FOREIGN_BEFORE.search(s[: m.start()]):
            return AmountResult("foreign", None, m.span())
    rough = _ROUGH.search(s)
    if rough:
        return AmountResult("ambiguous", None, rough.span())
    cands = _candidates(s)
    if not cands:
        return AmountResult("none")
    results: list[tuple[str, Decimal | None, tuple[int, int]]] = []
    for start, end, raw in cands:
        span = (start, end)
        before, after = s[:start], s[end:]
        run = re.sub(r"(?:钱|[整正])$", "", raw)
        if (
            any(c in run for c in _VAGUE)
            or _is_neighbour_range(run)
            or _VAGUE_BEFORE.search(before)
            or _VAGUE_AFTER.match(after)
        ):
            results.append(("ambiguous", None, span))
            continue
        if _NEGATIVE_BEFORE.search(before):
            results.append(("invalid", None, span))
            continue
        try:
            value = _value(run)
        except _Vague:
            results.append(("ambiguous", None, span))
            continue
        except ValueError:
            results.append(("invalid", None, span))
            continue
        if value <= 0 or value != value.quantize(Decimal("0.01")):
            results.append(("invalid", None, span))  # nothing to pay, or finer than one fen
            continue
        results.append(("exact", quantize_yuan(value), span))
    kinds = {k for k, _, _ in results}
    values = {v for _, v, _ in results if v is not None}
    first = results[0][2]
    if "ambiguous" in kinds or len(values) > 1 or (len(results) > 1 and kinds != {"exact"}):
        # A range ("5.6到5.78元"), an estimate, or two different amounts in one sentence: ask again.
        return AmountResult("ambiguous", None, (first[0], results[-1][2][1]))
    if "invalid" in kinds:
        bad = next(r for r in results if r[0] == "invalid")
        return AmountResult("invalid", None, bad[2])
    return AmountResult("exact", values.pop(), first)
