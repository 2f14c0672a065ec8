"""Working days in England and Wales: Monday to Friday, except bank holidays.

Statutory deadlines (20 working days to answer a request, 10 to pass on a
suspension) are counted in these days.

Where the calendar comes from: the maintained ``holidays`` package,
``holidays.UnitedKingdom(subdiv="ENG")``. It computes the regular bank holidays
(including substitute days when one falls at a weekend) for any year, and lists the
one-off holidays gov.uk has announced, such as the coronation on 8 May 2023 and the
Queen's funeral on 19 September 2022. England and Wales share one bank holiday
calendar; the package's "WLS" subdivision gives the same dates (a test checks this).

How it is kept current: upgrade the ``holidays`` package (``uv lock --upgrade-package
holidays``) when the government announces a new one-off bank holiday or moves one, and
restart the service, since results are cached per year for the life of the process.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, datetime, timedelta
from functools import cache

import holidays

__all__ = [
    "add_working_days",
    "bank_holidays",
    "is_working_day",
    "working_days_between",
]

_SATURDAY = 5


def bank_holidays(year: int) -> dict[date, str]:
    """The bank holidays in England and Wales in ``year``, as days off.

    Like gov.uk's list, a holiday that falls at a weekend appears only as its
    substitute weekday ("Boxing Day (observed)"), since the weekend day is not a
    working day anyway.
    """
    return dict(_holidays_in(year))


def is_working_day(day: date) -> bool:
    day = _as_date(day)
    return day.weekday() < _SATURDAY and day not in _holiday_set(day.year)


def add_working_days(start: date, n: int) -> date:
    """The date ``n`` working days after ``start``; ``start`` itself is not counted.

    A request received on a Friday with n=1 is due on Monday, or on Tuesday when
    Monday is a bank holiday. n=0 gives ``start`` unchanged.
    """
    if n < 0:
        raise ValueError("n must be 0 or more working days")
    day, remaining = _as_date(start), n
    # Jump by weekdays, then go on by as many days as the bank holidays we jumped
    # over; this needs a loop only as long as each jump crosses another holiday.
    while remaining:
        landing = _add_weekdays(day, remaining)
        remaining = _holidays_between(day, landing)
        day = landing
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end``; 0 if end <= start."""
    start, end = _as_date(start), _as_date(end)
    if end <= start:
        return 0
    return (_weekdays_to(end) - _weekdays_to(start)) - _holidays_between(start, end)


# --- helpers --------------------------------------------------------------------


def _as_date(day: date) -> date:
    # A datetime never equals a date, so it would slip past the holiday lookup.
    return day.date() if isinstance(day, datetime) else day


@cache
def _holidays_in(year: int) -> tuple[tuple[date, str], ...]:
    """Weekday bank holidays of one year, sorted; cached because bulk imports ask
    for the same few years hundreds of thousands of times."""
    calendar = holidays.country_holidays("GB", subdiv="ENG", years=year)
    return tuple(sorted((day, name) for day, name in calendar.items() if day.weekday() < _SATURDAY))


@cache
def _holiday_set(year: int) -> frozenset[date]:
    return frozenset(day for day, _ in _holidays_in(year))


@cache
def _holiday_dates(year: int) -> tuple[date, ...]:
    return tuple(day for day, _ in _holidays_in(year))


def _holidays_between(start: date, end: date) -> int:
    """Weekday bank holidays after ``start`` up to and including ``end``."""
    count = 0
    for year in range(start.year, end.year + 1):
        days = _holiday_dates(year)
        count += bisect_right(days, end) - bisect_right(days, start)
    return count


def _weekdays_to(day: date) -> int:
    """Weekdays from 1 January of year 1 (a Monday) up to and including ``day``."""
    days = day.toordinal()  # 1 January 1 is ordinal 1
    weeks, extra = divmod(days, 7)
    return weeks * 5 + min(extra, 5)


def _add_weekdays(day: date, n: int) -> date:
    """The n-th weekday after ``day``, ignoring bank holidays (n >= 1)."""
    if day.weekday() >= _SATURDAY:
        # Counting from a weekend is the same as counting from the Friday before.
        day -= timedelta(days=day.weekday() - 4)
    weeks, extra = divmod(n, 5)
    days = weeks * 7 + extra
    if day.weekday() + extra > 4:
        days += 2  # the remainder runs over a weekend
    return day + timedelta(days=days)
