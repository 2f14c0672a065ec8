"""The register-wide duplicates job: blocking, scoring, and raising pairs for officers.

`find_duplicates(conn)` reads every name a driver is recorded under (current, former and
aliases), brings together the names that could be one person, scores each pair with the
model in compare.py (estimating the model afresh from the register), and raises the pairs
of drivers whose match probability reaches REVIEW_AT as possible duplicates.

Blocking: two names are compared only when their dates of birth agree in all but one part
(same day and month: the year may be slipped or a year out; same year and month: the day
slipped; same year and day: the month slipped) or are the same with day and month swapped,
and they share a name token: the forename, a middle name, the surname or a part of it,
in any position (so names given the other way round still meet). A token that many people
share (Khan, Mohammed) only brings names together with the same initial of another of their
names (or of a known variant of the forename: Bill for William) too, which keeps the blocks small while an initial, a nickname or a typo in the other
name still meets. Each block is compared once per pass; a pair is counted in one pass only.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
import math
import multiprocessing
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import date
from typing import NamedTuple

import asyncpg
import msgspec

from registry import match
from registry.actor import Actor, acting
from registry.duplicates.compare import (
    HOMES,
    LEVEL_MU,
    NAMES,
    WHERE_PAIRS,
    Evidence,
    Frequencies,
    Model,
    Name,
    Rough,
    estimate,
    home_u,
    name_of,
    probability,
    same_area,
    weigh,
    weight_of,
    where_level,
    where_u,
)
from registry.progress import QUIET, Progress
from registry.search import near_dates, swapped

log = logging.getLogger("crosscheck.duplicates")
# The match probability at which a pair is raised for an officer. The match model's prior is
# one name in the register (a search's), so this is stricter than an even chance that two
# records drawn from the register are one person. Chosen with planted duplicates
# (bench/duplicates.py, bench/README.md).
REVIEW_AT = 0.5
# A token held by more of the register's names than this needs an initial too. A fixed number,
# not a share of the register: with a share, a token's block within a date grows with the
# register, and the candidate pairs with its square (3.1 million at 1,000,000 drivers with
# 1 in 500). At 100,000 drivers 100 keeps precision and recall (0.962 / 0.984) with 20%
# fewer pairs, and the blocks hold 0.998 of the true pairs (0.999 with 1 in 500).
RARE_AT = 100
BATCH = 2_000  # pairs a statement scores
# From this many names the blocking is shared among processes, a core each (at most
# MOST_PROCESSES): below it, starting them costs more than they save.
PARALLEL_FROM = 50_000
MOST_PROCESSES = 4
# A candidate pair is scored only if its rough weight (compare.Rough) is at least
# log2(names) - ROUGH_BELOW: a raised pair needs about log2(names) + 3 bits of evidence, the
# home area and agreeing middle names (which the rough weight leaves out) give up to 12, and
# the rough weight may fall a few bits short of the model's (a spelling it cannot see).
ROUGH_BELOW = 10.0

# Forenames' known variants, for the pre-score (compare.Rough).
VARIANTS = "SELECT name, variant FROM name_variant WHERE name = ANY($1::text[])"
SAVE_MODEL = """
INSERT INTO duplicate_model (names, candidate_pairs, model) VALUES ($1, $2, $3::jsonb)
"""
LATEST_MODEL = "SELECT model FROM duplicate_model ORDER BY id DESC LIMIT 1"
# The pair statement is long and runs thousands of times a job: compiling it to machine code
# (PostgreSQL's JIT, which its cost estimates trigger) took 36 s of a 39 s batch of 2,000.
NO_JIT = "SET LOCAL jit = off"
FOUND_TABLE = """
CREATE TEMPORARY TABLE found_duplicate (
    driver_a bigint, driver_b bigint, probability double precision, weight double precision,
    evidence text
) ON COMMIT DROP
"""
RAISE_FOUND = """
WITH raised AS (
    INSERT INTO possible_duplicate AS p (driver_a, driver_b, probability, weight, evidence,
                                         raised_by)
    SELECT driver_a, driver_b, probability, weight, evidence::jsonb, $1 FROM found_duplicate
    ON CONFLICT (driver_a, driver_b) DO UPDATE
        SET probability = EXCLUDED.probability, weight = EXCLUDED.weight,
            evidence = EXCLUDED.evidence, evidence_at = now()
        WHERE p.status = 'open'
    RETURNING (xmax = 0) AS new
)
SELECT count(*) FILTER (WHERE new) AS new, count(*) AS touched FROM raised
"""


class Found(msgspec.Struct, frozen=True):
    driver_a: int
    driver_b: int
    probability: float
    weight: float
    reasons: list[Evidence]


class JobReport(msgspec.Struct):
    names: int
    candidate_pairs: int
    found: int
    new: int
    seconds: float
    home_m: float
    # seconds: read, block (overlapping the scoring), block and score, fit, store
    phases: dict[str, float] = {}


# --- blocking --------------------------------------------------------------------------------


def _tokens(x: Name) -> tuple[list[str], list[str]]:
    """(anchors, all): the name's tokens of two letters or more, and every token."""
    every = [x.forename, *x.middles, x.surname, *x.parts]
    every = [t for t in dict.fromkeys(every) if t]
    return [t for t in every if len(t) >= 2], every


def block_keys(
    x: Name, counts: Counter[str], rare_at: int, variants: frozenset[str] = frozenset()
) -> set[str]:
    """The name's blocks: each token of two letters or more, or for a common token, that
    token with the initial of each other name and of each known variant of the forename
    (Khan/W and Khan/B for William Khan, so that Bill Khan meets him)."""
    anchors, every = _tokens(x)
    also = {v[0] for v in variants if v}
    keys = set()
    for t in anchors:
        if counts[t] <= rare_at:
            keys.add(t)
        else:
            keys.update(f"{t}/{i}" for i in {y[0] for y in every if y != t} | also)
    return keys


def _swap_group(d: date) -> tuple[int, int, int] | None:
    """Dates that are one another with day and month swapped share this; None if none can."""
    if d.day > 12 or d.day == d.month:
        return None
    return (d.year, min(d.month, d.day), max(d.month, d.day))


PASSES: tuple[tuple[Callable[[date], object], Callable[[date, date], bool]], ...] = (
    (lambda d: (d.month, d.day), lambda a, b: True),
    (lambda d: (d.year, d.month), lambda a, b: a.day != b.day),
    (lambda d: (d.year, d.day), lambda a, b: a.month != b.month),
    (_swap_group, lambda a, b: a != b),
)


@functools.lru_cache(maxsize=65536)
def dates_near(born: date) -> frozenset[date]:
    """The dates one keying slip from this one (registry.search's), or swapped, and itself."""
    return frozenset((born, *near_dates(born), *((swapped(born),) if swapped(born) else ())))


def candidates(
    names: Sequence[Name], variants: dict[str, frozenset[str]] | None = None
) -> list[tuple[int, int]]:
    """Every pair of drivers (a < b) the blocks bring together (see the module's docstring)
    whose rough weight (compare.Rough, term-frequency adjusted) is at least ROUGH_BELOW bits
    short of log2(the names): the register's strangers who share only a forename and an
    initial are not worth a statement's time, and their number grows with the square of the
    register."""
    return sorted(candidate_pairs(names, variants))


def candidate_pairs(
    names: Sequence[Name],
    variants: dict[str, frozenset[str]] | None = None,
    processes: int | None = None,
) -> Iterator[tuple[int, int]]:
    """candidates(), each pair given once as soon as it is found (the job scores the first
    while it looks for the rest). The work is shared among `processes` processes (by default
    a core each on a register of PARALLEL_FROM names or more), each taking one pass over a
    share of the dates of birth at a time."""
    blocks = Blocks(names, variants or {})
    if processes is None:
        processes = _cores() if len(names) >= PARALLEL_FROM else 1
    shares = [(p, part, processes) for p in range(len(PASSES)) for part in range(processes)]
    seen: set[tuple[int, int]] = set()
    for found in _shared(blocks, shares, processes):
        for pair in found:
            if pair not in seen:
                seen.add(pair)
                yield pair


class Blocks:
    """What the blocking looks through: the names with their blocks, and the rough weight
    a pair must reach. Processes sharing the work are forked with it."""

    def __init__(self, names: Sequence[Name], variants: dict[str, frozenset[str]]) -> None:
        counts: Counter[str] = Counter()
        for x in names:
            counts.update(_tokens(x)[0])
        self.names = names
        self.keys = [
            block_keys(x, counts, RARE_AT, variants.get(x.forename, frozenset())) for x in names
        ]
        self.rough = Rough(variants, counts, len(names)).weight
        self.least = math.log2(max(len(names), 2)) - ROUGH_BELOW

    def pairs(self, p: int, part: int, parts: int) -> list[tuple[int, int]]:
        """The pairs of drivers that pass `p` of PASSES brings together in the groups of dates
        whose hash leaves `part` over `parts` (the same in every forked process)."""
        group_of, accept = PASSES[p]
        names, keys, rough, least = self.names, self.keys, self.rough, self.least
        mine: dict[date, object] = {}  # each date's group, or None when not this share's
        groups: dict[object, list[int]] = {}
        for i, x in enumerate(names):
            if x.born not in mine:
                g = group_of(x.born)
                mine[x.born] = g if g is not None and hash(g) % parts == part else None
            if (g := mine[x.born]) is not None:
                groups.setdefault(g, []).append(i)
        found: set[tuple[int, int]] = set()
        dropped: set[tuple[int, int]] = set()  # names (indices) too far apart
        for members in groups.values():
            if len(members) < 2:
                continue
            blocks: dict[str, list[int]] = {}
            for i in members:
                for k in keys[i]:
                    blocks.setdefault(k, []).append(i)
            for block in blocks.values():
                for n, i in enumerate(block):
                    a = names[i]
                    near = dates_near(a.born)
                    for j in block[n + 1 :]:
                        b = names[j]
                        if a.driver_id == b.driver_id or not accept(a.born, b.born):
                            continue
                        if b.born not in near:
                            continue
                        pair = (
                            (a.driver_id, b.driver_id)
                            if a.driver_id < b.driver_id
                            else (b.driver_id, a.driver_id)
                        )
                        # two names meet in several blocks: weigh them roughly once (another
                        # of the drivers' names may still bring the pair in)
                        if pair in found or (i, j) in dropped:
                            continue
                        if rough(a, b) >= least:
                            found.add(pair)
                        else:
                            dropped.add((i, j))
        return list(found)


def _cores() -> int:
    return max(1, min(len(os.sched_getaffinity(0)), MOST_PROCESSES))


_forked: Blocks | None = None  # in a process sharing the blocking: what it looks through


def _adopt(blocks: Blocks) -> None:
    global _forked
    _forked = blocks
    # The process only blocks and then ends, and what it makes holds no cycles: the
    # collector's passes over the million names it inherited cost a fifth of its time.
    gc.disable()


def _share(share: tuple[int, int, int]) -> list[tuple[int, int]]:
    assert _forked is not None
    return _forked.pairs(*share)


def _shared(
    blocks: Blocks, shares: Sequence[tuple[int, int, int]], processes: int
) -> Iterator[list[tuple[int, int]]]:
    """Each share's pairs, as each is done: in this process, or in `processes` forked ones
    (fork, not spawn: they inherit the names and blocks without copying them through a pipe,
    and run only this pure Python, then hand back their pairs)."""
    if processes == 1:
        for share in shares:
            yield blocks.pairs(*share)
        return
    pool = ProcessPoolExecutor(
        processes,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_adopt,
        initargs=(blocks,),
    )
    try:
        for done in as_completed([pool.submit(_share, share) for share in shares]):
            yield done.result()
    finally:
        pool.shutdown(cancel_futures=True)


# --- scoring ---------------------------------------------------------------------------------


class Scored(NamedTuple):
    pairs: list[tuple[int, int]]  # every candidate pair, in order
    scores: list[match.PairScore | None]  # each pair's score, in the same order
    blocking: float  # seconds until the last pair was found (the scoring went on meanwhile)


async def block_and_score(
    conns: Sequence[asyncpg.Connection],
    names: Sequence[Name],
    variants: dict[str, frozenset[str]],
    progress: Progress = QUIET,
) -> Scored:
    """Find the candidate pairs and score them with the match model at the same time: the
    blocking (Python, one core) hands the pairs over BATCH at a time as it finds them, and
    each connection (a PostgreSQL backend, so a core each) scores a batch a statement, one
    after another. Gives the pairs sorted, with their scores, as candidates() would."""
    loop = asyncio.get_running_loop()
    batches: asyncio.Queue[list[tuple[int, int]] | None] = asyncio.Queue()
    stop = threading.Event()  # the scoring failed: stop looking
    scored: list[tuple[tuple[int, int], match.PairScore | None]] = []

    def block() -> tuple[float, int]:
        clock = time.perf_counter()
        batch: list[tuple[int, int]] = []
        found = 0
        try:
            for found, pair in enumerate(candidate_pairs(names, variants), 1):  # noqa: B007
                batch.append(pair)
                if len(batch) == BATCH:
                    loop.call_soon_threadsafe(batches.put_nowait, batch)
                    batch = []
                    if stop.is_set():
                        break
            if batch:
                loop.call_soon_threadsafe(batches.put_nowait, batch)
            return time.perf_counter() - clock, found
        finally:
            for _ in conns:  # no more batches
                loop.call_soon_threadsafe(batches.put_nowait, None)

    async def score(conn: asyncpg.Connection) -> None:
        async with conn.transaction(readonly=True):
            await conn.execute(LONG_READ)
            await conn.execute(NO_JIT)
            while (batch := await batches.get()) is not None:
                scored.extend(zip(batch, await match.score_pairs(conn, batch), strict=True))
                progress.advance(len(batch))

    async def blocking() -> float:
        seconds, found = await asyncio.to_thread(block)
        # the total is known now: the rest is scoring
        progress.phase("Scoring candidate pairs", found, "pairs")
        progress.advance(len(scored))
        return seconds

    progress.phase("Finding candidate pairs in blocks", unit="pairs")
    try:
        async with asyncio.TaskGroup() as tasks:
            found = tasks.create_task(blocking())
            for conn in conns:
                tasks.create_task(score(conn))
    finally:
        stop.set()
    scored.sort(key=lambda s: s[0])
    return Scored([p for p, _ in scored], [s for _, s in scored], found.result())


def fit(
    names: Sequence[Name],
    homes: Sequence[int],
    scores: Sequence[match.PairScore | None],
    level_mu: dict[tuple[str, str], tuple[float, float]] | None = None,
    where: dict[str, int] | None = None,
) -> tuple[Model, Frequencies, dict[int, list[Name]]]:
    """The job's parameters for this register: u for where the drivers live from the register
    (`homes`, the drivers of each home area; `where`, WHERE_PAIRS), m by EM over the candidate
    pairs; the names' frequencies."""
    freq = Frequencies.of(names, level_mu)
    by_driver: dict[int, list[Name]] = {}
    for x in names:
        by_driver.setdefault(x.driver_id, []).append(x)
    model = Model(home_u=home_u(homes), where_u=where_u(where) if where else {})
    scored = []
    for s in scores:
        if s is None:
            continue
        a, b = by_driver[s.a], by_driver[s.b]
        weight = weight_of(Model(home_m=0.5, home_u=0.5), s, a, b, freq)  # no home, no shift
        scored.append((weight, where_level(a[0], b[0]), same_area(a[0], b[0])))
    model = estimate(scored, model, len(by_driver), len(names))
    return model, freq, by_driver


def judge(
    model: Model,
    freq: Frequencies,
    by_driver: dict[int, list[Name]],
    scores: Sequence[match.PairScore | None],
    review_at: float = REVIEW_AT,
) -> list[Found]:
    """The pairs at or above review_at, with their evidence."""
    found = []
    for s in scores:
        if s is None:
            continue
        a, b = by_driver[s.a], by_driver[s.b]
        chance = probability(weight_of(model, s, a, b, freq))
        if chance >= review_at:
            weight, evidence = weigh(model, s, a, b, freq)
            found.append(Found(s.a, s.b, chance, weight, evidence))
    return found


# --- the job ---------------------------------------------------------------------------------


async def load_names(
    conn: asyncpg.Connection, driver_ids: Sequence[int] | None = None
) -> list[Name]:
    return [name_of(r) for r in await conn.fetch(NAMES, driver_ids)]


async def load_variants(
    conn: asyncpg.Connection, names: Sequence[Name]
) -> dict[str, frozenset[str]]:
    """The known variants (nicknames, equivalents) of these names' forenames."""
    found: dict[str, set[str]] = {}
    for r in await conn.fetch(VARIANTS, sorted({x.forename for x in names})):
        found.setdefault(r["name"], set()).add(r["variant"])
    return {name: frozenset(v) for name, v in found.items()}


async def load_level_mu(conn: asyncpg.Connection) -> dict[tuple[str, str], tuple[float, float]]:
    """The match model's (m, u) of the levels compare.py weighs again (LEVEL_MU)."""
    return {(r["comparison"], r["level"]): (r["m"], r["u"]) for r in await conn.fetch(LEVEL_MU)}


async def latest_model(conn: asyncpg.Connection) -> Model | None:
    raw = await conn.fetchval(LATEST_MODEL)
    if raw is None:
        return None
    with contextlib.suppress(msgspec.ValidationError):
        return msgspec.json.decode(raw, type=Model)
    return None  # a model saved by an earlier version of the job


async def raise_pairs(
    conn: asyncpg.Connection, found: Sequence[Found], raised_by: str
) -> tuple[int, int]:
    """Store the pairs (inside the caller's acting transaction): new ones open, open ones
    get the newest evidence, decided ones stay as decided. Returns (new, touched)."""
    await conn.execute(FOUND_TABLE)
    await conn.copy_records_to_table(
        "found_duplicate",
        records=[
            (f.driver_a, f.driver_b, f.probability, f.weight, _evidence(f.reasons)) for f in found
        ],
    )
    row = await conn.fetchrow(RAISE_FOUND, raised_by)
    await conn.execute("DROP TABLE found_duplicate")
    return row["new"], row["touched"]


def _evidence(reasons: Sequence[Evidence]) -> str:
    return msgspec.json.encode(reasons).decode()


# One job at a time across every scheduler and command (a session advisory lock).
JOB_LOCK = "SELECT pg_try_advisory_lock(hashtext('crosscheck.find_duplicates'))"
JOB_UNLOCK = "SELECT pg_advisory_unlock(hashtext('crosscheck.find_duplicates'))"
LONG_READ = "SET LOCAL statement_timeout = '20min'"


async def find_duplicates(
    conn: asyncpg.Connection,
    *,
    actor: Actor | None = None,
    review_at: float = REVIEW_AT,
    helpers: Sequence[asyncpg.Connection] = (),
    reader: asyncpg.Connection | None = None,
    progress: Progress = QUIET,
) -> JobReport | None:
    """Look across the whole register; raise every pair of drivers probably one person.
    `helpers`: more connections to score pairs on at the same time (a core each).
    `reader`, when given (a hot standby's connection), reads the register's names; the pairs
    are written through `conn` (the primary). A reader that fails (a standby gone, or a read
    cancelled by its replay) leaves the reading to `conn`.
    `progress` is told of each part (the command line draws it on a terminal).
    None when another run of the job holds the lock."""
    if not await conn.fetchval(JOB_LOCK):
        return None
    try:
        return await _find(conn, actor or Actor(None, None), review_at, helpers, reader, progress)
    finally:
        await conn.execute(JOB_UNLOCK)


async def _read(
    conn: asyncpg.Connection,
) -> tuple[list[Name], list[int], dict[tuple[str, str], tuple[float, float]], dict[str, int]]:
    async with conn.transaction(readonly=True):
        await conn.execute(LONG_READ)
        names = await load_names(conn)
        homes = [r["n"] for r in await conn.fetch(HOMES)]
        where = dict(await conn.fetchrow(WHERE_PAIRS))
        return names, homes, await load_level_mu(conn), where


async def _find(
    conn: asyncpg.Connection,
    actor: Actor,
    review_at: float,
    helpers: Sequence[asyncpg.Connection],
    reader: asyncpg.Connection | None = None,
    progress: Progress = QUIET,
) -> JobReport:
    started = time.perf_counter()
    progress.phase("Reading the register's names", unit="names")
    try:
        names, homes, level_mu, where = await _read(reader or conn)
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
        if reader is None:
            raise
        names, homes, level_mu, where = await _read(conn)
    variants = await load_variants(conn, names)
    progress.advance(len(names))
    phases = {"read": time.perf_counter() - started}
    clock = time.perf_counter()
    # the blocking is CPU work in a thread (off the event loop, so a service running it still
    # answers), scored as it goes on the connections' backends: all the cores at work
    pairs, scores, phases["block"] = await block_and_score(
        [conn, *helpers], names, variants, progress
    )
    phases["block and score"], clock = time.perf_counter() - clock, time.perf_counter()
    log.info("duplicates job: %d names, %d candidate pairs", len(names), len(pairs))
    progress.phase("Estimating the model and judging the pairs")
    model, freq, by_driver = await asyncio.to_thread(fit, names, homes, scores, level_mu, where)
    found = await asyncio.to_thread(judge, model, freq, by_driver, scores, review_at)
    phases["fit"], clock = time.perf_counter() - clock, time.perf_counter()
    progress.phase("Raising possible duplicates", len(found), "pairs")
    async with acting(conn, actor):
        await conn.execute(LONG_READ)
        await conn.execute(SAVE_MODEL, len(names), len(pairs), msgspec.json.encode(model).decode())
        new, _ = await raise_pairs(conn, found, "job")
    phases["store"] = time.perf_counter() - clock
    report = JobReport(
        names=len(names),
        candidate_pairs=len(pairs),
        found=len(found),
        new=new,
        seconds=round(time.perf_counter() - started, 1),
        home_m=round(model.home_m, 4),
        phases={k: round(v, 1) for k, v in phases.items()},
    )
    log.info(
        "duplicates job: %d names, %d candidate pairs, %d possible duplicates (%d new) in %.1f s",
        report.names,
        report.candidate_pairs,
        report.found,
        report.new,
        report.seconds,
    )
    return report
