"""Compliance summaries for the Department for Transport: aggregate figures, JSON or CSV.

Who may read what:
- a DfT analyst or an admin: the national summary and every authority's row;
- a licensing officer or a data protection officer: their own authority's row only (403 for
  another authority's and for the national summary, which ranks every authority).

A summary runs on its own small pool (app.state.summary_pool: SUMMARY_POOL_MAX connections,
each with SUMMARY_TIMEOUT_MS as its statement timeout), in a read-only transaction, so it
can never take the connections the officers' searches use, nor write anything.
"""

from __future__ import annotations

import re
from typing import Annotated

import asyncpg
from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.exceptions import PermissionDeniedException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import PathParameter, QueryParameter

from licensing import auth
from licensing.problems import FieldError, InvalidFields, Problem, problem_spec
from registry import compliance
from registry.authorities import by_code

summary_readers = auth.requires("dft_analyst", "admin")
authority_readers = auth.requires("dft_analyst", "admin", "licensing_officer", "dpo")

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
CODE = re.compile(r"^[A-Za-z0-9]{3,9}$")
# Aggregates only: a DfT analyst may call these (tests/test_access.py checks the marker).
COMMON = {"tags": ["compliance"], "opt": auth.NO_PERSONAL_DATA}
BUSY = problem_spec("The summary pool is busy, or the summary ran past its time limit: try again")
CSV_SPEC = ResponseSpec(
    data_container=str,
    media_type="text/csv",
    description="UTF-8 CSV with a byte-order mark; columns in docs/compliance.md",
)
WAIT_FOR_CONNECTION_SECONDS = 2.0  # then 503: a summary queues briefly, never for long

Quarter = Annotated[
    str | None,
    QueryParameter(
        description="A calendar quarter, like 2026-Q2 (Q1 is January to March). Default, with no "
        "dates either: the last complete quarter."
    ),
]
PeriodStart = Annotated[
    str | None, QueryParameter(description="First day of the period (YYYY-MM-DD), with period_end.")
]
PeriodEnd = Annotated[
    str | None,
    QueryParameter(description="Last day of the period (YYYY-MM-DD), with period_start."),
]
Snapshot = Annotated[
    str | None,
    QueryParameter(
        description="The date licensed drivers are counted at (YYYY-MM-DD). Default: the period's "
        "last day. DfT's statistics use 1 April."
    ),
]
Suppress = Annotated[
    str | None,
    QueryParameter(
        description="true: hide counts from 1 to 4, and what would reveal them, for publication. "
        "Hidden cells are null in JSON (and named in `suppressed`) and [c] in CSV."
    ),
]
Code = Annotated[
    str,
    PathParameter(
        description="The authority's GSS code, current or former; end it with .csv for CSV."
    ),
]


def _flag(value: str | None) -> bool:
    if value is None or value.strip().lower() in ("", "0", "false", "no", "off"):
        return False
    if value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    raise InvalidFields([FieldError("suppress", "must be true or false")])


def _period(quarter, period_start, period_end, snapshot) -> compliance.Period:
    try:
        return compliance.resolve_period(
            quarter=quarter, start=period_start, end=period_end, snapshot=snapshot
        )
    except compliance.PeriodError as exc:
        raise InvalidFields([FieldError(field, message) for field, message in exc.errors]) from None


async def _on_summary_pool(state: State, work):
    """Run `work(conn)` on the summary pool; a busy pool or a slow statement is a 503."""
    wait = min(WAIT_FOR_CONNECTION_SECONDS, state.settings.summary_timeout_ms / 1000)
    try:
        async with state.summary_pool.acquire(timeout=wait) as conn:
            return await work(conn)
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


def _csv_response(text: str, filename: str) -> Response:
    return Response(
        content=text.encode("utf-8"),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


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
    state: State, quarter=None, period_start=None, period_end=None, snapshot=None, suppress=None
) -> compliance.ComplianceSummary:
    """The national summary on the summary pool (the API and the compliance page)."""
    period = _period(quarter, period_start, period_end, snapshot)
    hide = _flag(suppress)

    async def work(conn: asyncpg.Connection) -> compliance.ComplianceSummary:
        second = await _spare(state.summary_pool)
        try:
            return await compliance.summarise(conn, period, suppress=hide, second=second)
        finally:
            if second is not None:
                await state.summary_pool.release(second)

    return await _on_summary_pool(state, work)


@get("/api/v1/compliance/summary", guards=[summary_readers], **COMMON, responses={503: BUSY})
async def compliance_summary(
    state: State,
    quarter: Quarter = None,
    period_start: PeriodStart = None,
    period_end: PeriodEnd = None,
    snapshot: Snapshot = None,
    suppress: Suppress = None,
) -> compliance.ComplianceSummary:
    """National totals, rankings and every licensing authority's figures (docs/compliance.md)."""
    return await national(state, quarter, period_start, period_end, snapshot, suppress)


@get(
    "/api/v1/compliance/summary.csv",
    guards=[summary_readers],
    **COMMON,
    media_type=CSV_MEDIA_TYPE,
    responses={200: CSV_SPEC, 503: BUSY},
)
async def compliance_summary_csv(
    state: State,
    quarter: Quarter = None,
    period_start: PeriodStart = None,
    period_end: PeriodEnd = None,
    snapshot: Snapshot = None,
    suppress: Suppress = None,
) -> Response:
    """The same as CSV: the national row (code K04000001) first, then each authority."""
    return await national_csv(state, quarter, period_start, period_end, snapshot, suppress)


async def national_csv(
    state: State, quarter=None, period_start=None, period_end=None, snapshot=None, suppress=None
) -> Response:
    """The national summary as a CSV download (the API and the compliance page)."""
    summary = await national(state, quarter, period_start, period_end, snapshot, suppress)
    name = f"compliance-summary-{summary.period_start}-{summary.period_end}.csv"
    return _csv_response(compliance.summary_csv(summary), name)


@get(
    "/api/v1/compliance/authorities/{code:str}",
    guards=[authority_readers],
    **COMMON,
    responses={
        200: ResponseSpec(
            data_container=compliance.AuthorityReport,
            description="The authority's figures (with .csv: one CSV row)",
        ),
        503: BUSY,
    },
)
async def compliance_authority(
    request: Request,
    state: State,
    code: Code,
    quarter: Quarter = None,
    period_start: PeriodStart = None,
    period_end: PeriodEnd = None,
    snapshot: Snapshot = None,
    suppress: Suppress = None,
) -> Response:
    """One authority's figures, by its current or former GSS code; add .csv for CSV.

    Officers and data protection officers may read only their own authority's."""
    as_csv = code.lower().endswith(".csv")
    code = code[:-4] if as_csv else code
    period = _period(quarter, period_start, period_end, snapshot)
    hide = _flag(suppress)
    principal = auth.current(request)

    async def work(conn: asyncpg.Connection) -> compliance.AuthorityReport:
        found = await by_code(conn, code) if CODE.match(code) else None
        if found is None or not found.licenses_drivers:
            raise Problem(
                404,
                "No such licensing authority",
                "No authority that licenses drivers has that code.",
            )
        if principal.role in ("licensing_officer", "dpo") and principal.authority_id != found.id:
            raise PermissionDeniedException("You may read only your own authority's figures")
        return await compliance.summarise_authority(conn, period, found.id, suppress=hide)

    report = await _on_summary_pool(state, work)
    if as_csv:
        name = f"compliance-{report.authority.code}-{report.period_start}-{report.period_end}.csv"
        return _csv_response(compliance.summary_csv(report), name)
    return Response(content=report)


ROUTES = [compliance_summary, compliance_summary_csv, compliance_authority]
