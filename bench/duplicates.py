"""The possible-duplicates job, timed and scored against planted duplicates.

    flock /tmp/crosscheck-bench.lock .venv/bin/python bench/duplicates.py
    flock /tmp/crosscheck-bench.lock .venv/bin/python bench/duplicates.py \\
        --drivers 1000000 --duplicates 50000
    flock /tmp/crosscheck-bench.lock .venv/bin/python bench/duplicates.py \\
        --drivers 1000000 --duplicates 50000 --data-dir /var/tmp/cc-dupes-1m --keep

Starts a throwaway cluster (fsync off), migrates it, seeds N drivers with D planted
duplicates of every variant kind (`crosscheck seed --duplicates`, the truth in
synthetic_duplicate), then runs the whole job as `crosscheck duplicates find` does
(registry.duplicates.find_duplicates: read every name, block, estimate the model, score,
store the pairs) and times it. Pairwise precision and recall of the pairs it raised, overall
and per kind, against the truth.

`--fresh-addresses` seeds every duplicate with an address and postcode drawn afresh in its
area (`crosscheck seed --fresh-addresses`), instead of mostly the first record's home.
`--data-dir` seeds the cluster there once and runs the job again on it afterwards (the
pairs of an earlier run are cleared first); `--keep` leaves it there, stopped.

`--frontier` then asks what limits the job (bench/duplicates_frontier.py): it scores the
candidate pairs again as the job does, and prints the job's precision/recall frontier (its
probability swept) beside an oracle's that raises each comparison vector in order of its true
share: the best any classifier seeing only those comparisons could do, with and without the
drivers' recorded sex, which the job does not weigh. The baseline is not run then.

Baseline, same run, same blocks: the candidate pairs the job's blocking makes, each scored by
Jaro-Winkler similarity of "forenames surname" (the better of the two orders; the method of
bench/duplicates_baseline.py), called a duplicate at 0.90 and at 0.95; its time is the
blocking plus the Jaro-Winkler scoring.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg

from bench import duplicates_frontier as frontier
from bench.duplicates_baseline import best_of_orders
from bench.harness import connection, load_average, load_register, release_cluster
from licensing import pgcluster
from registry.duplicates import find_duplicates
from registry.duplicates.compare import probability
from registry.duplicates.find import (
    REVIEW_AT,
    _read,
    block_and_score,
    candidates,
    fit,
    load_names,
    load_variants,
)
from registry.synthetic.duplicates import TRUTH_SQL, pairwise_scores
from registry.synthetic.seed import seed

RAISED = "SELECT driver_a, driver_b FROM possible_duplicate"
FULL_NAMES = "SELECT driver_id, forenames, surname FROM driver_name"
MIGRATED = "SELECT to_regclass('synthetic_duplicate') IS NOT NULL"
SEEDED = "SELECT EXISTS (SELECT FROM synthetic_duplicate)"
SEXES = "SELECT id, sex FROM driver"
RECALLS = (0.80, 0.85, 0.90, 0.925, 0.95)
# bits: the widths of the term-frequency bins the oracle is run with (the first beside sex)
BINS = (frontier.BIN, 1.0, 0.5)


def _cpu(backends: list[int]) -> list[float]:
    """CPU seconds so far: this process and its finished children (the blocking's forked
    processes), those children alone, and the PostgreSQL backends (/proc: the cluster is
    local). On a shared machine these, not the wall-clock time, say what the job costs."""
    me, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    forked = children.ru_utime + children.ru_stime
    tick = os.sysconf("SC_CLK_TCK")
    postgres = 0.0
    for pid in backends:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        postgres += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return [me.ru_utime + me.ru_stime + forked, forked, postgres]


def _line(label: str, figures: dict) -> str:
    return (
        f"{label:34} {figures['found']:>9,} pairs  precision {figures['precision']:.3f}"
        f"  recall {figures['recall']:.3f}"
    )


async def run(args: argparse.Namespace) -> int:
    drivers, duplicates, seed_value = args.drivers, args.duplicates, args.seed
    folder = Path(args.data_dir) if args.data_dir else pgcluster.throwaway("crosscheck-bench-")
    try:
        cluster = pgcluster.start(folder, fast=True)
        await pgcluster.create_database(cluster)
        async with connection(cluster.url()) as conn:
            seeded = 0.0
            if await conn.fetchval(MIGRATED) and await conn.fetchval(SEEDED):
                print(f"the register in {folder} is seeded already", flush=True)
                await load_register(conn, names=True, match_model=True)
                await conn.execute("DELETE FROM possible_duplicate")
            else:
                await load_register(conn, names=True, match_model=True)
                clock = time.perf_counter()
                await seed(
                    conn,
                    drivers=drivers,
                    seed=seed_value,
                    duplicates=duplicates,
                    fresh_addresses=args.fresh_addresses,
                )
                seeded = time.perf_counter() - clock
                print(f"seeded in {seeded:.0f} s", flush=True)
            truth = [tuple(r) for r in await conn.fetch(TRUTH_SQL)]
            await conn.execute("VACUUM ANALYZE")

            helper = await asyncpg.connect(cluster.url())
            backends = [await c.fetchval("SELECT pg_backend_pid()") for c in (conn, helper)]
            loads = [load_average()]
            cpu = _cpu(backends)
            clock = time.perf_counter()
            report = await find_duplicates(conn, helpers=[helper])
            job_seconds = time.perf_counter() - clock
            cpu = [after - before for before, after in zip(cpu, _cpu(backends), strict=True)]
            loads.append(load_average())
            assert report is not None
            raised = [tuple(r) for r in await conn.fetch(RAISED)]
            if args.frontier:
                lines = await _frontiers(conn, helper, truth)
            await helper.close()
            if not args.frontier:
                lines = await _baseline(conn, truth, job_seconds)
    finally:
        release_cluster(folder, keep=args.keep)

    print(
        f"\n{drivers:,} drivers + {len(truth):,} planted duplicates (seed {seed_value}), "
        f"{report.names:,} names; seeded in {seeded:.0f} s"
    )
    print(
        f"job: {job_seconds:.1f} s ({', '.join(f'{k} {v} s' for k, v in report.phases.items())}); "
        f"{report.candidate_pairs:,} candidate pairs; home m {report.home_m:.3f}"
    )
    print(
        f"job CPU: Python {cpu[0]:.1f} s (of which forked to block {cpu[1]:.1f} s), its two "
        f"PostgreSQL backends {cpu[2]:.1f} s; load average {loads[0]:.1f} at the start, "
        f"{loads[1]:.1f} at the end"
    )
    job = pairwise_scores(raised, truth)
    print(_line("job (probability >= 0.5)", job))
    print("\n".join(lines))
    print("\njob recall per kind below 0.95:")
    for kind, value in job["recall_by_kind"].items():
        if value < 0.95:
            print(f"  {kind:40} {value:.3f}")
    return 0


async def _baseline(
    conn: asyncpg.Connection, truth: list[tuple[int, int, str]], job_seconds: float
) -> list[str]:
    """The plain blocking-plus-Jaro-Winkler pass over the job's blocks, in lines to print."""
    names = await load_names(conn)
    full: dict[int, list[tuple[str, str]]] = {}
    for r in await conn.fetch(FULL_NAMES):
        full.setdefault(r["driver_id"], []).append((r["forenames"].upper(), r["surname"].upper()))
    variants = await load_variants(conn, names)
    clock = time.perf_counter()
    pairs = candidates(names, variants)
    blocked = time.perf_counter() - clock
    best: dict[tuple[int, int], float] = {}
    for a, b in pairs:
        best[(a, b)] = max(
            best_of_orders(fa, sa, fb, sb) for fa, sa in full[a] for fb, sb in full[b]
        )
    baseline_seconds = time.perf_counter() - clock
    reach = pairwise_scores(list(best), truth)["recall"]
    lines = [f"the blocks hold {reach:.3f} of the true pairs"]
    for threshold in (0.90, 0.95):
        found = [k for k, s in best.items() if s >= threshold]
        lines.append(
            _line(f"baseline Jaro-Winkler >= {threshold:.2f}", pairwise_scores(found, truth))
        )
    lines.append(
        f"baseline time (same blocking {blocked:.1f} s + Jaro-Winkler): {baseline_seconds:.1f} s;"
        f" job / baseline time {job_seconds / baseline_seconds:.2f}"
    )
    return lines


def _sex(a: str | None, b: str | None) -> str:
    return "unknown" if a is None or b is None else "same" if a == b else "differ"


async def _frontiers(
    conn: asyncpg.Connection, helper: asyncpg.Connection, truth: list[tuple[int, int, str]]
) -> list[str]:
    """The job's frontier beside the oracle's (bench/duplicates_frontier.py), in lines to
    print: the candidate pairs scored and the model fitted again, as the job does."""
    clock = time.perf_counter()
    names, homes, level_mu, where = await _read(conn)
    variants = await load_variants(conn, names)
    scored = await block_and_score([conn, helper], names, variants)
    model, freq, by_driver = await asyncio.to_thread(
        fit, names, homes, scored.scores, level_mu, where
    )
    sexes = {r["id"]: r["sex"] for r in await conn.fetch(SEXES)}
    true = {(min(a, b), max(a, b)) for a, b, _ in truth}
    pairs = frontier.pairs_of(
        scored.scores, by_driver, model, freq, true, lambda a, b: _sex(sexes[a], sexes[b])
    )
    total = len(true)

    def with_sex(vector: frontier.Vector, p: frontier.Pair) -> frontier.Vector:
        return (*vector, p.extra)

    def coarse(p: frontier.Pair) -> frontier.Vector:
        return p.coarse

    curves = {
        "job (its probability swept)": frontier.job_frontier(pairs, total),
        "oracle: levels": frontier.oracle_frontier(pairs, total, coarse),
    }
    for width in BINS:
        finer = frontier.fine(width)
        label = f"oracle: levels + tf in {width:g}-bit bins"
        curves[label] = frontier.oracle_frontier(pairs, total, finer)
        curves[f"{label}, held out"] = frontier.held_out_frontier(pairs, total, finer, coarse)
    finer = frontier.fine()
    curves["oracle: levels + tf + sex"] = frontier.oracle_frontier(
        pairs, total, lambda p: with_sex(finer(p), p)
    )
    curves["oracle: levels + tf + sex, held out"] = frontier.held_out_frontier(
        pairs, total, lambda p: with_sex(finer(p), p), lambda p: with_sex(p.coarse, p)
    )
    in_blocks = sum(p.true for p in pairs)
    lines = [
        f"\nfrontiers ({time.perf_counter() - clock:.0f} s): {len(pairs):,} candidate pairs, "
        f"{in_blocks:,} of the {total:,} true pairs among them; "
        + ", ".join(f"{k} {v:,}" for k, v in frontier.vectors(pairs).items()),
        f"{'':46} {'R at P>=.95':>11} {'P at R>=.95':>11} {'balanced P/R':>13}   "
        + "  ".join(f"P at R>={r:.3f}" for r in RECALLS),
    ]
    for label, points in curves.items():
        top = frontier.best(points)
        at = [max((p.precision for p in points if p.recall >= r), default=0.0) for r in RECALLS]
        lines.append(
            f"{label:46} {top['recall_at']:>11.3f} {top['precision_at']:>11.3f} "
            f"{top['balanced_precision']:>6.3f}/{top['balanced_recall']:.3f}   "
            + "  ".join(f"{x:>13.3f}" for x in at)
        )
    again = [p.pair for p in pairs if probability(p.weight) >= REVIEW_AT]
    lines.append(_line("this pass's pairs at the job's 0.5", pairwise_scores(again, truth)))
    lines.append("\nthe comparison vectors holding most pairs of both kinds (true, false):")
    for vector, t, f in frontier.mixed(pairs, lambda p: p.coarse):
        lines.append(f"  {' / '.join(map(str, vector)):70} {t:>7,} {f:>7,}")
    lines.append("with the drivers' sex beside the levels:")
    for vector, t, f in frontier.mixed(pairs, lambda p: with_sex(p.coarse, p), most=6):
        lines.append(f"  {' / '.join(map(str, vector)):70} {t:>7,} {f:>7,}")
    return lines


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drivers", type=int, default=100_000)
    parser.add_argument("--duplicates", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--fresh-addresses", action="store_true")
    parser.add_argument("--data-dir", help="a cluster folder to seed once and run on again")
    parser.add_argument("--keep", action="store_true", help="keep the --data-dir cluster")
    parser.add_argument(
        "--frontier",
        action="store_true",
        help="the job's precision/recall frontier beside an oracle's, instead of the baseline",
    )
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
