"""Finding which saved payee the customer means: by relationship (儿子, 闺女 ...) or by name.

Relationship words are normalised with the same phrase list the NLU uses (nlu_data/entity_patterns.jsonl),
so a payee saved as "闺女" is found when the customer says "女儿", and the other way round.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

PATTERNS = Path(__file__).resolve().parents[1] / "nlu_data" / "entity_patterns.jsonl"
# Words around a name that are not part of it: "转给王小明吧" -> "王小明".
_FILLER = re.compile(r"[给转账钱吧呀啊呢的了是我要一下帮把，。,.!！?？\s]")


@lru_cache(maxsize=1)
def _relationship_ids() -> dict[str, str]:
    ids: dict[str, str] = {}
    if PATTERNS.exists():
        for line in PATTERNS.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            if item.get("label") == "relationship" and isinstance(item.get("pattern"), str):
                ids[item["pattern"]] = str(item.get("id") or item["pattern"])
    return ids


def normalise_relationship(word: str | None) -> str:
    word = (word or "").strip()
    return _relationship_ids().get(word, word)


def spoken_name(text: str) -> str:
    """"给老张吧" -> "老张": the words of a name without the words around it."""
    return _FILLER.sub("", text or "") or (text or "")


def payee_label(payee: dict[str, Any]) -> str:
    """"儿子王小明": how the read-back names a payee."""
    return f"{payee.get('relationship') or ''}{payee.get('name') or ''}"


def match_payees(payees: list[dict[str, Any]], relationship: str | None = None,
                 text: str | None = None) -> list[dict[str, Any]]:
    """The payees that fit a relationship entity and/or the words said; [] when none does."""
    if relationship:
        wanted = normalise_relationship(relationship)
        found = [p for p in payees if normalise_relationship(p.get("relationship")) == wanted]
        if found:
            return found
    if text:
        said = spoken_name(text)
        by_name = [p for p in payees if p.get("name") and (
            p["name"] in text or (len(said) >= 2 and said in p["name"])
            or (len(p["name"]) >= 3 and p["name"][1:] in text))]
        if by_name:
            return by_name
        by_relationship = [p for p in payees if p.get("relationship") and p["relationship"] in text]
        if by_relationship:
            return by_relationship
    return []
