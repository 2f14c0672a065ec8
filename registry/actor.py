"""Who is recording, and the audit trail every change leaves."""

from __future__ import annotations

import json

import asyncpg
import msgspec


class Actor(msgspec.Struct, frozen=True):
    """The officer making a change and the authority they act for."""

    user_id: int | None
    authority_id: int


AUDIT_CHANGE = """
INSERT INTO audit_log (user_id, authority_id, action, driver_id, subject, detail)
VALUES ($1, $2, 'change', $3, $4, $5::jsonb)
"""


async def audit_change(conn: asyncpg.Connection, actor: Actor, subject: str, what: str,
                       driver_id: int | None = None) -> None:
    """One audit row per change: subject like 'licence:12', `what` like 'licence_suspended'.

    Never personal data: ids and the kind of change only.
    """
    await conn.execute(AUDIT_CHANGE, actor.user_id, actor.authority_id, driver_id, subject,
                       json.dumps({"what": what}))
