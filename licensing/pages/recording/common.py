"""What the recording forms share: the driver or record a path names (or the 404 page), the
facts about a driver each form shows, and the audit row written when someone opens a record
that holds narrative."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from typing import Any, TypeVar

import asyncpg
from litestar import Request
from litestar.exceptions import NotFoundException

from licensing.pages.render import long_date
from licensing.pages.visit import with_visit
from registry import audit_log, lookups
from registry.authorities import name_of
from registry.errors import NotFound
from registry.fields import CATEGORIES, LICENCE_KINDS
from registry.labels import LABELS

T = TypeVar("T")

KINDS = [(kind, LABELS["kind"][kind]) for kind in LICENCE_KINDS]
CATEGORY_OPTIONS = [(c, LABELS["category"][c]) for c in CATEGORIES]


async def driver_or_404(conn: asyncpg.Connection, driver_id: uuid.UUID) -> asyncpg.Record:
    """The driver with this public id: `id` is the internal key, `public_id` goes in links."""
    row = await lookups.driver(conn, driver_id)
    if row is None:
        raise NotFoundException()
    return row


async def the_driver(request: Request, conn: asyncpg.Connection) -> asyncpg.Record:
    """The driver the path names, or the 404 page."""
    return await driver_or_404(conn, request.path_params["driver_id"])


def driver_facts(driver: asyncpg.Record) -> list[tuple[str, str]]:
    return [
        ("Driver", f"{driver['forenames']} {driver['surname']}"),
        ("Date of birth", long_date(driver["date_of_birth"])),
        ("Home authority", driver["home_authority"] or "Not known"),
    ]


async def about_driver(request: Request, conn: asyncpg.Connection, driver: Any) -> dict:
    """A form about a driver shows who they are and links back to their record."""
    back = with_visit(f"/drivers/{driver['public_id']}", request)
    return {"facts": driver_facts(driver), "back_href": back}


async def own(awaitable: Awaitable[T]) -> T:
    """A record of the officer's own authority, or the 404 page (the same for anyone else's)."""
    try:
        return await awaitable
    except NotFound:
        raise NotFoundException() from None


async def own_name(conn: asyncpg.Connection, request: Request) -> str:
    return await name_of(conn, request.user.authority_id)


async def audit_view(
    conn: asyncpg.Connection, request: Request, subject: str, driver_id: uuid.UUID | None
) -> None:
    # Concerns and requests hold narrative: who looked is logged, as for any record.
    await audit_log.record(
        conn,
        action="view",
        user_id=request.user.user_id,
        authority_id=request.user.authority_id,
        driver_id=driver_id,
        subject=subject,
    )
