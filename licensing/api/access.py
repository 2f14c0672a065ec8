"""Accounts, tokens, authorities' settings and the audit log, under /api/v1.

Who may: anyone signed in reads their own account and the list of authorities; administrators
manage accounts, tokens and authorities' alert settings; a data protection officer reads and
exports their own authority's audit log, and nobody else's.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Literal

import asyncpg
import msgspec
from litestar import Request, Response, get, patch, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromQuery, JSONBody, PathParameter, QueryParameter

from licensing import auth
from licensing.api.paging import DEFAULT_LIMIT, Cursor, Limit, Page, page_of
from licensing.auth import actor_of
from licensing.downloads import csv_stream
from licensing.problems import FieldError, InvalidFields, Problem, problem_spec
from registry import accounts, audit_log, authorities
from registry import authority_settings as authority_settings_of
from registry.accounts import AccountError
from registry.actor import Actor, acting
from registry.audit_export import export as export_audit_log
from registry.authorities import by_code
from registry.authority_settings import AuthorityPatch, AuthoritySettings
from registry.paging import last_id

INT4_MAX = 2**31 - 1
Conn = NamedDependency[asyncpg.Connection]
UserId = Annotated[int, PathParameter(description="The account's id")]
TokenId = Annotated[int, PathParameter(description="The token's id")]
AuthorityCode = Annotated[
    str, PathParameter(description="ONS GSS code (or TFL); former codes work too")
]
Role = Literal["licensing_officer", "dpo", "dft_analyst", "admin"]


def _invalid(exc: AccountError) -> InvalidFields:
    return InvalidFields([FieldError(field, message) for field, message in exc.errors])


def _not_found(what: str) -> Problem:
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
async def me(request: Request, conn: Conn) -> Me:
    """The caller's own account: who they are, their role and their authority."""
    principal = auth.current(request)
    user = await accounts.get_user(conn, principal.user_id)
    authority = (
        MyAuthority(user.authority_code, user.authority_name) if user.authority_code else None
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


class NewUser(msgspec.Struct, frozen=True):
    email: str
    display_name: str
    role: Role
    authority_code: str | None = None
    password: str | None = None  # optional first password for signing in to the pages


async def _user_or_404(conn: asyncpg.Connection, user_id: int) -> accounts.User:
    user = await accounts.get_user(conn, user_id) if 0 < user_id <= INT4_MAX else None
    if user is None:
        raise _not_found("user")
    return user


@get("/api/v1/users", guards=[auth.admin], tags=["accounts"])
async def list_users(
    request: Request,
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


@post("/api/v1/users", guards=[auth.admin], tags=["accounts"])
async def create_user(request: Request, conn: Conn, data: JSONBody[NewUser]) -> UserOut:
    """Add an account. Officers and data protection officers need their authority's code."""
    principal = auth.current(request)
    async with acting(conn, Actor(principal.user_id, principal.authority_id)):
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
            raise _invalid(exc) from None
    return _user_out(user)


@post(
    "/api/v1/users/{user_id:int}/deactivation",
    guards=[auth.admin],
    status_code=200,
    tags=["accounts"],
)
async def deactivate_user(request: Request, conn: Conn, user_id: UserId) -> UserOut:
    """Switch an account off: it can no longer sign in, and its tokens are revoked."""
    principal = auth.current(request)
    await _user_or_404(conn, user_id)
    if user_id == principal.user_id:
        raise Problem(
            409, "You cannot deactivate your own account", detail="Ask another administrator."
        )
    async with acting(conn, Actor(principal.user_id, principal.authority_id)):
        user = await accounts.deactivate_user(conn, user_id, actor_user_id=principal.user_id)
    auth.forget_tokens(request.app)
    return _user_out(user)


# Tokens --------------------------------------------------------------------------------------


class TokenOut(msgspec.Struct, frozen=True):
    id: int
    user_id: int
    label: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class NewToken(msgspec.Struct, frozen=True):
    label: str
    days: int = 365


class IssuedToken(msgspec.Struct, frozen=True):
    """The token itself is in this answer only: it is not kept and cannot be shown again."""

    id: int
    user_id: int
    label: str
    created_at: datetime
    expires_at: datetime
    token: str


def _token_out(token: accounts.TokenInfo) -> TokenOut:
    return TokenOut(**msgspec.structs.asdict(token))


@get("/api/v1/users/{user_id:int}/tokens", guards=[auth.admin], tags=["accounts"])
async def list_tokens(conn: Conn, user_id: UserId) -> list[TokenOut]:
    """A user's API tokens, newest first: ids, labels and dates, never the tokens."""
    await _user_or_404(conn, user_id)
    return [_token_out(t) for t in await accounts.list_tokens(conn, user_id)]


@post("/api/v1/users/{user_id:int}/tokens", guards=[auth.admin], tags=["accounts"])
async def issue_token(
    request: Request, conn: Conn, user_id: UserId, data: JSONBody[NewToken]
) -> IssuedToken:
    """Issue an API token for a machine client acting as this user (shown once, here)."""
    principal = auth.current(request)
    user = await _user_or_404(conn, user_id)
    try:
        accounts.check_token_request(data.label, data.days)
    except AccountError as exc:
        raise _invalid(exc) from None
    if not user.active:
        raise Problem(409, "This account is deactivated", detail="Tokens cannot be issued to it.")
    async with acting(conn, Actor(principal.user_id, principal.authority_id)):
        token_id, token = await auth.create_token(
            conn, user_id, data.label.strip(), timedelta(days=data.days)
        )
        info = await accounts.token_issued(conn, token_id, actor_user_id=principal.user_id)
    return IssuedToken(info.id, info.user_id, info.label, info.created_at, info.expires_at, token)


@post(
    "/api/v1/tokens/{token_id:int}/revocation",
    guards=[auth.admin],
    status_code=200,
    tags=["accounts"],
)
async def revoke_token(request: Request, conn: Conn, token_id: TokenId) -> TokenOut:
    """Revoke a token at once (revoking it again changes nothing)."""
    principal = auth.current(request)
    async with acting(conn, Actor(principal.user_id, principal.authority_id)):
        token = (
            await accounts.revoke_token(conn, token_id, actor_user_id=principal.user_id)
            if 0 < token_id <= INT4_MAX
            else None
        )
    auth.forget_tokens(request.app)
    if token is None:
        raise _not_found("token")
    return _token_out(token)


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
        raise _not_found("authority")
    return found.id


@get("/api/v1/authorities/{code:str}", guards=[auth.admin], tags=["authorities"])
async def authority_settings(conn: Conn, code: AuthorityCode) -> AuthoritySettings:
    """An authority's alert mailbox, delivery choice and information contact."""
    return await authority_settings_of.read(conn, await _authority_id(conn, code))


@patch("/api/v1/authorities/{code:str}", guards=[auth.admin], tags=["authorities"])
async def update_authority(
    request: Request, conn: Conn, code: AuthorityCode, data: JSONBody[AuthorityPatch]
) -> AuthoritySettings:
    """Change where and how an authority receives alerts, and how to ask it for information."""
    return await authority_settings_of.change(
        conn, actor_of(request), await _authority_id(conn, code), data
    )


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


def _own_authority(request: Request) -> int:
    authority_id = auth.current(request).authority_id
    if authority_id is None:  # the database makes this impossible for a dpo; be sure anyway
        raise Problem(403, "Your account belongs to no authority")
    return authority_id


@get("/api/v1/audit", guards=[auth.dpo], tags=["audit"])
async def audit_entries(
    request: Request,
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
    request: Request,
    conn: Conn,
    state: State,
    from_date: FromDate = None,
    to_date: ToDate = None,
    action: ActionFilter = None,
    user: UserFilter = None,
) -> Response:
    """Export your authority's audit log as CSV. The export is itself recorded in the log."""
    _own_authority(request)
    where = _filter(from_date, to_date, action, user)
    pieces = await export_audit_log(conn, state.pool, actor_of(request), where)
    return csv_stream(pieces, f"audit-{date.today().isoformat()}.csv")


ROUTES = [
    me,
    list_users,
    create_user,
    deactivate_user,
    list_tokens,
    issue_token,
    revoke_token,
    list_authorities,
    authority_settings,
    update_authority,
    audit_entries,
    audit_export,
]
