"""What the duplicates job weighs beyond the match model, which scores every pair.

Every pair of driver records is scored by the register's one match model
(`registry.match.score_pairs`: name and date of birth, compared field by field, term-frequency
adjusted). Looking across the whole register for one person recorded twice needs two more
pieces of evidence, both estimated from the register itself:

- The whole name's frequency. The match model weighs the surname and the forename as if they
  were independent, so an identical "Mohammed Khan" counts as the share of Khans times the
  share of Mohammeds. Names are not independent (forenames and surnames come together within
  families and communities), and across a large register many strangers share a whole name
  and a birthday one keying slip apart. Where both names are identical (or given the other way
  round) the job adds log2(share of the surname x share of the forename / share of the whole
  name): an identical common full name counts for what it is worth, a rare one for more.
- Where the driver lives (the authority area of the home address). One person recorded twice
  usually lives in one place; two strangers rarely do. Agreeing adds log2(m / u), differing
  log2((1 - m) / (1 - u)), an unknown area nothing. u is the chance that two of the register's
  drivers drawn at random live in one area (the sum of the areas' squared shares); m is
  estimated by expectation maximisation over the candidate pairs the names and dates alone
  make near certain (CONFIDENT), the match model's weight held fixed.
- A name written another way (punctuation, accents, spacing): strangers sharing a name rarely
  write it otherwise, one person recorded twice often does (Frequencies.written).

`Model` holds those parameters (saved by the job in duplicate_model, used again by screen.py),
`weigh()` adds them to a match model score and gives the evidence to show an officer.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import msgspec

from registry import match
from registry.search import swapped


class Name(NamedTuple):
    """One name a driver is recorded under, with its keys (from driver_name) and the
    authority area the driver lives in."""

    driver_id: int
    born: date
    forename: str  # forename_key
    middles: tuple[str, ...]  # middle_keys
    surname: str  # surname_key
    parts: tuple[str, ...]  # the surname's parts (Smith-Jones: SMITH, JONES), 3+ letters
    home: int | None  # driver.home_authority_id
    postcode: str | None = None  # driver.postcode ("SW1A 1AA", as the register holds it)


NAME_COLUMNS = """n.driver_id, n.date_of_birth, n.forename_key, n.middle_keys, n.surname_key,
       n.surname, d.home_authority_id, d.postcode"""
NAMES = (
    "SELECT "
    + NAME_COLUMNS
    + """
FROM driver_name n JOIN driver d ON d.id = n.driver_id
WHERE $1::bigint[] IS NULL OR n.driver_id = ANY($1::bigint[])
ORDER BY n.driver_id, n.id
"""
)
# How many names hold each of these surnames and forenames, and each whole name among them.
NAME_COUNTS = """
SELECT surname_key, forename_key, count(*) AS n FROM driver_name
WHERE surname_key = ANY($1::text[]) OR forename_key = ANY($2::text[])
GROUP BY 1, 2
"""
NAME_TOTAL = "SELECT count(*) FROM driver_name"
# How many names hold each of these middle names (the screening's; the job counts its own).
MIDDLE_COUNTS = """
SELECT t AS middle, count(*) AS n
FROM driver_name, unnest(string_to_array(middle_keys, ' ')) AS t
WHERE middle_keys <> '' AND t = ANY($1::text[])
GROUP BY t
"""
# The match model's parameters for names given the other way round, and for a name written
# another way (WRITTEN) or as on the other record.
LEVEL_MU = """
SELECT comparison, level, m, u FROM match_weight
WHERE level IN ('reversed', 'identical', 'punctuation', 'spacing', 'middle', 'agree')
"""
HOMES = """
SELECT home_authority_id, count(*) AS n FROM driver
WHERE home_authority_id IS NOT NULL GROUP BY 1
"""
# For the u of each WHERE level: over the register's drivers, the ordered pairs of two drivers
# who share a postcode, a postcode sector ("SW1A 1"), a district ("SW1A"), a home area, and a
# home area and district (WhereU.of).
WHERE_PAIRS = """
WITH d AS (
    SELECT home_authority_id AS home, postcode, left(postcode, length(postcode) - 2) AS sector,
           split_part(postcode, ' ', 1) AS district
    FROM driver
)
SELECT (SELECT count(*) FROM d) AS drivers,
       (SELECT coalesce(sum(n * (n - 1)), 0)::float8 FROM
           (SELECT count(*) AS n FROM d WHERE postcode IS NOT NULL GROUP BY postcode) c) AS postcode,
       (SELECT coalesce(sum(n * (n - 1)), 0)::float8 FROM
           (SELECT count(*) AS n FROM d WHERE postcode IS NOT NULL GROUP BY sector) c) AS sector,
       (SELECT coalesce(sum(n * (n - 1)), 0)::float8 FROM
           (SELECT count(*) AS n FROM d WHERE postcode IS NOT NULL GROUP BY district) c)
           AS district,
       (SELECT coalesce(sum(n * (n - 1)), 0)::float8 FROM
           (SELECT count(*) AS n FROM d WHERE home IS NOT NULL GROUP BY home) c) AS home,
       (SELECT coalesce(sum(n * (n - 1)), 0)::float8 FROM
           (SELECT count(*) AS n FROM d WHERE home IS NOT NULL AND postcode IS NOT NULL
            GROUP BY home, district) c) AS home_district
"""
_PART = re.compile(r"[\s\-']+")


def name_of(row: Mapping[str, Any]) -> Name:  # a row of driver_name with its keys
    parts = tuple(p for p in (_letters(w) for w in _PART.split(row["surname"])) if len(p) >= 3)
    return Name(
        row["driver_id"],
        row["date_of_birth"],
        row["forename_key"],
        tuple(row["middle_keys"].split()),
        row["surname_key"],
        parts if len(parts) > 1 else (),
        row["home_authority_id"],
        row["postcode"],
    )


def _letters(word: str) -> str:
    from unidecode import unidecode

    return "".join(c for c in unidecode(word).upper() if "A" <= c <= "Z")


class Frequencies:
    """How many of the register's names hold a surname, a forename, a whole name and a middle
    name."""

    def __init__(
        self,
        counts: Iterable[tuple[str, str, int]],
        total: int,
        level_mu: dict[tuple[str, str], tuple[float, float]] | None = None,
        middles: Counter[str] | None = None,
    ) -> None:
        self.middle: Counter[str] = middles or Counter()
        # the match model's (m, u) of some levels (LEVEL_MU), by (comparison, level)
        self.level_mu = level_mu or {}
        self.surname: Counter[str] = Counter()
        self.forename: Counter[str] = Counter()
        self.full: Counter[tuple[str, str]] = Counter()
        for surname, forename, n in counts:
            self.surname[surname] += n
            self.forename[forename] += n
            self.full[(forename, surname)] += n
        self.total = max(total, 1)

    @classmethod
    def of(
        cls,
        names: Sequence[Name],
        level_mu: dict[tuple[str, str], tuple[float, float]] | None = None,
    ) -> Frequencies:
        middles = Counter(t for x in names for t in x.middles)
        return cls(((x.surname, x.forename, 1) for x in names), len(names), level_mu, middles)

    def dependence(self, forename: str, surname: str) -> float | None:
        """log2(share of the surname x share of the forename / share of the whole name)."""
        full = self.full[(forename, surname)]
        if not full:
            return None
        return math.log2(self.surname[surname] * self.forename[forename] / (full * self.total))

    def reversal(self, forename: str, surname: str) -> float | None:
        """For a name given the other way round on the other record: the match model counts
        it as if strangers' names were almost never one another's reversed, once for the
        surname and once more for the forename; but a name made of two forenames (Ali
        Hussain, Hussain Ali) is often someone else's the other way round. The correction
        puts the share of the register holding this name (as the other record gives it) in
        place of the model's u, counted once."""
        full = self.full[(forename, surname)]
        if (
            not full
            or not {("surname", "reversed"), ("forename", "reversed")} <= self.level_mu.keys()
        ):
            return None
        m_s, u_s = self.level_mu[("surname", "reversed")]
        m_f, u_f = self.level_mu[("forename", "reversed")]
        counted = math.log2(m_s / u_s) + math.log2(m_f / u_f)
        return math.log2(m_s * self.total / full) - counted

    def written(self, field: str, level: str) -> float | None:
        """For a name the same but written another way (WRITTEN: punctuation, accents or
        spacing): the match model's term-frequency adjustment puts the name's share in place
        of the level's u, as if every stranger sharing the name were as likely to write it
        another way as one person recorded twice. Few strangers do (u of this level against
        u of the name written the same): the correction adds log2((u same + u otherwise) /
        u otherwise), so that the name counts as agreeing (its share) and then being written
        otherwise."""
        if (field, level) not in WRITTEN or (field, "identical") not in self.level_mu:
            return None
        if (field, level) not in self.level_mu:
            return None
        u_otherwise = self.level_mu[(field, level)][1]
        return math.log2((self.level_mu[(field, "identical")][1] + u_otherwise) / u_otherwise)


class Rough:
    """A cheap pre-score of a pair of names in the match model's bits, roughly
    (registry/data/match_weights.csv): the date of birth, the surname and the forename each at
    a coarse level, in Python, with no database. The screening ranks with it; the job drops
    the pairs too far below what a raised pair needs. With `counts` (how many of the register's
    names hold each token, of `total`), an identical name counts log2(total / count), as the
    model's term-frequency adjustment does; without, as a name of average frequency."""

    def __init__(
        self,
        variants: dict[str, frozenset[str]],
        counts: Counter[str] | None = None,
        total: int = 0,
    ) -> None:
        self.variants = variants
        self.counts = counts
        self.total = max(total, 1)

    def weight(self, a: Name, b: Name) -> float:
        if a.forename == b.surname and a.surname == b.forename:  # the other way round
            names = 23.0
        else:
            names = self._surname(a, b) + self._forename(a, b)
        return _dob_bits(a.born, b.born) + names + (2.0 if a.home and a.home == b.home else 0.0)

    def _same(self, token: str, usual: float) -> float:
        if self.counts is None:
            return usual
        return math.log2(self.total / max(self.counts[token], 1))

    def _surname(self, a: Name, b: Name) -> float:
        if a.surname == b.surname:
            return self._same(a.surname, 7.0)
        if {a.surname, *a.parts} & {b.surname, *b.parts}:
            return 7.5
        if a.surname[:3] == b.surname[:3] and len(a.surname) >= 3:
            return 4.0  # perhaps a spelling of it
        if a.surname in (b.forename, *b.middles) or b.surname in (a.forename, *a.middles):
            return -0.5
        return _alike(a.surname, b.surname, -11.0)

    def _forename(self, a: Name, b: Name) -> float:
        fa, fb = a.forename, b.forename
        if fa == fb:
            return self._same(fa, 7.3)
        if fb in self.variants.get(fa, ()):
            return 5.5
        if min(len(fa), len(fb)) == 1 and fa[:1] == fb[:1]:
            return 6.5  # an initial
        if fa in b.middles or fb in a.middles:
            return 6.0
        if len(fa) >= 2 and len(fb) >= 2 and (fa.startswith(fb) or fb.startswith(fa)):
            return 5.5  # a short form
        if fa[:3] == fb[:3] and len(fa) >= 3:
            return 4.0  # perhaps a spelling of it
        return _alike(fa, fb, -6.0)


def _alike(x: str, y: str, differ: float) -> float:
    """Names that may sound alike though spelt apart (Khan, Kahn; Mohammed, Muhammad): the same
    first letter and about the same length, or the same ending."""
    if (x[:1] == y[:1] and abs(len(x) - len(y)) <= 2) or (len(x) >= 4 and x[-3:] == y[-3:]):
        return 2.0
    return differ


def _dob_bits(born: date, other: date) -> float:
    if born == other or swapped(born) == other:
        return 12.0
    if (born.month, born.day) == (other.month, other.day) and abs(born.year - other.year) == 1:
        return 10.0
    return 7.5


# Levels of the match model at which the two names are the same (for the whole name's share).
SAME_SURNAME = ("identical", "punctuation")
SAME_FORENAME = ("identical", "spacing")
# Levels at which the name is the same but written another way (Frequencies.written).
WRITTEN = {("surname", "punctuation"), ("forename", "spacing")}
HOME_WORDS = {
    "same": "lives in the same council area",
    "differ": "lives in another council area",
}
# Where the two records say the driver lives, when both give a postcode, from the closest
# agreement down (where_level): the same postcode, the same postcode sector (a few streets),
# the same district, the same council area with the postcodes further apart, another council
# area. With a postcode unknown, the council area alone counts (Model.home_weight).
WHERE_LEVELS = ("postcode", "sector", "district", "area", "elsewhere")
WHERE_WORDS = {
    "postcode": "recorded at the same postcode",
    "sector": "postcodes a few streets apart (the same sector)",
    "district": "postcodes in the same district",
    "area": "lives in the same council area, at another postcode",
    "elsewhere": "lives in another council area",
}


def where_level(a: Name, b: Name) -> str | None:
    """How closely the two records' homes agree (WHERE_LEVELS); None unless both give a
    postcode (and, beyond the district, both a council area)."""
    pa, pb = a.postcode, b.postcode
    if not pa or not pb:
        return None
    if pa == pb:
        return "postcode"
    if pa[:-2] == pb[:-2]:
        return "sector"
    if pa.split(" ", 1)[0] == pb.split(" ", 1)[0]:
        return "district"
    if a.home is None or b.home is None:
        return None
    return "area" if a.home == b.home else "elsewhere"


def same_area(a: Name, b: Name) -> bool | None:
    return None if a.home is None or b.home is None else a.home == b.home


def where_u(pairs: Mapping[str, int]) -> dict[str, float]:
    """u of each WHERE level: the chance that two of the register's drivers drawn at random
    agree at that level and no closer, from WHERE_PAIRS (ordered pairs of two drivers sharing a
    postcode, sector, district, home area, home area and district). Kept off 0 and 1: a level
    no two drivers reach (a register without postcodes) then says little either way."""
    n = pairs["drivers"]
    total = max(n * (n - 1), 1)
    share = {k: pairs[k] / total for k in ("postcode", "sector", "district", "home")}
    home_district = pairs["home_district"] / total
    u = {
        "postcode": share["postcode"],
        "sector": share["sector"] - share["postcode"],
        "district": share["district"] - share["sector"],
        "area": share["home"] - home_district,
        "elsewhere": 1 - share["home"] - (share["district"] - home_district),
    }
    return {k: min(max(v, 1e-9), 0.999) for k, v in u.items()}


FULL_NAME_WORDS = "how common the whole name is on the register"
WRITTEN_WORDS = "a name written another way, as strangers sharing the name rarely do"


class Evidence(msgspec.Struct, frozen=True):
    """One piece of evidence for an officer: the field, how it agrees, in words, its weight."""

    field: str
    level: str
    words: str
    weight: float


class Model(msgspec.Struct):
    """The job's own parameters beside the match model's: where the driver lives, and the
    prior for a pair of the register's records.

    The match model's prior is a search's: one of the register's names is the person asked
    about. Two records drawn from the register are one person far less often (the register's
    duplicates over all its pairs); prior_shift (log2) moves the prior there, estimated by EM
    with the home area's m."""

    home_m: float = 0.9  # one person's two records in one area (EM replaces this)
    home_u: float = 0.01  # two strangers in one area (the register replaces this)
    prior_shift: float = 0.0
    # where the two records say the driver lives, when both give a postcode, by WHERE_LEVELS:
    # m estimated by EM, u from the register (where_u). Empty in a model saved before the job
    # compared postcodes: then the home area alone (home_m, home_u) counts, as it does for a
    # pair where a postcode is unknown.
    where_m: dict[str, float] = {}
    where_u: dict[str, float] = {}

    def home_weight(self, a: int | None, b: int | None) -> tuple[str, float] | None:
        if a is None or b is None:
            return None
        if a == b:
            return "same", math.log2(self.home_m / self.home_u)
        return "differ", math.log2((1 - self.home_m) / (1 - self.home_u))

    def where_weight(self, a: Name, b: Name) -> tuple[str, str, float] | None:
        """(level, words, weight) of where the two records say the driver lives."""
        level = where_level(a, b) if self.where_m and self.where_u else None
        if level is None:
            home = self.home_weight(a.home, b.home)
            return None if home is None else (home[0], HOME_WORDS[home[0]], home[1])
        weight = math.log2(self.where_m[level] / self.where_u[level])
        return level, WHERE_WORDS[level], weight


# The model the job estimated on a seeded register, shipped for a register where the job has
# not run yet (re-screening and the import need one from the first day). The prior shift is
# the log of (pairs found / pairs of drivers) x names, about the same at any register size;
# the home area's u is always the register's own.
SHIPPED_MODEL = Path(__file__).resolve().parent.parent / "data" / "duplicate_model.json"


class ShippedModel(msgspec.Struct):
    made_by: str  # the commands that made it
    model: Model


def shipped_model(home_u: float, where: dict[str, float] | None = None) -> Model:
    """The shipped model with this register's u: `home_u`, and `where` (where_u)."""
    saved = msgspec.json.decode(SHIPPED_MODEL.read_bytes(), type=ShippedModel).model
    return Model(
        home_m=saved.home_m,
        home_u=home_u,
        prior_shift=saved.prior_shift,
        where_m=saved.where_m if where else {},
        where_u=where or {},
    )


def export_model(model: Model, command: str) -> None:
    """Write the job's model to the shipped file, with the command that made it."""
    saved = ShippedModel(made_by=command, model=model)
    SHIPPED_MODEL.write_bytes(msgspec.json.format(msgspec.json.encode(saved)) + b"\n")


def home_u(counts: Iterable[int]) -> float:
    """The chance that two drivers drawn at random live in one area. Kept below 1: on a
    register whose drivers all live in one area, the area tells nothing (and 1 - u divides)."""
    counts = list(counts)
    total = sum(counts) or 1
    return min(max(sum((c / total) ** 2 for c in counts), 1e-6), 0.999)


def full_name_weight(
    score: match.PairScore, a: Sequence[Name], b: Sequence[Name], freq: Frequencies
) -> float | None:
    """The whole-name correction for a pair whose surname and forename are both the same
    (as given, or the other way round); None for any other pair."""
    s, f = score.levels["surname"], score.levels["forename"]
    if s in SAME_SURNAME and f in SAME_FORENAME:
        same = {(x.forename, x.surname) for x in a} & {(y.forename, y.surname) for y in b}
        found = [w for fs in same if (w := freq.dependence(*fs)) is not None]
    elif s == "reversed" and f == "reversed":
        same = {(x.forename, x.surname) for x in a} & {(y.surname, y.forename) for y in b}
        # the share of the name as b gives it: a's the other way round
        found = [w for fa, sa in same if (w := freq.reversal(sa, fa)) is not None]
        if not found and ("forename", "reversed") in freq.level_mu:  # reversed, spelt otherwise
            m_f, u_f = freq.level_mu[("forename", "reversed")]
            found = [-math.log2(m_f / u_f)]  # counted once, not twice
    else:
        return None
    return min(found) if found else None


def written_weight(score: match.PairScore, freq: Frequencies) -> float | None:
    """The correction for names the same but written another way (Frequencies.written)."""
    found = [freq.written(field, score.levels[field]) for field in ("surname", "forename")]
    return sum(w for w in found if w is not None) if any(w is not None for w in found) else None


def middle_weight(
    score: match.PairScore, a: Sequence[Name], b: Sequence[Name], freq: Frequencies
) -> float | None:
    """For a forename that is a middle name on the other record (Imran Khan, Mohammed Imran
    Khan): the match model's u for that level is the average over names, as if every middle
    name were as rare as most; a stranger's forename is a common middle name (Mohammed, Ali,
    John) far more often. The term-frequency adjustment the model gives an identical forename:
    the share of the register's forenames that are this name in place of u, and with the
    surname the same, the whole name's share (Frequencies.dependence). None for any other
    level, or a name the register does not hold as a forename."""
    if score.levels["forename"] != "middle" or ("forename", "middle") not in freq.level_mu:
        return None
    u = freq.level_mu[("forename", "middle")][1]
    found = []
    for one, other in ((a, b), (b, a)):
        for y in other:
            if not freq.forename[y.forename] or not any(y.forename in x.middles for x in one):
                continue
            weight = math.log2(u * freq.total / freq.forename[y.forename])
            if any(x.surname == y.surname for x in one):
                weight += freq.dependence(y.forename, y.surname) or 0.0
            found.append(weight)
    return min(found) if found else None


def middles_weight(
    score: match.PairScore, a: Sequence[Name], b: Sequence[Name], freq: Frequencies
) -> float | None:
    """For middle names that agree: the match model's u for that level is the average over
    names; two strangers share a common middle name (Mohammed, Ali, John) far more often. The
    term-frequency adjustment: the share of the register's names with this middle name in
    place of u. None for any other level, or middle names that agree only by an initial or
    their sound."""
    if score.levels["middle"] != "agree" or ("middle", "agree") not in freq.level_mu:
        return None
    shared = {t for x in a for t in x.middles} & {t for y in b for t in y.middles}
    counts = [freq.middle[t] for t in shared if len(t) > 1 and freq.middle[t]]
    if not counts:
        return None
    return math.log2(freq.level_mu[("middle", "agree")][1] * freq.total / max(counts))


def weight_of(
    model: Model,
    score: match.PairScore,
    a: Sequence[Name],
    b: Sequence[Name],
    freq: Frequencies,
) -> float:
    """The match weight with the job's evidence added (no words: the job works this out for
    millions of pairs and shows a few thousand)."""
    weight = score.match_weight + model.prior_shift
    for extra in (
        full_name_weight(score, a, b, freq),
        written_weight(score, freq),
        middle_weight(score, a, b, freq),
        middles_weight(score, a, b, freq),
    ):
        if extra is not None:
            weight += extra
    where = model.where_weight(a[0], b[0]) if a and b else None
    return weight if where is None else weight + where[2]


def weigh(
    model: Model,
    score: match.PairScore,
    a: Sequence[Name],
    b: Sequence[Name],
    freq: Frequencies,
) -> tuple[float, list[Evidence]]:
    """The match weight with the job's evidence added, and every piece of evidence."""
    evidence = _model_evidence(score)
    full = full_name_weight(score, a, b, freq)
    if full is not None:
        evidence.append(Evidence("full_name", "frequency", FULL_NAME_WORDS, round(full, 2)))
    written = written_weight(score, freq)
    if written is not None:
        evidence.append(Evidence("written", "otherwise", WRITTEN_WORDS, round(written, 2)))
    where = model.where_weight(a[0], b[0]) if a and b else None
    if where is not None:
        evidence.append(Evidence("home", where[0], where[1], round(where[2], 2)))
    return weight_of(model, score, a, b, freq), evidence


def _model_evidence(score: match.PairScore) -> list[Evidence]:
    weights = {r.words: r.weight for r in score.reasons}
    found = []
    for field in match.COMPARISONS:
        level = score.levels[field]
        words = match.WORDS[field][level]
        if words:
            found.append(Evidence(field, level, words, weights.get(words, 0.0)))
    return found


def probability(weight: float) -> float:
    return match.probability(weight) if weight > -60 else 0.0


# The home area's m is estimated on the pairs the names and the date of birth alone make at
# least this sure (Splink's way: estimate one comparison's m on pairs the others already tie
# together), not on every candidate pair: at a national size many strangers share a common
# whole name a keying slip apart, and counting them as part-matches makes two records in
# different areas look like one person (m fell from 0.99 at 100,000 drivers to 0.89 at
# 1,000,000, and with it precision).
CONFIDENT = 0.999


def estimate(
    scored: Sequence[tuple[float, str | None, bool | None]],
    model: Model,
    drivers: int,
    names: int,
    *,
    rounds: int = 30,
) -> Model:
    """m of each WHERE level, the home area's m and the prior shift, by expectation
    maximisation over the candidate pairs: each is (the pair's weight without where they
    live and the shift, their where_level or None when a postcode is unknown, whether they
    live in one council area or None when unknown); u is the model's (where_u and home_u,
    from the register). The blocks hold nearly every true pair, so the pairs they leave out
    count as different people. Starts from the search's prior. m counts only the pairs at
    least CONFIDENT one person without where they live (all pairs while there are none such,
    as on a small register)."""
    # pairs with the same weight (to a hundredth of a bit) and levels count together: a few
    # thousand kinds of pair, however many pairs
    kinds = Counter((round(w, 2), level, same) for w, level, same in scored)
    confident_at = math.log2(CONFIDENT / (1 - CONFIDENT))
    trial = Model(
        home_m=model.home_m,
        home_u=model.home_u,
        where_m=dict(model.where_m) or dict.fromkeys(WHERE_LEVELS, 1 / len(WHERE_LEVELS)),
        where_u=model.where_u,
    )
    for _ in range(rounds):
        weights: dict[str | bool, float] = {
            level: math.log2(trial.where_m[level] / trial.where_u[level]) for level in WHERE_LEVELS
        }
        weights[True] = trial.home_weight(1, 1)[1]  # type: ignore[index]
        weights[False] = trial.home_weight(1, 2)[1]  # type: ignore[index]
        # smoothing: a tenth of a pair at each level, half a pair each way for the area;
        # [all pairs, confident pairs]
        found = [dict.fromkeys(WHERE_LEVELS, 0.1), dict.fromkeys(WHERE_LEVELS, 0.1)]
        agree, known, matched = [0.5, 0.5], [1.0, 1.0], 0.0
        for (w, level, same), n in kinds.items():
            evidence = weights[level] if level else weights[same] if same is not None else 0.0
            p = probability(w + trial.prior_shift + evidence) * n
            for i in (0, 1) if w + trial.prior_shift >= confident_at else (0,):
                if level:
                    found[i][level] += p
                if same is not None:
                    known[i] += p
                    agree[i] += p * same
            matched += p
        counted = found[1] if sum(found[1].values()) > 1.0 else found[0]
        total = sum(counted.values())
        trial.where_m = {level: counted[level] / total for level in WHERE_LEVELS}
        i = 1 if known[1] > 1.0 else 0
        trial.home_m = min(max(agree[i] / known[i], model.home_u), 0.999)
        # the search's prior is one in the register's names (at least match.REGISTER_FLOOR);
        # a pair's, the matches found over every pair of drivers
        pairs = max(drivers * (drivers - 1) / 2, 1)
        trial.prior_shift = math.log2(max(matched, 1.0) / pairs * max(names, match.REGISTER_FLOOR))
    return trial
