"""Compliance summaries on their own small pool, for the API and the compliance pages.

A summary runs on app.state.summary_pool (SUMMARY_POOL_MAX connections, each with
SUMMARY_TIMEOUT_MS as its statement timeout), in a read-only transaction, so it can never take
the connections the officers' searches use, nor write anything. A busy pool or a statement past
its limit is a 503 that says which. With DATABASE_REPLICA_URL the summary is read on the hot
standby while it is recent enough (licensing.db.Reads), and the answer's headers say where.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import NamedTuple, TypeVar

import asyncpg
from litestar import Response
from litestar.datastructures import State

from licensing.downloads import csv_response
from licensing.problems import FieldError, InvalidFields, Problem
from registry import compliance
from registry.today import LONDON

T = TypeVar("T")

WAIT_FOR_CONNECTION_SECONDS = 2.0  # then 503: a summary queues briefly, never for long


def flag(value: str | None) -> bool:
    """Disclosure control is on unless asked off."""
    if value is None or value.strip().lower() in ("", "1", "true", "yes", "on"):
        return True
    if value.strip().lower() in ("0", "false", "no", "off"):
        return False
    raise InvalidFields([FieldError("suppress", "must be true or false")])


class Asked(NamedTuple):
    """The period and disclosure control a request asks for (the API's and the page's)."""

    quarter: str | None = None
    financial_year: str | None = None
    period_start: str | None = None
    period_end: str | None = None
    snapshot: str | None = None
    suppress: bool = True

    @classmethod
    def of(
        cls,
        quarter: str | None,
        financial_year: str | None,
        period_start: str | None,
        period_end: str | None,
        snapshot: str | None,
        suppress: str | None,
    ) -> Asked:
        """From query parameters; one 422 names every wrong field, the flag's included."""
        dates = (quarter, financial_year, period_start, period_end, snapshot)
        try:
            return cls(*dates, flag(suppress))
        except InvalidFields as wrong:
            try:
                cls(*dates, False).period()
            except InvalidFields as more:
                raise InvalidFields([*more.errors, *wrong.errors]) from None
            raise

    def period(self) -> compliance.Period:
        try:
            return compliance.resolve_period(
                quarter=self.quarter,
                financial_year=self.financial_year,
                start=self.period_start,
                end=self.period_end,
                snapshot=self.snapshot,
                published=self.suppress,
            )
        except compliance.PeriodError as exc:
            errors = [FieldError(field, message) for field, message in exc.errors]
            raise InvalidFields(errors) from None


async def on_summary_pool(
    state: State,
    work: Callable[[asyncpg.Connection, asyncpg.Pool], Awaitable[T]],
    headers: dict[str, str] | None = None,
) -> T:
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


def freshness(headers: dict[str, str], now: datetime | None = None) -> str:
    """For the DfT page: how current the figures are, from where they were read (`headers`
    as on_summary_pool filled them)."""
    now = now or datetime.now(LONDON)
    if headers.get("Read-From") == "replica" and "Replica-Lag-Seconds" in headers:
        lag = float(headers["Replica-Lag-Seconds"])
        as_of = now - timedelta(seconds=lag)
        return (
            f"Figures as of {as_of:%H:%M:%S} UK time, read from a standby copy of the register "
            f"{lag:.0f} s behind it."
        )
    return f"Figures as of {now:%H:%M:%S} UK time, read from the register itself."


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
    state: State, asked: Asked, headers: dict[str, str] | None = None
) -> compliance.ComplianceSummary:
    """The national summary on the summary pool (the API and the compliance page)."""
    period, hide = asked.period(), asked.suppress

    async def work(conn: asyncpg.Connection, pool: asyncpg.Pool) -> compliance.ComplianceSummary:
        second = await _spare(pool)
        try:
            return await compliance.summarise(conn, period, suppress=hide, second=second)
        finally:
            if second is not None:
                await pool.release(second)

    return await on_summary_pool(state, work, headers)


async def national_csv(state: State, asked: Asked) -> Response[bytes]:
    """The national summary as a CSV download (the API and the compliance page)."""
    headers: dict[str, str] = {}
    summary = await national(state, asked, headers)
    name = f"compliance-summary-{summary.period_start}-{summary.period_end}.csv"
    return csv_response(compliance.summary_csv(summary), name, headers)
