"""Comparing two names a driver is recorded under, field by field, and weighing the evidence.

This module is the one place a pair of records is scored: `levels()` says how each field
agrees (the comparison vector), `Model.weigh()` turns that into Fellegi-Sunter weights and a
match probability. The duplicates job, the import and re-screening all call it, so a better
pair score (the identity engine's, issue 10 item 1) replaces it here and nowhere else.

Fields and their levels, best first:
- date of birth: same / day and month swapped / one digit different in the day / in the
  month / one digit different in the year (the tens digit included) / one year out;
- surname: identical once punctuation, spacing and accents are removed / shares a part of a
  compound name / sounds the same (double metaphone and the full-length sound both agree) /
  one letter different or two swapped / spelt similarly (Jaro-Winkler) / different;
- forename: identical / a known variant or nickname (name_variant) / sounds the same / one
  letter different or two swapped / an initial that agrees / matches a middle name on the
  other record / spelt similarly / different;
- middle names: agree / on one record only / differ / neither has one;
- order: forename and surname as given, or the other way round.

Weights: log2(m / u) per field, where u (how often two different people agree that way) is
taken from the register itself (random pairs of its names; the spread of its dates of birth)
and m (how often one person's two records agree that way) is estimated by expectation
maximisation over the candidate pairs (`estimate`). Agreeing on a common surname, a common
forename or a common date of birth (1 January) counts for less: for an identical value u is
that value's share of the register (term-frequency adjustment).
"""

from __future__ import annotations

import contextlib
import functools
import math
import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date
from typing import NamedTuple

import msgspec

FIELDS = ("dob", "surname", "forename", "middle", "order")
WEIGHED = FIELDS[:4]  # order says which way round the names were compared; no weight
LEVELS: dict[str, tuple[str, ...]] = {
    "dob": ("same", "swapped", "day_slip", "month_slip", "year_slip", "year_one_out"),
    "surname": ("identical", "part", "sound", "typo", "similar", "different"),
    "forename": (
        "identical",
        "variant",
        "sound",
        "typo",
        "initial",
        "middle",
        "similar",
        "different",
    ),
    "middle": ("agree", "one_sided", "differ", "none"),
    "order": ("as_given", "swapped"),
}
WORDS: dict[str, dict[str, str]] = {
    "dob": {
        "same": "same date of birth",
        "swapped": "date of birth with day and month swapped",
        "day_slip": "day of birth one digit different",
        "month_slip": "month of birth one digit different",
        "year_slip": "year of birth one digit different",
        "year_one_out": "year of birth one year out",
    },
    "surname": {
        "identical": "surname identical",
        "part": "surname shares a part of a double-barrelled or compound name",
        "sound": "surname sounds the same",
        "typo": "surname one letter different or two letters swapped",
        "similar": "surname spelt similarly",
        "different": "surname different",
    },
    "forename": {
        "identical": "forename identical",
        "variant": "forename a known variant or nickname",
        "sound": "forename sounds the same",
        "typo": "forename one letter different or two letters swapped",
        "initial": "forename given as an initial that agrees",
        "middle": "forename matches a middle name on the other record",
        "similar": "forename spelt similarly",
        "different": "forename different",
    },
    "middle": {
        "agree": "middle names agree",
        "one_sided": "a middle name on one record only",
        "differ": "middle names differ",
        "none": "no middle names",
    },
    "order": {
        "as_given": "forename and surname as given",
        "swapped": "forename and surname the other way round",
    },
}
SIMILAR = 0.88  # Jaro-Winkler at or above this is "spelt similarly"


class Name(NamedTuple):
    """One name a driver is recorded under, with its keys (from driver_name)."""

    driver_id: int
    born: date
    forename: str  # forename_key
    middles: tuple[str, ...]  # middle_keys
    surname: str  # surname_key
    parts: tuple[str, ...]  # the surname's parts (Smith-Jones: SMITH, JONES), 3+ letters
    forename_sound: str
    forename_full: str
    surname_sound: str
    surname_full: str


# driver_name rows with their keys; the full-length sounds computed by full_sound()
NAME_COLUMNS = """n.driver_id, n.date_of_birth, n.forename_key, n.middle_keys, n.surname_key,
       n.surname, n.forename_sound, full_sound(n.forename_key) AS forename_full,
       n.surname_sound, full_sound(n.surname_key) AS surname_full"""
NAMES = (
    "SELECT "
    + NAME_COLUMNS
    + """
FROM driver_name n
WHERE $1::bigint[] IS NULL OR n.driver_id = ANY($1::bigint[])
ORDER BY n.driver_id, n.id
"""
)
VARIANTS = "SELECT name, variant FROM name_variant"
_PART = re.compile(r"[\s\-']+")


def name_of(row) -> Name:
    parts = tuple(p for p in (_letters(w) for w in _PART.split(row["surname"])) if len(p) >= 3)
    middles = tuple(row["middle_keys"].split())
    return Name(
        row["driver_id"],
        row["date_of_birth"],
        row["forename_key"],
        middles,
        row["surname_key"],
        parts if len(parts) > 1 else (),
        row["forename_sound"],
        row["forename_full"],
        row["surname_sound"],
        row["surname_full"],
    )


def _letters(word: str) -> str:
    from unidecode import unidecode

    return "".join(c for c in unidecode(word).upper() if "A" <= c <= "Z")


# --- string comparisons --------------------------------------------------------------------


def jaro_winkler(a: str, b: str) -> float:
    """Jaro-Winkler similarity, 0 to 1."""
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


def one_edit(a: str, b: str) -> bool:
    """One letter different, added, dropped, or two neighbours swapped (a != b)."""
    la, lb = len(a), len(b)
    if abs(la - lb) > 1 or min(la, lb) < 2:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


# --- levels ----------------------------------------------------------------------------------


def dob_level(a: date, b: date) -> int | None:
    """Index into LEVELS['dob'], or None when the dates are further apart than one slip."""
    if a == b:
        return 0
    if a.year == b.year:
        if a.month == b.day and a.day == b.month:
            return 1
        if a.month == b.month:
            return 2 if _digit_apart(a.day, b.day) else None
        if a.day == b.day:
            return 3 if _digit_apart(a.month, b.month) else None
        return None
    if a.month == b.month and a.day == b.day:
        if _digit_apart(a.year, b.year, 4):
            return 4
        if abs(a.year - b.year) == 1:
            return 5
    return None


@functools.lru_cache(maxsize=65536)
def _digit_apart(x: int, y: int, width: int = 2) -> bool:
    """One digit different, or the last two digits swapped."""
    sx, sy = f"{x:0{width}d}", f"{y:0{width}d}"
    diff = [i for i in range(width) if sx[i] != sy[i]]
    if len(diff) == 1:
        return True
    return diff == [width - 2, width - 1] and sx[-2:] == sy[-2:][::-1]


def surname_level(
    key_a: str, parts_a: Sequence[str], sound_a: str, full_a: str,
    key_b: str, parts_b: Sequence[str], sound_b: str, full_b: str,
) -> int:  # fmt: skip
    if key_a == key_b:
        return 0
    if (
        key_a in parts_b
        or key_b in parts_a
        or (parts_a and parts_b and not set(parts_a).isdisjoint(parts_b))
    ):
        return 1
    if sound_a and sound_a == sound_b and full_a == full_b:
        return 2
    if one_edit(key_a, key_b):
        return 3
    if jaro_winkler(key_a, key_b) >= SIMILAR:
        return 4
    return 5


class Knowledge:
    """Name knowledge the comparisons need: known variants and nicknames (name_variant)."""

    def __init__(self, variants: Iterable[tuple[str, str]] = ()) -> None:
        self.variants: dict[str, set[str]] = {}
        for name, variant in variants:
            self.variants.setdefault(name, set()).add(variant)
            self.variants.setdefault(variant, set()).add(name)

    def forename_level(self, a: Name, b: Name) -> int:
        fa, fb = a.forename, b.forename
        if fa == fb:
            return 0
        if fb in self.variants.get(fa, ()):
            return 1
        if (
            a.forename_sound
            and a.forename_sound == b.forename_sound
            and (a.forename_full == b.forename_full)
        ):
            return 2
        if one_edit(fa, fb):
            return 3
        if (len(fa) == 1 and fb.startswith(fa)) or (len(fb) == 1 and fa.startswith(fb)):
            return 4
        if fa in b.middles or fb in a.middles:
            return 5
        if len(fa) > 1 and len(fb) > 1 and jaro_winkler(fa, fb) >= SIMILAR:
            return 6
        return 7


def middle_level(a: Sequence[str], b: Sequence[str]) -> int:
    if not a and not b:
        return 3
    if not a or not b:
        return 1
    if not set(a).isdisjoint(b) or (
        {m[0] for m in a} & {m[0] for m in b} and (min(len(m) for m in (*a, *b)) == 1)
    ):
        return 0
    return 2


def levels(knowledge: Knowledge, a: Name, b: Name) -> tuple[int, ...] | None:
    """The comparison vector (one level index per FIELDS), or None when the dates of birth
    are not within one slip of each other (such a pair is never a candidate)."""
    dob = dob_level(a.born, b.born)
    if dob is None:
        return None
    s = surname_level(
        a.surname, a.parts, a.surname_sound, a.surname_full,
        b.surname, b.parts, b.surname_sound, b.surname_full,
    )  # fmt: skip
    f = knowledge.forename_level(a, b)
    order = 0
    if s + f > 2:
        # the other way round: a's forename against b's surname and the other way
        s2 = surname_level(
            a.forename, (), a.forename_sound, a.forename_full,
            b.surname, b.parts, b.surname_sound, b.surname_full,
        )  # fmt: skip
        f2 = surname_level(
            a.surname, a.parts, a.surname_sound, a.surname_full,
            b.forename, (), b.forename_sound, b.forename_full,
        )  # fmt: skip
        if s2 < 4 and f2 < 4 and s2 + f2 < s + f:
            s, f, order = s2, min(f2, 6), 1
    middles_a, middles_b = a.middles, b.middles
    if f == 5:  # the forename matched a middle name: compare the middle names left
        middles_a = tuple(x for x in middles_a if x != b.forename)
        middles_b = tuple(x for x in middles_b if x != a.forename)
    return (dob, s, f, middle_level(middles_a, middles_b), order)


# --- the model -------------------------------------------------------------------------------


class Reason(msgspec.Struct, frozen=True):
    """One piece of evidence: the field, how it agrees, in words, and its weight (log2)."""

    field: str
    level: str
    words: str
    weight: float


class Model(msgspec.Struct):
    """Fellegi-Sunter parameters: m and u per field and level, the prior, and term
    frequencies for identical surnames, forenames and dates of birth."""

    m: dict[str, list[float]]
    u: dict[str, list[float]]
    prior: float  # the chance that two of the register's names drawn at random are one person
    surname_tf: dict[str, float] = {}
    forename_tf: dict[str, float] = {}
    dob_tf: dict[str, float] = {}
    middle_tf: dict[str, float] = {}
    average_share: dict[str, float] = {}  # sum of squared shares: a random agreement's share

    def weigh(self, pattern: Sequence[int], a: Name, b: Name) -> tuple[float, list[Reason]]:
        """The match weight (log2 odds, the prior included) and the reasons with weights."""
        total = math.log2(self.prior / (1 - self.prior))
        reasons = []
        for field, level in zip(FIELDS, pattern, strict=True):
            u = self.u[field][level]
            if level == 0:
                # term frequency: this value's share against the share of an average agreement
                share = _tf(self, field, a, b)
                if share is not None:
                    u = min(0.999, u * share / self.average_share[field])
            weight = (
                math.log2(max(self.m[field][level], 1e-9) / max(u, 1e-12))
                if field in WEIGHED
                else 0.0
            )
            total += weight
            reasons.append(
                Reason(field, LEVELS[field][level], WORDS[field][LEVELS[field][level]], weight)
            )
        return total, reasons


def _tf(model: Model, field: str, a: Name, b: Name) -> float | None:
    if field == "middle":  # the most telling middle name the two share (Singh tells little)
        shared = [model.middle_tf.get(x, 0.0) for x in set(a.middles) & set(b.middles)]
        return min(shared) if shared else None
    if field == "surname":
        return model.surname_tf.get(a.surname)
    if field == "forename":
        return model.forename_tf.get(a.forename)
    if field == "dob":
        return model.dob_tf.get(a.born.isoformat())
    return None


def probability(weight: float) -> float:
    if weight > 60:
        return 1.0
    odds = 2.0**weight
    return odds / (1 + odds)


# --- estimating the parameters ---------------------------------------------------------------


def u_from_register(
    knowledge: Knowledge, names: Sequence[Name], *, samples: int = 60_000, seed: int = 10
) -> dict[str, list[float]]:
    """u-probabilities: how often two different people agree each way. Name fields from
    random pairs of the register's names; the date of birth from the spread of its dates."""
    rng = random.Random(seed)
    counts = {f: [0.5] * len(LEVELS[f]) for f in FIELDS if f != "dob"}  # a half: never zero
    n = len(names)
    for _ in range(samples if n >= 2 else 0):
        a, b = names[rng.randrange(n)], names[rng.randrange(n)]
        if a.driver_id == b.driver_id:
            continue
        pattern = levels(knowledge, a, b._replace(born=a.born))
        if pattern is not None:
            for field, level in zip(FIELDS[1:], pattern[1:], strict=True):
                counts[field][level] += 1
    u = {f: [c / sum(cs) for c in cs] for f, cs in counts.items()}
    u["dob"] = _dob_u([x.born for x in names])
    return u


def _dob_u(births: Sequence[date]) -> list[float]:
    counts = Counter(births)
    total = sum(counts.values()) or 1
    share = {d: c / total for d, c in counts.items()}
    by_md: dict[tuple[int, int], list[date]] = {}
    by_ym: dict[tuple[int, int], list[date]] = {}
    by_yd: dict[tuple[int, int], list[date]] = {}
    for d in share:
        by_md.setdefault((d.month, d.day), []).append(d)
        by_ym.setdefault((d.year, d.month), []).append(d)
        by_yd.setdefault((d.year, d.day), []).append(d)
    u = [0.0] * len(LEVELS["dob"])
    for d, p in share.items():
        for group in (by_md[(d.month, d.day)], by_ym[(d.year, d.month)], by_yd[(d.year, d.day)]):
            for other in group:
                level = dob_level(d, other)
                if level is not None and level > 0:
                    u[level] += p * share[other]
        u[0] += p * p
        if d.day <= 12 and d.day != d.month:
            with contextlib.suppress(ValueError):
                u[1] += p * share.get(date(d.year, d.day, d.month), 0.0)
    return [max(x, 1e-9) for x in u]


def average_shares(model_tf: dict[str, dict[str, float]]) -> dict[str, float]:
    return {field: sum(p * p for p in shares.values()) or 1.0 for field, shares in model_tf.items()}


def term_frequencies(names: Sequence[Name]) -> dict[str, dict[str, float]]:
    """Each surname's, forename's, date of birth's and middle name's share of the register's
    names (a middle name's share among the names that have one)."""
    n = len(names) or 1
    middles = Counter(m for x in names for m in x.middles)
    with_middle = sum(middles.values()) or 1
    return {
        "surname": {k: c / n for k, c in Counter(x.surname for x in names).items()},
        "forename": {k: c / n for k, c in Counter(x.forename for x in names).items()},
        "dob": {k: c / n for k, c in Counter(x.born.isoformat() for x in names).items()},
        "middle": {k: c / with_middle for k, c in middles.items()},
    }


def estimate(
    patterns: Counter, u: dict[str, list[float]], total_pairs: int, *, rounds: int = 60
) -> tuple[dict[str, list[float]], float]:
    """m-probabilities and the prior by expectation maximisation, u held fixed (as Splink
    does). The prior is the chance that two names drawn at random are one person: the
    expected number of matches over every pair of the register's names, counting the pairs
    the blocks leave out as not one person (the blocks hold nearly every true pair). Starts
    from m leaning to the better levels and 1% of names recorded twice; the data moves both."""
    m = {f: _normalise([0.5**i for i in range(len(LEVELS[f]))]) for f in FIELDS}
    m["middle"] = _normalise([1.0, 0.5, 0.1, 1.0])
    total_pairs = max(total_pairs, sum(patterns.values()), 1)
    prior = min(0.5, 0.01 * math.sqrt(2 * total_pairs) / total_pairs)
    for _ in range(rounds):
        sums = {f: [1e-6] * len(LEVELS[f]) for f in FIELDS}
        matched = 0.0
        for pattern, count in patterns.items():
            pm, pu = prior, 1 - prior
            for field, level in zip(WEIGHED, pattern, strict=False):
                pm *= m[field][level]
                pu *= u[field][level]
            p = pm / (pm + pu) if pm + pu > 0 else 0.0
            weight = p * count
            matched += weight
            for field, level in zip(FIELDS, pattern, strict=True):
                sums[field][level] += weight
        m = {f: _normalise(s) for f, s in sums.items()}
        prior = min(max(matched / total_pairs, 1e-12), 0.5)
    m["order"] = list(u["order"])  # no weight of its own: the name levels already count it
    return m, prior


def _normalise(values: Sequence[float]) -> list[float]:
    total = sum(values)
    return [v / total for v in values]
