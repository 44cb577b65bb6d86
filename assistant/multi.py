"""Two requests in one message ("查一下余额，然后给儿子转三百"): where to split it and what each part asks.

Pure Python (no Rasa): assistant/components/multi_request.py uses it to set the intent `multi_request`, and
actions/multi.py uses it again to know which two things to do, in order. Only a message whose FIRST part is a
question that moves no money (balance, rates, pension, statement) is split: the second part may then be a
money flow, which runs with its normal read-back. A money request first ("给儿子转三百，再查余额") is done second:
the question is answered first, because the read-back must be the last thing the customer hears before "是".
The fraud guard runs after this on the whole text, so a scam in either part still stops everything.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# Words that join two requests. 再 alone is one too ("先查余额再转账"), but "再说一遍" / "给儿子再转三百"
# do not split: a part that asks nothing known leaves the message whole.
_CONNECTOR = re.compile(r"[，,。；;、\s]*(?:然后|接着|之后|完了|再|还有|另外|顺便|顺带)[，,、\s]*")

INFO_INTENTS = ("ask_pension_arrival", "check_balance", "recent_transactions", "savings_products")
MONEY_INTENTS = ("withdraw_deposit_early", "pay_bill", "transfer_money", "open_time_deposit")

# Checked in this order; the first that fits names the part.
_PART_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("withdraw_deposit_early", re.compile(r"(定期|死期|存单).{0,6}(取|拿|支)|提前.{0,3}(取|支取)")),
    ("ask_pension_arrival", re.compile(r"(养老金|退休金|退休工资|退休费|养老钱).{0,8}(到|来|打|发|进)")),
    ("savings_products", re.compile(r"利息|利率")),
    ("pay_bill", re.compile(r"电费|水费|燃气费|煤气费|话费")),
    ("check_balance", re.compile(r"余额|还剩|剩多少|有多少钱|还有多少|多少钱|几个钱")),
    ("recent_transactions", re.compile(r"明细|流水|收支")),
    ("transfer_money", re.compile(r"转|汇|打钱|打款|寄钱|给.{1,6}打")),
    ("open_time_deposit", re.compile(r"存")),
)


@dataclass(frozen=True)
class Split:
    first: str
    second: str
    at: int  # where the second part starts in the text
    # The text span of the part the second request was said in (its entities fill the money flow's slots).
    span: tuple[int, int] = (0, 0)


def part_intent(text: str) -> str | None:
    for intent, pattern in _PART_PATTERNS:
        if pattern.search(text):
            return intent
    return None


def split_requests(text: str) -> Split | None:
    """The two requests of a message, or None when it is one (or the first part would move money)."""
    if not text or text.startswith("/"):
        return None
    for match in _CONNECTOR.finditer(text):
        if match.start() == 0 or match.end() >= len(text):
            continue
        first = part_intent(text[: match.start()])
        second = part_intent(text[match.end():])
        if first in INFO_INTENTS and second is not None and second != first:
            return Split(first, second, match.end(), (match.end(), len(text)))
        if first in MONEY_INTENTS and second in INFO_INTENTS:
            # "给儿子转三百，再查余额": the question is answered first, so that the money flow's read-back is still
            # the last thing the customer hears before "是".
            return Split(second, first, match.end(), (0, match.start()))
    return None
