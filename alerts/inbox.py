"""An authority's received alerts, and acknowledging them (the API and the alerts pages)."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg
import msgspec

from alerts import outbox
from alerts.compose import load_views
from registry.actor import Actor, acting
from registry.errors import Conflict, NotFound

MAX_ID = 2**63 - 1


class Fact(msgspec.Struct):
    label: str
    value: str


class ReceivedAlert(msgspec.Struct):
    id: int
    kind: str
    title: str
    facts: list[Fact]
    note: str
    record_url: str
    acknowledge_url: str
    created_at: datetime
    sent_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None


RECEIVED = """
SELECT a.id, a.created_at, a.sent_at, a.acknowledged_at, u.display_name AS acknowledged_by
FROM alert a LEFT JOIN app_user u ON u.id = a.acknowledged_by
WHERE a.recipient_authority_id = $1 AND a.status = 'sent' AND a.audit_id IS NULL
  AND ($2::boolean IS FALSE OR a.acknowledged_at IS NULL)
  AND ($3::bigint IS NULL OR a.id < $3)
  AND ($5::bigint IS NULL OR a.id = $5)
ORDER BY a.id DESC
LIMIT $4
"""


async def received(
    conn: asyncpg.Connection,
    authority_id: int,
    *,
    unacknowledged: bool = False,
    before_id: int | None = None,
    limit: int = 100,
    only_id: int | None = None,
    base_url: str = "",
) -> list[ReceivedAlert]:
    """The alerts sent to an authority, newest first."""
    rows = await conn.fetch(RECEIVED, authority_id, unacknowledged, before_id, limit, only_id)
    views = {
        v.id: v for v in await load_views(conn, [r["id"] for r in rows], base_url, signed_in=True)
    }
    return [
        ReceivedAlert(
            id=r["id"],
            kind=views[r["id"]].kind,
            title=views[r["id"]].title,
            facts=[Fact(label, value) for label, value in views[r["id"]].facts],
            note=views[r["id"]].note,
            record_url=views[r["id"]].record_url,
            acknowledge_url=views[r["id"]].acknowledge_url,
            created_at=r["created_at"],
            sent_at=r["sent_at"],
            acknowledged_at=r["acknowledged_at"],
            acknowledged_by=r["acknowledged_by"],
        )
        for r in rows
        if r["id"] in views
    ]


async def received_one(conn: asyncpg.Connection, authority_id: int, alert_id: int) -> ReceivedAlert:
    """One alert sent to the authority; NotFound for any other id."""
    found = (
        await received(conn, authority_id, limit=1, only_id=alert_id)
        if 0 < alert_id <= MAX_ID
        else []
    )
    if not found:
        raise NotFound("alert")
    return found[0]


async def acknowledge(
    conn: asyncpg.Connection, actor: Actor, alert_id: int
) -> outbox.Acknowledgement:
    """The acting officer's authority has seen the alert (the first acknowledgement counts;
    acknowledging again returns it unchanged)."""
    if not 0 < alert_id <= MAX_ID or actor.authority_id is None or actor.user_id is None:
        raise NotFound("alert")
    async with acting(conn, actor):
        try:
            done = await outbox.acknowledge(conn, alert_id, actor.authority_id, actor.user_id)
        except outbox.NotYetSent:
            raise Conflict("An alert can be acknowledged once it has been sent.") from None
    if done is None:
        raise NotFound("alert")
    return done


KIND_ABOUT = """
SELECT a.kind FROM alert a JOIN register_event e ON e.id = a.event_id
JOIN driver d ON d.id = e.driver_id
WHERE a.id = $2 AND a.recipient_authority_id = $1 AND d.public_id = $3
"""


async def kind_about(
    conn: asyncpg.Connection, authority_id: int, alert_id: int, driver_id: uuid.UUID
) -> str | None:
    """The kind of an alert the authority received about this driver, by their public id
    (None for any other)."""
    kind: str | None = await conn.fetchval(KIND_ABOUT, authority_id, alert_id, driver_id)
    return kind
