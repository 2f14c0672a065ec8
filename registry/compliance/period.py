"""The reporting period: a calendar quarter or two dates, and the date licensed drivers are counted
at.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import msgspec

LONDON = ZoneInfo("Europe/London")


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


def london_today() -> date:
    return datetime.now(LONDON).date()


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


def last_complete_quarter(today: date) -> tuple[date, date]:
    this_quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = this_quarter_start - timedelta(days=1)
    return date(end.year, end.month - 2, 1), end


def _date(field: str, value: str | date | None, errors: list[tuple[str, str]]) -> date | None:
    if value is None or value == "" or isinstance(value, date):
        return value or None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        errors.append((field, "must be a date in the form YYYY-MM-DD"))
        return None


def resolve_period(
    *,
    quarter: str | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
    snapshot: str | date | None = None,
    today: date | None = None,
) -> Period:
    """The period a request names, with the defaults filled in; PeriodError names each
    field that is wrong. Either a quarter, or a start and an end, or neither (the last
    complete quarter). The snapshot defaults to the period's last day."""
    errors: list[tuple[str, str]] = []
    start_day = _date("period_start", start, errors)
    end_day = _date("period_end", end, errors)
    snapshot_day = _date("snapshot", snapshot, errors)
    if quarter:
        if start or end:
            errors.append(
                ("quarter", "give either a quarter or period_start and period_end, not both")
            )
        else:
            try:
                start_day, end_day = quarter_bounds(quarter)
            except PeriodError as exc:
                errors += exc.errors
    elif (start_day is None) != (end_day is None) and not errors:
        missing = "period_end" if end_day is None else "period_start"
        errors.append((missing, "is needed when the other end of the period is given"))
    if errors:
        raise PeriodError(errors)
    if start_day is None:
        start_day, end_day = last_complete_quarter(today or london_today())
    if end_day < start_day:
        raise PeriodError([("period_end", "must be on or after period_start")])
    if start_day.year < 2000 or end_day.year > 2100:
        raise PeriodError([("period_start", "must fall between the years 2000 and 2100")])
    if snapshot_day is not None and not 2000 <= snapshot_day.year <= 2100:
        raise PeriodError([("snapshot", "must fall between the years 2000 and 2100")])
    return Period(start_day, end_day, snapshot_day or end_day)
