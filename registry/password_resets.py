"""Self-service password reset: a single-use link sent to the account's own email address.

A person who has forgotten their password asks for a link on the sign-in page; an
administrator can send one from the account's page. The link carries a random token; only its
SHA-256 is kept (password_reset), so a copy of the database opens no account. A link:
- works once, and for LINK_LIFETIME after it was sent;
- is retired when a newer link is sent for the same account;
- changes only the password of the account it was sent to (the token alone says which);
- ends every session of that account, and clears its failed sign-ins, when it is used.
Using it does not sign the person in: they sign in with the new password and their second
factor, as always.

Whoever asks, with any email address, sees the same answer (the page never says whether an
account exists), and an account gets at most MAX_LINKS_PER_HOUR self-service links an hour, so
the form cannot be used to flood someone's mailbox. Sending the email is the caller's job
(alerts/account_mail.py), after the transaction that made the link has committed.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import asyncpg
import msgspec

from registry import accounts, audit_log
from registry.actor import Actor, acting

LINK_LIFETIME = timedelta(minutes=30)
MAX_LINKS_PER_HOUR = 3


class Link(msgspec.Struct, frozen=True):
    """A link just made: the plain token goes into the email and nowhere else."""

    user_id: int
    email: str
    display_name: str
    token: str
    expires_at: datetime
    by_administrator: bool


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


RECENT_LINKS = """
SELECT count(*) FROM password_reset
WHERE user_id = $1 AND requested_by IS NULL AND created_at > now() - interval '1 hour'
"""
RETIRE = """
UPDATE password_reset SET retired_at = now()
WHERE user_id = $1 AND used_at IS NULL AND retired_at IS NULL
"""
INSERT_LINK = """
INSERT INTO password_reset (user_id, token_hash, requested_by, expires_at)
VALUES ($1, $2, $3, now() + $4::interval)
RETURNING expires_at
"""


async def _make_link(
    conn: asyncpg.Connection, actor: Actor, user: accounts.User, requested_by: int | None
) -> Link:
    token = secrets.token_urlsafe(32)
    async with acting(conn, actor):
        await conn.execute(RETIRE, user.id)
        expires_at = await conn.fetchval(
            INSERT_LINK, user.id, _hash(token), requested_by, LINK_LIFETIME
        )
        await audit_log.record(
            conn,
            action="password_reset_sent",
            user_id=actor.user_id,
            authority_id=user.authority_id,
            subject=f"user:{user.id}",
            detail={"by_administrator": requested_by is not None},
        )
    return Link(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        token=token,
        expires_at=expires_at,
        by_administrator=requested_by is not None,
    )


async def ask_for_link(conn: asyncpg.Connection, email: str) -> Link | None:
    """Someone at the sign-in page has forgotten their password: a link for the active account
    with this email, or None (no such account, or it had enough links this hour). The caller
    answers the same either way."""
    user = await accounts.user_by_email(conn, email) if len(email) <= 254 else None
    if user is None or not user.active:
        return None
    if await conn.fetchval(RECENT_LINKS, user.id) >= MAX_LINKS_PER_HOUR:
        return None
    return await _make_link(conn, Actor(user.id, user.authority_id), user, None)


async def send_link(conn: asyncpg.Connection, actor: Actor, user_id: int) -> Link | None:
    """An administrator sends a reset link to the account's own address (they never see it).
    None when there is no such active account."""
    user = await accounts.get_user(conn, user_id)
    if user is None or not user.active:
        return None
    return await _make_link(conn, actor, user, actor.user_id)


LIVE_LINK = """
SELECT r.user_id FROM password_reset r JOIN app_user u ON u.id = r.user_id
WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.retired_at IS NULL
  AND r.expires_at > now() AND u.active
"""


async def link_user(conn: asyncpg.Connection, token: str) -> accounts.User | None:
    """The account a link that can still be used belongs to, or None."""
    if not token or len(token) > 100:
        return None
    user_id = await conn.fetchval(LIVE_LINK, _hash(token))
    return await accounts.get_user(conn, user_id) if user_id else None


USE_LINK = """
UPDATE password_reset r SET used_at = now()
FROM app_user u
WHERE r.token_hash = $1 AND u.id = r.user_id AND r.used_at IS NULL AND r.retired_at IS NULL
  AND r.expires_at > now() AND u.active
RETURNING r.user_id
"""
END_SESSIONS = "UPDATE web_session SET ended_at = now() WHERE user_id = $1 AND ended_at IS NULL"
FORGET_FAILURES = "DELETE FROM sign_in_attempt WHERE email = $1 AND NOT succeeded"


async def use_link(conn: asyncpg.Connection, token: str, password: str) -> accounts.User | None:
    """Set a new password through a link: None when the link cannot be used (unknown, used,
    retired or expired), AccountError when the password will not do (the link still works)."""
    if problem := accounts.check_password(password):
        raise accounts.AccountError([("new_password", problem)])
    user = await link_user(conn, token)
    if user is None:
        return None
    async with acting(conn, Actor(user.id, user.authority_id)):
        # the UPDATE decides: of two uses at once, one finds the link already used
        if await conn.fetchval(USE_LINK, _hash(token)) != user.id:
            return None
        await accounts.set_password(conn, user.id, password)
        ended = await conn.execute(END_SESSIONS, user.id)
        await conn.execute(FORGET_FAILURES, user.email.lower())
        await audit_log.record(
            conn,
            action="password_reset",
            user_id=user.id,
            authority_id=user.authority_id,
            subject=f"user:{user.id}",
            detail={"sessions_ended": int(ended.split()[-1])},
        )
    return user
