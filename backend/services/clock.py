"""Time as the bank sees it: UTC instants, and calendar days in China Standard Time (UTC+8, no DST)."""
from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta, timezone

CHINA_TZ = timezone(timedelta(hours=8), "CST")


def now() -> datetime:
    return datetime.now(UTC)


def today_cn() -> date:
    return now().astimezone(CHINA_TZ).date()


def start_of_day_cn_utc(moment: datetime | None = None) -> datetime:
    """The UTC instant at which the current China calendar day began (daily limits reset then)."""
    local = (moment or now()).astimezone(CHINA_TZ)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def add_months(day: date, months: int) -> date:
    """Same day `months` later, clamped to the month's end (a deposit opened Jan 31 matures on Feb 28/29)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def cn_clock_text(moment: datetime) -> str:
    return moment.astimezone(CHINA_TZ).strftime("%H:%M")
