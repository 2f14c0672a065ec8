"""The reporting period: a calendar quarter, a financial year or two dates, and the date licensed
drivers are counted at.

Published figures (disclosure control on, the default) cover a quarter or a financial year only:
two overlapping windows of any length could be differenced to reveal a small count.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import msgspec

from registry.today import london_today


class PeriodError(ValueError):
    """The period asked for cannot be used; `errors` pairs each field with what is wrong."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors))
        self.errors = errors


class Period(msgspec.Struct, frozen=True):
    start: date
    end: date
    snapshot: date


QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
FINANCIAL_YEAR = re.compile(r"^(\d{4})[-/](\d{2})$")


def quarter_bounds(text: str) -> tuple[date, date]:
    """'2026-Q2' -> (2026-04-01, 2026-06-30): calendar quarters, Q1 is January to March."""
    match = QUARTER.match(text.strip())
    if not match:
        raise PeriodError([("quarter", "must be a year and a quarter, like 2026-Q2")])
    year, quarter = int(match.group(1)), int(match.group(2))
    if not 2000 <= year <= 2100:
        raise PeriodError([("quarter", "must fall between the years 2000 and 2100")])
    start = date(year, 3 * quarter - 2, 1)
    following = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, following - timedelta(days=1)


def financial_year_bounds(text: str) -> tuple[date, date]:
    """'2025-26' -> (2025-04-01, 2026-03-31): DfT publishes by financial year, counted at 31 March."""
    match = FINANCIAL_YEAR.match(text.strip())
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise PeriodError([("financial_year", "must be a financial year, like 2025-26")])
    year = int(match.group(1))
    if not 2000 <= year <= 2099:
        raise PeriodError([("financial_year", "must fall between the years 2000 and 2100")])
    return date(year, 4, 1), date(year + 1, 3, 31)


def financial_year_label(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def financial_year_of(day: date) -> int:
    """The year a financial year starts in: 2026-03-31 -> 2025 (the year 2025-26)."""
    return day.year if day.month >= 4 else day.year - 1


def last_complete_financial_year(today: date) -> str:
    return financial_year_label(financial_year_of(today) - 1)


def last_complete_quarter(today: date) -> tuple[date, date]:
    this_quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = this_quarter_start - timedelta(days=1)
    return date(end.year, end.month - 2, 1), end


def _date(field: str, value: str | date | None, errors: list[tuple[str, str]]) -> date | None:
    if isinstance(value, date):
        return value
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        errors.append((field, "must be a date in the form YYYY-MM-DD"))
        return None


def resolve_period(
    *,
    quarter: str | None = None,
    financial_year: str | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
    snapshot: str | date | None = None,
    today: date | None = None,
    published: bool = False,
) -> Period:
    """The period a request names, with the defaults filled in; PeriodError names each
    field that is wrong. One of a quarter, a financial year, or a start and an end, or none
    (the last complete quarter). The snapshot defaults to the period's last day (31 March for a
    financial year, as DfT counts). Published figures take a quarter or a financial year only."""
    errors: list[tuple[str, str]] = []
    if published:
        for field, value in (("period_start", start), ("period_end", end), ("snapshot", snapshot)):
            if value not in (None, ""):
                errors.append((field, PUBLISHED_ONLY))
        if errors:
            raise PeriodError(errors)
    start_day = _date("period_start", start, errors)
    end_day = _date("period_end", end, errors)
    snapshot_day = _date("snapshot", snapshot, errors)
    named = [(f, v) for f, v in (("quarter", quarter), ("financial_year", financial_year)) if v]
    if len(named) > 1 or (named and (start or end)):
        errors.append(
            (
                named[-1][0],
                "give one of a quarter, a financial year, or period_start and period_end",
            )
        )
    elif named:
        field, value = named[0]
        bounds = quarter_bounds if field == "quarter" else financial_year_bounds
        try:
            start_day, end_day = bounds(value)
        except PeriodError as exc:
            errors += exc.errors
    elif (start_day is None) != (end_day is None) and not errors:
        missing = "period_end" if end_day is None else "period_start"
        errors.append((missing, "is needed when the other end of the period is given"))
    if errors:
        raise PeriodError(errors)
    if start_day is None or end_day is None:
        start_day, end_day = last_complete_quarter(today or london_today())
    if end_day < start_day:
        raise PeriodError([("period_end", "must be on or after period_start")])
    if start_day.year < 2000 or end_day.year > 2100:
        raise PeriodError([("period_start", "must fall between the years 2000 and 2100")])
    if snapshot_day is not None and not 2000 <= snapshot_day.year <= 2100:
        raise PeriodError([("snapshot", "must fall between the years 2000 and 2100")])
    return Period(start_day, end_day, snapshot_day or end_day)


PUBLISHED_ONLY = (
    "cannot be chosen for published figures: ask for a quarter or a financial year, or for "
    "exact figures with suppress=false"
)
