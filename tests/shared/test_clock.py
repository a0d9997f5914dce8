"""Month arithmetic of the business calendar: one clamping rule, the stdlib's leap years."""

from __future__ import annotations

import calendar
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guarantee_shared.clock import add_months, trailing_year_start, whole_months


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 2, 29), -12, date(2023, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2100, 1, 31), 1, date(2100, 2, 28)),  # not a leap year
        (date(2000, 1, 31), 1, date(2000, 2, 29)),  # a leap year
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 1, 15), -1, date(2025, 12, 15)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 5, 20), 0, date(2026, 5, 20)),
        (date(2026, 5, 20), -24, date(2024, 5, 20)),
        (date(2025, 1, 15), -13, date(2023, 12, 15)),
    ],
)
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 1, 31), date(2026, 2, 28), 1),  # a month ending early completes it
        (date(2026, 1, 30), date(2026, 2, 27), 0),
        (date(2024, 2, 29), date(2025, 2, 28), 12),
        (date(2026, 3, 10), date(2026, 3, 9), 0),
        (date(2020, 6, 15), date(2026, 6, 15), 72),
        (date(2020, 6, 15), date(2026, 6, 14), 71),
        (date(2022, 7, 1), date(2025, 6, 30), 35),
        (date(2020, 1, 31), date(2020, 2, 29), 1),
        (date(2026, 1, 1), date(2025, 1, 1), 0),
    ],
)
def test_whole_months(start: date, end: date, expected: int) -> None:
    assert whole_months(start, end) == expected


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)), st.integers(-600, 600))
def test_add_months_lands_in_the_right_month_on_the_clamped_day(day: date, months: int) -> None:
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    last = calendar.monthrange(moved.year, moved.month)[1]
    assert moved.day == min(day.day, last)
    assert whole_months(day, moved) == max(months, 0) or moved.day < day.day


def test_the_trailing_year_starts_the_day_after_a_year_back() -> None:
    assert trailing_year_start(date(2026, 6, 30)) == date(2025, 7, 1)
    assert trailing_year_start(date(2024, 2, 29)) == date(2023, 3, 1)
    assert trailing_year_start(date(2026, 1, 1)) == date(2025, 1, 2)
