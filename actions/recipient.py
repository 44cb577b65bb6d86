"""Which relationship word in a message names the payee.

"外孙女过生日，给闺女转三百": two relationships, and the money goes to the one after 给, not to the first one said.
The payee is the relationship right after 给 / 转给 / 打给 / 汇给 (or right before 转 with nothing between);
when no word stands there, the first one said, as before.
"""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker

_BEFORE = re.compile(r"(?:给|转给|打给|汇给|寄给)(?:我|俺)?(?:的|家)?$")


def payee_relationship(tracker: Tracker) -> str | None:
    message = tracker.latest_message or {}
    text = str(message.get("text") or "")
    found: list[dict[str, Any]] = [e for e in message.get("entities", []) or []
                                   if e.get("entity") == "relationship" and e.get("value") is not None]
    if not found:
        return None
    for entity in found:
        start = entity.get("start")
        if isinstance(start, int) and _BEFORE.search(text[max(0, start - 4):start]):
            return str(entity["value"])
    return str(found[0]["value"])
