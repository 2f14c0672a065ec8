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

from registry import match
from registry.duplicates.compare import (
    HOMES,
    NAME_COLUMNS,
    NAME_COUNTS,
    NAME_TOTAL,
    Frequencies,
    Model,
    Name,
    home_u,
    name_of,
)
from registry.duplicates.find import (
    NO_JIT,
    REVIEW_AT,
    Found,
    judge,
    latest_model,
    load_names,
    load_reversed,
    raise_pairs,
)
from registry.progress import QUIET, Progress
from registry.search import near_dates, swapped

TICK_NAMES = 100  # names compared between two steps of the progress bar

NAMES_BORN = (
    "SELECT "
    + NAME_COLUMNS
    + """
FROM driver_name n JOIN driver d ON d.id = n.driver_id
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
    return any(len(t) >= 2 for t in mine & theirs)


async def _frequencies(conn: asyncpg.Connection, names: Sequence[Name]) -> Frequencies:
    surnames = sorted({x.surname for x in names} | {x.forename for x in names})
    counts = await conn.fetch(NAME_COUNTS, surnames, surnames)
    return Frequencies(
        ((r["surname_key"], r["forename_key"], r["n"]) for r in counts),
        await conn.fetchval(NAME_TOTAL),
        await load_reversed(conn),
    )


async def screen(
    conn: asyncpg.Connection,
    driver_ids: Sequence[int],
    raised_by: str,
    progress: Progress = QUIET,
    *,
    within: bool = False,
) -> list[Found]:
    """Raise every pair of one of these drivers and another record probably one person;
    `within`: pairs of two of these drivers too (re-screening a batch of events). `progress`
    is told of each part (a register-wide sweep run from the command line)."""
    if not driver_ids:
        return []
    progress.phase("Reading the names to screen and those born near them", unit="names")
    mine = await load_names(conn, list(driver_ids))
    others = [name_of(r) for r in await conn.fetch(NAMES_BORN, _dates(mine), list(driver_ids))]
    model = await latest_model(conn)
    if model is None:  # the job has never run: the home area's u from the register
        model = Model(home_u=home_u(r["n"] for r in await conn.fetch(HOMES)))
    by_date: dict = {}
    for b in [*others, *mine] if within else others:
        by_date.setdefault(b.born, []).append(b)
    pairs = set()
    progress.phase("Finding the records born near them", len(mine), "names")
    for n, a in enumerate(mine, 1):
        if n % TICK_NAMES == 0:
            progress.advance(TICK_NAMES)
        for born in (a.born, swapped(a.born), *near_dates(a.born)):
            for b in by_date.get(born, ()):
                if b.driver_id != a.driver_id and _shares_a_token(a, b):
                    pairs.add((min(a.driver_id, b.driver_id), max(a.driver_id, b.driver_id)))
    if not pairs:
        return []
    ordered = sorted(pairs)
    progress.phase("Scoring the pairs", len(ordered), "pairs")
    await conn.execute(NO_JIT)  # inside the caller's transaction
    scores = await match.score_pairs(conn, ordered)
    progress.advance(len(ordered))
    by_driver: dict[int, list[Name]] = {}
    for x in (*mine, *others):
        by_driver.setdefault(x.driver_id, []).append(x)
    freq = await _frequencies(conn, [*mine, *others])
    found = judge(model, freq, by_driver, scores, REVIEW_AT)
    progress.phase("Raising possible duplicates", len(found), "pairs")
    if found:
        await raise_pairs(conn, found, raised_by)
    return found
