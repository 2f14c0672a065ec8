"""Licensing authorities under /api/v1: anyone signed in lists them (reference data);
administrators read and change an authority's alert mailbox, delivery choice and
information contact (registry/authority_settings.py)."""

from __future__ import annotations

from typing import Annotated, Any

import asyncpg
import msgspec
from litestar import Request, get, patch
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody, PathParameter

from licensing import auth
from licensing.auth import actor_of
from licensing.problems import Problem
from registry import authorities
from registry import authority_settings as authority_settings_of
from registry.authorities import by_code
from registry.authority_settings import AuthorityPatch, AuthoritySettings

Conn = NamedDependency[asyncpg.Connection]
AuthorityCode = Annotated[
    str, PathParameter(description="ONS GSS code (or TFL); former codes work too")
]


# Authorities ---------------------------------------------------------------------------------


class AuthorityOut(msgspec.Struct, frozen=True):
    code: str
    name: str
    nation: str
    kind: str
    licenses_drivers: bool


@get(
    "/api/v1/authorities", guards=[auth.signed_in], opt=auth.NO_PERSONAL_DATA, tags=["authorities"]
)
async def list_authorities(
    conn: Conn, licenses_drivers: FromQuery[bool | None] = None
) -> list[AuthorityOut]:
    """The licensing authorities (reference data): code, name, nation and kind."""
    rows = await authorities.current(conn, licenses_drivers)
    return [AuthorityOut(**dict(r)) for r in rows]


async def _authority_id(conn: asyncpg.Connection, code: str) -> int:
    found = await by_code(conn, code) if len(code) <= 20 else None
    if found is None:
        raise Problem(404, "No such authority")
    return found.id


@get("/api/v1/authorities/{code:str}", guards=[auth.admin], tags=["authorities"])
async def authority_settings(conn: Conn, code: AuthorityCode) -> AuthoritySettings:
    """An authority's alert mailbox, delivery choice and information contact."""
    return await authority_settings_of.read(conn, await _authority_id(conn, code))


@patch("/api/v1/authorities/{code:str}", guards=[auth.admin], tags=["authorities"])
async def update_authority(
    request: Request[Any, Any, Any], conn: Conn, code: AuthorityCode, data: JSONBody[AuthorityPatch]
) -> AuthoritySettings:
    """Change where and how an authority receives alerts, and how to ask it for information."""
    return await authority_settings_of.change(
        conn, actor_of(request), await _authority_id(conn, code), data
    )


ROUTES = [list_authorities, authority_settings, update_authority]
