"""Compliance summaries on their own small pool, for the API and the compliance pages.

A summary runs on app.state.summary_pool (SUMMARY_POOL_MAX connections, each with
SUMMARY_TIMEOUT_MS as its statement timeout), in a read-only transaction, so it can never take
the connections the officers' searches use, nor write anything. A busy pool or a statement past
its limit is a 503 that says which. With DATABASE_REPLICA_URL the summary is read on the hot
standby while it is recent enough (licensing.db.Reads), and the answer's headers say where.
"""

from __future__ import annotations

import asyncpg
from litestar import Response
from litestar.datastructures import State

from licensing.downloads import csv_response
from licensing.problems import FieldError, InvalidFields, Problem
from registry import compliance

WAIT_FOR_CONNECTION_SECONDS = 2.0  # then 503: a summary queues briefly, never for long


def flag(value: str | None) -> bool:
    if value is None or value.strip().lower() in ("", "0", "false", "no", "off"):
        return False
    if value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    raise InvalidFields([FieldError("suppress", "must be true or false")])


def period_of(quarter, period_start, period_end, snapshot) -> compliance.Period:
    try:
        return compliance.resolve_period(
            quarter=quarter, start=period_start, end=period_end, snapshot=snapshot
        )
    except compliance.PeriodError as exc:
        raise InvalidFields([FieldError(field, message) for field, message in exc.errors]) from None


async def on_summary_pool(state: State, work, headers: dict[str, str] | None = None):
    """Run `work(conn, pool)` on the summary pool, or on the standby's while it is recent
    enough; a busy pool or a slow statement is a 503. `headers`, when given, receives where
    the figures were read (Read-From) and the standby's lag (Replica-Lag-Seconds)."""
    wait = min(WAIT_FOR_CONNECTION_SECONDS, state.settings.summary_timeout_ms / 1000)
    read = await state.reads.choose()
    if headers is not None:
        headers.update(read.headers())
    try:
        async with read.pool.acquire(timeout=wait) as conn:
            return await work(conn, read.pool)
    except TimeoutError:
        raise Problem(
            503, "Summaries are busy", "Other summaries are running. Try again shortly."
        ) from None
    except asyncpg.QueryCanceledError:
        raise Problem(
            503,
            "The summary took too long",
            "It was stopped so as not to slow the register. Try a shorter period.",
        ) from None


async def _spare(pool: asyncpg.Pool) -> asyncpg.Connection | None:
    """A second summary connection if the pool has one free now (the summary then counts a
    share of the licensed drivers on it meanwhile); never a wait."""
    if pool.get_idle_size() == 0 and pool.get_size() >= pool.get_max_size():
        return None
    try:
        return await pool.acquire(timeout=1)
    except TimeoutError:
        return None


async def national(
    state: State,
    quarter=None,
    period_start=None,
    period_end=None,
    snapshot=None,
    suppress=None,
    headers: dict[str, str] | None = None,
) -> compliance.ComplianceSummary:
    """The national summary on the summary pool (the API and the compliance page)."""
    period = period_of(quarter, period_start, period_end, snapshot)
    hide = flag(suppress)

    async def work(conn: asyncpg.Connection, pool: asyncpg.Pool) -> compliance.ComplianceSummary:
        second = await _spare(pool)
        try:
            return await compliance.summarise(conn, period, suppress=hide, second=second)
        finally:
            if second is not None:
                await pool.release(second)

    return await on_summary_pool(state, work, headers)


async def national_csv(
    state: State, quarter=None, period_start=None, period_end=None, snapshot=None, suppress=None
) -> Response:
    """The national summary as a CSV download (the API and the compliance page)."""
    headers: dict[str, str] = {}
    summary = await national(state, quarter, period_start, period_end, snapshot, suppress, headers)
    name = f"compliance-summary-{summary.period_start}-{summary.period_end}.csv"
    return csv_response(compliance.summary_csv(summary), name, headers)
