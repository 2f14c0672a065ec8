"""Continuous re-screening (issue 10 item 5), its first part: who else holds a licence and is
probably the same person under another record.

`rescreen(conn, driver_ids)` screens the drivers (registry/duplicates/screen.py: every
record born on the day or a keying slip away, scored by the duplicates model), raises each
probable pair as a possible duplicate (raised_by 'rescreen') and returns, for each pair whose
other record holds a current or suspended licence, the authority that licenses it: the
authority an alert must reach. `sweep(conn)` does it for every driver with a register entry
in force (the nightly sweep). Not yet wired: the alert rule and email that tell those
authorities, and the calls on each adverse entry, s.5 concern, grant and confirmed duplicate.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
import msgspec

from registry.duplicates.screen import screen

LICENSED_BY = """
SELECT DISTINCT driver_id, authority_id FROM licence
WHERE driver_id = ANY($1::bigint[]) AND status IN ('current', 'suspended')
"""
ADVERSE_DRIVERS = "SELECT DISTINCT driver_id FROM register_entry WHERE status = 'in_force'"


class Match(msgspec.Struct, frozen=True):
    screened_driver: int
    other_driver: int
    licensed_by: int  # the authority licensing the other record
    probability: float


async def rescreen(conn: asyncpg.Connection, driver_ids: Sequence[int]) -> list[Match]:
    """Inside an acting transaction: raise pairs, and say who licenses each other record."""
    found = await screen(conn, driver_ids, "rescreen")
    asked = set(driver_ids)
    others = {
        (f.driver_b if f.driver_a in asked else f.driver_a): f
        for f in found
        if (f.driver_a in asked) != (f.driver_b in asked)
    }
    rows = await conn.fetch(LICENSED_BY, list(others))
    matches = []
    for row in rows:
        pair = others[row["driver_id"]]
        screened = pair.driver_a if pair.driver_b == row["driver_id"] else pair.driver_b
        matches.append(Match(screened, row["driver_id"], row["authority_id"], pair.probability))
    return sorted(matches, key=lambda m: (m.screened_driver, m.other_driver, m.licensed_by))


async def sweep(conn: asyncpg.Connection) -> list[Match]:
    """Every driver with a register entry in force, re-screened (the nightly sweep)."""
    return await rescreen(conn, [r["driver_id"] for r in await conn.fetch(ADVERSE_DRIVERS)])
