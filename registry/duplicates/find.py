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
names too, which keeps the blocks small while an initial, a nickname or a typo in the other
name still meets. Each block is compared once per pass; a pair is counted in one pass only.
"""

from __future__ import annotations

import asyncio
import logging
import time
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date

import asyncpg
import msgspec

from registry.actor import Actor, acting
from registry.duplicates.compare import (
    NAMES,
    VARIANTS,
    Knowledge,
    Model,
    Name,
    Reason,
    average_shares,
    estimate,
    levels,
    name_of,
    probability,
    term_frequencies,
    u_from_register,
)

log = logging.getLogger("crosscheck.duplicates")
REVIEW_AT = 0.5  # the match probability at which a pair is raised for an officer
RARE_SHARE = 1 / 500  # a token held by more of the register's names needs an initial too
MIN_RARE = 30

SAVE_MODEL = """
INSERT INTO duplicate_model (names, candidate_pairs, model) VALUES ($1, $2, $3::jsonb)
"""
LATEST_MODEL = "SELECT model FROM duplicate_model ORDER BY id DESC LIMIT 1"
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
    reasons: list[Reason]


class JobReport(msgspec.Struct):
    names: int
    candidate_pairs: int
    found: int
    new: int
    seconds: float
    prior: float
    phases: dict[str, float] = {}  # seconds: read, block, fit, score, store


# --- blocking --------------------------------------------------------------------------------


def _tokens(x: Name) -> tuple[list[str], list[str]]:
    """(anchors, all): the name's tokens of two letters or more, and every token."""
    every = [x.forename, *x.middles, x.surname, *x.parts]
    every = [t for t in dict.fromkeys(every) if t]
    return [t for t in every if len(t) >= 2], every


def block_keys(x: Name, counts: Counter, rare_at: int) -> set[str]:
    anchors, every = _tokens(x)
    keys = set()
    for t in anchors:
        if counts[t] <= rare_at:
            keys.add(t)
        else:
            keys.update(f"{t}/{y[0]}" for y in every if y != t)
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


class Candidates:
    """Candidate pairs (indexes into the names) with their comparison vectors, compactly."""

    def __init__(self) -> None:
        self.left = array("q")
        self.right = array("q")
        self.pattern = array("H")
        self.patterns: dict[tuple[int, ...], int] = {}
        self.vectors: list[tuple[int, ...]] = []

    def add(self, i: int, j: int, vector: tuple[int, ...]) -> None:
        code = self.patterns.get(vector)
        if code is None:
            code = self.patterns[vector] = len(self.vectors)
            self.vectors.append(vector)
        self.left.append(i)
        self.right.append(j)
        self.pattern.append(code)

    def counts(self) -> Counter:
        by_code = Counter(self.pattern)
        return Counter({self.vectors[c]: n for c, n in by_code.items()})

    def __len__(self) -> int:
        return len(self.left)


def candidates(names: Sequence[Name], knowledge: Knowledge) -> Candidates:
    """Every pair of names the blocks bring together, compared (see the module's docstring)."""
    counts: Counter = Counter()
    for x in names:
        counts.update(_tokens(x)[0])
    rare_at = max(MIN_RARE, int(len(names) * RARE_SHARE))
    keys = [block_keys(x, counts, rare_at) for x in names]
    found = Candidates()
    for group_of, accept in PASSES:
        groups: dict[object, list[int]] = {}
        for i, x in enumerate(names):
            g = group_of(x.born)
            if g is not None:
                groups.setdefault(g, []).append(i)
        for members in groups.values():
            if len(members) < 2:
                continue
            blocks: dict[str, list[int]] = {}
            for i in members:
                for k in keys[i]:
                    blocks.setdefault(k, []).append(i)
            seen: set[tuple[int, int]] = set()
            for block in blocks.values():
                for n, i in enumerate(block):
                    a = names[i]
                    for j in block[n + 1 :]:
                        b = names[j]
                        if a.driver_id == b.driver_id or (i, j) in seen:
                            continue
                        seen.add((i, j))
                        if not accept(a.born, b.born):
                            continue
                        vector = levels(knowledge, a, b)
                        if vector is not None:
                            found.add(i, j, vector)
    return found


# --- scoring ---------------------------------------------------------------------------------


def fit(names: Sequence[Name], knowledge: Knowledge, pairs: Candidates) -> Model:
    """The model for this register: u from the register, m and the prior by EM."""
    u = u_from_register(knowledge, names)
    m, prior = estimate(pairs.counts(), u, len(names) * (len(names) - 1) // 2)
    tf = term_frequencies(names)
    return Model(
        m, u, prior, tf["surname"], tf["forename"], tf["dob"], tf["middle"], average_shares(tf)
    )


def score(
    names: Sequence[Name], model: Model, pairs: Candidates, review_at: float = REVIEW_AT
) -> list[Found]:
    """The best-scoring name pair for each pair of drivers at or above review_at."""
    best: dict[tuple[int, int], tuple[float, int, int, int]] = {}
    for i, j, code in zip(pairs.left, pairs.right, pairs.pattern, strict=True):
        a, b = names[i], names[j]
        weight, _ = model.weigh(pairs.vectors[code], a, b)
        if probability(weight) < review_at:
            continue
        key = (
            (a.driver_id, b.driver_id) if a.driver_id < b.driver_id else (b.driver_id, a.driver_id)
        )
        if key not in best or best[key][0] < weight:
            best[key] = (weight, code, i, j)
    found = []
    for (da, db), (weight, code, i, j) in sorted(best.items()):
        _, reasons = model.weigh(pairs.vectors[code], names[i], names[j])
        found.append(Found(da, db, probability(weight), weight, reasons))
    return found


# --- the job ---------------------------------------------------------------------------------


async def load_names(
    conn: asyncpg.Connection, driver_ids: Sequence[int] | None = None
) -> list[Name]:
    return [name_of(r) for r in await conn.fetch(NAMES, driver_ids)]


async def load_knowledge(conn: asyncpg.Connection) -> Knowledge:
    return Knowledge((r["name"], r["variant"]) for r in await conn.fetch(VARIANTS))


async def latest_model(conn: asyncpg.Connection) -> Model | None:
    raw = await conn.fetchval(LATEST_MODEL)
    return None if raw is None else msgspec.json.decode(raw, type=Model)


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


def _evidence(reasons: Sequence[Reason]) -> str:
    return msgspec.json.encode(
        [
            {"field": r.field, "level": r.level, "words": r.words, "weight": round(r.weight, 2)}
            for r in reasons
        ]
    ).decode()


# One job at a time across every scheduler and command (a session advisory lock).
JOB_LOCK = "SELECT pg_try_advisory_lock(hashtext('crosscheck.find_duplicates'))"
JOB_UNLOCK = "SELECT pg_advisory_unlock(hashtext('crosscheck.find_duplicates'))"
LONG_READ = "SET LOCAL statement_timeout = '20min'"


def _work(
    names: list[Name], knowledge: Knowledge, review_at: float, phases: dict[str, float]
) -> tuple[int, Model, list[Found]]:
    clock = time.perf_counter()
    pairs = candidates(names, knowledge)
    phases["block"], clock = time.perf_counter() - clock, time.perf_counter()
    model = fit(names, knowledge, pairs)
    phases["fit"], clock = time.perf_counter() - clock, time.perf_counter()
    found = score(names, model, pairs, review_at)
    phases["score"] = time.perf_counter() - clock
    return len(pairs), model, found


async def find_duplicates(
    conn: asyncpg.Connection, *, actor: Actor | None = None, review_at: float = REVIEW_AT
) -> JobReport | None:
    """Look across the whole register; raise every pair of drivers probably one person.
    None when another run of the job holds the lock."""
    if not await conn.fetchval(JOB_LOCK):
        return None
    try:
        return await _find(conn, actor or Actor(None, None), review_at)
    finally:
        await conn.execute(JOB_UNLOCK)


async def _find(conn: asyncpg.Connection, actor: Actor, review_at: float) -> JobReport:
    started = time.perf_counter()
    async with conn.transaction(readonly=True):
        await conn.execute(LONG_READ)
        names = await load_names(conn)
        knowledge = await load_knowledge(conn)
    phases = {"read": time.perf_counter() - started}
    # the comparisons are CPU work: off the event loop, so a service running it still answers
    candidate_pairs, model, found = await asyncio.to_thread(
        _work, names, knowledge, review_at, phases
    )
    clock = time.perf_counter()
    async with acting(conn, actor):
        await conn.execute(LONG_READ)
        await conn.execute(
            SAVE_MODEL, len(names), candidate_pairs, msgspec.json.encode(model).decode()
        )
        new, _ = await raise_pairs(conn, found, "job")
    phases["store"] = time.perf_counter() - clock
    report = JobReport(
        names=len(names),
        candidate_pairs=candidate_pairs,
        found=len(found),
        new=new,
        seconds=round(time.perf_counter() - started, 1),
        prior=model.prior,
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
