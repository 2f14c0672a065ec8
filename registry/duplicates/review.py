"""Officers working through possible duplicates: list them, decide, undo.

Who may see and decide a pair: an officer of an authority with an interest in either record
(a licence of any status or a register entry for that driver, or the authority that
recorded the driver). To anyone else the pair does not exist (404), so nobody learns of a
record they could not open through their own work.

"Same person" links the two records: both are kept with their histories, and each record's
page lists the others linked to it (linked_drivers). "Different people" is remembered: the
job never raises that pair again. Either decision can be undone (the pair is open again).
Every decision and every undo writes an audit row naming the pair and the two drivers.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

import asyncpg
import msgspec

from registry import paging
from registry.actor import Actor, audit_change
from registry.errors import Conflict, NotFound
from registry.fields import Fields

DECISIONS = ("same_person", "different_people")
# Re-screening asks "same person" or "not this driver": the same decision as different people.
ALIASES = {"not_this_driver": "different_people"}
STATUSES = ("open", *DECISIONS)

# An authority's interest in a driver ($1: the authority, d: the driver's id).
_INTEREST = """(
    EXISTS (SELECT FROM licence l WHERE l.driver_id = {d} AND l.authority_id = $1)
    OR EXISTS (SELECT FROM register_entry e WHERE e.driver_id = {d} AND e.authority_id = $1)
    OR EXISTS (SELECT FROM driver x WHERE x.id = {d} AND x.recorded_by_authority_id = $1)
)"""
INTERESTED = (
    "(" + _INTEREST.format(d="p.driver_a") + " OR " + _INTEREST.format(d="p.driver_b") + ")"
)


class Evidence(msgspec.Struct):
    field: str
    level: str
    words: str
    weight: float


class DriverSide(msgspec.Struct):
    """One of the two records, enough to tell them apart."""

    driver_id: uuid.UUID  # the driver's public id
    forenames: str
    surname: str
    date_of_birth: date
    recorded_by: str  # authority code
    licensed_by: list[str]  # authority codes of current or suspended licences
    other_names: list[str]  # former names and aliases, "Forenames Surname"
    href: str


class DuplicatePair(msgspec.Struct):
    id: int
    status: str  # open | same_person | different_people
    probability: float
    raised_by: str  # job | import | rescreen
    raised_at: datetime
    reasons: list[Evidence]
    drivers: list[DriverSide]
    decided_at: datetime | None = None
    decided_by: str | None = None


class Decision(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """same_person or different_people (not_this_driver, re-screening's word, is the same)."""

    decision: str | None = None


_SIDE = """
(SELECT jsonb_build_object(
    'driver_id', d.public_id, 'forenames', d.forenames, 'surname', d.surname,
    'date_of_birth', d.date_of_birth, 'recorded_by', ra.code,
    'licensed_by', coalesce((SELECT jsonb_agg(DISTINCT a.code) FROM licence l
                             JOIN authority a ON a.id = l.authority_id
                             WHERE l.driver_id = d.id AND l.status IN ('current', 'suspended')),
                            '[]'::jsonb),
    'other_names', coalesce((SELECT jsonb_agg(n.forenames || ' ' || n.surname ORDER BY n.id)
                             FROM driver_name n WHERE n.driver_id = d.id AND n.kind <> 'current'),
                            '[]'::jsonb),
    'href', '/api/v1/drivers/' || d.public_id)
 FROM driver d JOIN authority ra ON ra.id = d.recorded_by_authority_id WHERE d.id = {d})
"""
SELECT_PAIRS = (
    """
SELECT p.id, p.status, p.probability, p.raised_by, p.raised_at, p.evidence, p.decided_at,
       u.display_name AS decided_by, """
    + _SIDE.format(d="p.driver_a")
    + " AS side_a, "
    + _SIDE.format(d="p.driver_b")
    + """ AS side_b
FROM possible_duplicate p LEFT JOIN app_user u ON u.id = p.decided_by
"""
)
LIST_PAIRS = (
    SELECT_PAIRS
    + "WHERE "
    + INTERESTED
    + """
  AND ($2::text IS NULL OR p.status = $2)
  AND ($3::uuid IS NULL OR EXISTS (SELECT FROM driver x
                                  WHERE x.public_id = $3 AND x.id IN (p.driver_a, p.driver_b)))
  AND ($4::bigint IS NULL OR p.id > $4)
ORDER BY p.id
LIMIT $5
"""
)
GET_PAIR = SELECT_PAIRS + "WHERE " + INTERESTED + " AND p.id = $2"
PAIR_FOR_DECISION = (
    "SELECT p.id, p.status, p.driver_a, p.driver_b FROM possible_duplicate p WHERE "
    + INTERESTED
    + " AND p.id = $2 FOR UPDATE"
)
DECIDE = """
UPDATE possible_duplicate
SET status = $2, decided_at = CASE WHEN $2 = 'open' THEN NULL ELSE now() END,
    decided_by = CASE WHEN $2 = 'open' THEN NULL ELSE $3::integer END,
    decided_by_authority_id = CASE WHEN $2 = 'open' THEN NULL ELSE $4::integer END
WHERE id = $1
"""
# Every record linked to this one by "same person" decisions, directly or through others.
LINKED = """
WITH RECURSIVE linked(driver_id) AS (
    SELECT $1::bigint
    UNION
    SELECT CASE WHEN p.driver_a = l.driver_id THEN p.driver_b ELSE p.driver_a END
    FROM linked l
    JOIN possible_duplicate p ON p.status = 'same_person'
                             AND l.driver_id IN (p.driver_a, p.driver_b)
)
SELECT driver_id FROM linked WHERE driver_id <> $1 ORDER BY driver_id
"""

_sides = msgspec.json.Decoder(DriverSide)
_reasons = msgspec.json.Decoder(list[Evidence])


def _pair(row: asyncpg.Record) -> DuplicatePair:
    return DuplicatePair(
        id=row["id"],
        status=row["status"],
        probability=round(row["probability"], 4),
        raised_by=row["raised_by"],
        raised_at=row["raised_at"],
        reasons=_reasons.decode(row["evidence"]),
        drivers=[_sides.decode(row["side_a"]), _sides.decode(row["side_b"])],
        decided_at=row["decided_at"],
        decided_by=row["decided_by"],
    )


async def list_pairs(
    conn: asyncpg.Connection,
    actor: Actor,
    *,
    status: str | None = "open",
    driver_id: uuid.UUID | None = None,  # the driver's public id
    after: str | None = None,
    limit: int = paging.DEFAULT_LIMIT,
) -> tuple[list[DuplicatePair], str | None]:
    """Pairs the actor's authority may see, oldest first; `status` None for all."""
    key = paging.decode(after, (int,)) or (None,)
    rows = await conn.fetch(LIST_PAIRS, actor.authority_id, status, driver_id, key[0], limit + 1)
    return paging.page(rows, limit, lambda r: (r["id"],), _pair)


async def get_pair(conn: asyncpg.Connection, actor: Actor, pair_id: int) -> DuplicatePair:
    row = await conn.fetchrow(GET_PAIR, actor.authority_id, pair_id)
    if row is None:
        raise NotFound("possible duplicate")
    return _pair(row)


async def _for_change(conn: asyncpg.Connection, actor: Actor, pair_id: int) -> asyncpg.Record:
    row = await conn.fetchrow(PAIR_FOR_DECISION, actor.authority_id, pair_id)
    if row is None:
        raise NotFound("possible duplicate")
    return row


async def _audit(conn: asyncpg.Connection, actor: Actor, row: asyncpg.Record, what: str) -> None:
    for driver in (row["driver_a"], row["driver_b"]):
        await audit_change(conn, actor, f"possible_duplicate:{row['id']}", what, driver)


async def decide(
    conn: asyncpg.Connection, actor: Actor, pair_id: int, details: Decision
) -> DuplicatePair:
    """Same person (link the records) or different people (never ask again). Call inside
    registry.actor.acting."""
    row = await _for_change(conn, actor, pair_id)
    fields = Fields()
    decision = fields.choice(
        "decision", details.decision, "same person or different people",
        (*DECISIONS, *ALIASES), required=True,
    )  # fmt: skip
    fields.check()
    decision = ALIASES.get(decision or "", decision)
    if row["status"] != "open":
        raise Conflict(
            "This pair has already been decided: undo that decision first",
            "decision",
            ("possible_duplicate", pair_id),
        )
    await conn.execute(DECIDE, pair_id, decision, actor.user_id, actor.authority_id)
    await _audit(conn, actor, row, f"duplicate_{decision}")
    return await get_pair(conn, actor, pair_id)


async def undo(conn: asyncpg.Connection, actor: Actor, pair_id: int) -> DuplicatePair:
    """Undo a decision: the pair is open again (a link is removed). Inside acting."""
    row = await _for_change(conn, actor, pair_id)
    if row["status"] == "open":
        raise Conflict(
            "This pair has not been decided", "decision", ("possible_duplicate", pair_id)
        )
    await conn.execute(DECIDE, pair_id, "open", None, None)
    await _audit(conn, actor, row, f"duplicate_{row['status']}_undone")
    return await get_pair(conn, actor, pair_id)


async def linked_drivers(conn: asyncpg.Connection, driver_id: int) -> list[int]:
    """The other records confirmed to be this person ("same person"), directly or not."""
    return [r["driver_id"] for r in await conn.fetch(LINKED, driver_id)]


class LinkedLicence(msgspec.Struct):
    authority: str
    kind: str
    status: str
    starts_on: date
    expires_on: date


class LinkedEntry(msgspec.Struct):
    authority: str
    decision: str
    decided_on: date
    status: str


class LinkedRecord(msgspec.Struct):
    """Another record confirmed to be the same person, with its own history."""

    driver_id: uuid.UUID  # its public id
    forenames: str
    surname: str
    date_of_birth: date
    recorded_by: str  # authority name
    licences: list[LinkedLicence]
    entries: list[LinkedEntry]


# For each of the given records (public ids), every record linked to it by "same person"
# decisions, directly or through others, with its licences and register entries (the
# summary any officer may see; narratives stay on the record itself).
LINKED_RECORDS = """
WITH RECURSIVE start AS (
    SELECT id, public_id FROM driver WHERE public_id = ANY($1::uuid[])
), linked(origin, driver_id) AS (
    SELECT public_id, id FROM start
    UNION
    SELECT l.origin, CASE WHEN p.driver_a = l.driver_id THEN p.driver_b ELSE p.driver_a END
    FROM linked l
    JOIN possible_duplicate p ON p.status = 'same_person'
                             AND l.driver_id IN (p.driver_a, p.driver_b)
)
SELECT l.origin, jsonb_build_object(
    'driver_id', d.public_id, 'forenames', d.forenames, 'surname', d.surname,
    'date_of_birth', d.date_of_birth, 'recorded_by', ra.name,
    'licences', coalesce((SELECT jsonb_agg(jsonb_build_object(
                              'authority', a.name, 'kind', x.kind, 'status', x.status,
                              'starts_on', x.starts_on, 'expires_on', x.expires_on)
                          ORDER BY x.starts_on DESC, x.id)
                          FROM licence x JOIN authority a ON a.id = x.authority_id
                          WHERE x.driver_id = d.id), '[]'::jsonb),
    'entries', coalesce((SELECT jsonb_agg(jsonb_build_object(
                             'authority', a.name, 'decision', e.decision,
                             'decided_on', e.decided_on, 'status', e.status)
                         ORDER BY e.decided_on DESC, e.id)
                         FROM register_entry e JOIN authority a ON a.id = e.authority_id
                         WHERE e.driver_id = d.id), '[]'::jsonb)
) AS record
FROM linked l
JOIN driver d ON d.id = l.driver_id
JOIN authority ra ON ra.id = d.recorded_by_authority_id
WHERE d.public_id <> l.origin
ORDER BY l.origin, d.id
"""

_linked = msgspec.json.Decoder(LinkedRecord)


async def linked_records(
    conn: asyncpg.Connection, public_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[LinkedRecord]]:
    """The records linked to each of these ("same person"), with their histories; a record
    with none is left out."""
    found: dict[uuid.UUID, list[LinkedRecord]] = {}
    if not public_ids:
        return found
    for row in await conn.fetch(LINKED_RECORDS, public_ids):
        found.setdefault(row["origin"], []).append(_linked.decode(row["record"]))
    return found
