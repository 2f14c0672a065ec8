"""Signed-in sessions for the pages: a random value in a cookie, its hash in web_session.

A session ends at sign-out, after IDLE without a request, or ABSOLUTE after sign-in,
whichever comes first. The cookie is Secure (unless settings.secure_cookies is off, for tests
over plain http), HttpOnly, SameSite=Lax, Path=/ and host-only (the __Host- prefix makes the
browser insist on that). Each session has its own CSRF token, checked on every form.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from datetime import timedelta

import asyncpg
import msgspec
from litestar.datastructures import Cookie
from litestar.types import Scope

from licensing.auth import Principal
from licensing.settings import Settings

IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)
# Sign-in attempts: this many failures for one email from one address (or from one address
# for any email) within WINDOW stop further attempts until the window has passed.
WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_ADDRESS = 20


class WebSession(msgspec.Struct, frozen=True):
    token_hash: bytes
    csrf_token: str


def cookie_name(settings: Settings) -> str:
    return "__Host-crosscheck" if settings.secure_cookies else "crosscheck"


def signin_cookie_name(settings: Settings) -> str:
    return "__Host-crosscheck-signin" if settings.secure_cookies else "crosscheck-signin"


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def same_token(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())


def session_cookie(settings: Settings, value: str | None) -> Cookie:
    """The session cookie; value None deletes it."""
    return Cookie(
        key=cookie_name(settings),
        value=value or "",
        path="/",
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
        max_age=int(ABSOLUTE.total_seconds()) if value else 0,
    )


def signin_cookie(settings: Settings, value: str | None) -> Cookie:
    """Holds the sign-in form's CSRF token before there is a session (double submit)."""
    return Cookie(
        key=signin_cookie_name(settings),
        value=value or "",
        path="/",
        httponly=True,
        secure=settings.secure_cookies,
        samesite="strict",
        max_age=3600 if value else 0,
    )


def cookie_value(scope: Scope, name: str) -> str | None:
    for header, value in scope.get("headers", []):
        if header == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _, found = part.strip().partition("=")
                if key == name and found:
                    return found
    return None


START = """
INSERT INTO web_session (id, user_id, idle_minutes, expires_at, csrf_token)
VALUES ($1, $2, $3, now() + $4::interval, $5)
"""


async def start(conn: asyncpg.Connection, user_id: int) -> str:
    """A new session for the user; returns the cookie value (only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    await conn.execute(
        START,
        _hash(token),
        user_id,
        int(IDLE.total_seconds() // 60),
        ABSOLUTE,
        secrets.token_urlsafe(32),
    )
    return token


# One statement: find a live session, note that it was seen, and return its user.
TOUCH = """
WITH live AS (
    UPDATE web_session s SET last_seen_at = now()
    FROM app_user u
    WHERE s.id = $1 AND s.user_id = u.id AND u.active AND s.ended_at IS NULL
      AND s.expires_at > now() AND s.last_seen_at + make_interval(mins => s.idle_minutes) > now()
    RETURNING s.csrf_token, u.id AS user_id, u.role, u.authority_id, u.display_name
)
SELECT * FROM live
"""

END = "UPDATE web_session SET ended_at = now() WHERE id = $1 AND ended_at IS NULL"


async def end(conn: asyncpg.Connection | asyncpg.Pool, token_hash: bytes) -> None:
    await conn.execute(END, token_hash)


END_OTHERS = """
UPDATE web_session SET ended_at = now()
WHERE user_id = $1 AND id IS DISTINCT FROM $2 AND ended_at IS NULL
"""


async def end_others(conn: asyncpg.Connection, user_id: int, keep: bytes | None) -> None:
    """Sign a user out everywhere but this session (after a password change)."""
    await conn.execute(END_OTHERS, user_id, keep)


async def authenticate(scope: Scope, pool: asyncpg.Pool) -> Principal | None:
    """The AUTHENTICATORS hook: a session cookie signs in page requests (never the API, whose
    callers use tokens; a cookie there would open the API to cross-site requests)."""
    if scope.get("path", "").startswith("/api/"):
        return None
    settings = scope["app"].state.settings
    token = cookie_value(scope, cookie_name(settings))
    if not token:
        return None
    token_hash = _hash(token)
    row = await pool.fetchrow(TOUCH, token_hash)
    if row is None:
        scope["stale_session"] = True
        return None
    scope["web_session"] = WebSession(token_hash, row["csrf_token"])
    return Principal(
        user_id=row["user_id"],
        role=row["role"],
        authority_id=row["authority_id"],
        display_name=row["display_name"],
        via="session",
    )


# Rate limiting ---------------------------------------------------------------------------

FAILURES = """
SELECT count(*) FILTER (WHERE email = $1) AS for_email, count(*) AS for_address
FROM sign_in_attempt
WHERE NOT succeeded AND at > now() - $3::interval AND client_ip IS NOT DISTINCT FROM $2::inet
"""

NOTE_ATTEMPT = "INSERT INTO sign_in_attempt (email, client_ip, succeeded) VALUES ($1, $2, $3)"

# Old attempts only matter within the window; keep a day for anyone looking into an attack.
FORGET_ATTEMPTS = "DELETE FROM sign_in_attempt WHERE at < now() - interval '1 day'"


def client_address(raw: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(raw)) if raw else None
    except ValueError:
        return None


async def too_many_failures(conn: asyncpg.Connection, email: str, address: str | None) -> bool:
    row = await conn.fetchrow(FAILURES, email.lower(), address, WINDOW)
    return (
        row["for_email"] >= MAX_FAILURES_PER_EMAIL or row["for_address"] >= MAX_FAILURES_PER_ADDRESS
    )


async def note_attempt(
    conn: asyncpg.Connection, email: str, address: str | None, succeeded: bool
) -> None:
    await conn.execute(NOTE_ATTEMPT, email.lower()[:320], address, succeeded)
