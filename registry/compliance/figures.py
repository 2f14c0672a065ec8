"""Running the statements in read-only, repeatable-read transactions sharing one snapshot (the
heaviest beside the others on a second connection), and assembling their rows into a summary.
National counts are the sums of the authority rows; national medians come from the statements'
GROUPING SETS, since medians do not add up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from typing import TypeVar

import asyncpg

from registry.compliance.period import Period
from registry.compliance.shape import (
    COUNT_FIELDS,
    MEDIANS,
    NATIONAL_CODE,
    NATIONAL_NAME,
    REGION_CODES,
    SHARES,
    TOP_AUTHORITIES,
    AuthorityReport,
    AuthoritySummary,
    ComplianceSummary,
    NationalSummary,
    TopAuthority,
    pct,
    rankings,
)
from registry.compliance.statements import (
    ALERTS,
    CONCERNS,
    ENTRIES_MADE,
    GRANTS_AND_SEARCHES,
    LAST_DRIVER,
    LICENSED_AT_SNAPSHOT,
    LISTED_AUTHORITIES,
    REQUESTS,
    REQUESTS_OVERDUE,
    SEARCHES_MADE,
)
from registry.compliance.suppression import apply_suppression, suppress_row
from registry.progress import QUIET, Progress
from registry.today import london_today
from registry.workdays import bank_holidays


def holidays_for(period: Period, today: date) -> list[date]:
    """Bank holidays for every year a working-day count in this summary can span."""
    first = period.start.year - 1
    last = max(period.end.year, today.year) + 1
    return sorted(day for year in range(first, last + 1) for day in bank_holidays(year))


T = TypeVar("T")
# A figure by its AuthoritySummary field name: a count, a median (None: nothing to count)
Figures = dict[str, int | float | None]
# authority id -> (code, name)
Names = dict[int, tuple[str, str]]


class _Figures:
    """Rows from the statements, keyed by authority id (0: the national row)."""

    def __init__(self) -> None:
        self.by_authority: dict[int, Figures] = {}
        self.by_region: dict[str, Figures] = {}  # medians only: counts add up from the authorities
        # home authority -> [(licensing authority, drivers)] for drivers licensed away from home
        self.pairs: dict[int, list[tuple[int, int]]] = {}

    def put(self, authority_id: int, **values: int | float | None) -> None:
        self.by_authority.setdefault(authority_id, {}).update(values)

    def put_median(self, row: asyncpg.Record, **values: int | float | None) -> None:
        """A row of a statement grouped by authority, by region and nationally."""
        if row["region"] is not None:
            self.by_region.setdefault(row["region"], {}).update(values)
        else:
            self.put(row["authority_id"], **values)


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
    progress: Progress = QUIET,
) -> _Figures:
    """Run the statements, on `conn` alone, or on both connections at once if `second` is
    another (sharing this one's snapshot)."""
    progress.phase("Counting the figures", STATEMENTS + (1 if second is conn else 2), "queries")
    if second is conn:
        figures = await _the_rest(conn, period, listed, only, today, progress)
        _add_licensed(figures, await _licensed(conn, period, only, 0, 2**63 - 1))
        progress.advance()
        return figures
    split = int(await conn.fetchval(LAST_DRIVER) * SECOND_SHARE)

    async def first_half() -> tuple[_Figures, list[asyncpg.Record]]:
        figures = await _the_rest(conn, period, listed, only, today, progress)
        licensed = await _licensed(conn, period, only, split + 1, 2**63 - 1)
        progress.advance()
        return figures, licensed

    async def second_half() -> list[asyncpg.Record]:
        licensed = await _licensed(second, period, only, 0, split)
        progress.advance()
        return licensed

    # A TaskGroup, so a failure on one connection (a statement timeout) stops the other
    # before the transactions end.
    try:
        async with asyncio.TaskGroup() as group:
            mine = group.create_task(first_half())
            theirs = group.create_task(second_half())
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
) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        LICENSED_AT_SNAPSHOT, period.snapshot, only, first_driver, last_driver
    )
    return rows


def _add_licensed(figures: _Figures, rows: list[asyncpg.Record]) -> None:
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


STATEMENTS = 7  # run by _the_rest, for the progress bar


async def _the_rest(
    conn: asyncpg.Connection,
    period: Period,
    listed: list[int],
    only: list[int] | None,
    today: date,
    progress: Progress = QUIET,
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
    progress.advance()
    for r in await conn.fetch(SEARCHES_MADE, start, end, only):
        figures.put(r["authority_id"], register_searches_made=r["searches"])
    progress.advance()
    for r in await conn.fetch(ENTRIES_MADE, start, end, only):
        figures.put(r["authority_id"], register_entries_made=r["entries"])
    progress.advance()
    for r in await conn.fetch(ALERTS, start, end, listed):
        figures.put_median(
            r,
            alerts_received=r["received"],
            alerts_acknowledged=r["acknowledged"],
            alerts_median_hours_to_acknowledge=_round(r["median_hours"]),
        )
    progress.advance()
    for r in await conn.fetch(REQUESTS, start, end, listed, today, holidays):
        figures.put_median(
            r,
            requests_received=r["received"],
            requests_answered=r["answered"],
            requests_due=r["due"],
            requests_answered_within_20_working_days=r["on_time"],
            requests_median_working_days_to_answer=_round(r["median_days"]),
        )
    progress.advance()
    for r in await conn.fetch(REQUESTS_OVERDUE, today, only):
        figures.put(r["authority_id"], requests_overdue_open_now=r["overdue"])
    progress.advance()
    for r in await conn.fetch(CONCERNS, start, end, only, holidays):
        figures.put(
            r["authority_id"],
            concerns_made=r["made"],
            concerns_made_within_10_working_days=r["made_on_time"],
            concerns_received=r["received"],
            s6_replies_given=r["replies"],
        )
    progress.advance()
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


async def _read(
    conn: asyncpg.Connection,
    work: Callable[[asyncpg.Connection, asyncpg.Connection], Awaitable[T]],
    second: asyncpg.Connection | None = None,
) -> T:
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
    progress: Progress = QUIET,
) -> ComplianceSummary:
    """Every licensing authority's figures and the national totals and rankings.

    Given a second connection, the heaviest statement runs on it at the same time."""
    today = today or london_today()

    async def work(conn: asyncpg.Connection, second: asyncpg.Connection) -> ComplianceSummary:
        listed = await conn.fetch(LISTED_AUTHORITIES, period.start)
        figures = await _collect(
            conn, second, period, [a["id"] for a in listed], None, today, progress
        )
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
            "SELECT id, code, name, nation, region FROM authority WHERE id = $1", authority_id
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


def _total_row(
    code: str, name: str, nation: str, rows: list[AuthoritySummary], medians: Figures
) -> AuthoritySummary:
    """Counts added up over `rows`; medians from the statements (they do not add up)."""
    total = AuthoritySummary(code=code, name=name, nation=nation)
    for field in COUNT_FIELDS:
        setattr(total, field, sum(getattr(r, field) or 0 for r in rows))
    for field in MEDIANS:
        setattr(total, field, medians.get(field))
    return total


def _region_rows(rows: list[AuthoritySummary], figures: _Figures) -> list[AuthoritySummary]:
    regions = []
    for region, code in REGION_CODES.items():
        members = [r for r in rows if r.region == region]
        if members:
            nation = members[0].nation
            total = _total_row(code, region, nation, members, figures.by_region.get(region, {}))
            total.region = region
            regions.append(_with_shares(total))
    return regions


def _authority_row(authority: asyncpg.Record, figures: _Figures, names: Names) -> AuthoritySummary:
    values = figures.by_authority.get(authority["id"], {})
    # the authorities licensing most of its residents; ties by authority code
    away = sorted(figures.pairs.get(authority["id"], []), key=lambda p: (-p[1], names[p[0]][0]))
    top = [TopAuthority(*names[i], drivers=n) for i, n in away[:TOP_AUTHORITIES]]
    row = AuthoritySummary(
        code=authority["code"],
        name=authority["name"],
        nation=authority["nation"],
        region=authority["region"],
        residents_top_licensing_authorities=top,
    )
    for field, value in values.items():  # figures by field name (a count or a median)
        setattr(row, field, value)
    return _with_shares(row)


def _assemble(
    period: Period, today: date, listed: list[asyncpg.Record], figures: _Figures, names: Names
) -> ComplianceSummary:
    rows = [_authority_row(a, figures, names) for a in listed]
    medians = figures.by_authority.get(0, {})
    national = _total_row(NATIONAL_CODE, NATIONAL_NAME, NATIONAL_NAME, rows, medians)
    # Nationally, the authorities that license the most drivers living elsewhere.
    busiest = sorted(
        (r for r in rows if r.out_of_area_drivers),
        key=lambda r: (-(r.out_of_area_drivers or 0), r.code),
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
        _region_rows(rows, figures),
    )
