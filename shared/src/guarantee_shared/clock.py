"""The business calendar: dates are China's (UTC+8), timestamps are stored in UTC.

A guarantee company's "today" — for review due dates, overdue days, the year-to-date window —
is the date in China, not in UTC (between 00:00 and 08:00 China time they differ).
"""

from __future__ import annotations

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
