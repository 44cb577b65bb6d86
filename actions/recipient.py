"""Which relationship word in a message names the payee.

A message may name two relatives: "外孙女过生日，给闺女转三百" pays 闺女, and "闺女去派出所给外孙上户口，给她转五百"
pays 闺女 too (给外孙 is about the registration, 给她转 points back to her). So, in this order:

1. a relative in the transfer clause itself: 给X转 / 给X打钱 / 转给X / 汇给X / 打给X;
2. when the transfer clause says 他/她 (给她转), the first relative that is not in another 给-clause;
3. a relative right after 给; else the first one said.
"""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker

_GIVE_BEFORE = re.compile(r"(?:给|转给|打给|汇给|寄给)(?:我|俺)?(?:的|家)?$")
_SEND_BEFORE = re.compile(r"(?:转给|汇给|打给|寄给)(?:我|俺)?(?:的|家)?$")
_SEND_AFTER = re.compile(r"^(?:转|汇|打钱|打款|打(?=[0-9零一二两三四五六七八九十百千万]))")
_PRONOUN_CLAUSE = re.compile(r"给[他她]转|转给[他她]|给[他她]打钱|汇给[他她]")


def payee_relationship(tracker: Tracker) -> str | None:
    message = tracker.latest_message or {}
    text = str(message.get("text") or "")
    found: list[dict[str, Any]] = [e for e in message.get("entities", []) or []
                                   if e.get("entity") == "relationship" and e.get("value") is not None
                                   and isinstance(e.get("start"), int) and isinstance(e.get("end"), int)]
    if not found:
        return None

    def before(entity: dict[str, Any]) -> str:
        return text[max(0, entity["start"] - 4):entity["start"]]

    def after(entity: dict[str, Any]) -> str:
        return text[entity["end"]:entity["end"] + 3]

    for entity in found:
        if _SEND_BEFORE.search(before(entity)) or (_GIVE_BEFORE.search(before(entity))
                                                   and _SEND_AFTER.match(after(entity))):
            return str(entity["value"])
    if _PRONOUN_CLAUSE.search(text):
        for entity in found:
            if not _GIVE_BEFORE.search(before(entity)):
                return str(entity["value"])
    for entity in found:
        if _GIVE_BEFORE.search(before(entity)):
            return str(entity["value"])
    return str(found[0]["value"])
