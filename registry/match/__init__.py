"""The match model: how probably two descriptions of a person are one person.

One model serves the name search (registry/search.py: what an officer typed against every name
on the register born on the day, or a keying slip away) and pair scoring (`score_pairs`: two
driver records, for duplicate detection, import and re-screening). It is a Fellegi-Sunter
model, the method of record linkage since 1969 and the one Splink implements:

- Each pair is compared field by field, and each comparison lands on one level (LEVELS, with
  plain words in WORDS): the date of birth (same, day and month swapped, a digit of the day
  or month slipped, the year one out, a digit of the year slipped, the tens digit of the year
  wrong, or no agreement), the surname and the first forename (identical, the same once
  punctuation and accents are gone, a known variant or nickname, sounding the same
  (transliteration), one letter typed wrong, spelt similarly, an initial, a part of a compound
  name, a middle name used as the forename, forename and surname the other way round, ...) and
  the middle names (agree, on one record only, differ).
- Each level carries an evidence weight, log2(m / u): m is the share of true pairs (one person
  recorded twice) at that level, u the share of pairs of different people at that level. The
  weights sit in the table match_weight; `crosscheck match train` (registry/match/train.py)
  estimates them from data: u from the register itself, m from labelled pairs. Nothing is
  typed by hand.
- Term-frequency adjustment: where a surname or forename is identical, or the date of birth
  the same, the weight is log2(m / share) with the share of the register holding that name
  or birthday (name_frequency) in place of u: agreeing on Khan or on 1 January counts for
  less than agreeing on Zielinski or on 17 June.
- The match weight is the prior plus the evidence; the prior is log2(1 / the number of names on
  the register), the chance that one record is the person asked about before anything is
  compared. The match probability is 1 / (1 + 2^-weight).
- Bands come from the probability alone: `strong` at STRONG_PROBABILITY or above, else
  `possible` (an identical identifier is `exact`, outside this model).

The comparison is SQL (registry/match/compare.sql), run inside the statement that finds the
candidates, so a search stays one round trip. `score_pairs` wraps it for pairs of drivers:

    scores = await score_pairs(conn, [(driver_a, driver_b), ...])
    scores[0].probability, scores[0].band, scores[0].reasons  # [Reason(words, weight), ...]

Each Reason is one comparison's level in plain words and its weight (`Reason.text` puts the
two in one sentence for a page or an email).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import asyncpg
import msgspec

HERE = Path(__file__).resolve().parent

# A match probability of at least this is `strong`. Chosen with the labelled sets
# (docs/identity.md): strong claims a stranger on at most 2% of searches for people who are not
# registered, and misses few true matches.
STRONG_PROBABILITY = 0.95
# The prior takes the register as at least this many names (a small register would otherwise
# make every agreement look conclusive).
REGISTER_FLOOR = 10_000

# Words that join a surname's parts rather than name a family: sharing one of them says
# nothing ("Al-Hassan" and "Al-Rashid"). Parts shorter than three letters never count either.
PARTICLES = ["VAN", "VON", "DER", "DEN", "DEL", "DOS", "DAS", "BIN", "BINT", "BEN", "ABU", "ABD"]

WORDS: dict[str, dict[str, str | None]] = {
    "dob": {
        "same": "same date of birth",
        "swapped": "date of birth with day and month swapped",
        "near": "date of birth one digit different in the day or month",
        "year_one_out": "year of birth one year out",
        "year_digit": "year of birth one digit different",
        "year_tens": "year of birth a decade or more out (tens digit different)",
        "other": "date of birth differs",
    },
    "surname": {
        "identical": "surname identical",
        "punctuation": "surname the same apart from punctuation or spacing",
        "reversed": "forename and surname the other way round",
        "part": "surname shares a part of a double-barrelled or hyphenated name",
        "sound": "surname sounds the same",
        "typo": "surname one letter different or two letters swapped",
        "similar": "surname spelt similarly",
        "sound_far": "surname sounds alike but is spelt quite differently",
        "forenames": (
            "surname given is a forename on the other record"
            " (Singh or Kaur as the surname, or names in another order)"
        ),
        "none": "surnames differ",
    },
    "forename": {
        "identical": "forename identical",
        "spacing": "forenames the same when run together (Abdul Rahman, Abdulrahman, Abdur Rahman)",
        "reversed": None,
        "variant": "forename a known variant or nickname",
        "sound": "forename sounds the same (a spelling or transliteration variant)",
        "middle": "forename matches a middle name",
        "initial": "forename given as an initial that agrees",
        "initials": "forenames given as initials that agree (MA for Mohammed Ali)",
        "similar": "forename spelt similarly",
        "sound_far": "forename sounds alike but is spelt quite differently",
        "gendered": (
            "forenames are the male and female forms of one name (Karim and Karima):"
            " perhaps a relative"
        ),
        "abbreviation": "forename could be a short form or abbreviation (Raj, Mohd, Wm)",
        "none": "forenames differ",
    },
    "middle": {
        "agree": "middle names agree",
        "one_sided": "a middle name on one record only",
        "differ": "middle names differ",
        "none": None,
    },
}
LEVELS: dict[str, tuple[str, ...]] = {field: tuple(words) for field, words in WORDS.items()}
KIND_WORDS = {
    "current": None,
    "former": "matched on a former name",
    "alias": "matched on another name the driver is known by",
}
COMPARISONS = ("dob", "surname", "forename", "middle")
# The row columns holding each comparison's level and weight.
LEVEL_COLUMNS = {"dob": "dob_match", "surname": "s_level", "forename": "f_level", "middle": "mid"}
WEIGHT_COLUMNS = {
    "dob": "w_dob",
    "surname": "w_surname",
    "forename": "w_forename",
    "middle": "w_middle",
}


# A search shows no candidate whose match weight is below this (a chance under 1 in 1,000 at
# the register's size): strangers who share a surname and the day do not crowd the list.
LEAST_WEIGHT = -10.0

# A strong band also needs every comparison at a level where the two are the same name, not a
# look-alike: the date of birth the same or day and month swapped, the surname the same once
# normalised (or a part of it, or given the other way round), the forename the same, a known
# variant, an initial or a middle name, and no middle names that differ. The model's u counts
# random pairs, and treats the comparisons as independent; but the different people who match
# at the look-alike levels are not random: twins and siblings (Amin and Amir, Jun and Jin,
# born on the day, one surname), fathers and sons (one name, a tens digit apart), families
# with rhyming surnames (Pereira, Ferreira). Measured on the labelled sets, allowing those
# levels into the strong band claimed a stranger in up to a third of such searches
# (docs/identity.md).
STRONG_LEVELS = {
    "dob": ("same", "swapped"),
    "surname": ("identical", "punctuation", "reversed", "part"),
    "forename": ("identical", "spacing", "reversed", "variant", "middle", "initial", "initials"),
    "middle": ("none", "agree", "one_sided"),
}


def _levels_in(column: str, levels: tuple[str, ...]) -> str:
    return f"scored.{column} IN ({', '.join(repr(level) for level in levels)})"


SAME_NAME_SQL = (
    "("
    + " AND ".join(
        _levels_in(LEVEL_COLUMNS[field], levels) for field, levels in STRONG_LEVELS.items()
    )
    + ")"
)


def weight_words(weight: float) -> str:
    """A weight in plain words."""
    if weight >= 6:
        return "counts strongly for one person"
    if weight >= 2:
        return "counts for one person"
    if weight > -2:
        return "counts little either way"
    if weight > -6:
        return "counts against"
    return "counts strongly against"


class Reason(msgspec.Struct, frozen=True):
    words: str  # the level in plain words, no personal data
    weight: float  # its evidence weight, log2(m / u), term-frequency adjusted

    @property
    def text(self) -> str:
        return f"{self.words}: {weight_words(self.weight)} ({self.weight:+.1f})"


class PairScore(msgspec.Struct, frozen=True):
    a: int  # driver ids
    b: int
    match_weight: float  # prior + evidence, in bits
    probability: float
    band: str  # strong | possible
    reasons: list[Reason]
    levels: dict[str, str]  # comparison -> level (LEVELS)


def probability(match_weight: float) -> float:
    return 1 / (1 + 2 ** (-match_weight))


def band(p: float, levels: dict[str, str]) -> str:
    strong = p >= STRONG_PROBABILITY and all(
        levels[field] in allowed for field, allowed in STRONG_LEVELS.items()
    )
    return "strong" if strong else "possible"


def reasons(row: asyncpg.Record) -> list[Reason]:
    """Each comparison of a scored row (search or pair) in words with its weight."""
    found = []
    for field in COMPARISONS:
        words = WORDS[field][row[LEVEL_COLUMNS[field]]]
        if words:
            found.append(Reason(words, round(row[WEIGHT_COLUMNS[field]], 1)))
    return found


def compact(sql: str) -> str:
    """A statement without its comment lines and indentation. asyncpg keeps a prepared
    statement (and PostgreSQL its generic plan) only for statements under 15 KiB; the name
    search with its comments is longer, and would be parsed and planned on every search."""
    lines = (line.strip() for line in sql.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("--"))


COMPARE = (HERE / "compare.sql").read_text(encoding="utf-8")


def complete(template: str, *, surname_filter: str = "true") -> str:
    """A statement with the comparison put in place (`surname_filter`, SQL over the candidate
    `c`, limits which candidates have their forenames compared: a search passes
    "c.s_level <> 'none'")."""
    return compact(
        template.replace(":compare", COMPARE.replace(":surname_filter", surname_filter))
        .replace(":strong_probability", repr(STRONG_PROBABILITY))
        .replace(":register_floor", str(REGISTER_FLOOR))
        .replace(":same_name", SAME_NAME_SQL)
        .replace(":least_weight", repr(LEAST_WEIGHT))
    )


PAIR_SCORES = complete((HERE / "pairs.sql").read_text(encoding="utf-8"))


def _pair_score(row: asyncpg.Record) -> PairScore | None:
    if row["match_weight"] is None:  # no such driver, or no match model loaded
        return None
    p = probability(row["match_weight"])
    levels = {field: row[LEVEL_COLUMNS[field]] for field in COMPARISONS}
    return PairScore(
        row["a"], row["b"], row["match_weight"], p, band(p, levels), reasons(row), levels
    )


async def pair_levels(
    conn: asyncpg.Connection, pairs: Sequence[tuple[int, int]], *, current_only: bool = False
) -> list[asyncpg.Record]:
    """The raw scored rows of PAIR_SCORES, one per pair in order (for training and tests)."""
    rows: list[asyncpg.Record] = await conn.fetch(
        PAIR_SCORES, [a for a, _ in pairs], [b for _, b in pairs], current_only, PARTICLES
    )
    return rows


async def score_pairs(
    conn: asyncpg.Connection, pairs: Sequence[tuple[int, int]], *, current_only: bool = False
) -> list[PairScore | None]:
    """How probably each pair of driver records (a, b) is one person, in the order given
    (None for a pair naming a driver that does not exist).

    Every name of a (current, former, alias) is compared with every name of b and each pair
    takes its best (with `current_only`, current names only). One statement for the batch:
    pass thousands of pairs at a time. Reads only; the caller audits what it shows.
    """
    return [_pair_score(row) for row in await pair_levels(conn, pairs, current_only=current_only)]
