"""Benchmark: seeding the synthetic national register, against a plain COPY of the same rows.

    uv run python bench/seed.py                 # 1,000,000 drivers (a few minutes)
    uv run python bench/seed.py --drivers 100000
    uv run python bench/seed.py --drivers 200000 --duplicates 10000

Starts a throwaway PostgreSQL cluster (fsync off, as for the tests), migrates it the production
way, loads the reference authorities, then:

1. seed: `registry.synthetic.seed.seed(conn, drivers=N, seed=S)`, timed end to end (generation in
   Python, COPY, rebuilding indexes and foreign keys, moving sequences, ANALYZE);
2. baseline: every seeded table is dumped with binary COPY TO into memory and copied with
   binary COPY FROM into an empty `CREATE TABLE x (LIKE t INCLUDING ALL)` (same indexes,
   checks and defaults; no triggers, no foreign keys). Only the COPY FROM is timed.

The ratio seed rate / baseline rate says how close seeding gets to the cheapest possible way
of writing the same rows on this machine in this run (target >= 0.5); the absolute seed
time is shown beside it (target < 180 s at 1,000,000 drivers).

With --duplicates D, the same N drivers are then seeded again into a second database of the
same cluster with D of them recorded twice (registry/synthetic/duplicates.py), and the
seed's time per row written is compared with the first seed's (the baseline): the ratio
with/without says what planting duplicates costs beyond the rows it adds.
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg

from bench.harness import fresh_register, seeding_main, throwaway_cluster
from licensing import pgcluster
from registry.synthetic.seed import TABLES, seed

TARGET_RATIO = 0.5
TARGET_SECONDS_PER_MILLION = 180.0


async def plain_copy(conn: asyncpg.Connection) -> tuple[float, int]:
    """Seconds spent in COPY FROM for every seeded table into a bare copy of it; rows copied."""
    seconds, rows = 0.0, 0
    for table in TABLES:
        dump = io.BytesIO()
        await conn.copy_from_table(table, output=dump, format="binary")
        await conn.execute(f"CREATE TABLE plain_{table} (LIKE {table} INCLUDING ALL)")
        dump.seek(0)
        started = time.perf_counter()
        result = await conn.copy_to_table(f"plain_{table}", source=dump, format="binary")
        seconds += time.perf_counter() - started
        rows += int(result.split()[-1])
        await conn.execute(f"DROP TABLE plain_{table}")
    return seconds, rows


async def seed_with_duplicates(cluster, drivers: int, seed_value: int, duplicates: int):
    await pgcluster.create_database(cluster, "duplicates")
    async with fresh_register(cluster.url("duplicates")) as conn:
        return await seed(conn, drivers=drivers, seed=seed_value, duplicates=duplicates)


def print_duplicates(report, planted) -> None:
    per_row = report.seconds / report.total
    planted_per_row = planted.seconds / planted.total
    print(
        f"\nwith {planted.counts['synthetic_duplicate']:,} planted duplicates: "
        f"{planted.total:,} rows in {planted.seconds:.1f} s "
        f"(without: {report.total:,} rows in {report.seconds:.1f} s)"
    )
    print(
        f"ratio seed time with/without: {planted.seconds / report.seconds:.3f}; "
        f"per row written: {planted_per_row / per_row:.3f}"
    )


async def run(drivers: int, seed_value: int, duplicates: int = 0) -> int:
    async with throwaway_cluster() as cluster:
        async with fresh_register(cluster.url()) as conn:
            report = await seed(conn, drivers=drivers, seed=seed_value)
            base_seconds, base_rows = await plain_copy(conn)
        planted = duplicates and await seed_with_duplicates(
            cluster, drivers, seed_value, duplicates
        )

    seed_rate = report.total / report.seconds
    base_rate = base_rows / base_seconds
    ratio = seed_rate / base_rate
    budget = TARGET_SECONDS_PER_MILLION * drivers / 1_000_000
    print(f"\nSeeding {drivers:,} drivers (seed {seed_value})\n")
    print(f"{'table':24} {'rows':>12}")
    for table, n in report.counts.items():
        print(f"{table:24} {n:>12,}")
    print(f"{'all tables':24} {report.total:>12,}\n")
    print(
        "seed phases: " + ", ".join(f"{name} {s:.1f} s" for name, s in report.phases.items()) + "\n"
    )
    print(f"{'':28} {'seconds':>9} {'rows/s':>12}")
    print(f"{'seed (generate + load)':28} {report.seconds:>9.1f} {seed_rate:>12,.0f}")
    print(f"{'plain binary COPY (base)':28} {base_seconds:>9.1f} {base_rate:>12,.0f}")
    print(
        f"\nratio seed/plain COPY rate: {ratio:.2f}   (target >= {TARGET_RATIO})  "
        f"{'ok' if ratio >= TARGET_RATIO else 'BELOW TARGET'}"
    )
    print(
        f"seed time: {report.seconds:.1f} s   (target < {budget:.0f} s for {drivers:,} drivers)  "
        f"{'ok' if report.seconds < budget else 'OVER TARGET'}"
    )
    if planted:
        print_duplicates(report, planted)
    return 0


def main() -> int:
    return seeding_main(
        __doc__,
        run,
        drivers=1_000_000,
        duplicates=0,
        help_duplicates="also seed with this many planted duplicates",
    )


if __name__ == "__main__":
    sys.exit(main())
