"""Screening some drivers against the whole register: is any other record probably them?

`screen(conn, driver_ids, raised_by)` compares every name of the given drivers with the
register's names born on the same day, with day and month swapped, or one keying slip away
(registry.search.near_dates), that share a name token with it, scores each pair with the
model the last duplicates job estimated (compare.py; the shipped model, with this register's
home areas, when the job has never run), and raises the pairs at or above REVIEW_AT as possible duplicates.
The import calls it for the drivers it creates, so a name and date of birth alone never link
two records silently: an officer decides. Runs inside the caller's acting transaction.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Sequence
from datetime import date

import asyncpg

from registry import match
from registry.duplicates.compare import (
    HOMES,
    MIDDLE_COUNTS,
    NAME_COLUMNS,
    NAME_COUNTS,
    NAME_TOTAL,
    WHERE_PAIRS,
    Frequencies,
    Name,
    Rough,
    home_u,
    name_of,
    shipped_model,
    where_u,
)
from registry.duplicates.find import (
    BATCH,
    NO_JIT,
    REVIEW_AT,
    Found,
    dates_near,
    judge,
    latest_model,
    load_level_mu,
    load_names,
    load_variants,
    raise_pairs,
)
from registry.progress import QUIET, Progress

TICK_NAMES = 100  # names compared between two steps of the progress bar
# Each name screened is scored against at most this many of the names born near it that share
# a token with it, the closest by a cheap pre-score (_Index.best): the work grows with the
# names screened, not with the square of a cluster of one surname born in one month.
BEST_PER_NAME = 10

NAMES_BORN = (
    "SELECT "
    + NAME_COLUMNS
    + """
FROM driver_name n JOIN driver d ON d.id = n.driver_id
WHERE n.date_of_birth = ANY($1::date[]) AND NOT n.driver_id = ANY($2::bigint[])
ORDER BY n.driver_id, n.id
"""
)


def _dates(names: Sequence[Name]) -> list[date]:
    return sorted({d for x in names for d in dates_near(x.born)})


def _anchors(x: Name) -> frozenset[str]:
    """The name's tokens of two letters or more: a name shares one to be compared at all."""
    return frozenset(t for t in (x.forename, x.surname, *x.middles, *x.parts) if len(t) >= 2)


class _Index:
    """The names to compare with, by date of birth and token, and the forenames' known
    variants (name_variant) for the pre-score."""

    def __init__(self, names: Sequence[Name], variants: dict[str, frozenset[str]]) -> None:
        self.names = list(names)
        self.rough = Rough(variants).weight
        self.by_key: dict[tuple[date, str], list[int]] = {}
        for i, b in enumerate(self.names):
            for t in _anchors(b):
                self.by_key.setdefault((b.born, t), []).append(i)

    def best(self, a: Name, limit: int = BEST_PER_NAME) -> list[Name]:
        """The names born near a and sharing a token with it, the `limit` closest by a cheap
        pre-score when there are more: a common surname born in one month (a few thousand
        Walkers) would otherwise meet every other, and the pairs grow with their square."""
        found: set[int] = set()
        for born in dates_near(a.born):
            for t in _anchors(a):
                found.update(self.by_key.get((born, t), ()))
        found = {i for i in found if self.names[i].driver_id != a.driver_id}
        if len(found) > limit:
            found = set(
                heapq.nlargest(limit, found, key=lambda i: (self.rough(a, self.names[i]), -i))
            )
        return [self.names[i] for i in sorted(found)]


async def _frequencies(
    conn: asyncpg.Connection, names: Sequence[Name], scores: Sequence[match.PairScore | None]
) -> Frequencies:
    surnames = sorted({x.surname for x in names} | {x.forename for x in names})
    counts = await conn.fetch(NAME_COUNTS, surnames, surnames)
    middles: Counter[str] = Counter()
    if any(s is not None and s.levels["middle"] == "agree" for s in scores):
        # a scan of every name: only when some pair's middle names agree
        wanted = sorted({t for x in names for t in x.middles})
        middles.update({r["middle"]: r["n"] for r in await conn.fetch(MIDDLE_COUNTS, wanted)})
    return Frequencies(
        ((r["surname_key"], r["forename_key"], r["n"]) for r in counts),
        await conn.fetchval(NAME_TOTAL),
        await load_level_mu(conn),
        middles,
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
    if model is None:  # the job has never run: the shipped model, this register's u
        model = shipped_model(
            home_u(r["n"] for r in await conn.fetch(HOMES)),
            where_u(dict(await conn.fetchrow(WHERE_PAIRS))),
        )
    index = _Index([*others, *mine] if within else others, await load_variants(conn, mine))
    pairs = set()
    progress.phase("Finding the records born near them", len(mine), "names")
    for n, a in enumerate(mine, 1):
        if n % TICK_NAMES == 0:
            progress.advance(TICK_NAMES)
        for b in index.best(a):
            pairs.add((min(a.driver_id, b.driver_id), max(a.driver_id, b.driver_id)))
    if not pairs:
        return []
    ordered = sorted(pairs)
    progress.phase("Scoring the pairs", len(ordered), "pairs")
    await conn.execute(NO_JIT)  # inside the caller's transaction
    scores = []
    for start in range(0, len(ordered), BATCH):  # a statement's memory stays bounded
        scores += await match.score_pairs(conn, ordered[start : start + BATCH])
        progress.advance(len(ordered[start : start + BATCH]))
    by_driver: dict[int, list[Name]] = {}
    for x in (*mine, *others):
        by_driver.setdefault(x.driver_id, []).append(x)
    freq = await _frequencies(conn, [*mine, *others], scores)
    found = judge(model, freq, by_driver, scores, REVIEW_AT)
    progress.phase("Raising possible duplicates", len(found), "pairs")
    if found:
        await raise_pairs(conn, found, raised_by)
    return found
