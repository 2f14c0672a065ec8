"""Searching the register: by identifier, or by name and date of birth.

Every search is one SQL statement that finds, scores and ranks, writes the audit rows (one
per driver returned, sharing a search id; one with no driver when nothing was found) and
reads each driver's summary (registry/records.py): a search cannot happen without its audit
trail, and it costs one round trip.

Name and date of birth search
-----------------------------
The statement is registry/name_search.sql (tests/test_sql.py prepares it as completed here).
Candidates come from three index probes on driver_name (every name a driver is known by:
current, former, aliases): the date of birth as given, the same date with day and month
swapped, and dates one keying slip away where the surname or the forename sounds the same (so
a mistyped date comes with a variation in the other name: a nickname, an initial, a typo, a
middle name used as the forename). The date of birth is the anchor: every name born on the day is compared, so names given in another
order or with a part dropped are still found. Each candidate name is compared part by part:

- date of birth: same / day and month swapped / one digit different in the day or month /
  the year one year out (1979 for 1980), one digit different (1984 for 1988, 1948 for 1984)
  or its tens digit different (1964 for 1984; a father and son with one name and birthday
  may be that far apart, so these are possible matches at most)
- surname: identical once punctuation, spacing, case and accents are removed / shares a part
  of a double-barrelled name / sounds the same (double metaphone, and the whole sound agrees
  too, full_sound(), as dmetaphone cuts its code to 4 letters: Roberts is not Robertson; and
  no more than a third of the letters differ) / one letter different or
  two letters swapped / spelt similarly (Levenshtein, trigram) / sounds alike though spelt
  quite differently (Miah / Meah / Miya) / forename and surname given the other way round,
  each as spelt or sounding the same ("Hussein Mohammad" for Muhammed Hussain, "Shah Bilal"
  for Bilal Ahmed-Shah) / the surname given is a forename on the other record (Singh or
  Kaur given as the surname, the family name left off)
- forename: identical / the same when run together (Abdulrahman, Abdur Rahman, Abdel Rahman)
  / a known variant or nickname, also of another spelling (Kate: Katherine, so Catherine) /
  sounds the same (transliterations; also with the spellings double metaphone does not know:
  Siobhan / Shivaun, Sean / Shaun, Jaswinder / Jasvinder) / given as an initial, or as
  initials run together ("MA" for Mohammed Ali) / matches a middle name (the first forename
  dropped: "Imran Khan" for Mohammed Imran Khan) / spelt similarly / sounds alike though
  spelt quite differently (Eoin / Owen) / a short form or abbreviation (Raj for Rajesh,
  Mohd or Md for Muhammad, Mo for Mohammed) / the male and female forms of one name (Karim
  / Karima: often twins, so possible at most)
- middle names: agree, on one record only, or differ (a strong sign of another person:
  "Mohammed Ali Khan" and "Mohammed Asif Khan" are usually different men)

A name is returned when the date of birth and the surname agree in some way (the forename may
not: a nickname no list knows still comes back, as a possible match). Each is scored by the
match model (registry/match/): the evidence weight of each comparison's level, adjusted for how
common the name or birthday is, added to the prior, gives the match probability. The band says
how an officer should treat it (and the score, 0-100, keeps to it: exact 100, strong 71-99,
possible 69 or below, so the ranking never puts a possible above a strong):

- exact: an identifier (GB or NI licence number, NI number) is identical.
- strong: a match probability of at least match.STRONG_PROBABILITY, with every comparison at
  a same-name level (match.STRONG_LEVELS): the date of birth same or day/month swapped; the
  surname identical, punctuation, part or the other way round; the forename identical, run
  together, a known variant, a middle name, an initial or initials; no middle names that differ.
- possible: everything else returned (a mistyped date, a name that only sounds or is spelt
  alike, an abbreviation, Singh/Kaur as the surname, male and female forms, a middle name
  that differs, a common name whose probability stays low); worth a look, not a hit.

Within a band the results are ranked by match weight, equal weights by the closer spelling.
Each reason is a comparison's level in plain words with its weight ("surname identical:
counts strongly for one person (+6.8)"), then the kind of name matched (former, alias).

No band decides anything: the officer considers each case on its merits.
Where the name knowledge comes from: registry/names.py.
"""

from __future__ import annotations

import contextlib
import functools
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import msgspec

from registry import match
from registry.audit_log import Enquirer
from registry.identifiers import identify
from registry.ids import time_ordered_uuid
from registry.records import SUMMARY, DriverSummary, summary_decoder
from registry.today import london_today

BANDS = ("exact", "strong", "possible")
DEFAULT_LIMIT = 10
MAX_LIMIT = 50


class Match(msgspec.Struct, frozen=True):
    driver_id: int
    score: int  # 0-100; 100 only for an identical identifier
    band: str  # exact | strong | possible
    reasons: list[str]  # plain words, no personal data
    driver: DriverSummary | None = None  # licences and register entries, read in the same statement


class SearchOutcome(msgspec.Struct, frozen=True):
    search_id: uuid.UUID
    subject: str  # identifier | name
    matches: list[Match]


# --- name and date of birth --------------------------------------------------------------


def swapped(born: date) -> date | None:
    """The date with day and month swapped, when that is a different, real date."""
    if born.day == born.month or born.day > 12:
        return None
    return date(born.year, born.day, born.month)


def _one_digit_away(n: int, top: int) -> set[int]:
    """Two-digit numbers 1..top that differ from n in one digit, or with its digits swapped."""
    text = f"{n:02d}"
    found = {int(text[::-1])}
    for position in (0, 1):
        for digit in "0123456789":
            found.add(int(text[:position] + digit + text[position + 1 :]))
    return {m for m in found if 1 <= m <= top and m != n}


def _slipped_years(year: int) -> set[int]:
    """Years one keying slip away: the last digit any other, the tens digit any other (1984
    typed 1964), the last two digits swapped, or one year out (1979 for 1980). A father and
    son who share a name and a birthday can be 20 or 30 years apart, so such a date is never
    more than a possible match (see the bands below)."""
    found = {year - 1, year + 1}
    found |= {year - year % 10 + digit for digit in range(10)}
    found |= {year - year % 100 + tens * 10 + year % 10 for tens in range(10)}
    tens, units = divmod(year % 100, 10)
    found.add(year - year % 100 + units * 10 + tens)
    found.discard(year)
    return found


@functools.lru_cache(maxsize=32768)
def near_dates(born: date) -> tuple[date, ...]:
    """Dates one keying slip away in the day, the month or the year, for typos."""
    found = set()
    for day in _one_digit_away(born.day, 31):
        with contextlib.suppress(ValueError):
            found.add(born.replace(day=day))
    for month in _one_digit_away(born.month, 12):
        with contextlib.suppress(ValueError):
            found.add(born.replace(month=month))
    for year in _slipped_years(born.year):
        with contextlib.suppress(ValueError):
            found.add(born.replace(year=year))
    found.discard(born)
    found.discard(swapped(born))
    return tuple(sorted(found))


PARTICLES = match.PARTICLES
# Which candidates have their forenames compared (and may be shown): those whose surname agrees
# in some way, and those whose surname does not but whose forename is the one given, or its
# middle name, or (born on the day) has its initial: another transliteration of the surname
# (Wu / Ng, Zhang / Cheung) that no code catches. Every other stranger born on the day stops here.
SURNAME_FILTER = """(c.s_level <> 'none' OR c.forename_key = q.f_first
    OR q.f_first = ANY(string_to_array(c.middle_keys, ' '))
    OR (length(q.f_first) = 1 AND c.dob_match = 'same' AND left(c.forename_key, 1) = q.f_first))"""
# The statement itself is registry/name_search.sql, with the match model's comparison
# (registry/match/compare.sql) in it; its keys are computed by the same database functions the
# driver_name_keys trigger uses, so both sides of every comparison have the one definition.
NAME_SEARCH_TEMPLATE = match.complete(
    (Path(__file__).resolve().parent / "name_search.sql")
    .read_text(encoding="utf-8")
    .replace(":summary", SUMMARY),
    surname_filter=SURNAME_FILTER,
)


def _reasons(row: asyncpg.Record) -> list[str]:
    """Each comparison in plain words with its evidence weight, then the name matched on."""
    words = [reason.text for reason in match.reasons(row)]
    kind = match.KIND_WORDS[row["kind"]]
    return [*words, kind] if kind else words


def _summary(row: asyncpg.Record) -> DriverSummary:
    return summary_decoder.decode(row["summary"])


def _name_match(row: asyncpg.Record) -> Match:
    return Match(
        row["driver_id"],
        row["score"],
        "strong" if row["strong"] else "possible",
        _reasons(row),
        _summary(row),
    )


# The limit is written into the statement, not passed as a parameter: PostgreSQL switches a
# prepared statement to its generic plan only when that plan looks no dearer than planning
# afresh, and with LIMIT $n it guesses more rows (so more summaries) than the custom plans
# show, and keeps planning every search (about as costly as running it). One statement per
# limit value; nearly every search uses the default.
@functools.cache
def with_limit(template: str, limit: int) -> str:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
    return template.replace(":limit", str(int(limit)))


# A day/month swap that cannot happen still needs a date: NULL would let each plan drop the
# branch, which again makes planning afresh look cheaper than the generic plan.
NO_DATE = date(1, 1, 1)
NAME_SEARCH = with_limit(NAME_SEARCH_TEMPLATE, DEFAULT_LIMIT)


def name_search_arguments(
    forenames: str, surname: str, date_of_birth: date, enquirer: Enquirer, search_id: uuid.UUID
) -> tuple[Any, ...]:
    return (
        forenames,
        surname,
        date_of_birth,
        swapped(date_of_birth) or NO_DATE,
        near_dates(date_of_birth),
        enquirer.user_id,
        enquirer.authority_id,
        enquirer.purpose,
        enquirer.case_reference,
        search_id,
        PARTICLES,
    )


async def search_by_name(
    conn: asyncpg.Connection,
    forenames: str,
    surname: str,
    date_of_birth: date,
    *,
    enquirer: Enquirer,
    limit: int = DEFAULT_LIMIT,
) -> SearchOutcome:
    """Ranked drivers who may be this person, best first; audited in the same statement."""
    search_id = time_ordered_uuid()
    rows = await conn.fetch(
        with_limit(NAME_SEARCH_TEMPLATE, limit),
        *name_search_arguments(forenames, surname, date_of_birth, enquirer, search_id),
    )
    return SearchOutcome(search_id, "name", [_name_match(r) for r in rows])


# --- identifiers -------------------------------------------------------------------------


# A number the driver held before (driver_former_identifier, kept when it changes) finds them
# too, marked as former; a driver who holds it again now is found once, as now.
def _identifier_search(column: str, kind: str) -> str:
    return (
        f"""
WITH top AS (
    SELECT * FROM (
        SELECT id AS driver_id, false AS former FROM driver WHERE {column} = $1
        UNION ALL
        SELECT f.driver_id, true FROM driver_former_identifier f
        WHERE f.kind = '{kind}' AND f.value = $1
          AND NOT EXISTS (SELECT FROM driver n WHERE n.id = f.driver_id AND n.{column} = $1)
    ) AS found ORDER BY former, driver_id LIMIT :limit
),
audit AS (
    INSERT INTO audit_entry (user_id, authority_id, action, purpose, case_reference, driver_id,
                           search_id, subject, detail)
    SELECT acting_as($2, $3), $3, 'search', $4, $5, t.driver_id, $6, 'identifier',
           jsonb_build_object('results', n.total, 'kind', $7::text)
    FROM (SELECT count(*) AS total FROM top) AS n LEFT JOIN top t ON true
)
SELECT top.driver_id, top.former, """
        + SUMMARY
        + """ AS summary
FROM top JOIN driver d ON d.id = top.driver_id ORDER BY top.former, top.driver_id
"""
    )


# A GB number that no driver holds may still belong to a driver on the register under another
# number: DVLA issues a new one when the surname changes, and officers mistype check letters.
# The number encodes the date of birth, the first five letters of the surname (MAC as MC) and
# the initials, so drivers who agree on all of those are offered as possible matches.
GB_LICENCE_SEARCH_TEMPLATE = (
    """
WITH exact AS (
    SELECT id AS driver_id, true AS exact, false AS former
    FROM driver WHERE gb_licence_number = $1
    UNION ALL
    SELECT f.driver_id, true, true FROM driver_former_identifier f
    WHERE f.kind = 'gb_licence' AND f.value = $1
      AND NOT EXISTS (SELECT FROM driver n WHERE n.id = f.driver_id AND n.gb_licence_number = $1)
),
encoded AS (
    SELECT DISTINCT dn.driver_id, false AS exact, false AS former
    FROM driver_name dn
    WHERE NOT EXISTS (SELECT FROM exact)
      AND dn.date_of_birth = ANY($8::date[])
      AND left(dn.forename_key, 1) = $9
      AND $10 IN (rpad(left(dn.surname_key, 5), 5, '9'),
                  rpad(left(regexp_replace(dn.surname_key, '^MAC', 'MC'), 5), 5, '9'))
),
top AS (
    SELECT * FROM (SELECT * FROM exact UNION ALL SELECT * FROM encoded) AS found
    ORDER BY exact DESC, former, driver_id LIMIT :limit
),
audit AS (
    INSERT INTO audit_entry (user_id, authority_id, action, purpose, case_reference, driver_id,
                           search_id, subject, detail)
    SELECT acting_as($2, $3), $3, 'search', $4, $5, t.driver_id, $6, 'identifier',
           jsonb_build_object('results', n.total, 'kind', $7::text)
    FROM (SELECT count(*) AS total FROM top) AS n LEFT JOIN top t ON true
)
SELECT top.driver_id, top.exact, top.former, """
    + SUMMARY
    + """ AS summary
FROM top JOIN driver d ON d.id = top.driver_id
ORDER BY top.exact DESC, top.former, top.driver_id
"""
)

IDENTIFIER_SEARCH_TEMPLATES = {
    "ni_licence": _identifier_search("ni_licence_number", "ni_licence"),
    "ni_number": _identifier_search("ni_number", "ni_number"),
    "gb_licence": GB_LICENCE_SEARCH_TEMPLATE,
}
IDENTIFIER_SEARCHES = {
    kind: with_limit(sql, DEFAULT_LIMIT) for kind, sql in IDENTIFIER_SEARCH_TEMPLATES.items()
}
IDENTIFIER_WORDS = {
    "gb_licence": "GB driving licence number identical",
    "ni_licence": "Northern Ireland driving licence number identical",
    "ni_number": "National Insurance number identical",
}
FORMER_IDENTIFIER_WORDS = {
    "gb_licence": "former GB driving licence number: the driver held this number before",
    "ni_licence": "former Northern Ireland driving licence number: the driver held this "
    "number before",
    "ni_number": "former National Insurance number: recorded for this driver before",
}
GB_ENCODED_WORDS = [
    "no driver holds this GB licence number",
    "same date of birth, surname start and first initial as the number encodes"
    " (a new number is issued when the surname changes)",
]


def gb_licence_births(number: str, today: date | None = None) -> list[date]:
    """The dates of birth a GB licence number can encode (the century is not in it)."""
    today = today or london_today()
    year2 = int(number[5] + number[10])
    month, day = int(number[6:8]) % 50, int(number[8:10])
    births = []
    for century in (1900, 2000):
        try:
            born = date(century + year2, month, day)
        except ValueError:
            continue
        if timedelta(days=16 * 365) <= today - born <= timedelta(days=100 * 366):
            births.append(born)
    return births


def identifier_search_arguments(
    kind: str, value: str, enquirer: Enquirer, search_id: uuid.UUID
) -> tuple[Any, ...]:
    audit = (
        enquirer.user_id,
        enquirer.authority_id,
        enquirer.purpose,
        enquirer.case_reference,
        search_id,
        kind,
    )
    if kind == "gb_licence":
        return (value, *audit, gb_licence_births(value), value[11], value[:5])
    return (value, *audit)


async def search_by_identifier(
    conn: asyncpg.Connection, raw: str, *, enquirer: Enquirer, limit: int = DEFAULT_LIMIT
) -> SearchOutcome:
    """Drivers holding this GB or NI licence number or NI number.

    Raises registry.identifiers.IdentifierError (field "identifier") when it is not one.
    """
    kind, value = identify(raw)
    search_id = time_ordered_uuid()
    sql = with_limit(IDENTIFIER_SEARCH_TEMPLATES[kind], limit)
    rows = await conn.fetch(sql, *identifier_search_arguments(kind, value, enquirer, search_id))

    def found(r: asyncpg.Record) -> Match:
        if kind == "gb_licence" and not r["exact"]:
            return Match(r["driver_id"], 60, "possible", list(GB_ENCODED_WORDS), _summary(r))
        words = FORMER_IDENTIFIER_WORDS[kind] if r["former"] else IDENTIFIER_WORDS[kind]
        return Match(r["driver_id"], 100, "exact", [words], _summary(r))

    return SearchOutcome(search_id, "identifier", [found(r) for r in rows])
