"""Arrival modes of a transfer (到账方式, issue 12), as the PBOC lets customers choose, and how their arrival time
is said. The backend (services/settlement.py) schedules and settles by them; the dialogue words them.

A transfer to a payee saved less than `rules.limits.NEW_PAYEE_DELAY_DAYS` ago defaults to next-day arrival:
until it arrives the customer can revoke it (the window in which a scammed senior can still stop the money).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

__all__ = ["DELAYS", "MODES", "NEXT_DAY", "NORMAL", "REALTIME", "when_words"]

REALTIME, NORMAL, NEXT_DAY = "realtime", "normal", "next_day"
DELAYS = {REALTIME: timedelta(0), NORMAL: timedelta(hours=2), NEXT_DAY: timedelta(hours=24)}
MODES = tuple(DELAYS)
CHINA_TZ = timezone(timedelta(hours=8), "CST")


def when_words(moment: datetime, now: datetime) -> str:
    """When, in China time, as a senior says it: "今天 17:30", "明天 15:30", else "12月3日 09:00"."""
    local, today = moment.astimezone(CHINA_TZ), now.astimezone(CHINA_TZ).date()
    day = {0: "今天", 1: "明天"}.get((local.date() - today).days, f"{local.month}月{local.day}日")
    return f"{day} {local.strftime('%H:%M')}"
