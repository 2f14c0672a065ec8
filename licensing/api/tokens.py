"""API tokens under /api/v1, for machine clients acting as a user: administrators issue
(shown once), list and revoke them. Only a token's hash is kept."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import JSONBody, PathParameter

from licensing import auth
from licensing.api.accounts import INT4_MAX, Conn, UserId, invalid, not_found, user_or_404
from licensing.api.common import created
from licensing.problems import Problem
from registry import accounts
from registry.accounts import AccountError
from registry.actor import acting

TokenId = Annotated[int, PathParameter(description="The token's id")]


# Tokens --------------------------------------------------------------------------------------


class TokenOut(msgspec.Struct, frozen=True):
    id: int
    user_id: int
    label: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class NewToken(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
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
    await user_or_404(conn, user_id)
    return [_token_out(t) for t in await accounts.list_tokens(conn, user_id)]


@get("/api/v1/tokens/{token_id:int}", guards=[auth.admin], tags=["accounts"])
async def show_token(conn: Conn, token_id: TokenId) -> TokenOut:
    """One API token: whose, its label and dates, whether it is revoked; never the token."""
    token = await accounts.get_token(conn, token_id) if 0 < token_id <= INT4_MAX else None
    if token is None:
        raise not_found("token")
    return _token_out(token)


@post("/api/v1/users/{user_id:int}/tokens", guards=[auth.admin], tags=["accounts"])
async def issue_token(
    request: Request[Any, Any, Any], conn: Conn, user_id: UserId, data: JSONBody[NewToken]
) -> Response[IssuedToken]:
    """Issue an API token for a machine client acting as this user (shown once, here).
    Location is where the token's details are read, never the token itself."""
    principal = auth.current(request)
    user = await user_or_404(conn, user_id)
    try:
        accounts.check_token_request(data.label, data.days)
    except AccountError as exc:
        raise invalid(exc) from None
    if not user.active:
        raise Problem(409, "This account is deactivated", detail="Tokens cannot be issued to it.")
    async with acting(conn, auth.actor_of(request)):
        token_id, token = await auth.create_token(
            conn, user_id, data.label.strip(), timedelta(days=data.days)
        )
        info = await accounts.token_issued(conn, token_id, actor_user_id=principal.user_id)
    issued = IssuedToken(info.id, info.user_id, info.label, info.created_at, info.expires_at, token)
    return created(issued, "token", info.id)


@post(
    "/api/v1/tokens/{token_id:int}/revocation",
    guards=[auth.admin],
    status_code=200,
    tags=["accounts"],
)
async def revoke_token(request: Request[Any, Any, Any], conn: Conn, token_id: TokenId) -> TokenOut:
    """Revoke a token at once (revoking it again changes nothing)."""
    principal = auth.current(request)
    async with acting(conn, auth.actor_of(request)):
        token = (
            await accounts.revoke_token(conn, token_id, actor_user_id=principal.user_id)
            if 0 < token_id <= INT4_MAX
            else None
        )
    auth.forget_tokens(request.app)
    if token is None:
        raise not_found("token")
    return _token_out(token)


ROUTES = [list_tokens, issue_token, show_token, revoke_token]
