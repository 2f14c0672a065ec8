"""Licences: granted, renewed, suspended, reinstated, revoked, surrendered and expired.

An authority changes only its own licences; another authority's licence is NotFound, the
same answer as a licence that does not exist. Each change updates the licence row and adds a
licence_change row, whose trigger appends the register event in the same transaction.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated

import asyncpg
import msgspec

from registry import paging
from registry.actor import Actor, audit_change
from registry.drivers import read_driver
from registry.errors import Conflict, NotFound
from registry.fields import LICENCE_KINDS, Choice, Date, EventDate, Fields, Text, add_years
from registry.today import london_today

MAX_TERM_YEARS = 3  # Deregulation Act 2015 s.10; shorter terms are allowed

# action -> (statuses it may follow, status it leaves)
TRANSITIONS = {
    "renewed": (("current", "expired"), "current"),
    "suspended": (("current",), "suspended"),
    "reinstated": (("suspended",), "current"),
    "revoked": (("current", "suspended"), "revoked"),
    "surrendered": (("current", "suspended"), "surrendered"),
    "expired": (("current", "suspended"), "expired"),
}
ACTIONS = tuple(TRANSITIONS)


class LicenceDetails(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A licence to grant. Dates like 2024-04-01; expires_on defaults to 3 years after starts_on."""

    driver_id: uuid.UUID | None = None  # the driver's public id
    licence_number: Annotated[str | None, Text("licence number", required=True, max_length=40)] = (
        None
    )
    kind: Annotated[str | None, Choice("kind of licence", LICENCE_KINDS, "kind", required=True)] = (
        None
    )
    granted_on: Annotated[str | None, EventDate("date the licence was granted", required=True)] = (
        None
    )
    starts_on: Annotated[str | None, Date("date the licence starts")] = None
    expires_on: Annotated[str | None, Date("date the licence expires")] = None


class LicenceChange(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A change to a licence. For a renewal, effective_on is the new term's first day (by
    default the day the current term ends) and expires_on its last (by default 3 years on)."""

    action: Annotated[str | None, Choice("change", ACTIONS, "licence_action", required=True)] = None
    effective_on: Annotated[str | None, Date("date the change takes effect")] = None
    expires_on: Annotated[str | None, Date("date the renewed licence expires")] = None


class Licence(msgspec.Struct):
    id: int
    driver_id: uuid.UUID  # the driver's public id
    authority: str
    licence_number: str
    kind: str
    status: str
    granted_on: date
    starts_on: date
    expires_on: date


LICENCE = """
SELECT l.id, d.public_id AS driver_id, a.code AS authority, l.licence_number, l.kind,
       l.status, l.granted_on, l.starts_on, l.expires_on
FROM licence l JOIN authority a ON a.id = l.authority_id
JOIN driver d ON d.id = l.driver_id
WHERE l.id = $1 AND l.authority_id = $2
"""


async def get_licence(conn: asyncpg.Connection, actor: Actor, licence_id: int) -> Licence:
    """One of the actor's authority's licences; NotFound for anyone else's."""
    row = await conn.fetchrow(LICENCE, licence_id, actor.authority_id)
    if row is None:
        raise NotFound("licence")
    return Licence(**dict(row))


STATUSES = ("current", "suspended", "revoked", "surrendered", "expired")

LICENCE_FILTER = """
WHERE l.authority_id = $1
  AND ($2::text IS NULL OR l.status = $2)
  AND ($3::text IS NULL OR l.kind = $3)
  AND ($4::date IS NULL OR l.expires_on < $4)
"""

LIST_LICENCES = (
    """
SELECT l.id, d.public_id AS driver_id, a.code AS authority, l.licence_number, l.kind,
       l.status, l.granted_on, l.starts_on, l.expires_on
FROM licence l JOIN authority a ON a.id = l.authority_id
JOIN driver d ON d.id = l.driver_id
"""
    + LICENCE_FILTER
    + """
  AND ($5::date IS NULL OR (l.expires_on, l.id) > ($5, $6))
ORDER BY l.expires_on, l.id
LIMIT $7
"""
)


class LicenceFilter(msgspec.Struct, frozen=True):
    status: str | None = None
    kind: str | None = None
    expiring_before: date | None = None

    def params(self) -> tuple[str | None, str | None, date | None]:
        return (self.status, self.kind, self.expiring_before)


async def list_licences(
    conn: asyncpg.Connection,
    actor: Actor,
    where: LicenceFilter,
    *,
    after: str | None = None,
    limit: int = paging.DEFAULT_LIMIT,
) -> tuple[list[Licence], str | None]:
    """The actor's authority's licences, the soonest to expire first."""
    key = paging.decode(after, (date, int)) or (None, None)
    rows = await conn.fetch(LIST_LICENCES, actor.authority_id, *where.params(), *key, limit + 1)
    return paging.page(
        rows, limit, lambda r: (r["expires_on"], r["id"]), lambda r: Licence(**dict(r))
    )


class LicensedDriver(msgspec.Struct):
    """A driver your authority licenses, with those of its licences the filter chose."""

    driver_id: uuid.UUID  # the public id
    forenames: str
    surname: str
    date_of_birth: date
    licences: list[Licence]


LICENSED_DRIVERS = (
    """
WITH chosen AS (
    SELECT DISTINCT l.driver_id FROM licence l
"""
    + LICENCE_FILTER
    + """
      AND ($5::bigint IS NULL OR l.driver_id > $5)
    ORDER BY l.driver_id
    LIMIT $6
)
SELECT d.id AS driver_key, d.public_id AS driver_id, d.forenames, d.surname, d.date_of_birth,
       (SELECT json_agg(json_build_object(
            'id', l.id, 'driver_id', d.public_id, 'authority', a.code,
            'licence_number', l.licence_number, 'kind', l.kind, 'status', l.status,
            'granted_on', l.granted_on, 'starts_on', l.starts_on, 'expires_on', l.expires_on)
            ORDER BY l.expires_on, l.id)
        FROM licence l JOIN authority a ON a.id = l.authority_id
"""
    + LICENCE_FILTER
    + """
          AND l.driver_id = d.id) AS licences
FROM chosen JOIN driver d ON d.id = chosen.driver_id
ORDER BY d.id
"""
)


async def licensed_drivers(
    conn: asyncpg.Connection,
    actor: Actor,
    where: LicenceFilter,
    *,
    after: str | None = None,
    limit: int = paging.DEFAULT_LIMIT,
) -> tuple[list[LicensedDriver], str | None]:
    """The drivers the actor's authority licenses (by the licences the filter chose)."""
    key = paging.decode(after, (int,)) or (None,)
    rows = await conn.fetch(LICENSED_DRIVERS, actor.authority_id, *where.params(), *key, limit + 1)

    def item(row: asyncpg.Record) -> LicensedDriver:
        return LicensedDriver(
            row["driver_id"],
            row["forenames"],
            row["surname"],
            row["date_of_birth"],
            msgspec.json.decode(row["licences"], type=list[Licence]),
        )

    return paging.page(rows, limit, lambda r: (r["driver_key"],), item)


# --- granting -------------------------------------------------------------------------------

SAME_NUMBER = "SELECT id FROM licence WHERE authority_id = $1 AND licence_number = $2"

LIVE_OF_KIND = """
SELECT id FROM licence
WHERE driver_id = $1 AND authority_id = $2 AND kind = $3 AND status IN ('current', 'suspended')
"""

INSERT_LICENCE = """
INSERT INTO licence (driver_id, authority_id, licence_number, kind, status, granted_on,
                     starts_on, expires_on)
VALUES ($1, $2, $3, $4, 'current', $5, $6, $7)
RETURNING id
"""

INSERT_CHANGE = """
INSERT INTO licence_change (licence_id, action, effective_on, expires_on, recorded_by)
VALUES ($1, $2, $3, $4, $5)
"""


def check_term(
    fields: Fields, starts_on: date | None, expires_on: date | None, field: str = "expires_on"
) -> None:
    if not (starts_on and expires_on):
        return
    if expires_on <= starts_on:
        fields.error(field, "The licence must expire after it starts")
    elif expires_on > add_years(starts_on, MAX_TERM_YEARS):
        fields.error(field, "A driver licence lasts at most 3 years from the day it starts")


def check_start_and_term(
    fields: Fields, granted_on: date | None, starts_on: date | None, expires_on: date | None
) -> None:
    """A granted licence's dates, the same for the API, the pages and the CSV import."""
    if starts_on and granted_on and starts_on < granted_on - timedelta(days=31):
        fields.error("starts_on", "A licence cannot start more than 31 days before it was granted")
    check_term(fields, starts_on, expires_on)


async def grant(conn: asyncpg.Connection, actor: Actor, details: LicenceDetails) -> Licence:
    """Grant a driver licence from the actor's authority."""
    fields = Fields()
    got = fields.read(details)
    number, kind, granted_on = got["licence_number"], got["kind"], got["granted_on"]
    starts_on, expires_on = got["starts_on"] or granted_on, got["expires_on"]
    if starts_on and not expires_on and not fields.has_error("expires_on"):
        expires_on = add_years(starts_on, MAX_TERM_YEARS)
    check_start_and_term(fields, granted_on, starts_on, expires_on)
    driver_id = await read_driver(conn, fields, details.driver_id)
    fields.check()
    existing = await conn.fetchval(SAME_NUMBER, actor.authority_id, number)
    if existing:
        raise Conflict(
            "Your authority already has a licence with this number",
            "licence_number",
            ("licence", existing),
        )
    live = await conn.fetchval(LIVE_OF_KIND, driver_id, actor.authority_id, kind)
    if live:
        raise Conflict(
            "The driver already holds a live licence of this kind from your "
            "authority: renew it instead",
            "kind",
            ("licence", live),
        )
    licence_id = await conn.fetchval(
        INSERT_LICENCE,
        driver_id,
        actor.authority_id,
        number,
        kind,
        granted_on,
        starts_on,
        expires_on,
    )
    await conn.execute(INSERT_CHANGE, licence_id, "granted", granted_on, None, actor.user_id)
    await audit_change(conn, actor, f"licence:{licence_id}", "licence_granted", driver_id)
    return await get_licence(conn, actor, licence_id)


# --- changing -------------------------------------------------------------------------------

LICENCE_FOR_UPDATE = """
SELECT id, driver_id, status, granted_on, starts_on, expires_on FROM licence
WHERE id = $1 AND authority_id = $2 FOR UPDATE
"""

UPDATE_STATUS = "UPDATE licence SET status = $2, updated_at = now() WHERE id = $1"

UPDATE_TERM = """
UPDATE licence SET status = 'current', starts_on = $2, expires_on = $3, updated_at = now()
WHERE id = $1
"""

STATUS_WORDS = {
    "current": "current",
    "suspended": "suspended",
    "revoked": "revoked",
    "surrendered": "surrendered",
    "expired": "expired",
}


async def change(
    conn: asyncpg.Connection, actor: Actor, licence_id: int, details: LicenceChange
) -> Licence:
    """Apply one change to one of the actor's licences."""
    licence = await conn.fetchrow(LICENCE_FOR_UPDATE, licence_id, actor.authority_id)
    if licence is None:
        raise NotFound("licence")
    fields = Fields()
    got = fields.read(details)
    action, effective_on, expires_on = got["action"], got["effective_on"], got["expires_on"]
    if details.expires_on and action and action != "renewed":
        fields.error("expires_on", "Only a renewal sets a new expiry date")
    fields.check()
    assert action is not None  # required: fields.check() raised without it
    allowed_from, status = TRANSITIONS[action]
    if licence["status"] not in allowed_from:
        raise Conflict(
            f"The licence is {STATUS_WORDS[licence['status']]}, so it cannot be {action}",
            "action",
            ("licence", licence_id),
        )
    if action == "renewed":
        await _renew(conn, fields, licence, effective_on, expires_on, actor)
    else:
        effective_on = effective_on or (
            licence["expires_on"] if action == "expired" else london_today()
        )
        fields.after(
            "effective_on",
            effective_on,
            licence["granted_on"],
            "The change cannot take effect before the licence was granted",
        )
        fields.check()
        await conn.execute(UPDATE_STATUS, licence_id, status)
        await conn.execute(INSERT_CHANGE, licence_id, action, effective_on, None, actor.user_id)
    await audit_change(
        conn, actor, f"licence:{licence_id}", f"licence_{action}", licence["driver_id"]
    )
    return await get_licence(conn, actor, licence_id)


async def _renew(
    conn: asyncpg.Connection,
    fields: Fields,
    licence: asyncpg.Record,
    starts_on: date | None,
    expires_on: date | None,
    actor: Actor,
) -> None:
    if starts_on is None:
        # A licence renewed before it ends carries on from its last day; a lapsed one
        # starts again today.
        starts_on = max(licence["expires_on"], london_today())
    fields.after(
        "effective_on",
        starts_on,
        licence["granted_on"],
        "The renewal cannot start before the licence was granted",
    )
    expires_on = expires_on or add_years(starts_on, MAX_TERM_YEARS)
    check_term(fields, starts_on, expires_on)
    fields.check()
    await conn.execute(UPDATE_TERM, licence["id"], starts_on, expires_on)
    await conn.execute(
        INSERT_CHANGE, licence["id"], "renewed", starts_on, expires_on, actor.user_id
    )
