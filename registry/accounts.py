"""People and machines that use the register: accounts, passwords and API tokens.

Users belong to one licensing authority (licensing officers, data protection officers), or to
none (DfT analysts, administrators). Tokens are issued by `licensing.auth.issue_token`, which
keeps only their hash; here they are listed and revoked, never shown again.
"""

from __future__ import annotations

import asyncio
import functools
import re
from datetime import datetime

import asyncpg
import msgspec
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from registry import audit_log
from registry.actor import Actor, acting
from registry.authorities import by_code

ROLES = ("licensing_officer", "dpo", "dft_analyst", "admin")
AUTHORITY_ROLES = ("licensing_officer", "dpo")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 12
MAX_PASSWORD = 200
MAX_TOKEN_DAYS = 730

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    # Verified against when the email is unknown, so both answers take the same time.
    return _hasher.hash("not a real password, only for timing")


class AccountError(Exception):
    """Something given for an account is wrong; `errors` names each field and what is wrong."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors))
        self.errors = errors


class User(msgspec.Struct, frozen=True):
    id: int
    email: str
    display_name: str
    role: str
    authority_id: int | None
    authority_code: str | None
    authority_name: str | None
    active: bool
    created_at: datetime
    deactivated_at: datetime | None = None


class TokenInfo(msgspec.Struct, frozen=True):
    """What may be shown about a token: never its value or hash."""

    id: int
    user_id: int
    label: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


USER_COLUMNS = """
SELECT u.id, u.email::text AS email, u.display_name, u.role, u.authority_id,
       a.code AS authority_code, a.name AS authority_name, u.active, u.created_at, u.deactivated_at
FROM app_user u LEFT JOIN authority a ON a.id = u.authority_id
"""


def _user(row: asyncpg.Record | None) -> User | None:
    return User(**dict(row)) if row else None


def check_password(password: str) -> str | None:
    """What is wrong with a new password, or None."""
    if len(password) < MIN_PASSWORD:
        return f"Use at least {MIN_PASSWORD} characters"
    if len(password) > MAX_PASSWORD:
        return f"Use at most {MAX_PASSWORD} characters"
    return None


async def _check_new_user(
    conn: asyncpg.Connection,
    email: str,
    display_name: str,
    role: str,
    authority_code: str | None,
    password: str | None,
) -> tuple[list[tuple[str, str]], int | None]:
    errors: list[tuple[str, str]] = []
    authority_id = None
    if not EMAIL.match(email) or len(email) > 254:
        errors.append(("email", "Enter an email address like name@council.gov.uk"))
    elif await conn.fetchval("SELECT 1 FROM app_user WHERE email = $1", email):
        errors.append(("email", "An account with this email address already exists"))
    if not 1 <= len(display_name.strip()) <= 120:
        errors.append(("display_name", "Enter a name of 1 to 120 characters"))
    if role not in ROLES:
        errors.append(("role", "Choose one of " + ", ".join(ROLES)))
    elif role in AUTHORITY_ROLES and not authority_code:
        errors.append(
            (
                "authority_code",
                "A licensing officer or data protection officer "
                "belongs to a licensing authority: give its code",
            )
        )
    elif role not in AUTHORITY_ROLES and authority_code:
        errors.append(
            (
                "authority_code",
                "DfT analysts and administrators belong to no authority: leave the authority out",
            )
        )
    elif authority_code:
        authority = await by_code(conn, authority_code) if len(authority_code) <= 20 else None
        if authority is None:
            errors.append(("authority_code", "No licensing authority has this code"))
        elif not authority.licenses_drivers:
            errors.append(("authority_code", "This authority does not license drivers"))
        else:
            authority_id = authority.id
    if password is not None and (problem := check_password(password)):
        errors.append(("password", problem))
    return errors, authority_id


INSERT_USER = """
INSERT INTO app_user (email, display_name, role, authority_id, password_hash)
VALUES ($1, $2, $3, $4, $5) RETURNING id
"""


async def create_user(
    conn: asyncpg.Connection,
    *,
    email: str,
    display_name: str,
    role: str,
    authority_code: str | None = None,
    password: str | None = None,
    actor_user_id: int | None = None,
) -> User:
    """Add an account; raises AccountError naming every field that is wrong."""
    email = email.strip()
    errors, authority_id = await _check_new_user(
        conn, email, display_name, role, authority_code, password
    )
    if errors:
        raise AccountError(errors)
    password_hash = _hasher.hash(password) if password else None
    async with acting(conn, Actor(actor_user_id, None)):
        try:
            user_id = await conn.fetchval(
                INSERT_USER, email, display_name.strip(), role, authority_id, password_hash
            )
        except asyncpg.UniqueViolationError:  # created by someone else a moment ago
            raise AccountError(
                [("email", "An account with this email address already exists")]
            ) from None
        await audit_log.record(
            conn,
            action="user_created",
            user_id=actor_user_id,
            authority_id=authority_id,
            subject=f"user:{user_id}",
            detail={"role": role},
        )
    user = await get_user(conn, user_id)
    assert user is not None  # inserted just above, in this connection
    return user


async def get_user(conn: asyncpg.Connection, user_id: int) -> User | None:
    return _user(await conn.fetchrow(USER_COLUMNS + " WHERE u.id = $1", user_id))


async def user_by_email(conn: asyncpg.Connection, email: str) -> User | None:
    return _user(await conn.fetchrow(USER_COLUMNS + " WHERE u.email = $1", email.strip()))


USERS_PAGE = (
    USER_COLUMNS
    + """WHERE ($1::integer IS NULL OR u.authority_id = $1)
  AND ($2::boolean IS NULL OR u.active = $2)
  AND ($3::bigint IS NULL OR u.id > $3)
ORDER BY u.id
LIMIT $4"""
)


async def users_page(
    conn: asyncpg.Connection,
    *,
    authority_id: int | None = None,
    active: bool | None = None,
    after_id: int | None = None,
    limit: int = 100,
) -> list[User]:
    """Accounts in the order they were made, from after `after_id` (for paging)."""
    rows = await conn.fetch(USERS_PAGE, authority_id, active, after_id, limit)
    return [User(**dict(r)) for r in rows]


async def list_users(
    conn: asyncpg.Connection, *, authority_id: int | None = None, active: bool | None = None
) -> list[User]:
    rows = await conn.fetch(
        USER_COLUMNS
        + """ WHERE ($1::integer IS NULL OR u.authority_id = $1)
                             AND ($2::boolean IS NULL OR u.active = $2)
                           ORDER BY a.name NULLS FIRST, u.email""",
        authority_id,
        active,
    )
    return [User(**dict(r)) for r in rows]


async def set_password(conn: asyncpg.Connection, user_id: int, password: str) -> None:
    if problem := check_password(password):
        raise AccountError([("password", problem)])
    await conn.execute(
        "UPDATE app_user SET password_hash = $2 WHERE id = $1", user_id, _hasher.hash(password)
    )


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


PASSWORD_BY_EMAIL = "SELECT id, password_hash FROM app_user WHERE email = $1 AND active"


async def verify_password(conn: asyncpg.Connection, email: str, password: str) -> User | None:
    """The active user with this email and password, or None (for sign-in).

    Unknown emails cost the same as wrong passwords, so answers do not reveal who has an account.
    """
    row = await conn.fetchrow(PASSWORD_BY_EMAIL, email.strip()) if len(email) <= 254 else None
    known = bool(row and row["password_hash"])
    stored = row["password_hash"] if row and known else _dummy_hash()
    # argon2 spends a fifth of a second of CPU on purpose: off the event loop, so other
    # requests keep being served while one person signs in
    verified = await asyncio.to_thread(_verify, stored, password[:MAX_PASSWORD])
    if not verified or not known or row is None:
        return None
    if _hasher.check_needs_rehash(stored):
        await conn.execute(
            "UPDATE app_user SET password_hash = $2 WHERE id = $1",
            row["id"],
            await asyncio.to_thread(_hasher.hash, password),
        )
    return await get_user(conn, row["id"])


DEACTIVATE = """
UPDATE app_user SET active = false, deactivated_at = coalesce(deactivated_at, now())
WHERE id = $1 RETURNING authority_id
"""
REVOKE_ALL = "UPDATE api_token SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL"


async def deactivate_user(
    conn: asyncpg.Connection, user_id: int, *, actor_user_id: int | None = None
) -> User | None:
    """Switch an account off and revoke its tokens; None when there is no such user."""
    async with acting(conn, Actor(actor_user_id, None)):
        row = await conn.fetchrow(DEACTIVATE, user_id)
        if row is None:
            return None
        await conn.execute(REVOKE_ALL, user_id)
        await audit_log.record(
            conn,
            action="user_deactivated",
            user_id=actor_user_id,
            authority_id=row["authority_id"],
            subject=f"user:{user_id}",
        )
    return await get_user(conn, user_id)


# Tokens --------------------------------------------------------------------------------------

TOKEN_COLUMNS = """
SELECT id, user_id, label, created_at, expires_at, revoked_at, last_used_at FROM api_token
"""


def check_token_request(label: str, days: int) -> None:
    errors = []
    if not 1 <= len(label.strip()) <= 120:
        errors.append(("label", "Give the token a label of 1 to 120 characters"))
    if not 1 <= days <= MAX_TOKEN_DAYS:
        errors.append(("days", f"A token lasts from 1 to {MAX_TOKEN_DAYS} days"))
    if errors:
        raise AccountError(errors)


async def get_token(conn: asyncpg.Connection, token_id: int) -> TokenInfo | None:
    row = await conn.fetchrow(TOKEN_COLUMNS + " WHERE id = $1", token_id)
    return TokenInfo(**dict(row)) if row else None


async def list_tokens(conn: asyncpg.Connection, user_id: int) -> list[TokenInfo]:
    rows = await conn.fetch(
        TOKEN_COLUMNS + " WHERE user_id = $1 ORDER BY created_at DESC, id DESC", user_id
    )
    return [TokenInfo(**dict(r)) for r in rows]


REVOKE = """
UPDATE api_token SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1
RETURNING (SELECT authority_id FROM app_user WHERE id = api_token.user_id)
"""


async def revoke_token(
    conn: asyncpg.Connection, token_id: int, *, actor_user_id: int | None = None
) -> TokenInfo | None:
    """Revoke a token (again is harmless); None when there is no such token."""
    async with acting(conn, Actor(actor_user_id, None)):
        authority_id = await conn.fetchrow(REVOKE, token_id)
        if authority_id is None:
            return None
        await audit_log.record(
            conn,
            action="token_revoked",
            user_id=actor_user_id,
            authority_id=authority_id[0],
            subject=f"token:{token_id}",
        )
    return await get_token(conn, token_id)


async def token_issued(
    conn: asyncpg.Connection, token_id: int, *, actor_user_id: int | None = None
) -> TokenInfo:
    """Audit a token just issued (by licensing.auth.issue_token) and describe it."""
    token = await get_token(conn, token_id)
    assert token is not None  # issued just before this call
    owner = await get_user(conn, token.user_id)
    assert owner is not None  # a token belongs to an account (foreign key)
    async with acting(conn, Actor(actor_user_id, None)):
        await audit_log.record(
            conn,
            action="token_issued",
            user_id=actor_user_id,
            authority_id=owner.authority_id,
            subject=f"token:{token_id}",
            detail={"for_user_id": owner.id},
        )
    return token


# Last use is recorded at most once per few minutes per token, so most requests only read.
TOUCH_INTERVAL_MINUTES = 5
TOUCH = """
UPDATE api_token SET last_used_at = now()
WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - make_interval(mins => $2))
"""


async def touch_token(conn: asyncpg.Connection | asyncpg.Pool, token_id: int) -> None:
    await conn.execute(TOUCH, token_id, TOUCH_INTERVAL_MINUTES)
