"""Compliance summaries for the Department for Transport: aggregates, never a person.

Per licensing authority and for England and Wales together, over a period (by default the
last complete calendar quarter) with licensed drivers counted at a snapshot date (by default
the period's last day; DfT's own statistics use 1 April). docs/compliance.md defines every
figure; the names of the Struct fields below are the CSV column names.

The figures come from eight set-based statements, one or two per table (the statutory
numbers, 90 days, 20 and 10 working days, are written in them), run in read-only,
repeatable-read transactions sharing one snapshot, so they describe the same moment of the
register; given a second connection, the heaviest runs beside the others.
National counts are the sums of the authority rows; national medians come from the same
statements (GROUPING SETS), since medians do not add up.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import msgspec

from registry.workdays import bank_holidays

LONDON = ZoneInfo("Europe/London")
NATIONAL_CODE = "K04000001"  # the ONS code for England and Wales together
NATIONAL_NAME = "England and Wales"
SUPPRESS_MAX = 4  # counts from 1 to this are suppressed for publication
SUPPRESSED = "[c]"  # the GSS shorthand for a confidential cell
TOP_AUTHORITIES = 3


# --- the period ---------------------------------------------------------------------------


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


# --- what a summary holds -----------------------------------------------------------------


class TopAuthority(msgspec.Struct):
    code: str
    name: str
    drivers: int | None


class AuthoritySummary(msgspec.Struct, kw_only=True):
    """One authority's figures (or, with code K04000001, the national totals). A count is
    None only when suppressed (listed in `suppressed`); a share or median is None when it
    has nothing to be computed from, or when suppressed."""

    code: str
    name: str
    nation: str
    # licensed drivers at the snapshot, by kind (as DfT's TAXI0104)
    licensed_drivers_hackney_carriage: int | None = 0
    licensed_drivers_private_hire: int | None = 0
    licensed_drivers_dual: int | None = 0
    licensed_drivers_total: int | None = 0
    # grants and renewals in the period, and the s.3 register search before them
    licences_granted: int | None = 0
    licences_renewed: int | None = 0
    licences_granted_or_renewed: int | None = 0
    granted_or_renewed_after_search: int | None = 0
    granted_or_renewed_after_search_pct: float | None = None
    # use of the register (as DfT's TAXI0118)
    register_entries_made: int | None = 0
    register_searches_made: int | None = 0
    # out-of-area licensing, at the snapshot
    out_of_area_drivers: int | None = 0
    licensed_drivers_home_unknown: int | None = 0
    out_of_area_drivers_pct: float | None = None
    residents_licensed_elsewhere: int | None = 0
    residents_top_licensing_authorities: list[TopAuthority] = []
    # alerts about out-of-area grants and adverse entries
    alerts_received: int | None = 0
    alerts_acknowledged: int | None = 0
    alerts_median_hours_to_acknowledge: float | None = None
    # s.3 information requests this authority was asked to answer
    requests_received: int | None = 0
    requests_answered: int | None = 0
    requests_due: int | None = 0
    requests_answered_within_20_working_days: int | None = 0
    requests_answered_within_20_working_days_pct: float | None = None
    requests_median_working_days_to_answer: float | None = None
    requests_overdue_open_now: int | None = 0
    # s.5 concern reports and s.6 replies
    concerns_made: int | None = 0
    concerns_made_within_10_working_days: int | None = 0
    concerns_made_within_10_working_days_pct: float | None = None
    concerns_received: int | None = 0
    s6_replies_given: int | None = 0
    suppressed: list[str] = []


class Ranked(msgspec.Struct):
    rank: int
    code: str
    name: str
    pct: float
    numerator: int | None
    denominator: int | None


class NationalSummary(msgspec.Struct):
    totals: AuthoritySummary
    ranking_out_of_area: list[Ranked]  # highest share of out-of-area drivers first
    ranking_search_compliance: list[Ranked]  # highest share of grants searched first


class ComplianceSummary(msgspec.Struct):
    period_start: date
    period_end: date
    snapshot_date: date
    as_at: date
    suppression_applied: bool
    national: NationalSummary
    authorities: list[AuthoritySummary]


class AuthorityReport(msgspec.Struct):
    period_start: date
    period_end: date
    snapshot_date: date
    as_at: date
    suppression_applied: bool
    authority: AuthoritySummary


COUNT_FIELDS = tuple(
    f.name for f in msgspec.structs.fields(AuthoritySummary) if f.type == int | None
)
# Shares: (share, numerator, the counts the denominator is made of: added, then subtracted).
SHARES = {
    "granted_or_renewed_after_search_pct": (
        "granted_or_renewed_after_search",
        ("licences_granted_or_renewed",),
        (),
    ),
    "out_of_area_drivers_pct": (
        "out_of_area_drivers",
        ("licensed_drivers_total",),
        ("licensed_drivers_home_unknown",),
    ),
    "requests_answered_within_20_working_days_pct": (
        "requests_answered_within_20_working_days",
        ("requests_due",),
        (),
    ),
    "concerns_made_within_10_working_days_pct": (
        "concerns_made_within_10_working_days",
        ("concerns_made",),
        (),
    ),
}
# Medians, and the count of the items each is the median of.
MEDIANS = {
    "alerts_median_hours_to_acknowledge": "alerts_acknowledged",
    "requests_median_working_days_to_answer": "requests_answered",
}
# Totals shown beside their parts: if one part alone were hidden, subtraction would find it.
ADDITIVE = {
    "licensed_drivers_total": (
        "licensed_drivers_hackney_carriage",
        "licensed_drivers_private_hire",
        "licensed_drivers_dual",
    ),
    "licences_granted_or_renewed": ("licences_granted", "licences_renewed"),
}


def pct(numerator: int | None, denominator: int | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(100 * numerator / denominator, 1)


# --- the statements -----------------------------------------------------------------------
# $-parameters are dates, the bank holidays as a date array, and `only`: an array holding
# the one authority whose figures are wanted, or NULL for all of them (rows for authorities
# that are not listed are then ignored in Python; a filter on a 286-long array would cost
# more than the rows it saves). REQUESTS and ALERTS always take the listed authorities,
# since their national medians must cover exactly those. Moments are compared with the
# period's dates taken as whole days in Europe/London.

# Every authority that licenses drivers, unless abolished before the period began. (Not
# filtered on valid_from: a recoded authority, like Sheffield in 2025, existed before under
# its former code.)
LISTED_AUTHORITIES = """
SELECT id, code, name, nation FROM authority
WHERE licenses_drivers AND (valid_to IS NULL OR valid_to > $1)
ORDER BY code
"""

# Licensed drivers at the snapshot ($1), counted per pair of licensing authority and home
# authority (Python adds them up). A licence counts when it was first granted on or before
# the snapshot (granted_on: a licence renewed since, whose current term starts later, counts
# from its first grant), expires on or after it (expires_on is the last valid day), and had
# not been revoked or surrendered by then: its last revocation or surrender on or before the
# snapshot was not followed by a reinstatement. A licence marked revoked or surrendered with
# no such history row counts as ended on the day it was last updated. A driver counts once
# per authority: a dual licence, or both a hackney carriage and a private hire licence there,
# makes a dual driver (kinds: 1 hackney carriage, 2 private hire, 3 dual). Rows with no
# licensing authority carry residents_away: per home authority, the drivers licensed by at
# least one other authority, each counted once however many license them.
# Written to stream: licences in (driver, authority) order from licence_by_driver merge with
# drivers from driver_home, so grouping needs neither a sort nor a hash of a million rows.
# Drivers $3 to $4 (ids): two connections can each count a share of the drivers.
LICENSED_AT_SNAPSHOT = """
WITH ended AS (
    SELECT c.licence_id FROM licence_change c
    WHERE c.action IN ('revoked', 'surrendered') AND c.effective_on <= $1
      AND NOT EXISTS (SELECT FROM licence_change r
                      WHERE r.licence_id = c.licence_id AND r.action = 'reinstated'
                        AND r.effective_on <= $1 AND (r.effective_on, r.id) > (c.effective_on, c.id))
),
pairs AS (
    SELECT l.driver_id, l.authority_id, min(d.home_authority_id) AS home,
           bit_or(CASE l.kind WHEN 'hackney_carriage' THEN 1 WHEN 'private_hire' THEN 2 ELSE 3 END) AS kinds
    FROM licence l JOIN driver d ON d.id = l.driver_id
    WHERE l.granted_on <= $1 AND l.expires_on >= $1
      AND l.driver_id BETWEEN $3 AND $4 AND d.id BETWEEN $3 AND $4
      AND ($2::int[] IS NULL OR l.authority_id = ANY($2::int[]) OR d.home_authority_id = ANY($2::int[]))
      AND l.id NOT IN (SELECT licence_id FROM ended)
      AND NOT (l.status IN ('revoked', 'surrendered')
               AND l.updated_at < ($1::date + 1)::timestamp AT TIME ZONE 'Europe/London'
               AND l.id NOT IN (SELECT licence_id FROM licence_change
                                WHERE action IN ('revoked', 'surrendered')))
    GROUP BY l.driver_id, l.authority_id
    ORDER BY l.driver_id, l.authority_id  -- keeps the streaming plan (a hash of a million
                                          -- pairs costs twice as much, with work_mem 64MB)
),
counted AS (
    SELECT authority_id, home,
           count(*) FILTER (WHERE kinds = 1) AS hackney_carriage,
           count(*) FILTER (WHERE kinds = 2) AS private_hire,
           count(*) FILTER (WHERE kinds = 3) AS dual
    FROM pairs
    GROUP BY home, authority_id
)
SELECT authority_id, home, hackney_carriage, private_hire, dual, 0::bigint AS residents_away
FROM counted
UNION ALL
SELECT NULL, home, 0, 0, 0, count(DISTINCT driver_id)
FROM pairs WHERE home <> authority_id
GROUP BY home
"""

LAST_DRIVER = "SELECT coalesce(max(id), 0) FROM driver"

# Grants and renewals in the period ($1..$2), and how many followed a register search for
# that driver by that authority (a search no earlier than 90 days before the licence change's
# effective date and no later than the moment it was recorded). That check is made when the
# change is recorded and kept in grant_check (migrations/0005_compliance.sql).
GRANTS_AND_SEARCHES = """
SELECT authority_id,
       count(*) FILTER (WHERE action = 'granted') AS granted,
       count(*) FILTER (WHERE action = 'renewed') AS renewed,
       count(*) FILTER (WHERE searched) AS after_search
FROM grant_check
WHERE effective_on BETWEEN $1 AND $2 AND ($3::int[] IS NULL OR authority_id = ANY($3::int[]))
GROUP BY authority_id
"""

# Searches made in the period: distinct search ids among the rows a search wrote. The row
# that links a driver recorded afterwards to an earlier search (detail
# recorded_after_search) is not a search of its own.
SEARCHES_MADE = """
SELECT authority_id, count(DISTINCT search_id) AS searches FROM audit_log
WHERE action = 'search' AND NOT (detail ? 'recorded_after_search')
  AND at >= $1::timestamp AT TIME ZONE 'Europe/London'
  AND at < ($2::date + 1)::timestamp AT TIME ZONE 'Europe/London'
  AND ($3::int[] IS NULL OR authority_id = ANY($3::int[]))
GROUP BY authority_id
"""

ENTRIES_MADE = """
SELECT authority_id, count(*) AS entries FROM register_entry
WHERE first_entered_on BETWEEN $1 AND $2 AND ($3::int[] IS NULL OR authority_id = ANY($3::int[]))
GROUP BY authority_id
"""

# Alerts sent to an authority in the period, how many it acknowledged, and the median time
# from sending to acknowledging. authority_id 0 is the national row.
ALERTS = """
SELECT coalesce(recipient_authority_id, 0) AS authority_id,
       count(*) AS received, count(acknowledged_at) AS acknowledged,
       percentile_cont(0.5) WITHIN GROUP (
           ORDER BY extract(epoch FROM acknowledged_at - sent_at) / 3600) AS median_hours
FROM alert
WHERE status = 'sent' AND sent_at >= $1::timestamp AT TIME ZONE 'Europe/London'
  AND sent_at < ($2::date + 1)::timestamp AT TIME ZONE 'Europe/London'
  AND recipient_authority_id = ANY($3::int[])
GROUP BY GROUPING SETS ((recipient_authority_id), ())
"""

# Information requests an authority received in the period (as the recording authority).
# Answered: granted or refused. Due: answered, or still open after its due date at $4
# (today); withdrawn requests are neither. Working days: after the request day up to and
# including the answer day. authority_id 0 is the national row.
REQUESTS = """
WITH received AS (
    SELECT recording_authority_id AS authority_id, status, due_on,
           CASE WHEN status IN ('granted', 'refused')
                THEN count_working_days(requested_on, responded_on, $5::date[]) END AS days
    FROM information_request
    WHERE requested_on BETWEEN $1 AND $2 AND recording_authority_id = ANY($3::int[])
)
SELECT coalesce(authority_id, 0) AS authority_id,
       count(*) AS received, count(days) AS answered,
       count(*) FILTER (WHERE days IS NOT NULL OR (status = 'open' AND due_on < $4)) AS due,
       count(*) FILTER (WHERE days <= 20) AS on_time,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS median_days
FROM received
GROUP BY GROUPING SETS ((authority_id), ())
"""

# Requests open now ($1, today) past their due date, whenever they were made.
REQUESTS_OVERDUE = """
SELECT recording_authority_id AS authority_id, count(*) AS overdue
FROM information_request
WHERE status = 'open' AND due_on < $1
  AND ($2::int[] IS NULL OR recording_authority_id = ANY($2::int[]))
GROUP BY recording_authority_id
"""

# s.5 reports made and received in the period (by the date reported), those made within 10
# working days of the reporter becoming aware, and s.6 replies given in the period.
CONCERNS = """
WITH made AS (
    SELECT reporting_authority_id AS authority_id, count(*) AS made,
           count(*) FILTER (WHERE count_working_days(became_aware_on, reported_on, $4::date[]) <= 10) AS made_on_time
    FROM concern WHERE reported_on BETWEEN $1 AND $2 GROUP BY reporting_authority_id
),
received AS (
    SELECT recipient_authority_id AS authority_id, count(*) AS received
    FROM concern WHERE reported_on BETWEEN $1 AND $2 GROUP BY recipient_authority_id
),
replies AS (
    SELECT recipient_authority_id AS authority_id, count(*) AS replies
    FROM concern WHERE reply_on BETWEEN $1 AND $2 GROUP BY recipient_authority_id
)
SELECT authority_id, coalesce(made, 0) AS made, coalesce(made_on_time, 0) AS made_on_time,
       coalesce(received, 0) AS received, coalesce(replies, 0) AS replies
FROM made FULL JOIN received USING (authority_id) FULL JOIN replies USING (authority_id)
WHERE $3::int[] IS NULL OR authority_id = ANY($3::int[])
"""


STATEMENTS = {
    "LISTED_AUTHORITIES": LISTED_AUTHORITIES,
    "LICENSED_AT_SNAPSHOT": LICENSED_AT_SNAPSHOT,
    "LAST_DRIVER": LAST_DRIVER,
    "GRANTS_AND_SEARCHES": GRANTS_AND_SEARCHES,
    "SEARCHES_MADE": SEARCHES_MADE,
    "ENTRIES_MADE": ENTRIES_MADE,
    "ALERTS": ALERTS,
    "REQUESTS": REQUESTS,
    "REQUESTS_OVERDUE": REQUESTS_OVERDUE,
    "CONCERNS": CONCERNS,
}


# --- running them -------------------------------------------------------------------------


def holidays_for(period: Period, today: date) -> list[date]:
    """Bank holidays for every year a working-day count in this summary can span."""
    first = period.start.year - 1
    last = max(period.end.year, today.year) + 1
    return sorted(day for year in range(first, last + 1) for day in bank_holidays(year))


class _Figures:
    """Rows from the statements, keyed by authority id (0: the national row)."""

    def __init__(self) -> None:
        self.by_authority: dict[int, dict] = {}
        # home authority -> [(licensing authority, drivers)] for drivers licensed away from home
        self.pairs: dict[int, list[tuple[int, int]]] = {}

    def put(self, authority_id: int, **values) -> None:
        self.by_authority.setdefault(authority_id, {}).update(values)


# With two connections, the second counts this share of the drivers (by id) and the first
# the rest besides every other statement: the halves then take about as long as each other
# at a million drivers (bench/compliance.py).
SECOND_SHARE = 0.75


async def _collect(
    conn: asyncpg.Connection,
    second: asyncpg.Connection,
    period: Period,
    listed: list[int],
    only: list[int] | None,
    today: date,
) -> _Figures:
    """Run the statements, on `conn` alone, or on both connections at once if `second` is
    another (sharing this one's snapshot)."""
    if second is conn:
        figures = await _the_rest(conn, period, listed, only, today)
        _add_licensed(figures, await _licensed(conn, period, only, 0, 2**63 - 1))
        return figures
    split = int(await conn.fetchval(LAST_DRIVER) * SECOND_SHARE)

    async def first_half() -> tuple[_Figures, list]:
        figures = await _the_rest(conn, period, listed, only, today)
        return figures, await _licensed(conn, period, only, split + 1, 2**63 - 1)

    # A TaskGroup, so a failure on one connection (a statement timeout) stops the other
    # before the transactions end.
    try:
        async with asyncio.TaskGroup() as group:
            mine = group.create_task(first_half())
            theirs = group.create_task(_licensed(second, period, only, 0, split))
    except ExceptionGroup as failed:
        raise failed.exceptions[0] from None
    figures, licensed = mine.result()
    _add_licensed(figures, [*licensed, *theirs.result()])
    return figures


async def _licensed(
    conn: asyncpg.Connection,
    period: Period,
    only: list[int] | None,
    first_driver: int,
    last_driver: int,
) -> list:
    return await conn.fetch(LICENSED_AT_SNAPSHOT, period.snapshot, only, first_driver, last_driver)


def _add_licensed(figures: _Figures, rows) -> None:
    """Licensing authority x home authority counts -> each authority's figures."""
    totals: dict[int, dict[str, int]] = {}
    pairs: dict[int, list[tuple[int, int]]] = {}

    def bump(authority_id: int, name: str, n: int) -> None:
        into = totals.setdefault(authority_id, dict.fromkeys(LICENSED_FIELDS, 0))
        into[name] += n

    for r in rows:
        licensing, home = r["authority_id"], r["home"]
        if licensing is None:
            bump(home, "residents_licensed_elsewhere", r["residents_away"])
            continue
        drivers = r["hackney_carriage"] + r["private_hire"] + r["dual"]
        bump(licensing, "licensed_drivers_hackney_carriage", r["hackney_carriage"])
        bump(licensing, "licensed_drivers_private_hire", r["private_hire"])
        bump(licensing, "licensed_drivers_dual", r["dual"])
        bump(licensing, "licensed_drivers_total", drivers)
        if home is None:
            bump(licensing, "licensed_drivers_home_unknown", drivers)
        elif home != licensing:
            bump(licensing, "out_of_area_drivers", drivers)
            pairs.setdefault(home, []).append((licensing, drivers))
    for authority_id, values in totals.items():
        figures.put(authority_id, **values)
    figures.pairs = pairs


LICENSED_FIELDS = (
    "licensed_drivers_hackney_carriage",
    "licensed_drivers_private_hire",
    "licensed_drivers_dual",
    "licensed_drivers_total",
    "licensed_drivers_home_unknown",
    "out_of_area_drivers",
    "residents_licensed_elsewhere",
)


async def _the_rest(
    conn: asyncpg.Connection, period: Period, listed: list[int], only: list[int] | None, today: date
) -> _Figures:
    figures = _Figures()
    holidays = holidays_for(period, today)
    start, end = period.start, period.end
    for r in await conn.fetch(GRANTS_AND_SEARCHES, start, end, only):
        figures.put(
            r["authority_id"],
            licences_granted=r["granted"],
            licences_renewed=r["renewed"],
            licences_granted_or_renewed=r["granted"] + r["renewed"],
            granted_or_renewed_after_search=r["after_search"],
        )
    for r in await conn.fetch(SEARCHES_MADE, start, end, only):
        figures.put(r["authority_id"], register_searches_made=r["searches"])
    for r in await conn.fetch(ENTRIES_MADE, start, end, only):
        figures.put(r["authority_id"], register_entries_made=r["entries"])
    for r in await conn.fetch(ALERTS, start, end, listed):
        figures.put(
            r["authority_id"],
            alerts_received=r["received"],
            alerts_acknowledged=r["acknowledged"],
            alerts_median_hours_to_acknowledge=_round(r["median_hours"]),
        )
    for r in await conn.fetch(REQUESTS, start, end, listed, today, holidays):
        figures.put(
            r["authority_id"],
            requests_received=r["received"],
            requests_answered=r["answered"],
            requests_due=r["due"],
            requests_answered_within_20_working_days=r["on_time"],
            requests_median_working_days_to_answer=_round(r["median_days"]),
        )
    for r in await conn.fetch(REQUESTS_OVERDUE, today, only):
        figures.put(r["authority_id"], requests_overdue_open_now=r["overdue"])
    for r in await conn.fetch(CONCERNS, start, end, only, holidays):
        figures.put(
            r["authority_id"],
            concerns_made=r["made"],
            concerns_made_within_10_working_days=r["made_on_time"],
            concerns_received=r["received"],
            s6_replies_given=r["replies"],
        )
    return figures


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _with_shares(row: AuthoritySummary) -> AuthoritySummary:
    for share, (numerator, plus, minus) in SHARES.items():
        denominator = sum(getattr(row, f) for f in plus) - sum(getattr(row, f) for f in minus)
        setattr(row, share, pct(getattr(row, numerator), denominator))
    return row


# For the summary's few, heavy statements: no JIT (compiling costs more than it saves at
# this size, on every run), enough memory to hash a national year without spilling to
# disk, a plan made for the actual values (a generic plan would keep the `only IS NULL`
# test and plan for either case), and no parallel workers: the summary already runs on two
# connections, and workers beside them only fight for the same cores (with them the
# licensed-drivers count gave up its streaming plan and took 20% longer).
SUMMARY_SETTINGS = {
    "jit": "off",
    "work_mem": "64MB",
    "plan_cache_mode": "force_custom_plan",
    "max_parallel_workers_per_gather": "0",
}


async def _configure(conn: asyncpg.Connection) -> None:
    for name, value in SUMMARY_SETTINGS.items():
        await conn.execute("SELECT set_config($1, $2, true)", name, value)


async def _read(conn: asyncpg.Connection, work, second: asyncpg.Connection | None = None):
    """Run `work(conn, second)` read-only, at one snapshot of the register.

    With a second connection, both run in read-only transactions sharing one exported
    snapshot (as pg_dump --jobs does), so statements can run side by side and still describe
    the same moment. Without one, `second` is `conn`."""
    if conn.is_in_transaction():
        await _configure(conn)
        return await work(conn, conn)
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        await _configure(conn)
        if second is None:
            return await work(conn, conn)
        snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
        async with second.transaction(isolation="repeatable_read", readonly=True):
            # the first statement of the transaction; the id comes from the server
            await second.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            await _configure(second)
            return await work(conn, second)


async def summarise(
    conn: asyncpg.Connection,
    period: Period,
    *,
    suppress: bool = False,
    today: date | None = None,
    second: asyncpg.Connection | None = None,
) -> ComplianceSummary:
    """Every licensing authority's figures and the national totals and rankings.

    Given a second connection, the heaviest statement runs on it at the same time."""
    today = today or london_today()

    async def work(conn: asyncpg.Connection, second: asyncpg.Connection) -> ComplianceSummary:
        listed = await conn.fetch(LISTED_AUTHORITIES, period.start)
        figures = await _collect(conn, second, period, [a["id"] for a in listed], None, today)
        names = {
            a["id"]: (a["code"], a["name"])
            for a in await conn.fetch("SELECT id, code, name FROM authority")
        }
        return _assemble(period, today, listed, figures, names)

    summary = await _read(conn, work, second)
    return apply_suppression(summary) if suppress else summary


async def summarise_authority(
    conn: asyncpg.Connection,
    period: Period,
    authority_id: int,
    *,
    suppress: bool = False,
    today: date | None = None,
) -> AuthorityReport:
    """One authority's figures (the same definitions as its row in the full summary)."""
    today = today or london_today()

    async def work(conn: asyncpg.Connection, second: asyncpg.Connection) -> AuthorityReport:
        one = await conn.fetchrow(
            "SELECT id, code, name, nation FROM authority WHERE id = $1", authority_id
        )
        figures = await _collect(conn, conn, period, [authority_id], [authority_id], today)
        names = {
            a["id"]: (a["code"], a["name"])
            for a in await conn.fetch("SELECT id, code, name FROM authority")
        }
        row = _authority_row(one, figures, names)
        return AuthorityReport(period.start, period.end, period.snapshot, today, suppress, row)

    report = await _read(conn, work)
    if suppress:
        report.authority = suppress_row(report.authority)
    return report


def _authority_row(authority, figures: _Figures, names: dict) -> AuthoritySummary:
    values = figures.by_authority.get(authority["id"], {})
    # the authorities licensing most of its residents; ties by authority code
    away = sorted(figures.pairs.get(authority["id"], []), key=lambda p: (-p[1], names[p[0]][0]))
    top = [TopAuthority(*names[i], drivers=n) for i, n in away[:TOP_AUTHORITIES]]
    row = AuthoritySummary(
        code=authority["code"],
        name=authority["name"],
        nation=authority["nation"],
        residents_top_licensing_authorities=top,
        **values,
    )
    return _with_shares(row)


def _assemble(
    period: Period, today: date, listed, figures: _Figures, names: dict
) -> ComplianceSummary:
    rows = [_authority_row(a, figures, names) for a in listed]
    national = AuthoritySummary(code=NATIONAL_CODE, name=NATIONAL_NAME, nation=NATIONAL_NAME)
    for name in COUNT_FIELDS:
        setattr(national, name, sum(getattr(r, name) or 0 for r in rows))
    medians = figures.by_authority.get(0, {})
    for name in MEDIANS:
        setattr(national, name, medians.get(name))
    # Nationally, the authorities that license the most drivers living elsewhere.
    busiest = sorted(
        (r for r in rows if r.out_of_area_drivers), key=lambda r: (-r.out_of_area_drivers, r.code)
    )
    national.residents_top_licensing_authorities = [
        TopAuthority(r.code, r.name, r.out_of_area_drivers) for r in busiest[:TOP_AUTHORITIES]
    ]
    _with_shares(national)
    return ComplianceSummary(
        period.start,
        period.end,
        period.snapshot,
        today,
        False,
        NationalSummary(national, *rankings(rows)),
        rows,
    )


def _rank(rows: list[AuthoritySummary], share: str) -> list[Ranked]:
    numerator, plus, minus = SHARES[share]
    scored = sorted(
        (r for r in rows if getattr(r, share) is not None),
        key=lambda r: (-getattr(r, share), r.code),
    )
    ranked, previous, rank = [], None, 0
    for position, row in enumerate(scored, start=1):
        value = getattr(row, share)
        if value != previous:  # equal shares share a rank: 1, 2, 2, 4
            rank, previous = position, value
        parts = [getattr(row, f) for f in (*plus, *minus)]
        denominator = (
            None
            if None in parts
            else (sum(getattr(row, f) for f in plus) - sum(getattr(row, f) for f in minus))
        )
        ranked.append(Ranked(rank, row.code, row.name, value, getattr(row, numerator), denominator))
    return ranked


def rankings(rows: list[AuthoritySummary]) -> tuple[list[Ranked], list[Ranked]]:
    return (
        _rank(rows, "out_of_area_drivers_pct"),
        _rank(rows, "granted_or_renewed_after_search_pct"),
    )


# --- disclosure control -------------------------------------------------------------------
# For publication, counts from 1 to 4 are hidden (primary suppression), as government
# statistics do. So that no hidden count can be worked out from the others:
# - within a row, where a total is shown beside its parts and one part alone is hidden,
#   the smallest other non-zero part (or the total) is hidden too;
# - down a column, where the national total is shown and one authority alone is hidden,
#   the smallest other non-zero authority cell is hidden too;
# - a share is hidden when its numerator or any count in its denominator is hidden, and a
#   median when it is the median of 1 to 4 items;
# - a residents' top-authority count from 1 to 4 is hidden.
# Zeros are shown. Rankings list only authorities whose share is shown.


def _small(value: int | None) -> bool:
    return value is not None and 1 <= value <= SUPPRESS_MAX


def _hide(row: AuthoritySummary, name: str) -> bool:
    if name in row.suppressed:
        return False
    row.suppressed.append(name)
    return True


def _hide_within_row(row: AuthoritySummary) -> bool:
    changed = False
    for total, parts in ADDITIVE.items():
        hidden = [p for p in parts if p in row.suppressed]
        if len(hidden) == 1 and total not in row.suppressed:
            others = sorted(
                (getattr(row, p), p) for p in parts if p not in row.suppressed and getattr(row, p)
            )
            changed |= _hide(row, others[0][1] if others else total)
    return changed


def _hide_down_columns(rows: list[AuthoritySummary], national: AuthoritySummary) -> bool:
    changed = False
    for name in COUNT_FIELDS:
        if name in national.suppressed:
            continue
        hidden = [r for r in rows if name in r.suppressed]
        if len(hidden) == 1:
            others = sorted(
                (getattr(r, name), r.code, i)
                for i, r in enumerate(rows)
                if name not in r.suppressed and getattr(r, name)
            )
            if others:
                changed |= _hide(rows[others[0][2]], name)
            else:
                changed |= _hide(national, name)
    return changed


def _blank(row: AuthoritySummary) -> AuthoritySummary:
    """Replace the hidden counts with None, and hide what they would give away."""
    values = {name: getattr(row, name) for name in COUNT_FIELDS}
    for share, (numerator, plus, minus) in SHARES.items():
        if any(f in row.suppressed for f in (numerator, *plus, *minus)):
            _hide(row, share)
    for median, count in MEDIANS.items():
        if _small(values[count]):
            _hide(row, median)
    for top in row.residents_top_licensing_authorities:
        if _small(top.drivers):
            top.drivers = None
    for name in row.suppressed:
        setattr(row, name, None)
    row.suppressed = [n for n in msgspec.structs.asdict(row) if n in row.suppressed]
    return row


def _primary(row: AuthoritySummary) -> AuthoritySummary:
    row = msgspec.convert(msgspec.to_builtins(row), AuthoritySummary)  # a copy to change
    for name in COUNT_FIELDS:
        if _small(getattr(row, name)):
            _hide(row, name)
    return row


def suppress_row(row: AuthoritySummary) -> AuthoritySummary:
    row = _primary(row)
    while _hide_within_row(row):
        pass
    return _blank(row)


def apply_suppression(summary: ComplianceSummary) -> ComplianceSummary:
    rows = [_primary(r) for r in summary.authorities]
    national = _primary(summary.national.totals)
    changed = True
    while changed:
        changed = False
        for row in (*rows, national):
            changed |= _hide_within_row(row)
        changed |= _hide_down_columns(rows, national)
    hidden_out_of_area = {r.code for r in rows if "out_of_area_drivers" in r.suppressed}
    for top in national.residents_top_licensing_authorities:
        if top.code in hidden_out_of_area:
            top.drivers = None
    rows = [_blank(r) for r in rows]
    national = _blank(national)
    return ComplianceSummary(
        summary.period_start,
        summary.period_end,
        summary.snapshot_date,
        summary.as_at,
        True,
        NationalSummary(national, *rankings(rows)),
        rows,
    )


# --- CSV ----------------------------------------------------------------------------------
# UTF-8 with a byte-order mark (so Excel reads the encoding right), comma separated, CRLF
# line ends and quoting as RFC 4180, ISO 8601 dates. A hidden cell reads [c]; a share or
# median with nothing to be computed from is empty.

PERIOD_COLUMNS = ("period_start", "period_end", "snapshot_date", "as_at")
FIGURE_COLUMNS = tuple(
    name
    for name in AuthoritySummary.__struct_fields__
    if name not in ("residents_top_licensing_authorities", "suppressed")
)
TOP_COLUMNS = tuple(
    f"residents_top{i}_{part}"
    for i in range(1, TOP_AUTHORITIES + 1)
    for part in ("code", "name", "drivers")
)
SUMMARY_COLUMNS = (*PERIOD_COLUMNS, *FIGURE_COLUMNS, *TOP_COLUMNS)
RANKING_COLUMNS = ("ranking", "rank", "code", "name", "pct", "numerator", "denominator")


def _cell(value, hidden: bool) -> str:
    if hidden:
        return SUPPRESSED
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def summary_row(meta, row: AuthoritySummary) -> list[str]:
    cells = [_cell(getattr(meta, name), False) for name in PERIOD_COLUMNS]
    cells += [_cell(getattr(row, name), name in row.suppressed) for name in FIGURE_COLUMNS]
    for i in range(TOP_AUTHORITIES):
        tops = row.residents_top_licensing_authorities
        if i < len(tops):
            cells += [tops[i].code, tops[i].name, _cell(tops[i].drivers, tops[i].drivers is None)]
        else:
            cells += ["", "", ""]
    return cells


def _csv(header: Iterable[str], rows: Iterable[list[str]]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def summary_csv(
    summary: ComplianceSummary | AuthorityReport, *, national: bool = True, authorities: bool = True
) -> str:
    """The summary as CSV: the national row first (code K04000001), then each authority."""
    rows = []
    if isinstance(summary, AuthorityReport):
        rows.append(summary_row(summary, summary.authority))
    else:
        if national:
            rows.append(summary_row(summary, summary.national.totals))
        if authorities:
            rows += [summary_row(summary, r) for r in summary.authorities]
    return _csv(SUMMARY_COLUMNS, rows)


def rankings_csv(summary: ComplianceSummary) -> str:
    rows = []
    for ranking, entries in (
        ("out_of_area_drivers_pct", summary.national.ranking_out_of_area),
        ("granted_or_renewed_after_search_pct", summary.national.ranking_search_compliance),
    ):
        for e in entries:
            rows.append(
                [
                    ranking,
                    str(e.rank),
                    e.code,
                    e.name,
                    str(e.pct),
                    _cell(e.numerator, e.numerator is None),
                    _cell(e.denominator, e.denominator is None),
                ]
            )
    return _csv(RANKING_COLUMNS, rows)
