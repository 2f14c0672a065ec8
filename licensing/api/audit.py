"""The audit log under /api/v1: a data protection officer reads and exports their own
authority's log (who searched, opened or changed what, and why), and nobody else's."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import asyncpg
from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter

from licensing import auth
from licensing.api.paging import DEFAULT_LIMIT, Cursor, Limit, Page, page_of
from licensing.auth import actor_of
from licensing.exports import audit_log_csv
from licensing.problems import FieldError, InvalidFields, Problem, problem_spec
from registry import audit_log
from registry.paging import last_id

INT4_MAX = 2**31 - 1
Conn = NamedDependency[asyncpg.Connection]


# The audit log -------------------------------------------------------------------------------


FromDate = Annotated[date | None, QueryParameter(name="from", description="First day, inclusive")]
ToDate = Annotated[date | None, QueryParameter(name="to", description="Last day, inclusive")]
ActionFilter = Annotated[
    str | None, QueryParameter(description="Only this action (search, view, ...)", max_length=40)
]
UserFilter = Annotated[
    int | None, QueryParameter(description="Only this user's id", ge=1, le=INT4_MAX)
]


def _filter(
    from_date: date | None, to_date: date | None, action: str | None, user: int | None
) -> audit_log.AuditFilter:
    if from_date and to_date and from_date > to_date:
        raise InvalidFields([FieldError("to", "The last day must not be before the first day")])
    return audit_log.AuditFilter(from_date, to_date, action or None, user)


def _own_authority(request: Request[Any, Any, Any]) -> int:
    authority_id = auth.current(request).authority_id
    if authority_id is None:  # the database makes this impossible for a dpo; be sure anyway
        raise Problem(403, "Your account belongs to no authority")
    return authority_id


@get("/api/v1/audit", guards=[auth.dpo], tags=["audit"])
async def audit_entries(
    request: Request[Any, Any, Any],
    conn: Conn,
    from_date: FromDate = None,
    to_date: ToDate = None,
    action: ActionFilter = None,
    user: UserFilter = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[audit_log.AuditEntry]:
    """Your authority's audit log, newest first: who searched, opened or changed what, and why."""
    where = _filter(from_date, to_date, action, user)
    rows = await audit_log.entries(
        conn, _own_authority(request), where, before_id=last_id(cursor), limit=limit + 1
    )
    return page_of(request, rows, limit)


@get(
    "/api/v1/audit.csv",
    guards=[auth.dpo],
    tags=["audit"],
    responses={
        200: ResponseSpec(
            data_container=str,
            media_type="text/csv",
            description="Every matching entry, newest first, as CSV",
        ),
        400: problem_spec("The request could not be read"),
        422: problem_spec("A filter is wrong; `errors` names it"),
    },
)
async def audit_export(
    request: Request[Any, Any, Any],
    conn: Conn,
    state: State,
    from_date: FromDate = None,
    to_date: ToDate = None,
    action: ActionFilter = None,
    user: UserFilter = None,
) -> Response[Any]:
    """Export your authority's audit log as CSV. The export is itself recorded in the log."""
    _own_authority(request)
    where = _filter(from_date, to_date, action, user)
    return await audit_log_csv(state, conn, actor_of(request), where)


ROUTES = [audit_entries, audit_export]
