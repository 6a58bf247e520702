"""China time: the one place that says which calendar day and year it is for people in Jiangxi.

Every calendar day the contract names (a policy's validity, an overdue application's waiting days, a
report window, a future date in an upload, the current period) is the day in China (Asia/Shanghai,
UTC+8, no daylight saving since 1991), not the UTC day: between 16:00 and 24:00 UTC they differ.
Times stored and answered by the API stay ISO UTC; only days and years are decided here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Final

CHINA: Final = timezone(timedelta(hours=8), "Asia/Shanghai")


def now() -> datetime:
    """The current moment (aware, UTC); the one clock the China helpers read (tests replace it)."""
    return datetime.now(UTC)


def china_date(moment: datetime | None = None) -> date:
    """The calendar day in China at `moment` (an aware datetime; default now)."""
    return (moment or now()).astimezone(CHINA).date()


def today_in_china() -> date:
    return china_date()


def china_year(moment: datetime | None = None) -> int:
    """The current year in China: the latest period a department may send."""
    return china_date(moment).year
