"""Continuous re-screening (issue 10 item 5): who else holds a licence and is probably the
same person under another record.

`rescreen(conn, driver_ids)` screens the drivers (registry/duplicates/screen.py: every
record born on the day or a keying slip away, scored by the duplicates model), raises each
probable pair as a possible duplicate (raised_by 'rescreen') and returns, for each pair not
decided "not this driver" (different people), every authority that currently licenses
either record: the authorities an alert must reach. The one that licenses the screened
driver learns of the other record's history (a grant to someone revoked elsewhere); the one
that licenses the other record learns of the new entry, concern or grant.

Until the duplicates job has estimated its model from the register, the screening judges
with the shipped one (registry/data/duplicate_model.json), as the import's does.
`sweep(conn)` does it for every driver with a register entry in force (the nightly sweep).
The rules job (alerts/rules.py) calls `rescreen` for the drivers of each adverse entry,
licence action, s.5 concern and grant, and for the drivers `due(conn)` takes from
rescreen_queue (records confirmed to be one person), and turns the matches into alerts.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
import msgspec

from registry.duplicates.screen import screen
from registry.progress import QUIET, Progress

# Each raised pair not decided "different people", with every authority licensing either side.
LICENSED_PAIRS = """
SELECT DISTINCT p.id, p.driver_a, p.driver_b, l.authority_id
FROM unnest($1::bigint[], $2::bigint[]) AS f(a, b)
JOIN possible_duplicate p ON p.driver_a = f.a AND p.driver_b = f.b
JOIN licence l ON l.driver_id IN (p.driver_a, p.driver_b) AND l.status IN ('current', 'suspended')
WHERE p.status <> 'different_people'
"""
ADVERSE_DRIVERS = "SELECT DISTINCT driver_id FROM register_entry WHERE status = 'in_force'"
# Drivers waiting since two records were confirmed one person (migration 0021).
TAKE_QUEUED = """
DELETE FROM rescreen_queue
WHERE driver_id IN (SELECT driver_id FROM rescreen_queue ORDER BY driver_id
                    LIMIT $1 FOR UPDATE SKIP LOCKED)
RETURNING driver_id
"""


class Match(msgspec.Struct, frozen=True):
    screened_driver: int
    other_driver: int
    licensed_by: int  # an authority licensing either record of the pair
    probability: float
    duplicate_id: int  # the possible_duplicate pair


async def rescreen(
    conn: asyncpg.Connection, driver_ids: Sequence[int], progress: Progress = QUIET
) -> list[Match]:
    """Inside an acting transaction: raise pairs, and say who licenses either record."""
    if not driver_ids:
        return []
    found = await screen(conn, driver_ids, "rescreen", progress, within=True)
    if not found:
        return []
    asked = set(driver_ids)
    chance = {(f.driver_a, f.driver_b): f.probability for f in found}
    rows = await conn.fetch(
        LICENSED_PAIRS, [f.driver_a for f in found], [f.driver_b for f in found]
    )
    matches = []
    for row in rows:
        a, b = row["driver_a"], row["driver_b"]
        screened, other = (a, b) if a in asked else (b, a)
        matches.append(
            Match(screened, other, row["authority_id"], chance[(a, b)], duplicate_id=row["id"])
        )
    return sorted(matches, key=lambda m: (m.screened_driver, m.other_driver, m.licensed_by))


async def sweep(conn: asyncpg.Connection, progress: Progress = QUIET) -> list[Match]:
    """Every driver with a register entry in force, re-screened (the nightly sweep)."""
    drivers = [r["driver_id"] for r in await conn.fetch(ADVERSE_DRIVERS)]
    return await rescreen(conn, drivers, progress)


async def due(conn: asyncpg.Connection, limit: int = 1000) -> list[int]:
    """Take up to `limit` drivers queued for re-screening (inside the caller's transaction)."""
    return [r["driver_id"] for r in await conn.fetch(TAKE_QUEUED, limit)]
