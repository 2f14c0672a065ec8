"""Screening some drivers against the whole register: is any other record probably them?

`screen(conn, driver_ids, raised_by)` compares every name of the given drivers with the
register's names born on the same day, with day and month swapped, or one keying slip away
(registry.search.near_dates), that share a name token with it, scores each pair with the
model the last duplicates job estimated (compare.py; estimated here from those names when
the job has never run), and raises the pairs at or above REVIEW_AT as possible duplicates.
The import calls it for the drivers it creates, so a name and date of birth alone never link
two records silently: an officer decides. Runs inside the caller's acting transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from registry.duplicates.compare import NAME_COLUMNS, Name, levels, name_of, probability
from registry.duplicates.find import (
    REVIEW_AT,
    Found,
    candidates,
    fit,
    latest_model,
    load_knowledge,
    load_names,
    raise_pairs,
)
from registry.search import near_dates, swapped

NAMES_BORN = (
    "SELECT "
    + NAME_COLUMNS
    + """
FROM driver_name n
WHERE n.date_of_birth = ANY($1::date[]) AND NOT n.driver_id = ANY($2::bigint[])
ORDER BY n.driver_id, n.id
"""
)


def _dates(names: Sequence[Name]) -> list:
    found = set()
    for x in names:
        found.add(x.born)
        found.update(near_dates(x.born))
        if swapped(x.born):
            found.add(swapped(x.born))
    return sorted(found)


def _shares_a_token(a: Name, b: Name) -> bool:
    mine = {a.forename, a.surname, *a.middles, *a.parts}
    theirs = {b.forename, b.surname, *b.middles, *b.parts}
    return any(len(t) >= 2 for t in mine & theirs) or (
        bool(a.surname_sound) and a.surname_sound == b.surname_sound
    )


async def screen(
    conn: asyncpg.Connection, driver_ids: Sequence[int], raised_by: str
) -> list[Found]:
    """Raise every pair of one of these drivers and another record probably one person."""
    if not driver_ids:
        return []
    mine = await load_names(conn, list(driver_ids))
    others = [name_of(r) for r in await conn.fetch(NAMES_BORN, _dates(mine), list(driver_ids))]
    knowledge = await load_knowledge(conn)
    model = await latest_model(conn)
    if model is None:
        pool = mine + others
        model = fit(pool, knowledge, candidates(pool, knowledge))
    by_date: dict = {}
    for b in others:
        by_date.setdefault(b.born, []).append(b)
    best: dict[tuple[int, int], Found] = {}
    for a in mine:
        for born in (a.born, swapped(a.born), *near_dates(a.born)):
            for b in by_date.get(born, ()):
                if not _shares_a_token(a, b):
                    continue
                vector = levels(knowledge, a, b)
                if vector is None:
                    continue
                weight, reasons = model.weigh(vector, a, b)
                chance = probability(weight)
                key = (min(a.driver_id, b.driver_id), max(a.driver_id, b.driver_id))
                if chance >= REVIEW_AT and (key not in best or best[key].weight < weight):
                    best[key] = Found(key[0], key[1], chance, weight, reasons)
    found = [best[k] for k in sorted(best)]
    if found:
        await raise_pairs(conn, found, raised_by)
    return found
