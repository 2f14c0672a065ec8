"""Benchmark: the national DfT compliance summary for a year, against one count(*) of licences.

    uv run python bench/compliance.py                       # 1,000,000 drivers (seeding takes minutes)
    uv run python bench/compliance.py --drivers 100000
    uv run python bench/compliance.py --data-dir /tmp/cc-bench --keep   # seed once, rerun quickly

Starts a throwaway PostgreSQL cluster (or reuses --data-dir), migrates it the production way,
loads the reference authorities and seeds the synthetic register with
`registry.synthetic.seed.seed(conn, drivers=N, seed=S)`. The seed writes no audit log, so this
script adds what the searches would have left: a search by the licensing authority before 90% of the
grants and renewals of the last two years (a third of them returning a second driver), as many
searches that found nobody, and two record views per search (so the summary must pick the
searches out of a larger log); it then works the grants' s.3 checks out again
(`recheck_grants()`: the seed recorded them before these searches existed) and VACUUM
(ANALYZE)s as autovacuum would have. (No alerts are added: the seed records no register
events for them to hang on; a year's alerts are a small table next to these.)

Then, on the same connection, warm:
1. baseline: `SELECT count(*) FROM licence`, best of 5;
2. the national summary (`registry.compliance.summarise`, every authority and the national
   totals and rankings) for one year, best of 3, on two connections sharing a snapshot (as
   the API runs it when its summary pool has a spare connection), with the Python side's
   peak memory (tracemalloc), the PostgreSQL temporary-file bytes it wrote (work_mem
   spills) and the server CPU time it used; then on one connection, and each statement.
The ratio summary/count(*) is the figure to compare between machines; the target is an
absolute one, under 2 s for a year at 1,000,000 drivers, printed beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import time
import tracemalloc
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg

from licensing import pgcluster
from licensing.migrate import migrate
from registry import compliance
from registry.authorities import load_reference

TARGET_SECONDS = 2.0

SEARCHES_BEFORE_GRANTS = """
INSERT INTO audit_log (at, authority_id, action, purpose, case_reference, driver_id, search_id, subject)
SELECT (c.effective_on - 1 - (c.id % 40)::int)::timestamp AT TIME ZONE 'Europe/London' + interval '10 hours',
       l.authority_id, 'search',
       CASE c.action WHEN 'granted' THEN 'new_application' ELSE 'renewal' END,
       'BENCH', d.driver_id, md5('s' || c.id)::uuid, 'driver'
FROM licence_change c
JOIN licence l ON l.id = c.licence_id
CROSS JOIN LATERAL (VALUES (l.driver_id), (CASE WHEN c.id % 3 = 0 THEN l.driver_id + 1 END)) AS d(driver_id)
WHERE c.action IN ('granted', 'renewed') AND c.effective_on >= $1 AND c.id % 10 <> 0
  AND d.driver_id IS NOT NULL
"""

SEARCHES_FINDING_NOBODY = """
INSERT INTO audit_log (at, authority_id, action, purpose, case_reference, search_id, subject)
SELECT (c.effective_on - 3)::timestamp AT TIME ZONE 'Europe/London' + interval '15 hours',
       l.authority_id, 'search', 'new_application', 'BENCH', md5('n' || c.id)::uuid, 'search'
FROM licence_change c JOIN licence l ON l.id = c.licence_id
WHERE c.action IN ('granted', 'renewed') AND c.effective_on >= $1
"""

RECORD_VIEWS = """
INSERT INTO audit_log (at, authority_id, action, purpose, case_reference, driver_id, subject)
SELECT at + interval '5 minutes' * n, authority_id, 'view_driver', purpose, 'BENCH', driver_id, 'driver'
FROM audit_log, generate_series(1, 2) AS n
WHERE action = 'search' AND driver_id IS NOT NULL
"""


async def add_activity(conn: asyncpg.Connection, since: date) -> dict[str, int]:
    """The audit trail searches and record views would have left (the seed writes none)."""
    if await conn.fetchval("SELECT EXISTS (SELECT FROM audit_log WHERE case_reference = 'BENCH')"):
        return {}
    counts = {}
    for name, sql in (
        ("search rows before grants", SEARCHES_BEFORE_GRANTS),
        ("searches finding nobody", SEARCHES_FINDING_NOBODY),
    ):
        counts[name] = int((await conn.execute(sql, since)).split()[-1])
    counts["record views"] = int((await conn.execute(RECORD_VIEWS)).split()[-1])
    # The grants' s.3 checks were made when the seed recorded them, before these searches
    # existed: work them out again, as after loading audit history from elsewhere.
    started = time.perf_counter()
    counts["grant checks changed by recheck_grants()"] = await conn.fetchval(
        "SELECT recheck_grants()"
    )
    print(f"recheck_grants() took {time.perf_counter() - started:.0f} s")
    # As autovacuum would have by now on a live register: set the visibility map (so the
    # covering indexes are read alone) and the statistics.
    await conn.execute("VACUUM (ANALYZE) driver, licence, licence_change, audit_log")
    # again: an autovacuum ANALYZE running meanwhile can keep the first from marking pages
    await conn.execute("VACUUM audit_log")
    return counts


async def table_sizes(conn: asyncpg.Connection) -> dict[str, int]:
    names = (
        "driver",
        "licence",
        "licence_change",
        "register_entry",
        "information_request",
        "concern",
        "audit_log",
        "alert",
    )
    sizes = {}
    for name in names:
        if await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", name):
            sizes[name] = await conn.fetchval(f"SELECT count(*) FROM {name}")
    return sizes


async def best_of(n: int, work) -> tuple[float, list[float], object]:
    times, result = [], None
    for _ in range(n):
        started = time.perf_counter()
        result = await work()
        times.append(time.perf_counter() - started)
    return min(times), times, result


async def backend_cpu(*conns: asyncpg.Connection) -> float | None:
    """CPU seconds the connections' server processes have used (None if /proc is not ours)."""
    total = 0.0
    for conn in conns:
        pid = await conn.fetchval("SELECT pg_backend_pid()")
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


async def temp_bytes(conn: asyncpg.Connection) -> int:
    await conn.execute("SELECT pg_stat_clear_snapshot()")
    return await conn.fetchval(
        "SELECT temp_bytes FROM pg_stat_database WHERE datname = current_database()"
    )


async def statement_times(conn: asyncpg.Connection, period: compliance.Period, today: date) -> dict:
    """Each statement of the summary on its own, with the summary's settings (where the time goes)."""
    ids = [r["id"] for r in await conn.fetch(compliance.LISTED_AUTHORITIES, period.start)]
    holidays = compliance.holidays_for(period, today)
    args = {
        "LICENSED_AT_SNAPSHOT": (period.snapshot, None, 0, 2**63 - 1),
        "GRANTS_AND_SEARCHES": (period.start, period.end, None),
        "SEARCHES_MADE": (period.start, period.end, None),
        "ENTRIES_MADE": (period.start, period.end, None),
        "REQUESTS": (period.start, period.end, ids, today, holidays),
        "REQUESTS_OVERDUE": (today, None),
        "CONCERNS": (period.start, period.end, None, holidays),
        "ALERTS": (period.start, period.end, ids),
    }

    async def each(conn, _):
        times = {}
        for name, values in args.items():
            best, _, _ = await best_of(
                2, lambda name=name, values=values: conn.fetch(compliance.STATEMENTS[name], *values)
            )
            times[name] = best
        return times

    return await compliance.figures._read(conn, each)


async def run(args) -> int:
    from registry.synthetic.seed import seed  # here, so --help works before the seed exists

    folder = Path(args.data_dir) if args.data_dir else pgcluster.throwaway("crosscheck-bench-")
    cluster = pgcluster.start(folder, fast=True)
    try:
        await pgcluster.create_database(cluster)
        conn = await asyncpg.connect(cluster.url())
        try:
            seeded = await conn.fetchval(
                "SELECT to_regclass('driver') IS NOT NULL"
            ) and await conn.fetchval("SELECT EXISTS (SELECT FROM driver)")
            if not seeded:
                await migrate(conn)
                await load_reference(conn)
                started = time.perf_counter()
                await seed(conn, drivers=args.drivers, seed=args.seed)
                print(f"seeded {args.drivers:,} drivers in {time.perf_counter() - started:.0f} s")
            else:
                await migrate(conn)
            today = compliance.london_today()
            period = (
                compliance.resolve_period(
                    start=args.start, end=args.end, snapshot=args.snapshot, today=today
                )
                if args.start
                else _last_financial_year(today)
            )
            added = await add_activity(conn, date(period.start.year - 1, period.start.month, 1))
            for name, n in added.items():
                print(f"added {n:,} {name}")
            sizes = await table_sizes(conn)

            second = await asyncpg.connect(cluster.url())
            base, base_times, _ = await best_of(
                5, lambda: conn.fetchval("SELECT count(*) FROM licence")
            )
            spilled_before = await temp_bytes(conn)
            cpu_before = await backend_cpu(conn, second)
            best, times, summary = await best_of(
                3, lambda: compliance.summarise(conn, period, today=today, second=second)
            )
            cpu = (await backend_cpu(conn, second) - cpu_before) / 3
            spilled = (await temp_bytes(conn) - spilled_before) / 3
            # Python's share of memory for one more (warm) summary: rows fetched, Structs built
            tracemalloc.start()
            await compliance.summarise(conn, period, today=today, second=second)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            alone, alone_times, _ = await best_of(
                2, lambda: compliance.summarise(conn, period, today=today)
            )
            parts = await statement_times(conn, period, today)
            await second.close()
        finally:
            await conn.close()
    finally:
        if args.keep:
            print(f"kept the cluster in {folder} (stopped)")
        pgcluster.stop(folder)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)

    totals = summary.national.totals
    print("\nRegister: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()))
    print(f"Period {period.start} to {period.end}, licensed drivers at {period.snapshot}")
    print(
        f"National: {totals.licensed_drivers_total:,} licensed drivers, "
        f"{totals.licences_granted_or_renewed:,} grants and renewals "
        f"({totals.granted_or_renewed_after_search_pct}% after a search), "
        f"{totals.register_searches_made:,} searches, {totals.out_of_area_drivers_pct}% out of area\n"
    )
    print(f"{'':34} {'best s':>8}   runs")
    print(
        f"{'count(*) FROM licence (baseline)':34} {base:>8.3f}   "
        + " ".join(f"{t:.3f}" for t in base_times)
    )
    print(
        f"{'national summary, one year':34} {best:>8.3f}   " + " ".join(f"{t:.3f}" for t in times)
    )
    print(
        f"{'  the same on one connection':34} {alone:>8.3f}   "
        + " ".join(f"{t:.3f}" for t in alone_times)
    )
    for name, seconds in parts.items():
        print(f"{'  ' + name:34} {seconds:>8.3f}")
    print(f"\nratio summary / count(*): {best / base:.1f}")
    if cpu is not None:
        print(
            f"PostgreSQL CPU per summary (both backends): {cpu:.2f} s; load average "
            + " ".join(f"{x:.1f}" for x in os.getloadavg())
        )
    print(
        f"summary time: {best:.2f} s   (target < {TARGET_SECONDS:.0f} s)  "
        f"{'ok' if best < TARGET_SECONDS else 'OVER TARGET'}"
    )
    print(
        f"peak Python memory during a summary (tracemalloc): {peak / 1_048_576:.1f} MiB; "
        f"PostgreSQL temporary files written per summary: {spilled / 1_048_576:.1f} MiB"
    )
    return 0


def _last_financial_year(today: date) -> compliance.Period:
    """1 April to 31 March, the last one complete; drivers counted on the last day."""
    end_year = today.year if today.month >= 4 else today.year - 1
    return compliance.Period(date(end_year - 1, 4, 1), date(end_year, 3, 31), date(end_year, 3, 31))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drivers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--from", dest="start", help="period start (default: the last financial year)"
    )
    parser.add_argument("--to", dest="end", help="period end")
    parser.add_argument("--snapshot", help="snapshot date (default: the period end)")
    parser.add_argument("--data-dir", help="cluster folder to reuse (seeded once)")
    parser.add_argument("--keep", action="store_true", help="keep the cluster folder afterwards")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
