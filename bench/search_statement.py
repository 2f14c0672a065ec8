"""The name and date of birth statement alone, against the same statement at another commit.

    .venv/bin/python bench/search_statement.py --drivers 200000             (seeds its own cluster)
    .venv/bin/python bench/search_statement.py --database-url URL --baseline main
    .venv/bin/python bench/search_statement.py --drivers 1000000 --data-dir DIR --keep

Runs NAME_SEARCH of registry/search.py as it is in the work tree and as it is at the baseline
commit (`git show BASELINE:registry/search.py`), on the same seeded register, over the same
queries: registered names with everyday variation (a forename dropped, two letters swapped,
day and month swapped, forename and surname the other way round, the year one out). Each
query is run alternately by both, several times, and the fastest run of each counts, which
keeps other jobs on a shared machine out of the comparison. The driver summaries are left
out so that more drivers found does not count as slower scoring; the audit rows stay.

Prints the mean and p95 of those per-query times for each and their ratio, and the EXPLAIN
ANALYZE of one query (candidates must come from index-only scans of driver_name_search).
The baseline statement runs on this tree's schema (0002 only adds functions).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import types
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import register_arguments, release_cluster, seeded_register  # noqa: E402
from registry import search  # noqa: E402
from registry.audit_log import Enquirer  # noqa: E402
from registry.records import SUMMARY  # noqa: E402

ENQUIRER = Enquirer(None, None, "other", "BENCH")


def baseline_module(ref: str) -> types.ModuleType:
    """registry/search.py as it was at `ref`, beside that commit's own registry/ files (the
    .sql files it reads); other modules it imports come from the work tree."""
    folder = Path(tempfile.mkdtemp(prefix="search-baseline-"))
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "registry"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    path = folder / "registry" / "search.py"
    # registry/audit.py was merged into registry/audit_log.py after a0db15d: an older
    # search.py finds what it imported from there under its old name
    sys.modules.setdefault("registry.audit", importlib.import_module("registry.audit_log"))
    module = types.ModuleType("search_baseline")
    module.__file__ = str(path)
    # The match model's comparison (registry/match/, its .sql beside it) as it was at `ref`
    # too, where it existed: the statement is built from both.
    with _baseline_match(folder / "registry" / "match" / "__init__.py", ref):
        exec(
            compile(path.read_text(encoding="utf-8"), f"{ref}:registry/search.py", "exec"),
            module.__dict__,
        )
    return module


@contextlib.contextmanager
def _baseline_match(path: Path, ref: str) -> Iterator[None]:
    if not path.exists():
        yield
        return
    import registry

    match = types.ModuleType("registry.match")
    match.__file__ = str(path)
    exec(compile(path.read_text(encoding="utf-8"), f"{ref}:{path}", "exec"), match.__dict__)
    own = sys.modules["registry.match"]
    sys.modules["registry.match"] = registry.match = match  # type: ignore[attr-defined]
    try:
        yield
    finally:
        sys.modules["registry.match"] = registry.match = own  # type: ignore[attr-defined]


def backend_cpu_seconds(pid: int) -> float:
    """User and system CPU time of a local PostgreSQL server process (-1 when it is not on
    this machine or not readable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return -1.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def varied(rnd: random.Random, forenames: str, surname: str, born: date) -> tuple[str, str, date]:
    roll = rnd.randrange(6)
    if roll == 0:
        forenames = forenames.split()[0]
    elif roll == 1 and len(surname) > 4:
        surname = surname[:2] + surname[3] + surname[2] + surname[4:]
    elif roll == 2 and search.swapped(born):
        born = search.swapped(born)
    elif roll == 3:
        forenames, surname = surname, forenames.split()[0]
    elif roll == 4 and (born.month, born.day) != (2, 29):
        born = born.replace(year=born.year + 1)
    return forenames, surname, born


async def measure(
    url: str, baseline: types.ModuleType, count: int, repeats: int, seed: int
) -> None:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT forenames, surname, date_of_birth FROM driver_name "
            "WHERE kind = 'current' ORDER BY random() LIMIT $1",
            count,
        )
        rnd = random.Random(seed)
        queries = [varied(rnd, r["forenames"], r["surname"], r["date_of_birth"]) for r in rows]
        # Each side on a connection of its own, so that its server process's CPU time is its own.
        own = {name: await asyncpg.connect(url) for name in ("baseline", "work tree")}
        sides = {
            name: (
                module,
                await own[name].prepare(module.NAME_SEARCH.replace(SUMMARY, "NULL::text")),
            )
            for name, module in (("baseline", baseline), ("work tree", search))
        }
        pids = {name: await c.fetchval("SELECT pg_backend_pid()") for name, c in own.items()}
        cpu_before = {name: backend_cpu_seconds(pid) for name, pid in pids.items()}
        fastest = {name: [] for name in sides}
        for forenames, surname, born in queries:
            best = dict.fromkeys(sides, float("inf"))
            for _ in range(repeats):
                for name, (module, statement) in sides.items():
                    arguments = module.name_search_arguments(
                        forenames, surname, born, ENQUIRER, uuid.uuid4()
                    )
                    started = time.perf_counter()
                    await statement.fetch(*arguments)
                    best[name] = min(best[name], time.perf_counter() - started)
            for name in sides:
                fastest[name].append(best[name] * 1000)
        for name, times in fastest.items():
            times.sort()
            print(
                f"{name:10} mean {statistics.mean(times):.3f} ms  p95 {times[int(len(times) * 0.95)]:.3f} ms"
            )
        ratio = statistics.mean(fastest["work tree"]) / statistics.mean(fastest["baseline"])
        print(f"work tree / baseline: {ratio:.2f}")
        # CPU time of each side's server process over all its runs: unlike the wall-clock times
        # above, it does not grow when other jobs take the cores (clock ticks, so 10 ms steps).
        cpu = {name: backend_cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
        if min(cpu_before.values()) >= 0:
            runs = len(queries) * repeats
            for name, seconds in cpu.items():
                print(f"{name:10} server CPU {seconds * 1000 / runs:.3f} ms a search")
            print(f"server CPU work tree / baseline: {cpu['work tree'] / cpu['baseline']:.2f}")
        for c in own.values():
            await c.close()
        forenames, surname, born = queries[0]
        plan = await conn.fetch(
            "EXPLAIN (ANALYZE, COSTS OFF) " + search.NAME_SEARCH,
            *search.name_search_arguments(forenames, surname, born, ENQUIRER, uuid.uuid4()),
        )
        print("\n".join(line[0] for line in plan))
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    register_arguments(parser, drivers=200_000)
    parser.add_argument("--baseline", default="main", help="git commit or branch to compare with")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    baseline = baseline_module(args.baseline)
    url, folder = asyncio.run(seeded_register(args))
    try:
        asyncio.run(measure(url, baseline, args.queries, args.repeats, args.seed))
    finally:
        release_cluster(folder, args.keep)


if __name__ == "__main__":
    main()
