"""Alerts that could not be delivered: listing them, and resending them once the cause is
fixed (administrators, from the API and the dead alerts page)."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import msgspec

from alerts import outbox
from registry.actor import Actor, acting
from registry.authorities import by_code
from registry.errors import Conflict, Invalid, NotFound

MAX_ID = 2**63 - 1
PAGE_SIZE = 200


class DeadAlert(msgspec.Struct):
    id: int
    kind: str
    recipient_authority_id: int
    recipient_authority: str
    alert_email: str | None
    attempts: int
    last_error: str | None
    created_at: datetime
    dead_at: datetime


DEAD = """
SELECT a.id, a.kind, a.recipient_authority_id, au.name AS recipient_authority,
       au.alert_email::text AS alert_email, a.attempts, a.last_error, a.created_at, a.dead_at
FROM alert a JOIN authority au ON au.id = a.recipient_authority_id
WHERE a.status = 'dead'
  AND ($2::timestamptz IS NULL OR (a.dead_at, a.id) < ($2, $3::bigint))
ORDER BY a.dead_at DESC, a.id DESC
LIMIT $1
"""


async def newest(
    conn: asyncpg.Connection, limit: int, after: tuple[datetime, int] | None = None
) -> list[DeadAlert]:
    """The dead alerts, newest first, with the reason each failed; `after` is the
    (dead_at, id) of the last one already seen."""
    dead_at, alert_id = after or (None, None)
    return [DeadAlert(**dict(r)) for r in await conn.fetch(DEAD, limit, dead_at, alert_id)]


DEAD_PAGE = f"""
SELECT a.id, a.kind, au.name AS recipient_authority, au.code AS recipient_code,
       au.alert_email::text AS alert_email, a.attempts, a.last_error, a.dead_at
FROM alert a JOIN authority au ON au.id = a.recipient_authority_id
WHERE {outbox.DEAD_MATCHING}
ORDER BY a.dead_at DESC, a.id DESC
LIMIT {PAGE_SIZE} OFFSET $3
"""


async def page_of(
    conn: asyncpg.Connection, authority_id: int | None, page_number: int
) -> list[asyncpg.Record]:
    """One page of PAGE_SIZE dead alerts (the first is 1), optionally one recipient's."""
    rows: list[asyncpg.Record] = await conn.fetch(
        DEAD_PAGE, authority_id, None, (page_number - 1) * PAGE_SIZE
    )
    return rows


RESEND_AUDIT = """
INSERT INTO audit_entry (user_id, action, subject, detail)
VALUES ($1, 'alert_resent', 'alert:' || $2::bigint, '{}')
"""
STATUS = "SELECT status FROM alert WHERE id = $1"


async def resend(conn: asyncpg.Connection, actor: Actor, alert_id: int) -> None:
    """Put one dead alert back in the queue with a fresh set of attempts, audited."""
    if not 0 < alert_id <= MAX_ID:
        raise NotFound("alert")
    async with acting(conn, actor):
        if not await outbox.resend(conn, alert_id, actor.user_id):
            status = await conn.fetchval(STATUS, alert_id)
            if status is None:
                raise NotFound("alert")
            raise Conflict(
                f"Alert is not dead: only a dead alert can be resent; this one is {status}."
            )
        await conn.execute(RESEND_AUDIT, actor.user_id, alert_id)


async def dead_filter(
    conn: asyncpg.Connection, authority: str | None, reason: str | None
) -> tuple[int | None, str | None]:
    """(authority id, reason words) from what was typed; an unknown authority is named."""
    authority_id = None
    if authority and authority.strip():
        found = await by_code(conn, authority) if len(authority) <= 20 else None
        if found is None:
            raise Invalid([("authority", "No authority has this code")])
        authority_id = found.id
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > 200:
        raise Invalid([("reason_contains", "Use 200 characters or fewer")])
    return authority_id, reason
