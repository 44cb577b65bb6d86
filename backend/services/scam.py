"""Scam screening of what a customer writes on a transfer or a payee.

The patterns are the scripts that telephone scammers make seniors repeat: a "safe account", police or
courts demanding money, a verification code, click-farming rebates, "unfreezing" fees, deposits/guarantees.
"""
from __future__ import annotations

import re

SCAM_PATTERNS: tuple[str, ...] = (
    "安全账户",
    "安全帐户",
    "公检法",
    "公安局",
    "检察院",
    "法院",
    "验证码",
    "刷单",
    "返利",
    "解冻",
    "保证金",
    "冻结",
    "涉嫌洗钱",
    "洗钱",
    "通缉",
    "资金核查",
    "清查",
    "中奖",
    "退税",
    "手续费",
    "刷信誉",
)
_SCAM_RE = re.compile("|".join(re.escape(p) for p in SCAM_PATTERNS))
# Spaces, punctuation and zero-width characters that scammers put between the words to slip past a filter.
_NOISE = re.compile(r"[\s\u200b-\u200f\u2060\ufeff·.,，。、:：;；!！?？'\"“”‘’\-_—()（）]+")

SCAM_MESSAGE = (
    "请注意：这很像诈骗。公安、法院不会让您转账到“安全账户”，也不会要验证码。"
    "这笔钱没有转出。如有疑问，请挂断电话，拨打 96110 反诈专线或找家人商量。"
)


def find_scam_pattern(*texts: str) -> str | None:
    """The first scam pattern found in any of the texts, ignoring spacing and punctuation, else None."""
    for text in texts:
        match = _SCAM_RE.search(_NOISE.sub("", text or ""))
        if match:
            return match.group(0)
    return None
