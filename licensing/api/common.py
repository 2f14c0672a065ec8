"""What the API's handlers share: the connection they are given, a record's id in a path, the
Idempotency-Key header, and the adapters from the registry's answers to HTTP ones: a created
record's Location, 404 for a record the caller cannot see, 422 naming a list's wrong filter,
and the audit row for reading what holds personal data. Writes go through
licensing.idempotency (perform, create, change); lists page through licensing.api.paging."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Protocol, TypedDict, TypeVar

import asyncpg
from litestar import Request, Response
from litestar.di import NamedDependency
from litestar.params import HeaderParameter, PathParameter
from litestar.types import Guard

from licensing.api.paging import Page, envelope
from licensing.auth import actor_of
from licensing.problems import FieldError, InvalidFields, href, not_found_problem
from registry import drivers
from registry.actor import Actor, audit_view
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


class Tagged(TypedDict, total=False):
    tags: list[str]
    opt: dict[str, Any]


class Options(Tagged, total=False):
    """What every handler of a module says the same way (its guards and tags), as
    `@get(path, **COMMON, ...)` passes it."""

    guards: list[Guard]


class AboutADriver(Protocol):
    @property
    def driver_id(self) -> int | uuid.UUID: ...


R = TypeVar("R", bound=AboutADriver)


def created(content: T, kind: str, record_id: object) -> Response[T]:
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


async def driver_key(conn: asyncpg.Connection, public_id: uuid.UUID) -> int:
    """The register's own key for a driver's public id (NotFound: no such driver)."""
    key = await drivers.driver_key(conn, public_id)
    if key is None:
        raise NotFound("driver")
    return key


async def audited_page(
    request: Request[Any, Any, Any],
    conn: asyncpg.Connection,
    subject: str,
    read: Callable[[Actor], Awaitable[tuple[list[T], str | None]]],
) -> Page[T]:
    """A page of a list that holds personal data, its reading written to the audit log."""
    actor = actor_of(request)
    items, after = await listed(read(actor))
    await audit_view(conn, actor, subject)
    return envelope(request, items, after)


async def audited_record(
    request: Request[Any, Any, Any],
    conn: asyncpg.Connection,
    subject: str,
    read: Callable[[Actor], Awaitable[R]],
) -> R:
    """One record about a driver that the caller may see (else 404), its reading audited."""
    actor = actor_of(request)
    found = await own(read(actor))
    await audit_view(conn, actor, subject, found.driver_id)
    return found
