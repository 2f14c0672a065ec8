"""Baseline for finding duplicate driver records: date-of-birth blocking plus Jaro-Winkler.

    flock /tmp/crosscheck-bench.lock .venv/bin/python bench/duplicates_baseline.py
    flock /tmp/crosscheck-bench.lock .venv/bin/python bench/duplicates_baseline.py \\
        --drivers 100000 --duplicates 5000

Starts a throwaway cluster (fsync off), migrates it, seeds N drivers with D planted duplicates
(`crosscheck seed --duplicates`, registry/synthetic/duplicates.py) and runs the plain method
issue 10 asks a duplicates job to be measured against, on the same blocks the job is to use:

- blocks: two records are compared when their dates of birth agree in all but one part
  (same month and day, same year and month, same year and day) or are the same with day and
  month swapped, and they share the first letter of the surname or of the first forename
  (either way round, so names given in the other order still meet);
- score: Jaro-Winkler similarity of "forenames surname", the better of the two orders;
- a pair is called a duplicate at or above a threshold (several shown).

It prints the candidate pairs compared, the time, and pairwise precision and recall against
the planted truth (registry.synthetic.duplicates.pairwise_scores), overall and per kind.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from unidecode import unidecode

from bench.harness import fresh_register, seeding_main, throwaway_cluster
from registry.synthetic.duplicates import TRUTH_SQL, pairwise_scores
from registry.synthetic.seed import seed

THRESHOLDS = (0.85, 0.90, 0.93, 0.95)


def jaro_winkler(a: str, b: str) -> float:
    """Jaro-Winkler similarity, 0 to 1 (the baseline's only comparison)."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    reach = max(0, max(len(a), len(b)) // 2 - 1)
    used = [False] * len(b)
    matched_a = []
    for i, ca in enumerate(a):
        for j in range(max(0, i - reach), min(len(b), i + reach + 1)):
            if not used[j] and b[j] == ca:
                used[j] = True
                matched_a.append(ca)
                break
    m = len(matched_a)
    if not m:
        return 0.0
    matched_b = [b[j] for j in range(len(b)) if used[j]]
    transpositions = sum(x != y for x, y in zip(matched_a, matched_b, strict=True)) / 2
    jaro = (m / len(a) + m / len(b) + (m - transpositions) / m) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


def _key(text: str) -> str:
    return " ".join("".join(c for c in w if c.isalpha()) for w in unidecode(text).upper().split())


def blocks(rows) -> dict[tuple, list[int]]:
    found: dict[tuple, list[int]] = defaultdict(list)
    for i, (_, forenames, surname, born) in enumerate(rows):
        y, m, d = born.year, born.month, born.day
        dates = (("md", m, d), ("ym", y, m), ("yd", y, d), ("swap", y, min(m, d), max(m, d)))
        letters = {surname[:1], forenames[:1]}
        for dob in dates:
            for letter in letters:
                found[(*dob, letter)].append(i)
    return found


def candidates(rows) -> set[tuple[int, int]]:
    pairs: set[tuple[int, int]] = set()
    for members in blocks(rows).values():
        pairs.update(combinations(members, 2))
    return pairs


def best_of_orders(fa: str, sa: str, fb: str, sb: str) -> float:
    """Jaro-Winkler of "forenames surname" against the other's, the better of both orders."""
    return max(jaro_winkler(f"{fa} {sa}", f"{fb} {sb}"), jaro_winkler(f"{fa} {sa}", f"{sb} {fb}"))


def score(rows, pairs) -> list[tuple[int, int, float]]:
    scored = []
    for i, j in pairs:
        _, fa, sa, _ = rows[i]
        _, fb, sb, _ = rows[j]
        scored.append((rows[i][0], rows[j][0], best_of_orders(fa, sa, fb, sb)))
    return scored


async def run(drivers: int, duplicates: int, seed_value: int) -> int:
    async with throwaway_cluster() as cluster, fresh_register(cluster.url()) as conn:
        await seed(conn, drivers=drivers, seed=seed_value, duplicates=duplicates)
        people = await conn.fetch(
            "SELECT id, forenames, surname, date_of_birth FROM driver ORDER BY id"
        )
        truth = [tuple(r) for r in await conn.fetch(TRUTH_SQL)]

    started = time.perf_counter()
    rows = [(r["id"], _key(r["forenames"]), _key(r["surname"]), r["date_of_birth"]) for r in people]
    pairs = candidates(rows)
    blocked = time.perf_counter()
    scored = score(rows, pairs)
    done = time.perf_counter()
    reachable = pairwise_scores([(rows[i][0], rows[j][0]) for i, j in pairs], truth)["recall"]
    print(f"\n{len(rows):,} driver records, {len(truth):,} planted duplicates (seed {seed_value})")
    print(
        f"candidate pairs {len(pairs):,}: blocking {blocked - started:.1f} s, "
        f"Jaro-Winkler {done - blocked:.1f} s; the blocks hold {reachable:.3f} of the true pairs"
    )
    for threshold in THRESHOLDS:
        found = [(a, b) for a, b, s in scored if s >= threshold]
        figures = pairwise_scores(found, truth)
        print(
            f"threshold {threshold:.2f}: {figures['found']:>8,} pairs  "
            f"precision {figures['precision']:.3f}  recall {figures['recall']:.3f}"
        )
    found = {frozenset((a, b)) for a, b, s in scored if s >= 0.90}
    by_part: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for a, b, kind in truth:
        for part in kind.split("+"):
            by_part[part][0] += frozenset((a, b)) in found
            by_part[part][1] += 1
    print("\nrecall at 0.90 per variation (alone or with another):")
    for part, (hit, total) in sorted(by_part.items()):
        print(f"  {part:24} {hit / total:.3f}  ({total})")
    return 0


def main() -> int:
    return seeding_main(__doc__, run, drivers=100_000, duplicates=5_000)


if __name__ == "__main__":
    sys.exit(main())
