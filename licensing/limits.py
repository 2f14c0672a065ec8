"""Per-officer hourly limits on opening driver records and searching the register.

The API and the pages call `count_use` before a record is opened or a search runs. The count
lives in PostgreSQL (registry/limits.py), shared by every process. Reaching the alert level
writes a `bulk_access` row to the officer's authority's audit log and raises an alert to its
data protection officer (registry/audit_log.flag); going past the limit answers 429 with Retry-After (seconds to the next hour's
window), and nothing is opened or searched.
"""

from __future__ import annotations

import asyncpg
import msgspec
from litestar import Request
from litestar.exceptions import TooManyRequestsException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from licensing import db
from licensing.problems import DatabaseUnavailable, ProblemDetails
from licensing.settings import Settings
from registry import audit_log, limits
from registry.actor import Actor, acting

WORDS = {"record_open": "driver records opened", "search": "searches"}


def _levels(settings: Settings, kind: str) -> tuple[int, int]:
    if kind == "record_open":
        return settings.record_opens_per_hour, settings.record_opens_alert_at
    return settings.searches_per_hour, settings.searches_alert_at


async def count_use(request: Request, conn: asyncpg.Connection, kind: str) -> None:
    """Count one record opening or search by the signed-in officer; 429 past their limit."""
    principal = request.user
    limit, alert_at = _levels(request.app.state.settings, kind)
    use = await limits.take(conn, f"user:{principal.user_id}:{kind}", limit)
    if (use.used == alert_at or use.used == limit + 1) and principal.authority_id is not None:
        async with acting(conn, Actor(principal.user_id, principal.authority_id)):
            await audit_log.flag(
                conn,
                action="bulk_access",
                user_id=principal.user_id,
                authority_id=principal.authority_id,
                detail={"kind": kind, "used_this_hour": use.used, "limit": limit},
            )
    if not use.allowed:
        raise TooManyRequestsException(
            detail=f"You have reached the limit of {limit} {WORDS[kind]} an hour. "
            "Your data protection officer has been told. Try again later.",
            headers={"Retry-After": str(use.seconds_left)},
        )


# Per-token request limits ------------------------------------------------------------------

POLICY = "default"
TOO_MANY = ProblemDetails(
    title="Too many requests",
    status=429,
    detail="This API token has made more requests this minute than the service allows. "
    "Wait the Retry-After seconds, then try again.",
)


def rate_headers(use: limits.Use, window_seconds: int) -> list[tuple[bytes, bytes]]:
    """RateLimit-Policy and RateLimit (the IETF httpapi draft's structured fields)."""
    remaining = max(0, use.limit - use.used)
    return [
        (b"ratelimit-policy", f'"{POLICY}";q={use.limit};w={window_seconds}'.encode()),
        (b"ratelimit", f'"{POLICY}";r={remaining};t={use.seconds_left}'.encode()),
    ]


class TokenRateLimit(ASGIMiddleware):
    """Counts each API request made with a bearer token in a one-minute window shared by every
    process (registry/limits.py); past API_REQUESTS_PER_MINUTE it answers 429 with Retry-After.
    Every counted answer carries RateLimit-Policy and RateLimit headers. Requests signed in
    through the pages are limited per officer as before (count_use), not here."""

    WINDOW = 60

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        principal = scope.get("user") if scope["type"] == "http" else None
        per_minute = scope["app"].state.settings.api_requests_per_minute
        if (
            principal is None
            or principal.via != "token"
            or principal.token_id is None
            or per_minute <= 0
            or not scope["path"].startswith("/api/")
        ):
            await next_app(scope, receive, send)
            return
        try:
            async with db.lent(scope["app"].state.pool) as conn:
                use = await limits.take(
                    conn, f"token:{principal.token_id}:api", per_minute, self.WINDOW
                )
        except (asyncpg.PostgresError, OSError, TimeoutError) as exc:
            if db.unavailable(exc):  # the handler would wait out the same limits again
                raise DatabaseUnavailable() from None
            await next_app(scope, receive, send)
            return
        extra = rate_headers(use, self.WINDOW)
        if not use.allowed:
            body = msgspec.json.encode(TOO_MANY)
            await send(
                {
                    "type": "http.response.start",
                    "status": 429,
                    "headers": [
                        (b"content-type", b"application/problem+json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"retry-after", str(use.seconds_left).encode()),
                        *extra,
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await next_app(scope, receive, with_headers)
