"""What the recording pages show beside a form: the driver it is about, the officer's own
licences for them, where else they are licensed, and the register entry a request concerns.

Read-only, and no narrative: the forms' own writes go through licences, entries, concerns and
requests.
"""

from __future__ import annotations

import uuid

import asyncpg

DRIVER = """
SELECT d.id, d.public_id, d.forenames, d.surname, d.date_of_birth, d.sex, d.gb_licence_number,
       d.ni_licence_number, d.ni_number, d.eu_licence_number, d.eu_licence_country, d.address,
       d.postcode, h.name AS home_authority, h.code AS home_authority_code
FROM driver d LEFT JOIN authority h ON h.id = d.home_authority_id
WHERE d.public_id = $1
"""


async def driver(conn: asyncpg.Connection, driver_id: uuid.UUID) -> asyncpg.Record | None:
    """The driver with this public id: identity and home authority (name and code); `id` is
    the internal key, `public_id` the id for links."""
    return await conn.fetchrow(DRIVER, driver_id)


HOME_AUTHORITY = "SELECT home_authority_id FROM driver WHERE public_id = $1"


async def home_authority_id(conn: asyncpg.Connection, driver_id: uuid.UUID) -> int | None:
    found: int | None = await conn.fetchval(HOME_AUTHORITY, driver_id)
    return found


OWN_LICENCES = """
SELECT id, kind, licence_number, status FROM licence
WHERE driver_id = $1 AND authority_id = $2 ORDER BY starts_on DESC
"""


async def own_licences(
    conn: asyncpg.Connection, driver_id: int, authority_id: int
) -> list[asyncpg.Record]:
    """The driver's licences from this authority, newest first (id, kind, number, status)."""
    rows: list[asyncpg.Record] = await conn.fetch(OWN_LICENCES, driver_id, authority_id)
    return rows


LICENSING_ELSEWHERE = """
SELECT DISTINCT a.code, a.name FROM licence l JOIN authority a ON a.id = l.authority_id
WHERE l.driver_id = $1 AND l.authority_id <> $2 AND l.status IN ('current', 'suspended')
ORDER BY a.name
"""


async def licensing_elsewhere(
    conn: asyncpg.Connection, driver_id: int, authority_id: int
) -> list[tuple[str, str]]:
    """(code, name) of the other authorities where the driver holds a live licence."""
    rows = await conn.fetch(LICENSING_ELSEWHERE, driver_id, authority_id)
    return [(r["code"], r["name"]) for r in rows]


ENTRY_SUMMARY = """
SELECT e.id, d.public_id AS driver_id, e.driver_id AS driver_key, e.decision, e.decided_on,
       e.authority_id, a.name AS authority
FROM register_entry e JOIN authority a ON a.id = e.authority_id
JOIN driver d ON d.id = e.driver_id
WHERE e.id = $1
"""


async def entry_summary(conn: asyncpg.Connection, entry_id: int) -> asyncpg.Record | None:
    """A register entry's decision, date and recording authority (never its narrative)."""
    return await conn.fetchrow(ENTRY_SUMMARY, entry_id)
