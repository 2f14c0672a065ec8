"""Compliance summaries for the Department for Transport: aggregate figures, JSON or CSV.

Who may read what:
- a DfT analyst or an admin: the national summary and every authority's row;
- a licensing officer or a data protection officer: their own authority's row only (403 for
  another authority's and for the national summary, which ranks every authority).

A summary runs on its own small pool (licensing.summaries), so it can never take the
connections the officers' searches use, nor write anything.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import asyncpg
from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import PermissionDeniedException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example, OpenAPIFormat
from litestar.params import PathParameter, QueryParameter

from licensing import auth
from licensing.api.common import Tagged
from licensing.downloads import CSV_MEDIA_TYPE, csv_response
from licensing.problems import Problem, problem_spec
from licensing.summaries import Asked, national, national_csv, on_summary_pool
from registry import compliance
from registry.authorities import by_code

summary_readers = auth.requires("dft_analyst", "admin")
authority_readers = auth.requires("dft_analyst", "admin", "licensing_officer", "dpo")

CODE = re.compile(r"^[A-Za-z0-9]{3,9}$")
# Aggregates only: a DfT analyst may call these (tests/test_access.py checks the marker).
BUSY = problem_spec("The summary pool is busy, or the summary ran past its time limit: try again")
CSV_SPEC = ResponseSpec(
    data_container=str,
    media_type="text/csv",
    description="UTF-8 CSV with a byte-order mark; columns in docs/compliance.md",
)

# The patterns of a quarter and a financial year are stated in the document only, as FLAG's is
# below: the period rules refuse a wrong one, in one 422 with every other wrong field.
Quarter = Annotated[
    str | None,
    QueryParameter(
        description="A calendar quarter, like 2026-Q2 (Q1 is January to March). Give one of "
        "quarter, financial_year, or period_start with period_end; with none, the last complete "
        "quarter.",
        schema_extra={"pattern": r"^\d{4}-?[Qq][1-4]$"},
        examples=[Example(value="2026-Q2")],
    ),
]
FinancialYear = Annotated[
    str | None,
    QueryParameter(
        description="A financial year, like 2025-26 (1 April 2025 to 31 March 2026; licensed "
        "drivers counted at 31 March, as DfT publishes).",
        schema_extra={"pattern": r"^\d{4}[-/]\d{2}$"},
        examples=[Example(value="2025-26")],
    ),
]
# Dates and the flag are read by the period rules, so one 422 names every wrong field.
PeriodStart = Annotated[
    str | None,
    QueryParameter(
        description="First day of the period, with period_end. Only with suppress=false: "
        "published figures cover a quarter or a financial year, so windows cannot be differenced.",
        format=OpenAPIFormat.DATE,
    ),
]
PeriodEnd = Annotated[
    str | None,
    QueryParameter(
        description="Last day of the period, with period_start (suppress=false only).",
        format=OpenAPIFormat.DATE,
    ),
]
Snapshot = Annotated[
    str | None,
    QueryParameter(
        description="The date licensed drivers are counted at. Default: the period's last day. "
        "Only with suppress=false.",
        format=OpenAPIFormat.DATE,
    ),
]
# what licensing.summaries.flag reads, in any case; stated in the document only, so that the
# period rules, not the framework, refuse a wrong one (one 422 naming every wrong field)
FLAG = r"^\s*(|[01]|[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|[Yy][Ee][Ss]|[Nn][Oo]|[Oo][Nn]|[Oo][Ff][Ff])\s*$"
Suppress = Annotated[
    str | None,
    QueryParameter(
        schema_extra={"pattern": FLAG},
        examples=[Example(value="false")],
        description="Disclosure control, on by default (true or false; 1/0, yes/no, on/off too): "
        "counts from 1 to 4, and what would reveal them, are hidden (null in JSON and named in "
        "`suppressed`, [c] in CSV). false gives exact figures for DfT's own analysis, not for "
        "publication.",
    ),
]
Code = Annotated[
    str,
    PathParameter(
        description="The authority's GSS code, current or former; end it with .csv for CSV."
    ),
]


async def asked_for(
    quarter: Quarter = None,
    financial_year: FinancialYear = None,
    period_start: PeriodStart = None,
    period_end: PeriodEnd = None,
    snapshot: Snapshot = None,
    suppress: Suppress = None,
) -> Asked:
    """The period and disclosure control a request asks for, the same query parameters on
    every compliance route; one 422 names every wrong one."""
    return Asked.of(quarter, financial_year, period_start, period_end, snapshot, suppress)


# Declared as a dependency, not inferred from its name (inference ends in Litestar 3).
AskedFor = NamedDependency[Asked]


class Figures(Tagged, total=False):
    dependencies: dict[str, Provide]


COMMON: Figures = {
    "tags": ["compliance"],
    "opt": auth.NO_PERSONAL_DATA,
    "dependencies": {"asked": Provide(asked_for)},
}


@get("/api/v1/compliance/summary", guards=[summary_readers], **COMMON, responses={503: BUSY})
async def compliance_summary(
    state: State, asked: AskedFor
) -> Response[compliance.ComplianceSummary]:
    """National totals, rankings, each ONS region's and every licensing authority's figures
    (docs/compliance.md).

    Read-From says whether the figures came from the hot standby or the primary, and
    Replica-Lag-Seconds how far behind the standby was (docs/operations.md)."""
    headers: dict[str, str] = {}
    summary = await national(state, asked, headers)
    return Response(content=summary, headers=headers)


@get(
    "/api/v1/compliance/summary.csv",
    guards=[summary_readers],
    **COMMON,
    media_type=CSV_MEDIA_TYPE,
    responses={200: CSV_SPEC, 503: BUSY},
)
async def compliance_summary_csv(state: State, asked: AskedFor) -> Response[bytes]:
    """The same as CSV: the national row (code K04000001) first, then each region, then each
    authority."""
    return await national_csv(state, asked)


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
    request: Request[Any, Any, Any],
    state: State,
    code: Code,
    asked: AskedFor,
) -> Response[Any]:
    """One authority's figures, by its current or former GSS code; add .csv for CSV.

    Officers and data protection officers may read only their own authority's."""
    as_csv = code.lower().endswith(".csv")
    code = code[:-4] if as_csv else code
    period, hide = asked.period(), asked.suppress
    principal = auth.current(request)

    async def work(conn: asyncpg.Connection, _: asyncpg.Pool) -> compliance.AuthorityReport:
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

    headers: dict[str, str] = {}
    report = await on_summary_pool(state, work, headers)
    if as_csv:
        name = f"compliance-{report.authority.code}-{report.period_start}-{report.period_end}.csv"
        return csv_response(compliance.summary_csv(report), name, headers)
    return Response(content=report, headers=headers)


ROUTES = [compliance_summary, compliance_summary_csv, compliance_authority]
