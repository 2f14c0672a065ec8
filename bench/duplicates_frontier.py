"""What limits the duplicates job: its precision/recall frontier beside an oracle's.

Used by `bench/duplicates.py --frontier`. Every candidate pair the job scores is put in a
group by its comparison vector: the level of each comparison the job weighs (date of birth,
surname, forename, middle names, where the two records say the driver lives) and, for the
finer vector, its term-frequency adjustments binned (each field's weight and the job's own
corrections, BIN bits wide, or as wide as `fine` is asked). An oracle that knows how many of each vector's pairs are truly
one person (the planted truth) and raises the vectors in order of that share is the best any
classifier that sees only these comparisons can do: two pairs with one vector look the same
to it. Sweeping its cut gives its frontier; sweeping the job's own probability gives the
job's. If the oracle cannot reach a precision and recall, no fitting of the model can: the
evidence is the limit.

The oracle is optimistic twice over: it knows each vector's share exactly, and a vector held
by a handful of pairs is "pure" by chance. So it is also run held out: each pair's share is
taken from the other half of the pairs (split by the pair's ids), falling back to the coarse
vector's share where the other half has fewer than SUPPORT pairs with the fine one.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import NamedTuple

from registry import match
from registry.duplicates.compare import Frequencies, Model, Name, weight_of, where_level

BIN = 2.0  # bits: the width of a term-frequency bin in the finer vector
SUPPORT = 3  # pairs: a held-out share from fewer falls back to the coarse vector's
NEUTRAL = Model(home_m=0.5, home_u=0.5)  # weighs nothing for where the driver lives
Vector = tuple[Hashable, ...]


class Point(NamedTuple):
    precision: float
    recall: float
    raised: int


class Pair(NamedTuple):
    pair: tuple[int, int]
    true: bool
    weight: float  # the job's weight, with everything it adds
    coarse: Vector  # the comparisons' levels
    tf: tuple[float, ...]  # each field's weight and the job's corrections, in bits
    extra: Hashable  # evidence the job does not weigh (pairs_of's `extra`), or None


def fine(width: float = BIN) -> Callable[[Pair], Vector]:
    """The finer vector: the levels with the term-frequency adjustments in bins this wide."""
    return lambda p: (*p.coarse, *(math.floor(w / width) for w in p.tf))


def _field_weights(score: match.PairScore) -> dict[str, float]:
    weights = {r.words: r.weight for r in score.reasons}
    return {
        field: weights.get(match.WORDS[field][score.levels[field]] or "", 0.0)
        for field in match.COMPARISONS
    }


def where_of(a: Name, b: Name) -> str:
    """The where comparison's level, or the council area alone when a postcode is unknown."""
    level = where_level(a, b)
    if level is not None:
        return level
    if a.home is None or b.home is None:
        return "unknown"
    return "area alone: same" if a.home == b.home else "area alone: another"


def pairs_of(
    scores: Iterable[match.PairScore | None],
    by_driver: Mapping[int, Sequence[Name]],
    model: Model,
    freq: Frequencies,
    true: set[tuple[int, int]],
    extra: Callable[[int, int], Hashable] | None = None,
) -> list[Pair]:
    """Each scored pair with the job's weight and its two vectors; `extra`, when given, one
    more comparison of the two drivers (evidence the job does not weigh), kept beside them."""
    found = []
    for s in scores:
        if s is None:
            continue
        a, b = by_driver[s.a], by_driver[s.b]
        levels: Vector = (*(s.levels[f] for f in match.COMPARISONS), where_of(a[0], b[0]))
        own = weight_of(NEUTRAL, s, a, b, freq) - s.match_weight  # the job's corrections
        found.append(
            Pair(
                (s.a, s.b),
                (s.a, s.b) in true,
                weight_of(model, s, a, b, freq),
                levels,
                (*_field_weights(s).values(), own),
                None if extra is None else extra(s.a, s.b),
            )
        )
    return found


def sweep(ranked: Iterable[tuple[float, int, int]], true_total: int) -> list[Point]:
    """The frontier of raising groups (score, true pairs, false pairs) from the highest score
    down: a group is raised whole, and groups with one score together."""
    totals: dict[float, list[int]] = {}
    for score, t, f in ranked:
        counts = totals.setdefault(score, [0, 0])
        counts[0] += t
        counts[1] += f
    points, hits, raised = [], 0, 0
    for score in sorted(totals, reverse=True):
        t, f = totals[score]
        hits, raised = hits + t, raised + t + f
        points.append(Point(hits / raised, hits / max(true_total, 1), raised))
    return points


def job_frontier(pairs: Sequence[Pair], true_total: int) -> list[Point]:
    """The job's own: its weight swept (to a hundredth of a bit)."""
    return sweep(((round(p.weight, 2), p.true, not p.true) for p in pairs), true_total)


def _shares(pairs: Iterable[Pair], vector: Callable[[Pair], Vector]) -> dict[Vector, list[int]]:
    counts: dict[Vector, list[int]] = {}
    for p in pairs:
        c = counts.setdefault(vector(p), [0, 0])
        c[0] += p.true
        c[1] += 1
    return counts


def oracle_frontier(
    pairs: Sequence[Pair], true_total: int, vector: Callable[[Pair], Vector]
) -> list[Point]:
    """Each vector raised whole, in order of its true share (known exactly)."""
    counts = _shares(pairs, vector)
    return sweep(((t / n, t, n - t) for t, n in counts.values()), true_total)


def held_out_frontier(
    pairs: Sequence[Pair],
    true_total: int,
    finer: Callable[[Pair], Vector],
    coarse: Callable[[Pair], Vector],
) -> list[Point]:
    """Each pair raised in order of its `finer` vector's true share in the other half of the
    pairs (the `coarse` vector's where the other half has fewer than SUPPORT pairs with the
    finer one; nothing raised if it has none with either)."""
    halves: list[list[Pair]] = [[], []]
    for p in pairs:
        # a hash's bit, not the ids' parity: a planted duplicate's id often follows its
        # original's, so every true pair's ids would add up to an odd number
        halves[(p.pair[0] * 0x9E3779B1 + p.pair[1] * 0x85EBCA6B) >> 20 & 1].append(p)
    ranked = []
    for mine, other in ((halves[0], halves[1]), (halves[1], halves[0])):
        by_fine, by_coarse = _shares(other, finer), _shares(other, coarse)
        for p in mine:
            t, n = by_fine.get(finer(p), (0, 0))
            if n < SUPPORT:
                t, n = by_coarse.get(coarse(p)) or (0, 1)
            ranked.append((round(t / n, 4), int(p.true), int(not p.true)))
    return sweep(ranked, true_total)


def best(points: Sequence[Point], at: float = 0.95) -> dict[str, float]:
    """The best recall at a precision of at least `at`, the best precision at a recall of at
    least `at`, and the point where the lower of the two is highest."""
    balanced = max(points, key=lambda p: min(p.precision, p.recall), default=Point(0, 0, 0))
    return {
        "recall_at": max((p.recall for p in points if p.precision >= at), default=0.0),
        "precision_at": max((p.precision for p in points if p.recall >= at), default=0.0),
        "balanced_precision": balanced.precision,
        "balanced_recall": balanced.recall,
    }


def mixed(
    pairs: Sequence[Pair], vector: Callable[[Pair], Vector], most: int = 12
) -> list[tuple[Vector, int, int]]:
    """The vectors holding the most pairs of both kinds (true, false): what no classifier
    seeing only these comparisons can tell apart."""
    counts = _shares(pairs, vector)
    both = [(v, t, n - t) for v, (t, n) in counts.items() if t and n - t]
    return sorted(both, key=lambda x: -min(x[1], x[2]))[:most]


def vectors(pairs: Sequence[Pair]) -> Counter[str]:
    """How many distinct vectors, and how many pairs sit in a vector of fewer than 5."""
    finer = fine()
    counts = Counter(finer(p) for p in pairs)
    return Counter(
        {
            "coarse vectors": len({p.coarse for p in pairs}),
            "fine vectors": len(counts),
            "pairs in a fine vector of fewer than 5": sum(n for n in counts.values() if n < 5),
        }
    )
