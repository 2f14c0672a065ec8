"""Accounts under /api/v1: anyone signed in reads their own account (/me); administrators
list, add and deactivate accounts. API tokens are in licensing/api/tokens.py."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import asyncpg
import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody, PathParameter, QueryParameter

from licensing import auth
from licensing.api.common import created
from licensing.api.paging import DEFAULT_LIMIT, Cursor, Limit, Page, page_of
from licensing.problems import FieldError, InvalidFields, Problem
from registry import accounts
from registry.accounts import AccountError
from registry.actor import acting
from registry.authorities import by_code
from registry.paging import last_id

INT4_MAX = 2**31 - 1
Conn = NamedDependency[asyncpg.Connection]
UserId = Annotated[int, PathParameter(description="The account's id")]
Role = Literal["licensing_officer", "dpo", "dft_analyst", "admin"]


def invalid(exc: AccountError) -> InvalidFields:
    return InvalidFields([FieldError(field, message) for field, message in exc.errors])


def not_found(what: str) -> Problem:
    return Problem(404, f"No such {what}")


# Me ------------------------------------------------------------------------------------------


class MyAuthority(msgspec.Struct, frozen=True):
    code: str
    name: str


class Me(msgspec.Struct, frozen=True):
    id: int
    email: str
    display_name: str
    role: str
    authority: MyAuthority | None
    signed_in_with: str


@get("/api/v1/me", guards=[auth.signed_in], opt=auth.NO_PERSONAL_DATA, tags=["accounts"])
async def me(request: Request[Any, Any, Any], conn: Conn) -> Me:
    """The caller's own account: who they are, their role and their authority."""
    principal = auth.current(request)
    user = await user_or_404(conn, principal.user_id)
    authority = (
        MyAuthority(user.authority_code, user.authority_name or "") if user.authority_code else None
    )
    return Me(user.id, user.email, user.display_name, user.role, authority, principal.via)


# Users ---------------------------------------------------------------------------------------


class UserOut(msgspec.Struct, frozen=True):
    id: int
    email: str
    display_name: str
    role: str
    authority_code: str | None
    authority_name: str | None
    active: bool
    created_at: datetime
    deactivated_at: datetime | None


def _user_out(user: accounts.User) -> UserOut:
    return UserOut(
        user.id,
        user.email,
        user.display_name,
        user.role,
        user.authority_code,
        user.authority_name,
        user.active,
        user.created_at,
        user.deactivated_at,
    )


class NewUser(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    email: str
    display_name: str
    role: Role
    authority_code: str | None = None
    password: str | None = None  # optional first password for signing in to the pages


async def user_or_404(conn: asyncpg.Connection, user_id: int) -> accounts.User:
    user = await accounts.get_user(conn, user_id) if 0 < user_id <= INT4_MAX else None
    if user is None:
        raise not_found("user")
    return user


@get("/api/v1/users", guards=[auth.admin], tags=["accounts"])
async def list_users(
    request: Request[Any, Any, Any],
    conn: Conn,
    authority: Annotated[
        str | None, QueryParameter(description="Only this authority's users (code)", max_length=20)
    ] = None,
    active: FromQuery[bool | None] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[UserOut]:
    """Every account in the order they were made, optionally one authority's, optionally only
    active or inactive ones."""
    authority_id = None
    if authority:
        found = await by_code(conn, authority)
        if found is None:
            raise InvalidFields([FieldError("authority", "No licensing authority has this code")])
        authority_id = found.id
    rows = await accounts.users_page(
        conn, authority_id=authority_id, active=active, after_id=last_id(cursor), limit=limit + 1
    )
    return page_of(request, [_user_out(u) for u in rows], limit)


@get("/api/v1/users/{user_id:int}", guards=[auth.admin], tags=["accounts"])
async def show_user(conn: Conn, user_id: UserId) -> UserOut:
    """One account: its role, its authority and whether it is active."""
    return _user_out(await user_or_404(conn, user_id))


@post("/api/v1/users", guards=[auth.admin], tags=["accounts"])
async def create_user(
    request: Request[Any, Any, Any], conn: Conn, data: JSONBody[NewUser]
) -> Response[UserOut]:
    """Add an account. Officers and data protection officers need their authority's code.
    Location is where the account is read."""
    principal = auth.current(request)
    async with acting(conn, auth.actor_of(request)):
        try:
            user = await accounts.create_user(
                conn,
                email=data.email,
                display_name=data.display_name,
                role=data.role,
                authority_code=data.authority_code,
                password=data.password,
                actor_user_id=principal.user_id,
            )
        except AccountError as exc:
            raise invalid(exc) from None
    return created(_user_out(user), "user", user.id)


@post(
    "/api/v1/users/{user_id:int}/deactivation",
    guards=[auth.admin],
    status_code=200,
    tags=["accounts"],
)
async def deactivate_user(request: Request[Any, Any, Any], conn: Conn, user_id: UserId) -> UserOut:
    """Switch an account off: it can no longer sign in, and its tokens are revoked."""
    principal = auth.current(request)
    await user_or_404(conn, user_id)
    if user_id == principal.user_id:
        raise Problem(
            409, "You cannot deactivate your own account", detail="Ask another administrator."
        )
    async with acting(conn, auth.actor_of(request)):
        user = await accounts.deactivate_user(conn, user_id, actor_user_id=principal.user_id)
    auth.forget_tokens(request.app)
    if user is None:  # gone since the check above
        raise not_found("user")
    return _user_out(user)


ROUTES = [me, list_users, show_user, create_user, deactivate_user]
