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
import math
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
# A session waiting for the second factor (a code, or setting up an authenticator) signs in
# to nothing and lasts this long; the password is asked again after it.
AWAITING = timedelta(minutes=10)


class WebSession(msgspec.Struct, frozen=True):
    token_hash: bytes
    csrf_token: str


def cookie_name(settings: Settings) -> str:
    return "__Host-crosscheck" if settings.secure_cookies else "crosscheck"


def second_factor_path(awaiting: str) -> str:
    """The page that asks for what a waiting session awaits."""
    return "/sign-in/code" if awaiting == "code" else "/sign-in/set-up"


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
INSERT INTO web_session (id, user_id, idle_minutes, expires_at, csrf_token, awaiting)
VALUES ($1, $2, $3, now() + $4::interval, $5, $6)
"""


async def start(conn: asyncpg.Connection, user_id: int, awaiting: str | None = None) -> str:
    """A new session for the user; returns the cookie value (only its hash is kept). With
    `awaiting` ('code' or 'enrolment') it is not yet signed in: see `awaiting_session`."""
    token = secrets.token_urlsafe(32)
    await conn.execute(
        START,
        _hash(token),
        user_id,
        int(IDLE.total_seconds() // 60),
        AWAITING if awaiting else ABSOLUTE,
        secrets.token_urlsafe(32),
        awaiting,
    )
    return token


class Awaiting(msgspec.Struct, frozen=True):
    """A session between the password and the second factor."""

    token_hash: bytes
    csrf_token: str
    awaiting: str  # code | enrolment
    user_id: int
    email: str
    authority_id: int | None
    pending_secret: str | None


AWAITING_SESSION = """
SELECT s.csrf_token, s.awaiting, s.pending_totp_secret AS pending_secret, u.id AS user_id,
       u.email::text AS email, u.authority_id
FROM web_session s JOIN app_user u ON u.id = s.user_id
WHERE s.id = $1 AND u.active AND s.ended_at IS NULL AND s.expires_at > now()
  AND s.awaiting IS NOT NULL
"""


async def awaiting_session(conn: asyncpg.Connection, scope: Scope) -> Awaiting | None:
    """The session this browser started with its password, still waiting for the second
    factor; it also becomes scope["web_session"], so its forms carry its CSRF token."""
    token = cookie_value(scope, cookie_name(scope["app"].state.settings))
    if not token:
        return None
    token_hash = _hash(token)
    row = await conn.fetchrow(AWAITING_SESSION, token_hash)
    if row is None:
        return None
    scope["web_session"] = WebSession(token_hash, row["csrf_token"])
    return Awaiting(token_hash=token_hash, **dict(row))


KEEP_PENDING_SECRET = "UPDATE web_session SET pending_totp_secret = $2 WHERE id = $1"


async def keep_pending_secret(conn: asyncpg.Connection, token_hash: bytes, secret: str) -> None:
    await conn.execute(KEEP_PENDING_SECRET, token_hash, secret)


# A new value for the now full session (the one the password step set is never signed in).
COMPLETE = """
UPDATE web_session SET id = $2, awaiting = NULL, pending_totp_secret = NULL,
       last_seen_at = now(), expires_at = now() + $3::interval
WHERE id = $1 AND awaiting IS NOT NULL AND ended_at IS NULL
"""


async def complete(conn: asyncpg.Connection, token_hash: bytes) -> str:
    """The second factor is given: the session is signed in, under a new cookie value."""
    token = secrets.token_urlsafe(32)
    await conn.execute(COMPLETE, token_hash, _hash(token), ABSOLUTE)
    return token


# One statement: find a live session, note that it was seen, and return its user.
TOUCH = """
WITH live AS (
    UPDATE web_session s SET last_seen_at = now()
    FROM app_user u
    WHERE s.id = $1 AND s.user_id = u.id AND u.active AND s.ended_at IS NULL
      AND s.expires_at > now() AND s.last_seen_at + make_interval(mins => s.idle_minutes) > now()
      AND s.awaiting IS NULL
    RETURNING s.csrf_token, u.id AS user_id, u.role, u.authority_id, u.display_name
)
SELECT * FROM live
"""

STILL_AWAITING = """
SELECT awaiting FROM web_session WHERE id = $1 AND ended_at IS NULL AND expires_at > now()
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
        # half-way through signing in (the page for the second factor is where to go), or over
        if awaiting := await pool.fetchval(STILL_AWAITING, token_hash):
            scope["awaiting_second_factor"] = awaiting
        else:
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
# Two throttles, kept apart so neither can be turned against people who did nothing wrong:
# - per account (the email as typed, lower-cased): after FREE_FAILURES failures since its last
#   success, each further failure doubles the wait before the next try (1, 2, 4... seconds),
#   up to MAX_DELAY. An email
#   no account has only slows down tries at that same email, never a real account's.
# - per client address: MAX_FAILURES_PER_ADDRESS failures within WINDOW stop that address (the
#   client's own, read from X-Forwarded-For only when the peer is a trusted proxy, so officers
#   behind one load balancer are not one address).

FREE_FAILURES = 3
MAX_DELAY = timedelta(minutes=15)
WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ADDRESS = 20

# Seconds still to wait: for the account (growing delay since its last success, or an administrator clearing it), and
# for the address (until enough of its failures in the window have aged out).
WAIT = """
WITH account AS (
    SELECT count(*) AS failures, max(at) AS last_failure
    FROM sign_in_attempt
    WHERE email = $1 AND NOT succeeded AND at > now() - interval '1 day'
      AND at > coalesce(
          (SELECT max(at) FROM sign_in_attempt WHERE email = $1 AND succeeded), '-infinity')
), address AS (
    SELECT at FROM sign_in_attempt
    WHERE $2::inet IS NOT NULL AND client_ip = $2::inet AND NOT succeeded
      AND at > now() - $3::interval
    ORDER BY at DESC OFFSET $4 - 1 LIMIT 1
)
SELECT
    CASE WHEN failures <= $5 THEN 0 ELSE greatest(0, extract(epoch FROM
        last_failure + least(power(2, failures - $5 - 1), $6) * interval '1 second' - now()))
    END AS account_wait,
    coalesce((SELECT greatest(0, extract(epoch FROM at + $3::interval - now())) FROM address), 0)
        AS address_wait
FROM account
"""

NOTE_ATTEMPT = "INSERT INTO sign_in_attempt (email, client_ip, succeeded) VALUES ($1, $2, $3)"

# Old attempts only matter within a day; keep a day for anyone looking into an attack.
FORGET_ATTEMPTS = "DELETE FROM sign_in_attempt WHERE at < now() - interval '1 day'"


FORGET_FAILURES = "DELETE FROM sign_in_attempt WHERE email = $1 AND NOT succeeded"


async def forget_failures(conn: asyncpg.Connection, email: str) -> int:
    """An administrator lets an account try again now; returns how many failures went."""
    status = await conn.execute(FORGET_FAILURES, email.lower()[:320])
    return int(status.split()[-1])


def _ip(raw: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(raw.strip()) if raw else None
    except ValueError:
        return None


def client_address(scope: Scope, trusted: tuple = ()) -> str | None:
    """The client's address: the peer's, unless the peer is a trusted proxy; then the nearest
    address in X-Forwarded-For that is not itself a trusted proxy (read from the right, since
    each proxy appends the address it saw and anything further left is the client's say)."""
    client = scope.get("client")
    peer = _ip(client[0] if client else None)
    if peer is None or not any(peer in network for network in trusted):
        return str(peer) if peer else None
    hops = [
        hop
        for name, value in scope.get("headers", [])
        if name == b"x-forwarded-for"
        for hop in value.decode("latin-1").split(",")
    ]
    nearest = peer
    for hop in reversed(hops):
        address = _ip(hop)
        if address is None:
            break
        nearest = address
        if not any(address in network for network in trusted):
            break
    return str(nearest)


async def seconds_to_wait(conn: asyncpg.Connection, email: str, address: str | None) -> int:
    """0 when this email may be tried from this address now; otherwise how long to wait."""
    row = await conn.fetchrow(
        WAIT,
        email.lower()[:320],
        address,
        WINDOW,
        MAX_FAILURES_PER_ADDRESS,
        FREE_FAILURES,
        MAX_DELAY.total_seconds(),
    )
    return math.ceil(max(row["account_wait"], row["address_wait"]))


def wait_message(seconds: int) -> str:
    amount = f"{seconds} seconds" if seconds < 120 else f"{math.ceil(seconds / 60)} minutes"
    return (
        f"There have been too many failed attempts to sign in. Wait {amount}, then try again. "
        "If you have forgotten your password, reset it through 'Forgotten your password?'."
    )


async def note_attempt(
    conn: asyncpg.Connection, email: str, address: str | None, succeeded: bool
) -> None:
    await conn.execute(NOTE_ATTEMPT, email.lower()[:320], address, succeeded)
