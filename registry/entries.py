"""Register entries (2022 Act s.2): refusals, suspensions and revocations made relying on
relevant information, with their s.1 categories, kept up to date with later changes (appeal
outcomes, reinstatement, a later grant).

An authority records and changes only its own entries. Recording a suspension or revocation
of one of the authority's own live licences also changes that licence, so the licence and
the register never disagree.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

import asyncpg
import msgspec

from registry import licences, paging
from registry.actor import Actor, audit_change
from registry.drivers import read_driver
from registry.errors import Conflict, NotFound
from registry.fields import (
    LICENCE_KINDS,
    Categories,
    Choice,
    Date,
    EventDate,
    Fields,
    PastDate,
    RecordId,
    Text,
)

DECISIONS = ("refused", "refused_renewal", "suspended", "revoked")


def entry_number(entry_id: int) -> str:
    """The number an officer quotes for a register entry (in pages, emails and requests)."""
    return f"E{entry_id}"


STATUSES = ("in_force", "appeal_allowed", "reinstated", "later_granted", "withdrawn")


class EntryDetails(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A decision to enter on the register. licence_kind defaults to the licence's kind."""

    driver_id: uuid.UUID | None = None  # the driver's public id
    licence_id: RecordId | None = None
    decision: Annotated[str | None, Choice("decision", DECISIONS, "decision", required=True)] = None
    licence_kind: Annotated[str | None, Choice("kind of licence", LICENCE_KINDS, "kind")] = None
    decided_on: Annotated[str | None, EventDate("date of the decision", required=True)] = None
    # defaults to decided_on
    effective_on: Annotated[str | None, Date("date the decision takes effect")] = None
    categories: Annotated[list[str] | None, Categories("relevant information")] = None
    narrative: Annotated[str | None, Text("narrative", max_length=10000)] = None


class EntryChange(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A later change to an entry: its new status, when, and why."""

    status: Annotated[str | None, Choice("new status", STATUSES, "entry_change", required=True)] = (
        None
    )
    changed_on: Annotated[str | None, PastDate("date of the change", or_today=True)] = None
    reason: Annotated[str | None, Text("reason for the change", required=True, max_length=2000)] = (
        None
    )


class Entry(msgspec.Struct):
    id: int
    driver_id: uuid.UUID  # the driver's public id
    authority: str
    licence_id: int | None
    decision: str
    licence_kind: str
    decided_on: date
    effective_on: date
    categories: list[str]
    narrative: str
    status: str
    status_changed_on: date | None
    first_entered_on: date
    retention_ends_on: date


ENTRY = """
SELECT e.id, d.public_id AS driver_id, a.code AS authority, e.licence_id, e.decision,
       e.licence_kind, e.decided_on, e.effective_on, e.categories, e.narrative, e.status,
       e.status_changed_on, e.first_entered_on, e.retention_ends_on
FROM register_entry e JOIN authority a ON a.id = e.authority_id
JOIN driver d ON d.id = e.driver_id
WHERE e.id = $1 AND e.authority_id = $2
"""


async def get_entry(conn: asyncpg.Connection, actor: Actor, entry_id: int) -> Entry:
    """One of the actor's authority's entries, narrative included."""
    row = await conn.fetchrow(ENTRY, entry_id, actor.authority_id)
    if row is None:
        raise NotFound("register entry")
    return Entry(**dict(row))


LIST_ENTRIES = """
SELECT e.id, d.public_id AS driver_id, a.code AS authority, e.licence_id, e.decision,
       e.licence_kind, e.decided_on, e.effective_on, e.categories, e.narrative, e.status,
       e.status_changed_on, e.first_entered_on, e.retention_ends_on
FROM register_entry e JOIN authority a ON a.id = e.authority_id
JOIN driver d ON d.id = e.driver_id
WHERE e.authority_id = $1
  AND ($2::text IS NULL OR e.status = $2)
  AND ($3::text IS NULL OR e.decision = $3)
  AND ($4::date IS NULL OR (e.decided_on, e.id) < ($4, $5))
ORDER BY e.decided_on DESC, e.id DESC
LIMIT $6
"""


async def list_entries(
    conn: asyncpg.Connection,
    actor: Actor,
    *,
    status: str | None = None,
    decision: str | None = None,
    after: str | None = None,
    limit: int = paging.DEFAULT_LIMIT,
) -> tuple[list[Entry], str | None]:
    """The actor's authority's register entries, the latest decision first."""
    key = paging.decode(after, (date, int)) or (None, None)
    rows = await conn.fetch(LIST_ENTRIES, actor.authority_id, status, decision, *key, limit + 1)
    return paging.page(
        rows, limit, lambda r: (r["decided_on"], r["id"]), lambda r: Entry(**dict(r))
    )


# Only for the authority that recorded the entry or was alerted about it: entry ids are
# counted, and the driver's public id must not be found by counting them.
DRIVER_OF = """
SELECT d.public_id FROM register_entry e JOIN driver d ON d.id = e.driver_id
WHERE e.id = $1
  AND (e.authority_id = $2 OR EXISTS (
      SELECT FROM register_event ev JOIN alert a ON a.event_id = ev.id
      WHERE ev.driver_id = e.driver_id AND ev.kind IN ('entry_recorded', 'entry_changed')
        AND ev.subject_id = e.id AND a.recipient_authority_id = $2))
"""


async def driver_of(
    conn: asyncpg.Connection, entry_id: int, authority_id: int | None
) -> uuid.UUID | None:
    """Whose entry this is (where a link to an entry leads: the driver's record), by the
    driver's public id; None unless the authority recorded it or was alerted about it."""
    driver_id: uuid.UUID | None = await conn.fetchval(DRIVER_OF, entry_id, authority_id)
    return driver_id


OWN_LICENCE = """
SELECT id, driver_id, kind, status FROM licence WHERE id = $1 AND authority_id = $2 FOR UPDATE
"""

INSERT_ENTRY = """
INSERT INTO register_entry (driver_id, authority_id, licence_id, decision, licence_kind,
                            decided_on, effective_on, categories, narrative, recorded_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
RETURNING id
"""

# decision -> (licence statuses it changes, the licence change it makes)
LICENCE_EFFECT = {
    "suspended": (("current",), "suspended"),
    "revoked": (("current", "suspended"), "revoked"),
}


async def record_decision(conn: asyncpg.Connection, actor: Actor, details: EntryDetails) -> Entry:
    """Enter a decision on the register for the actor's authority."""
    fields = Fields()
    got = fields.read(details, through="effective_on")
    decision, kind, decided_on = got["decision"], got["licence_kind"], got["decided_on"]
    effective_on = got["effective_on"] or decided_on
    fields.after(
        "effective_on",
        effective_on,
        decided_on,
        "The decision cannot take effect before it was made",
    )
    got = fields.read(details)
    categories, narrative = got["categories"], got["narrative"] or ""
    driver_id, licence = await _read_driver_and_licence(conn, fields, actor, details)
    if licence and not kind:
        kind = licence["kind"]
    elif not kind and not fields.has_error("licence_kind"):
        fields.error("licence_kind", "Select the kind of licence: " + ", ".join(LICENCE_KINDS))
    fields.check()
    entry_id = await conn.fetchval(
        INSERT_ENTRY,
        driver_id,
        actor.authority_id,
        details.licence_id,
        decision,
        kind,
        decided_on,
        effective_on,
        categories,
        narrative,
        actor.user_id,
    )
    await audit_change(conn, actor, f"register_entry:{entry_id}", "entry_recorded", driver_id)
    effect = LICENCE_EFFECT.get(decision or "")
    if licence and effect and licence["status"] in effect[0]:
        await licences.change(
            conn,
            actor,
            licence["id"],
            licences.LicenceChange(
                action=effect[1], effective_on=effective_on.isoformat() if effective_on else None
            ),
        )
    return await get_entry(conn, actor, entry_id)


async def _read_driver_and_licence(
    conn: asyncpg.Connection, fields: Fields, actor: Actor, details: EntryDetails
) -> tuple[int | None, asyncpg.Record | None]:
    driver_id = await read_driver(conn, fields, details.driver_id)
    if driver_id is None or details.licence_id is None:
        return driver_id, None
    licence = await conn.fetchrow(OWN_LICENCE, details.licence_id, actor.authority_id)
    if licence is None or licence["driver_id"] != driver_id:
        fields.error(
            "licence_id", "There is no licence of this driver at your authority with this id"
        )
        return driver_id, None
    return driver_id, licence


ENTRY_FOR_UPDATE = """
SELECT id, driver_id, decided_on, status FROM register_entry
WHERE id = $1 AND authority_id = $2 FOR UPDATE
"""

INSERT_ENTRY_CHANGE = """
INSERT INTO register_entry_change (entry_id, status, changed_on, reason, recorded_by)
VALUES ($1, $2, $3, $4, $5)
RETURNING id
"""

UPDATE_ENTRY_STATUS = """
UPDATE register_entry
SET status = $2, status_changed_on = CASE WHEN $2 = 'in_force' THEN NULL ELSE $3::date END
WHERE id = $1
"""


async def change_entry(
    conn: asyncpg.Connection, actor: Actor, entry_id: int, details: EntryChange
) -> Entry:
    """Record a later change to one of the actor's entries (s.2 keeps entries up to date)."""
    entry = await conn.fetchrow(ENTRY_FOR_UPDATE, entry_id, actor.authority_id)
    if entry is None:
        raise NotFound("register entry")
    fields = Fields()
    got = fields.read(details, through="changed_on")
    status, changed_on = got["status"], got["changed_on"]
    fields.after(
        "changed_on",
        changed_on,
        entry["decided_on"],
        "The change cannot be dated before the decision",
    )
    reason = fields.read(details)["reason"]
    fields.check()
    if status == entry["status"]:
        raise Conflict(
            f"The entry's status is already {status}", "status", ("register_entry", entry_id)
        )
    await conn.execute(INSERT_ENTRY_CHANGE, entry_id, status, changed_on, reason, actor.user_id)
    await conn.execute(UPDATE_ENTRY_STATUS, entry_id, status, changed_on)
    await audit_change(
        conn, actor, f"register_entry:{entry_id}", "entry_changed", entry["driver_id"]
    )
    return await get_entry(conn, actor, entry_id)
