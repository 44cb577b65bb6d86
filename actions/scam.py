"""The one place that decides whether a message sounds like a scam script.

Used by the transfer form on every message and by the fallback. Patterns follow the scams the police and
PBOC warn seniors about: "safe accounts", police/courts demanding a transfer, asking for the SMS code,
paid "order brushing", someone posing as a child on a new number, fees to release a prize or frozen money.
"""
from __future__ import annotations

import re

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("safe_account", re.compile(r"安全账户|安全帐户|保险账户|国家账户")),
    ("authority_transfer", re.compile(
        r"(公安|警察|民警|检察院|检察官|法院|法官|公检法|派出所).{0,15}(转账|转钱|打钱|汇款|汇钱|转到|转过去|资金核查|清查)"
        r"|(转账|转钱|打钱|汇款).{0,10}(公安|警察|检察院|法院|公检法)")),
    ("sms_code", re.compile(r"验证码.{0,8}(告诉|给|发|念|报|说)|(告诉|给|发|念|报|说).{0,8}验证码")),
    ("order_brushing", re.compile(r"刷单|返利|返佣|做任务.{0,8}(返|赚|佣金)|点赞.{0,6}(赚|返)")),
    ("impersonated_child", re.compile(
        r"(换了|新的?|新换的?)(手机)?(号码|号|微信|QQ).{0,15}(借钱|打钱|转钱|要钱|汇钱)"
        r"|冒充.{0,6}(儿子|女儿|孙子|子女|孩子|亲戚)"
        r"|(儿子|女儿|孙子|孙女|外孙).{0,10}(出事|被抓|住院急用|急用钱).{0,10}(转|打|汇)")),
    ("fee_to_release", re.compile(r"(中奖|领奖|解冻|退款|理赔).{0,12}(手续费|保证金|税费|激活费|先交|先转)")),
    ("money_laundering_threat", re.compile(r"(涉嫌|涉及).{0,4}洗钱|通缉令|逮捕令")),
]


def find_scam_phrase(text: str) -> str | None:
    """The kind of scam the text sounds like ("safe_account", ...), or None."""
    compact = re.sub(r"\s+", "", text or "")
    for kind, pattern in _PATTERNS:
        if pattern.search(compact):
            return kind
    return None
