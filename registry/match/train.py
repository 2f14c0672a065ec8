"""Estimating the match model from data: `crosscheck match train`.

- u (pairs of different people): from the register itself. For the date of birth, exactly:
  for a sample of drivers, how many other drivers are born on a date at each level (same,
  swapped, a slip away), over the register's size. For names and middle names: the levels of
  random pairs of drivers (current names), as registry/match/compare.sql finds them.
- m (one person recorded twice): from labelled pairs, the planted duplicates of a synthetic
  register (`crosscheck seed --duplicates N`, truth in synthetic_duplicate), compared the same
  way. A register with no planted duplicates keeps the m it has (the shipped model's) and
  refreshes u and the name frequencies only.
- name_frequency: the share of current names with each surname and forename (those held by
  two or more), and of dates of birth on each day and month.

Counts are smoothed by half a pair per level (a level never seen gets a small share, not
zero). The shipped model (registry/data/match_weights.csv and name_frequency.csv) was made by
this module on a seeded register; the command that made it is in the files' first line.
`load_match_model` loads those files at `crosscheck db migrate` unless the register has
been trained on itself.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from pathlib import Path

import asyncpg

from registry import match
from registry.search import near_dates, swapped
from registry.today import london_today

DATA = Path(__file__).resolve().parent.parent / "data"
WEIGHTS_FILE = DATA / "match_weights.csv"
FREQUENCY_FILE = DATA / "name_frequency.csv"
SHIPPED = "shipped: "
SMOOTHING = 0.5
BATCH = 5_000

SAMPLE_DRIVERS = "SELECT id, date_of_birth FROM driver ORDER BY random() LIMIT $1"
DATES_AROUND = """
SELECT dob_level($1::date, date_of_birth) AS level, count(*) AS n
FROM driver WHERE date_of_birth = ANY($2::date[]) GROUP BY 1
"""
TRUTH = "SELECT driver_id, duplicate_of FROM synthetic_duplicate ORDER BY id"
FREQUENCIES = """
WITH names AS (SELECT surname_key, forename_key, date_of_birth FROM driver_name WHERE kind = 'current'),
total AS (SELECT count(*)::float8 AS n FROM names)
SELECT 'surname' AS field, surname_key AS key, count(*) / total.n AS share
FROM names, total WHERE surname_key <> '' GROUP BY surname_key, total.n HAVING count(*) >= $1
UNION ALL
SELECT 'forename', forename_key, count(*) / total.n
FROM names, total WHERE forename_key <> '' GROUP BY forename_key, total.n HAVING count(*) >= $1
UNION ALL
SELECT 'birthday', to_char(date_of_birth, 'MMDD'), count(*) / total.n
FROM names, total GROUP BY 2, total.n
"""
CLEAR_WEIGHTS = "DELETE FROM match_weight"
INSERT_WEIGHTS = """
INSERT INTO match_weight (comparison, level, m, u, trained_on)
SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::text[])
"""
CLEAR_FREQUENCIES = "DELETE FROM name_frequency"
INSERT_FREQUENCIES = """
INSERT INTO name_frequency (field, key, share)
SELECT * FROM unnest($1::text[], $2::text[], $3::float8[])
"""
READ_WEIGHTS = "SELECT comparison, level, m, u, trained_on FROM match_weight ORDER BY 1, 2"
READ_FREQUENCIES = "SELECT field, key, share FROM name_frequency ORDER BY 1, 2"
TRAINED_ON = "SELECT trained_on FROM match_weight LIMIT 1"


def shares(counts: Counter[str], levels: tuple[str, ...]) -> dict[str, float]:
    """Smoothed share of each level."""
    total = sum(counts[level] for level in levels) + SMOOTHING * len(levels)
    return {level: (counts[level] + SMOOTHING) / total for level in levels}


async def _dob_u(conn: asyncpg.Connection, sample: int) -> dict[str, float]:
    """u for each date of birth level: how many other drivers a random driver's date meets at
    each level, over the register's size."""
    drivers = await conn.fetch(SAMPLE_DRIVERS, sample)
    total = await conn.fetchval("SELECT count(*) FROM driver")
    counts: Counter[str] = Counter()
    for row in drivers:
        born = row["date_of_birth"]
        around = [born, *([swapped(born)] if swapped(born) else []), *near_dates(born)]
        for found in await conn.fetch(DATES_AROUND, born, around):
            counts[found["level"]] += found["n"] - (found["level"] == "same")  # not themself
    pairs = len(drivers) * max(total - 1, 1)
    levels = match.LEVELS["dob"]
    u = {level: (counts[level] + SMOOTHING) / pairs for level in levels if level != "other"}
    u["other"] = 1 - sum(u.values())
    return u


async def _level_counts(
    conn: asyncpg.Connection, pairs: list[tuple[int, int]]
) -> dict[str, Counter[str]]:
    counts: dict[str, Counter[str]] = {field: Counter() for field in match.COMPARISONS}
    for start in range(0, len(pairs), BATCH):
        for row in await match.pair_levels(conn, pairs[start : start + BATCH], current_only=True):
            if row["s_level"] is None:
                continue
            for field in match.COMPARISONS:
                counts[field][row[match.LEVEL_COLUMNS[field]]] += 1
    return counts


async def train(
    conn: asyncpg.Connection, *, pairs: int = 100_000, dob_sample: int = 2_000, seed: int = 1
) -> dict[str, object]:
    """Estimate u (and m where the register holds planted duplicates) and the name
    frequencies, and write them to match_weight and name_frequency. Returns a summary."""
    rng = random.Random(seed)
    await conn.execute("SELECT setseed($1)", (seed % 1000) / 1000)
    total = await conn.fetchval("SELECT count(*) FROM driver")
    ids = [r["id"] for r in await conn.fetch("SELECT id FROM driver")]
    truth = [(r["driver_id"], r["duplicate_of"]) for r in await conn.fetch(TRUTH)]
    planted = {frozenset(p) for p in truth}
    random_pairs: list[tuple[int, int]] = []
    while len(random_pairs) < pairs and len(ids) > 1:
        a, b = rng.sample(ids, 2)
        if frozenset((a, b)) not in planted:
            random_pairs.append((a, b))
    u_counts = await _level_counts(conn, random_pairs)
    u = {field: shares(u_counts[field], match.LEVELS[field]) for field in match.COMPARISONS}
    u["dob"] = await _dob_u(conn, dob_sample)
    old = {(r["comparison"], r["level"]): r["m"] for r in await conn.fetch(READ_WEIGHTS)}
    if truth:
        m_counts = await _level_counts(conn, truth)
        m = {field: shares(m_counts[field], match.LEVELS[field]) for field in match.COMPARISONS}
        source = f"{total} drivers with {len(truth)} planted duplicates, {london_today()}"
    elif old:
        m = {f: {lv: old.get((f, lv), 1e-4) for lv in match.LEVELS[f]} for f in match.COMPARISONS}
        source = f"{total} drivers (u; m kept), {london_today()}"
    else:
        raise ValueError("no planted duplicates to learn m from and no model to keep it from")
    rows = [
        (field, level, m[field][level], u[field][level], source)
        for field in match.COMPARISONS
        for level in match.LEVELS[field]
    ]
    frequencies = await conn.fetch(FREQUENCIES, 2)
    async with conn.transaction():
        await _write(conn, rows, [tuple(r) for r in frequencies])
    return {"drivers": total, "pairs": len(random_pairs), "planted": len(truth), "source": source}


async def _write(
    conn: asyncpg.Connection,
    weights: list[tuple[str, str, float, float, str]],
    frequencies: list[tuple[str, str, float]],
) -> None:
    await conn.execute(CLEAR_WEIGHTS)
    await conn.execute(INSERT_WEIGHTS, *(list(column) for column in zip(*weights, strict=True)))
    await conn.execute(CLEAR_FREQUENCIES)
    await conn.execute(
        INSERT_FREQUENCIES, *(list(column) for column in zip(*frequencies, strict=True))
    )


async def export(conn: asyncpg.Connection, command: str) -> None:
    """Write the register's model to the shipped files (the command that made it first)."""
    for path, sql in ((WEIGHTS_FILE, READ_WEIGHTS), (FREQUENCY_FILE, READ_FREQUENCIES)):
        _write_csv(path, command, await conn.fetch(sql))


def _write_csv(path: Path, command: str, rows: list[asyncpg.Record]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        f.write(f"# made by: {command}\n")
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(list(rows[0].keys()))
        for row in rows:
            writer.writerow([f"{v:.6g}" if isinstance(v, float) else v for v in row.values()])


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


async def load_match_model(conn: asyncpg.Connection) -> bool:
    """Load the shipped model unless the register has been trained on itself. Idempotent;
    `crosscheck db migrate` runs it. True when the shipped model was (re)loaded."""
    trained_on = await conn.fetchval(TRAINED_ON)
    if not WEIGHTS_FILE.exists() or (trained_on is not None and not trained_on.startswith(SHIPPED)):
        return False
    weights = [
        (r["comparison"], r["level"], float(r["m"]), float(r["u"]), SHIPPED + r["trained_on"])
        for r in _read(WEIGHTS_FILE)
    ]
    frequencies = [(r["field"], r["key"], float(r["share"])) for r in _read(FREQUENCY_FILE)]
    async with conn.transaction():
        await _write(conn, weights, frequencies)
    return True
