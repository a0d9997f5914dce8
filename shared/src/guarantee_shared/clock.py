"""The business calendar: dates are China's (UTC+8), timestamps are stored in UTC.

A guarantee company's "today" — for review due dates, overdue days, the year-to-date window —
is the date in China, not in UTC (between 00:00 and 08:00 China time they differ).
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta, timezone

# China has kept UTC+8 without daylight saving since 1991; a fixed offset needs no tz database.
CHINA_TZ = timezone(timedelta(hours=8), "CST")


def utc_now() -> datetime:
    return datetime.now(UTC)


def business_today() -> date:
    return datetime.now(CHINA_TZ).date()


def business_date(moment: datetime) -> date:
    """The China date of an aware timestamp."""
    return moment.astimezone(CHINA_TZ).date()


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole ``months`` (negative: back), clamped to the end of a shorter
    month: Jan 31 + 1 month is Feb 28 (29 in a leap year), Feb 29 − 12 months is Feb 28."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def whole_months(start: date, end: date) -> int:
    """Completed months from ``start`` to ``end``; 0 when ``end`` is not after ``start``."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if add_months(start, months) > end:
        months -= 1
    return max(months, 0)


def trailing_year_start(as_of: date) -> date:
    """First day of the twelve months ending on ``as_of`` (inclusive): period ``ttm``."""
    return add_months(as_of, -12) + timedelta(days=1)
