"""How a count is said: 1 -> 一次, 2 -> 两笔 (before a measure word Mandarin says 两, not 二), 10 -> 十次."""
from __future__ import annotations

import cn2an


def say_count(count: int, measure: str) -> str:
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"not a count: {count!r}")
    return ("两" if count == 2 else cn2an.an2cn(count, "low")) + measure
