"""Who is asking, and guards that say who may.

Every route is either in PUBLIC_PATHS or carries a guard from this module; a test enumerates
the routes and fails on one that does neither.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import asyncpg
import msgspec
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from registry.accounts import ROLES, TOUCH_INTERVAL_MINUTES, touch_token
from registry.actor import Actor

TOKEN_PREFIX = "cc_"

# Handlers that a DfT analyst may call carry `opt=NO_PERSONAL_DATA`: they answer with aggregates
# or reference data only (tests/test_access.py holds every route admitting DfT to this).
NO_PERSONAL_DATA = {"personal_data": False}


class Principal(msgspec.Struct, frozen=True):
    user_id: int
    role: str
    authority_id: int | None
    display_name: str
    via: str = "token"  # token | session
    token_id: int | None = None


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


PRINCIPAL_BY_TOKEN = """
SELECT u.id AS user_id, u.role, u.authority_id, u.display_name, t.id AS token_id,
       t.last_used_at < now() - make_interval(mins => $2) OR t.last_used_at IS NULL AS stale
FROM api_token t JOIN app_user u ON u.id = t.user_id
WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > now() AND u.active
"""


async def principal_from_token(
    conn: asyncpg.Connection | asyncpg.Pool, token: str
) -> Principal | None:
    row = await conn.fetchrow(PRINCIPAL_BY_TOKEN, hash_token(token), TOUCH_INTERVAL_MINUTES)
    if row is None:
        return None
    if row["stale"]:  # at most once per few minutes per token: most requests only read
        await touch_token(conn, row["token_id"])
    return Principal(
        row["user_id"],
        row["role"],
        row["authority_id"],
        row["display_name"],
        via="token",
        token_id=row["token_id"],
    )


INSERT_TOKEN = """
INSERT INTO api_token (user_id, label, token_hash, expires_at) VALUES ($1, $2, $3, $4) RETURNING id
"""


async def create_token(
    conn: asyncpg.Connection, user_id: int, label: str, valid_for: timedelta = timedelta(days=365)
) -> tuple[int, str]:
    """(id, token): the plain value is returned once and only its hash is kept."""
    token = new_token()
    token_id = await conn.fetchval(
        INSERT_TOKEN, user_id, label, hash_token(token), datetime.now(UTC) + valid_for
    )
    return token_id, token


async def issue_token(
    conn: asyncpg.Connection, user_id: int, label: str, valid_for: timedelta = timedelta(days=365)
) -> str:
    """Create a token; the plain value is returned once and only its hash is kept."""
    return (await create_token(conn, user_id, label, valid_for))[1]


# Extra ways to recognise a caller (the pages add a session cookie); each takes the scope
# and the pool and returns a Principal or None.
AUTHENTICATORS: list = []


class TokenCache:
    """Callers recently recognised by their API token, kept for a few seconds.

    A back-office system sends many requests a second with one token; looking it up once per
    few seconds instead of on every request takes a round trip off each search. The price:
    a token revoked (or an account deactivated) through another instance, or the CLI, still
    works here for up to `seconds`. Revoking through this instance forgets at once. Only the
    token's hash is kept, as in the database. `clock` is what it measures the seconds by (a
    test moves it on rather than waiting them out)."""

    def __init__(
        self, seconds: float, size: int = 4096, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds, self.size, self.clock = seconds, size, clock
        self.found: dict[bytes, tuple[float, Principal]] = {}

    def get(self, key: bytes) -> Principal | None:
        entry = self.found.get(key)
        if entry is None:
            return None
        if entry[0] <= self.clock():
            self.found.pop(key, None)
            return None
        return entry[1]

    def put(self, key: bytes, principal: Principal) -> None:
        if self.seconds <= 0:
            return
        if len(self.found) >= self.size:
            self.found.clear()  # a burst of distinct tokens: start afresh rather than grow
        self.found[key] = (self.clock() + self.seconds, principal)

    def clear(self) -> None:
        self.found.clear()


def forget_tokens(app) -> None:
    """After revoking tokens or deactivating an account: no cached caller outlives it here."""
    cache = getattr(app.state, "token_cache", None)
    if cache is not None:
        cache.clear()


async def _bearer(scope: Scope, pool: asyncpg.Pool) -> Principal | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            token = token.strip()
            if scheme.lower() != "bearer" or not token.startswith(TOKEN_PREFIX):
                return None
            cache: TokenCache | None = getattr(scope["app"].state, "token_cache", None)
            key = hash_token(token)
            if cache is not None and (principal := cache.get(key)) is not None:
                return principal
            principal = await principal_from_token(pool, token)
            if cache is not None and principal is not None:
                cache.put(key, principal)
            return principal
    return None


# Probes for a load balancer: answered without looking up who asks (a cookie sent along
# must not make /ready wait on the session table).
PROBES = frozenset({"/health", "/ready"})


class PrincipalMiddleware(ASGIMiddleware):
    """Puts the caller (or None) in scope["user"]; guards decide what that allows."""

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope["type"] == "http" and scope.get("path") in PROBES:
            scope["user"] = None
        elif scope["type"] == "http":
            pool = scope["app"].state.pool
            principal = await _bearer(scope, pool)
            for authenticate in AUTHENTICATORS:
                if principal is not None:
                    break
                principal = await authenticate(scope, pool)
            scope["user"] = principal
        await next_app(scope, receive, send)


def current(connection: ASGIConnection) -> Principal:
    principal = connection.scope.get("user")
    if principal is None:
        raise NotAuthorizedException("Sign in, or send a valid API token")
    return principal


def actor_of(connection: ASGIConnection) -> Actor:
    """The signed-in user as the registry's actor (who writes, for which authority)."""
    principal = current(connection)
    return Actor(user_id=principal.user_id, authority_id=principal.authority_id)


def requires(*roles: str):
    """A guard admitting only the given roles."""
    unknown = set(roles) - set(ROLES)
    assert not unknown, unknown

    # async: litestar runs a sync guard in a worker thread, a thread hop on every request
    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        if current(connection).role not in roles:
            raise PermissionDeniedException("Your role does not allow this")

    guard.__name__ = "requires_" + "_or_".join(roles)
    guard.roles = roles  # read by the access-matrix test
    return guard


OTHER_AUTHORITY = "This record belongs to another licensing authority"


def require_own_authority(principal: Principal, authority_id: int | None) -> None:
    """An authority writes only its own records: call before changing one (403 otherwise)."""
    if principal.authority_id is None or principal.authority_id != authority_id:
        raise PermissionDeniedException(OTHER_AUTHORITY)


officer = requires("licensing_officer")
dpo = requires("dpo")
dft = requires("dft_analyst")
admin = requires("admin")
summary_reader = requires("dft_analyst", "licensing_officer", "admin")
signed_in = requires(*ROLES)
