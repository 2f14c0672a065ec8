"""Who is recording, and the audit trail every change leaves."""

from __future__ import annotations

import asyncpg
import msgspec

from registry import audit_log


class Actor(msgspec.Struct, frozen=True):
    """The officer making a change and the authority they act for."""

    user_id: int | None
    authority_id: int


async def audit_change(
    conn: asyncpg.Connection, actor: Actor, subject: str, what: str, driver_id: int | None = None
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
