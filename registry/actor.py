"""Who is recording, and the audit trail every change leaves."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import msgspec

from registry import audit_log


class Actor(msgspec.Struct, frozen=True):
    """The officer making a change and the authority they act for. An actor with no user is
    the system (a scheduled job, the command line, an import): its audit rows name no user."""

    user_id: int | None
    authority_id: int | None


SYSTEM = Actor(None, None)

# The settings acting_as() writes, read before a nested acting() and put back after it.
OUTER_ACTOR = """
SELECT coalesce(current_setting('crosscheck.actor_user_id', true), ''),
       coalesce(current_setting('crosscheck.actor_authority_id', true), ''),
       coalesce(current_setting('crosscheck.acting', true), '')
"""
RESTORE_ACTOR = """
SELECT set_config('crosscheck.actor_user_id', $1, true),
       set_config('crosscheck.actor_authority_id', $2, true),
       set_config('crosscheck.acting', $3, true)
"""


@asynccontextmanager
async def acting(conn: asyncpg.Connection, actor: Actor) -> AsyncIterator[asyncpg.Connection]:
    """The one way to write: a transaction that names who is acting, for the register-event
    and audit triggers (the settings are transaction-local, so they end with it). The
    database refuses an audit row outside it (docs/security.md V7); a statement that reads
    and audits in one names its actor itself, with acting_as($user, $authority) in the row.

        async with acting(conn, actor):
            await licences.grant(conn, actor, details)
    """
    outer = await conn.fetchrow(OUTER_ACTOR) if conn.is_in_transaction() else None
    async with conn.transaction():
        await conn.execute("SELECT acting_as($1, $2)", actor.user_id, actor.authority_id)
        yield conn
        if outer is not None:
            # A nested block is a savepoint, and releasing one keeps its settings: without
            # this the inner actor would sign the rest of the outer transaction.
            await conn.execute(RESTORE_ACTOR, *outer)


async def audit_view(
    conn: asyncpg.Connection,
    actor: Actor,
    subject: str,
    driver_id: int | uuid.UUID | None = None,
    detail: dict[str, object] | None = None,
) -> None:
    """One 'view' row for reading something that holds personal data (a list, a proposal, a
    concern), in its own acting transaction. Never personal data: kinds, ids and counts."""
    async with acting(conn, actor):
        await _audit(conn, actor, "view", subject, driver_id, detail)


async def audit_change(
    conn: asyncpg.Connection,
    actor: Actor,
    subject: str,
    what: str,
    driver_id: int | uuid.UUID | None = None,
) -> None:
    """One audit row per change: subject like 'licence:12', `what` like 'licence_suspended'.

    Never personal data: ids and the kind of change only.
    """
    await _audit(conn, actor, "change", subject, driver_id, {"what": what})


async def _audit(
    conn: asyncpg.Connection,
    actor: Actor,
    action: str,
    subject: str,
    driver_id: int | uuid.UUID | None,
    detail: dict[str, object] | None,
) -> None:
    await audit_log.record(
        conn,
        action=action,
        user_id=actor.user_id,
        authority_id=actor.authority_id,
        driver_id=driver_id,
        subject=subject,
        detail=detail,
    )
