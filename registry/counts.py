"""How much is in the register: aggregate counts only, never personal data (the service's
/register-counts, and the demo's check that a register is still empty before seeding)."""

from __future__ import annotations

import asyncpg

COUNTS = """
SELECT (SELECT count(*) FROM authority WHERE licenses_drivers) AS authorities,
       (SELECT count(*) FROM driver) AS drivers,
       (SELECT count(*) FROM licence WHERE status = 'current') AS current_licences,
       (SELECT count(*) FROM register_entry) AS register_entries
"""
ANY_DRIVER = "SELECT EXISTS (SELECT FROM driver)"


async def register_counts(conn: asyncpg.Connection | asyncpg.Pool) -> dict[str, int]:
    """Licensing authorities, drivers, current licences and register entries."""
    return dict(await conn.fetchrow(COUNTS))


async def has_drivers(conn: asyncpg.Connection) -> bool:
    found: bool = await conn.fetchval(ANY_DRIVER)
    return found
