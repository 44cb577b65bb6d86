"""The one normaliser every rule reads text through (fraud screening first of all).

Scam scripts reach us typed, pasted from a chat or transcribed from speech, and a filter that looks for "安全账户"
must not be fooled by "安全賬戶", "安 全，账 户", "ａｎｑｕａｎ" or a zero-width space inside the word. So:

1. NFKC: full-width letters and digits become ASCII, compatibility ideographs become the unified ones;
2. every space, punctuation mark, symbol and control/format character (Unicode categories Z*, P*, S*, C*; the
   zero-width space U+200B..U+200F, U+2060 and U+FEFF are category Cf) is removed; this happens before the
   traditional -> simplified step, because the converter matches whole phrases (賬戶 -> 账户) and a zero-width
   character in the middle would split the phrase;
3. traditional -> simplified with zhconv (below), mainland usage;
4. lower case.

It runs on every customer message, so it is cached: the same text (a retried turn, the note and the context of
one transfer) is converted once.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

# zhconv (pinned "zhconv>=1.4.3,<1.5" in pyproject.toml, extra "common"): pure Python, no C extension, so the same
# wheel works on python3.10 (Rasa) and python3.11 (backend); its MediaWiki phrase tables convert word by word
# (賬戶 -> 账户, 帳號 -> 账号, 乾淨 -> 干净) rather than character by character, and one conversion of a sentence
# takes microseconds once the table is loaded. opencc-purepy was the other candidate; zhconv is the older, widely
# used one, with a single data file and no configuration to ship.
import zhconv

# Categories removed outright: separators (Z*), punctuation (P*), symbols (S*: ￥, emoji, arrows) and "other" (C*:
# control characters such as \n and \t, and the format characters Cf that hide inside words: U+200B..U+200F,
# U+2060, U+FEFF, the soft hyphen).
_DROPPED_CATEGORIES = frozenset("ZPSC")


@lru_cache(maxsize=1)
def _converter_ready() -> bool:
    """Loads zhconv's phrase table once per process (the first convert() call reads and indexes it)."""
    zhconv.convert("預熱", "zh-cn")
    return True


@lru_cache(maxsize=1024)
def normalize(text: str) -> str:
    """The comparison form of `text`: NFKC, no spaces/punctuation/symbols/format characters, simplified, lower."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text)
    kept = "".join(ch for ch in folded if unicodedata.category(ch)[0] not in _DROPPED_CATEGORIES)
    if not kept:
        return ""
    _converter_ready()
    return zhconv.convert(kept, "zh-cn").lower()


@lru_cache(maxsize=1024)
def simplified(text: str) -> str:
    """`text` in simplified characters, of the same length and otherwise untouched (spaces, punctuation, width).

    For what the intent classifier and the entity extractors read: they were trained on simplified text, and the
    entities they report are spans of the customer's message, so a conversion that changed the length (a phrase
    table may map one traditional word to a longer or shorter simplified one) is done character by character
    instead."""
    if not text:
        return text or ""
    _converter_ready()
    whole = zhconv.convert(text, "zh-cn")
    if len(whole) == len(text):
        return whole
    return "".join(c if len(c := zhconv.convert(ch, "zh-cn")) == 1 else ch for ch in text)
