"""What the API's handlers share: the connection they are given, a record's id in a path, the
Idempotency-Key header, and the adapters from the registry's answers to HTTP ones (a created
record's Location, 404 for a record the caller cannot see, 422 naming a list's wrong filter).
Writes go through licensing.idempotency.perform; lists page through licensing.api.paging."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, TypeVar

import asyncpg
from litestar import Response
from litestar.di import NamedDependency
from litestar.params import HeaderParameter, PathParameter

from licensing.problems import FieldError, InvalidFields, href, not_found_problem
from registry.errors import Invalid, NotFound

T = TypeVar("T")

MAX_ID = 2**63 - 1
Conn = NamedDependency[asyncpg.Connection]
Id = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
Key = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        required=False,
        description="Any unique string (a UUID). A retried POST with the same key and body "
        "returns the first response and creates nothing; a different body is refused.",
    ),
]


def created(content: T, kind: str, record_id: int) -> Response[T]:
    """201 with the Location where the new record is read (licensing.problems.HREFS)."""
    return Response(content, status_code=201, headers={"Location": href(kind, record_id)})


async def own(awaitable: Awaitable[T]) -> T:
    """The record, or 404 in the same words whether it is missing or another's."""
    try:
        return await awaitable
    except NotFound as exc:
        raise not_found_problem(exc) from None


async def listed(awaitable: Awaitable[T]) -> T:
    """A list's page; a filter or cursor the registry refuses is a 422 naming it."""
    try:
        return await awaitable
    except Invalid as exc:
        raise InvalidFields([FieldError(f, m) for f, m in exc.errors]) from None
