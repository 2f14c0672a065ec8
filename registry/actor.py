"""Who is recording, and the audit trail every change leaves."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import msgspec

from registry import audit_log


class Actor(msgspec.Struct, frozen=True):
    """The officer making a change and the authority they act for."""

    user_id: int | None
    authority_id: int | None


@asynccontextmanager
async def acting(conn: asyncpg.Connection, actor: Actor) -> AsyncIterator[asyncpg.Connection]:
    """The one way to write: a transaction that names who is acting, for the register-event
    and audit triggers (the settings are transaction-local, so they end with it).

        async with acting(conn, actor):
            await licences.grant(conn, actor, details)
    """
    async with conn.transaction():
        await conn.execute(
            "SELECT set_config('crosscheck.actor_user_id', $1, true), "
            "set_config('crosscheck.actor_authority_id', $2, true)",
            "" if actor.user_id is None else str(actor.user_id),
            "" if actor.authority_id is None else str(actor.authority_id),
        )
        yield conn


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
    await audit_log.record(
        conn,
        action="change",
        user_id=actor.user_id,
        authority_id=actor.authority_id,
        driver_id=driver_id,
        subject=subject,
        detail={"what": what},
    )
