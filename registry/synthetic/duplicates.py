"""Planted duplicates: the same person recorded again as another driver, and the truth kept.

`crosscheck seed --duplicates N` makes N of the drivers drawn be recorded a second time, as
a council that never linked the two would have: another driver row (often recorded by another
authority, with a current licence there), no identifier in common, the name written another
way and the date of birth perhaps keyed wrongly. The truth goes into `synthetic_duplicate
(driver_id, duplicate_of, kind)`, so a job that looks for duplicate records can be scored.

Which drivers: evenly spread (the i-th driver drawn is duplicated when i * N / drivers
passes a whole number), so every chunk and every part of the country gets its share.

Kinds, cycled in the order of KINDS so that any N of 132 or more covers every one, half of
them one variation and half two at once:
- name: the same name, initials, a nickname, a typing slip in the forename or the surname,
  the middle name used as the forename, a middle name on one side only, forenames and
  surname the other way round, one part of a compound surname (or a part added), another
  spelling (a transliteration), diacritics dropped, punctuation;
- date of birth: day and month swapped, one digit slipped in the day, the month or the last
  digit of the year, the tens digit of the year wrong (by any amount), the year one out.
Where a variation does not apply to a person (no nickname known, no diacritics, a day after
the 12th to swap with the month), the duplicate is made of the next driver drawn that it
applies to (so the spacing is even only on average; after MAX_PASSED_OVER drivers, or at
the last one, another variation is made instead); `kind` records the variation made.

Everything is drawn from its own random stream (`random.Random(f"{seed}/duplicates")`), so
the register's other people are the same with or without duplicates (their ids and licence
numbers move along by the rows the duplicates take).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date

NAME_KINDS = (
    "initials",
    "nickname",
    "typo_forename",
    "typo_surname",
    "middle_as_forename",
    "middle_one_side",
    "swapped_names",
    "compound_part",
    "spelling",
    "diacritics",
    "punctuation",
)
DATE_KINDS = (
    "dob_day_month_swapped",
    "dob_day_slip",
    "dob_month_slip",
    "dob_year_last_digit",
    "dob_year_tens_digit",
    "dob_year_one_out",
)
SAME_NAME, SAME_DATE = "same_name", "same_dob"
_SINGLES = [(kind, SAME_DATE) for kind in NAME_KINDS] + [(SAME_NAME, d) for d in DATE_KINDS]
_PAIRS = [(n, d) for n in NAME_KINDS for d in DATE_KINDS]
# One variation, then two, alternately: every single kind within 34 duplicates, all within 132.
KINDS: tuple[tuple[str, str], ...] = tuple(
    kind for i, pair in enumerate(_PAIRS) for kind in (_SINGLES[i % len(_SINGLES)], pair)
)
# When a name variation does not apply to a person, the duplicate waits for a later driver it
# applies to; after this many it makes the next of NAME_FALLBACK that does apply instead.
MAX_PASSED_OVER = 500
NAME_FALLBACK = ("spelling", "middle_one_side", "initials")
OTHER_AUTHORITY = 0.8  # the rest are recorded again by the same council
# Where the second record says the person lives. One person recorded twice is usually
# recorded at one home: the two records were made within a few years of each other
# (licences granted up to about three years apart), and about one household in ten moves in a
# year in England, most of them within their own council's area. So: the same home as the
# first record (its postcode kept when the council recorded one, the address perhaps written
# a little differently: WRITTEN_OTHERWISE), moved within the area (an address and postcode
# drawn afresh there), or moved to another area (the rest). `crosscheck seed
# --fresh-addresses` draws every duplicate's address and postcode afresh in its area instead
# (the hardest case: nothing but the area in common).
SAME_HOME = 0.70
MOVED_IN_AREA = 0.20
WRITTEN_OTHERWISE = 0.3  # of the same home: capitals, a shortened street type, no number
_SHORT = {"Road": "Rd", "Street": "St", "Avenue": "Ave", "Lane": "Ln", "Drive": "Dr"}
MIN_AGE, MAX_AGE = 21, 85


def kind_name(name_kind: str, date_kind: str) -> str:
    """`nickname`, `dob_day_slip`, or `nickname+dob_day_slip`."""
    parts = [k for k in (name_kind, date_kind) if k not in (SAME_NAME, SAME_DATE)]
    return "+".join(parts) or SAME_NAME


def planted(index: int, drivers: int, duplicates: int) -> bool:
    """Is the index-th driver drawn (from 0) one to record twice?"""
    return (index + 1) * duplicates // drivers > index * duplicates // drivers


# --- typing slips ------------------------------------------------------------------------

_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _keys_beside(letter: str) -> str:
    for row in _ROWS:
        at = row.find(letter.lower())
        if at >= 0:
            return row[max(0, at - 1) : at] + row[at + 1 : at + 2]
    return ""


def slip(word: str, rng: random.Random) -> str | None:
    """The word with one typing slip after its first letter: a key beside the one meant, a
    letter dropped or doubled, or two letters swapped; None for a word too short to slip."""
    if len(word) < 3:
        return None
    for _ in range(20):
        at = 1 + int(rng.random() * (len(word) - 1))
        how = int(rng.random() * 4)
        if how == 0 and _keys_beside(word[at]):
            near = _keys_beside(word[at])
            out = word[:at] + near[int(rng.random() * len(near))] + word[at + 1 :]
        elif how == 1 and len(word) > 3:
            out = word[:at] + word[at + 1 :]
        elif how == 2:
            out = word[:at] + word[at] + word[at:]
        elif how == 3 and at + 1 < len(word):
            out = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
        else:
            continue
        if out.lower() != word.lower():
            return out
    return None


# --- dates of birth -------------------------------------------------------------------------


def _digit_slips(value: int, top: int) -> list[int]:
    """Two-digit values 1..top one digit away from value."""
    text = f"{value:02d}"
    found = {int(text[:i] + d + text[i + 1 :]) for i in (0, 1) for d in "0123456789"}
    return sorted(v for v in found if 1 <= v <= top and v != value)


def _try(born: date, year: int, month: int, day: int, today: date) -> date | None:
    try:
        slipped = date(year, month, day)
    except ValueError:
        return None
    age = (today - slipped).days / 365.25
    return slipped if slipped != born and MIN_AGE <= age <= MAX_AGE else None


def _candidates(kind: str, born: date, today: date) -> list[date]:
    y, m, d = born.year, born.month, born.day
    if kind == "dob_day_month_swapped":
        options = [(y, d, m)]
    elif kind == "dob_day_slip":
        options = [(y, m, v) for v in _digit_slips(d, 31)]
    elif kind == "dob_month_slip":
        options = [(y, v, d) for v in _digit_slips(m, 12)]
    elif kind == "dob_year_last_digit":
        options = [(y - y % 10 + v, m, d) for v in range(10)]
    elif kind == "dob_year_tens_digit":
        options = [(y + 10 * (v - y // 10 % 10), m, d) for v in range(10)]
    else:
        options = [(y - 1, m, d), (y + 1, m, d)]
    return [s for s in (_try(born, *o, today) for o in options) if s]


def slip_date(kind: str, born: date, today: date, rng: random.Random) -> tuple[str, date]:
    """(the kind made, the date as recorded). A swap that gives no real, different date, or
    a slip that leaves no plausible age, becomes a day slip (always possible)."""
    if kind == SAME_DATE:
        return kind, born
    for attempt in (kind, "dob_day_slip"):
        options = _candidates(attempt, born, today)
        if options:
            return attempt, options[int(rng.random() * len(options))]
    return SAME_DATE, born


# --- scoring a duplicates job against the truth ----------------------------------------------

TRUTH_SQL = "SELECT driver_id, duplicate_of, kind FROM synthetic_duplicate ORDER BY id"


def pairwise_scores(
    found: Iterable[tuple[int, int]], truth: Iterable[tuple[int, int, str]]
) -> dict[str, object]:
    """Pairwise precision and recall of the pairs a job found (driver ids, either order)
    against the planted truth (driver_id, duplicate_of, kind), with recall per kind."""
    true = {frozenset((a, b)): kind for a, b, kind in truth}
    got = {frozenset(pair) for pair in found if pair[0] != pair[1]}
    hits = got & true.keys()
    per_kind: dict[str, list[int]] = {}
    for pair, kind in true.items():
        counts = per_kind.setdefault(kind, [0, 0])
        counts[0] += pair in hits
        counts[1] += 1
    return {
        "found": len(got),
        "true": len(true),
        "precision": len(hits) / len(got) if got else 1.0,
        "recall": len(hits) / len(true) if true else 1.0,
        "recall_by_kind": {k: n / total for k, (n, total) in sorted(per_kind.items())},
    }


def written_otherwise(address: str, rng: random.Random) -> str:
    """The same address as another council might key it (WRITTEN_OTHERWISE of the time): in
    capitals, with the street type shortened, or without the house number."""
    u = rng.random()
    if u >= WRITTEN_OTHERWISE:
        return address
    if u < WRITTEN_OTHERWISE / 3:
        return address.upper()
    if u < 2 * WRITTEN_OTHERWISE / 3:
        for long, short in _SHORT.items():
            address = address.replace(f" {long},", f" {short},")
        return address
    return address.split(" ", 1)[1] if address[:1].isdigit() else address
