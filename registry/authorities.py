"""Licensing authorities: the reference table and look-ups by current or former code."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import asyncpg
import msgspec

from registry.today import LONDON_TODAY_SQL

DATA = Path(__file__).resolve().parent / "data" / "authorities.csv"
TFL_CODE = "TFL"


class Authority(msgspec.Struct, frozen=True):
    id: int
    code: str
    name: str
    nation: str
    kind: str
    licenses_drivers: bool
    alert_email: str | None = None
    information_contact: str = ""


def _reference_rows() -> list[dict[str, str]]:
    with open(DATA, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


UPSERT = """
INSERT INTO authority (code, name, official_name, nation, region, kind, licenses_drivers,
                       population, valid_from, information_contact)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (code) DO UPDATE SET
    name = EXCLUDED.name, official_name = EXCLUDED.official_name, nation = EXCLUDED.nation,
    region = EXCLUDED.region, kind = EXCLUDED.kind, licenses_drivers = EXCLUDED.licenses_drivers,
    population = EXCLUDED.population, valid_from = EXCLUDED.valid_from
"""

UPSERT_FORMER = """
INSERT INTO authority_former_code (code, authority_id, retired_on)
SELECT $1, id, $3 FROM authority WHERE code = $2
ON CONFLICT (code) DO NOTHING
"""


async def load_reference(conn: asyncpg.Connection) -> int:
    """Insert or refresh every authority from the committed reference table (idempotent).

    Alert mailboxes, delivery preferences and contact text are the authorities' own settings
    and are never overwritten.
    """
    rows = _reference_rows()
    async with conn.transaction():
        await conn.executemany(
            UPSERT,
            [
                (
                    r["code"],
                    r["name"],
                    r["official_name"],
                    r["nation"],
                    r["region"],
                    r["kind"],
                    r["licenses_drivers"] == "true",
                    int(r["population"]),
                    date.fromisoformat(r["valid_from"]),
                    f"Email the licensing team of {r['official_name']}, quoting the register entry number.",
                )
                for r in rows
            ],
        )
        former = [
            (code, r["code"], date.fromisoformat(r["valid_from"]))
            for r in rows
            for code in r["former_codes"].split(";")
            if code
        ]
        await conn.executemany(UPSERT_FORMER, former)
    return len(rows)


BY_CODE = """
SELECT a.id, a.code, a.name, a.nation, a.kind, a.licenses_drivers, a.alert_email::text,
       a.information_contact
FROM authority a
WHERE a.code = $1
   OR a.id = (SELECT authority_id FROM authority_former_code WHERE code = $1)
"""


async def by_code(conn: asyncpg.Connection, code: str) -> Authority | None:
    """The authority with this current or former code, following successors to today's."""
    row = await conn.fetchrow(BY_CODE, code.strip().upper())
    return Authority(**dict(row)) if row else None


async def by_id(conn: asyncpg.Connection, authority_id: int) -> Authority | None:
    row = await conn.fetchrow(
        "SELECT id, code, name, nation, kind, licenses_drivers, alert_email::text, "
        "information_contact FROM authority WHERE id = $1",
        authority_id,
    )
    return Authority(**dict(row)) if row else None


NAME = "SELECT name FROM authority WHERE id = $1"


async def name_of(conn: asyncpg.Connection, authority_id: int | None) -> str | None:
    """The authority's name, for headings and banners (None for no authority)."""
    if authority_id is None:
        return None
    name: str | None = await conn.fetchval(NAME, authority_id)
    return name


CURRENT = f"""
SELECT code, name, nation, kind, licenses_drivers FROM authority
WHERE (valid_to IS NULL OR valid_to > {LONDON_TODAY_SQL})
  AND ($1::boolean IS NULL OR licenses_drivers = $1)
ORDER BY name
"""


async def current(
    conn: asyncpg.Connection, licenses_drivers: bool | None = None
) -> list[asyncpg.Record]:
    """Today's authorities by name (code, name, nation, kind, licenses_drivers), optionally
    only those that do (or do not) license drivers."""
    rows: list[asyncpg.Record] = await conn.fetch(CURRENT, licenses_drivers)
    return rows


LICENSING = f"""
SELECT code, name, alert_email::text AS alert_email, alert_delivery,
       to_char(digest_time, 'HH24:MI') AS digest_time
FROM authority
WHERE licenses_drivers AND (valid_to IS NULL OR valid_to > {LONDON_TODAY_SQL})
ORDER BY name
"""


async def licensing(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Today's licensing authorities by name, with their alert settings."""
    rows: list[asyncpg.Record] = await conn.fetch(LICENSING)
    return rows


CODE_BY_NAME = "SELECT code FROM authority WHERE name = $1"


async def code_by_name(conn: asyncpg.Connection, name: str) -> str | None:
    code: str | None = await conn.fetchval(CODE_BY_NAME, name)
    return code


GIVE_DEMO_ADDRESSES = """
UPDATE authority SET alert_email = lower(code) || '@' || $1 WHERE alert_email IS NULL
"""


async def give_demo_addresses(conn: asyncpg.Connection, domain: str) -> int:
    """The demo: every authority without an alert mailbox gets code@domain; how many did."""
    result: str = await conn.execute(GIVE_DEMO_ADDRESSES, domain)
    return int(result.split()[-1])


NAMES = "SELECT code, name FROM authority"


async def names_by_code(conn: asyncpg.Connection) -> dict[str, str]:
    """Every authority's name by its code, former authorities included."""
    return {r["code"]: r["name"] for r in await conn.fetch(NAMES)}
