"""The change feed: the register's events in the order they became final, for one authority.

An event is in an authority's feed when the authority made the change, or when it is about
a driver the authority licenses (a current or suspended licence) or whose home authority it
is; an s.5 concern's events and an s.3 request's events only for the two authorities party
to it. Events carry ids, kinds, dates and authority codes, never names or narrative: what a
caller may read about the subject it reads through the API, audited as usual.

Order and resumption: see migrations/0015_event_feed.sql. The cursor is (txid, id) of the
last event returned; a page never includes a transaction that might still commit, so a
reader that resumes from its last cursor misses nothing and sees nothing twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg
import msgspec

from registry import paging
from registry.actor import Actor

KINDS = (
    "driver_recorded",
    "driver_amended",
    "driver_moved",
    "licence_granted",
    "licence_renewed",
    "licence_suspended",
    "licence_reinstated",
    "licence_revoked",
    "licence_surrendered",
    "licence_expired",
    "entry_recorded",
    "entry_changed",
    "concern_reported",
    "concern_replied",
    "request_made",
    "request_answered",
)
# What subject_id names, by the event kind's prefix.
SUBJECTS = {
    "driver": "driver",
    "licence": "licence",
    "entry": "register_entry",
    "concern": "concern",
    "request": "information_request",
}


class Event(msgspec.Struct, frozen=True):
    id: int
    kind: str
    occurred_at: datetime
    driver_id: uuid.UUID | None  # the driver's public id
    authority: str | None  # the authority that made the change
    subject: str  # driver, licence, register_entry, concern or information_request
    subject_id: int | uuid.UUID | None  # a driver's public id when the subject is a driver


FEED = """
SELECT e.id, e.txid::text::bigint AS txid, e.kind, e.occurred_at, pd.public_id AS driver_id,
       a.code AS authority, e.subject_id
FROM register_event e
LEFT JOIN authority a ON a.id = e.authority_id
LEFT JOIN driver pd ON pd.id = e.driver_id
WHERE e.txid < pg_snapshot_xmin(pg_current_snapshot())
  AND ($2::bigint IS NULL OR (e.txid, e.id) > ($2::text::xid8, $3))
  AND CASE
      WHEN e.kind LIKE 'concern\\_%' THEN EXISTS (
          SELECT FROM concern c WHERE c.id = e.subject_id
            AND $1 IN (c.reporting_authority_id, c.recipient_authority_id))
      WHEN e.kind LIKE 'request\\_%' THEN EXISTS (
          SELECT FROM information_request r WHERE r.id = e.subject_id
            AND $1 IN (r.requesting_authority_id, r.recording_authority_id))
      ELSE e.authority_id = $1
        OR EXISTS (SELECT FROM licence l WHERE l.driver_id = e.driver_id
                     AND l.authority_id = $1 AND l.status IN ('current', 'suspended'))
        OR EXISTS (SELECT FROM driver d WHERE d.id = e.driver_id AND d.home_authority_id = $1)
      END
ORDER BY e.txid, e.id
LIMIT $4
"""


async def events(
    conn: asyncpg.Connection,
    actor: Actor,
    *,
    after: str | None = None,
    limit: int = paging.DEFAULT_LIMIT,
) -> tuple[list[Event], str | None]:
    """The next events of the actor's feed after the cursor (from the start without one), and
    the cursor to ask from next time (the same one when nothing new is final yet)."""
    key = paging.decode(after, (int, int)) or (None, None)
    rows = await conn.fetch(FEED, actor.authority_id, *key, limit)
    items = [
        Event(
            r["id"],
            r["kind"],
            r["occurred_at"],
            r["driver_id"],
            r["authority"],
            SUBJECTS[r["kind"].split("_")[0]],
            r["driver_id"] if r["kind"].startswith("driver_") else r["subject_id"],
        )
        for r in rows
    ]
    if rows:
        return items, paging.encode((rows[-1]["txid"], rows[-1]["id"]))
    return items, after
