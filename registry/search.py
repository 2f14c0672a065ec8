"""Searching the register: by identifier, or by name and date of birth.

Every search is one SQL statement that finds, scores and ranks, writes the audit rows (one
per driver returned, sharing a search id; one with no driver when nothing was found) and
reads each driver's summary (registry/records.py): a search cannot happen without its audit
trail, and it costs one round trip.

Name and date of birth search
-----------------------------
Candidates come from three index probes on driver_name (every name a driver is known by:
current, former, aliases): the date of birth as given, the same date with day and month
swapped, and dates one keying slip away where the surname or the forename sounds the same (so
a mistyped date comes with a variation in the other name: a nickname, an initial, a typo, a
middle name used as the forename). The date of birth is the anchor: every name born on the day is compared, so names given in another
order or with a part dropped are still found. Each candidate name is compared part by part:

- date of birth: same / day and month swapped / one digit different in the day or month /
  the year one digit different or one year out (1979 for 1980, 1984 for 1988, 1964 for
  1984, 1948 for 1984; a father and son with one name and birthday may be a tens digit
  apart, so these are possible matches at most)
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

A name is returned only when the date of birth, the surname and the forename all agree in
some way; that keeps common names with the same date of birth from burying the true match.
The band says how an officer should treat it (and the score, 0-100, keeps to it: exact 100,
strong 71-99, possible 69 or below, so the ranking never puts a possible above a strong):

- exact: an identifier (GB or NI licence number, NI number) is identical.
- strong: date of birth same or day/month swapped; surname identical, punctuation, part,
  sound, one-letter slip or the other way round; forename identical, run together, variant,
  sound, middle, initial or initials; and no conflicting middle name.
- possible: everything else that was returned (a mistyped date, a surname or forename only
  spelt similarly, an abbreviation, Singh/Kaur as the surname, male and female forms, a
  middle name that differs); worth a look, not a hit.

Within a band the score adds points for each part (date 40 same, 32 swapped, 20 slipped;
surname up to 35; forename up to 25; less for a middle name on one side only, a former name
or an alias; 12 off for middle names that differ) and equal scores go to the closer spelling.
Each reason in a match is one of the plain phrases below (DOB_WORDS, SURNAME_WORDS, ...).

No band decides anything: the officer considers each case on its merits.
Where the name knowledge comes from: registry/names.py.
"""

from __future__ import annotations

import contextlib
import functools
import uuid
from datetime import date, timedelta

import asyncpg
import msgspec

from registry.audit import PURPOSES, Enquirer  # noqa: F401 (re-exported for callers)
from registry.identifiers import identify
from registry.records import SUMMARY, DriverSummary, summary_decoder

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


# Words that join a surname's parts rather than name a family: sharing one of them says
# nothing ("Al-Hassan" and "Al-Rashid"). Parts shorter than three letters never count either.
PARTICLES = ["VAN", "VON", "DER", "DEN", "DEL", "DOS", "DAS", "BIN", "BINT", "BEN", "ABU", "ABD"]

# The query's keys are computed by the same database functions the driver_name_keys trigger
# uses, so both sides of every comparison have the one definition.
NAME_SEARCH_TEMPLATE = (
    """
WITH q AS MATERIALIZED (
    SELECT s.raw AS s_raw, s.key AS s_key, s.tokens AS s_tokens,
           dmetaphone(s.key) AS s_sound, dmetaphone_alt(s.key) AS s_alt,
           full_sound(s.key) AS s_full,
           f.tokens AS f_tokens,
           coalesce(f.tokens[1], '') AS f_first,
           coalesce(f.tokens[2:], '{}') AS f_middle,
           joined_forenames(array_to_string(f.tokens, '')) AS f_joined,
           initials_of(coalesce(f.tokens[1], ''), array_to_string(f.tokens[2:], ' ')) AS f_initials,
           dmetaphone(coalesce(f.tokens[1], '')) AS f_sound,
           dmetaphone_alt(coalesce(f.tokens[1], '')) AS f_alt,
           spoken(coalesce(f.tokens[1], '')) AS f_spoken,
           dmetaphone(spoken(coalesce(f.tokens[1], ''))) AS f_spoken_sound,
           full_sound(coalesce(f.tokens[1], '')) AS f_full,
           full_sound(spoken(coalesce(f.tokens[1], ''))) AS f_spoken_full,
           abbreviation_pattern(coalesce(f.tokens[1], '')) AS f_abbreviation,
           ARRAY(SELECT v.variant FROM name_variant v WHERE v.name = f.tokens[1]) AS f_variants,
           CASE WHEN cardinality(s.tokens) > 1 THEN
               ARRAY(SELECT t FROM unnest(s.tokens) AS t WHERE length(t) >= 3 AND t <> ALL($11::text[]))
           ELSE '{}' END AS s_parts
    -- name_key(x) is the concatenation of forename_tokens(x) (search_tokens is the same, inlined):
    -- one call gives both.
    FROM (SELECT t.raw, array_to_string(t.tokens, '') AS key, t.tokens
          FROM (SELECT $2::text AS raw, search_tokens($2) AS tokens) AS t) AS s,
         (SELECT search_tokens($1) AS tokens) AS f
),
cand AS (
    SELECT dn.driver_id, dn.kind, dn.surname, dn.surname_key, dn.surname_sound, dn.forename_key,
           dn.middle_keys, dn.forename_sound, 'same' AS dob_match
    FROM driver_name dn WHERE dn.date_of_birth = $3
    UNION ALL
    SELECT dn.driver_id, dn.kind, dn.surname, dn.surname_key, dn.surname_sound, dn.forename_key,
           dn.middle_keys, dn.forename_sound, 'swapped'
    FROM driver_name dn WHERE dn.date_of_birth = $4
    UNION ALL
    SELECT dn.driver_id, dn.kind, dn.surname, dn.surname_key, dn.surname_sound, dn.forename_key,
           dn.middle_keys, dn.forename_sound,
           CASE WHEN date_part('year', dn.date_of_birth) = date_part('year', $3::date) THEN 'near' ELSE 'year' END
    FROM driver_name dn, q
    WHERE dn.date_of_birth = ANY($5::date[])
      -- a mistyped date with a variation in one name: the other name still sounds the same
      -- (or the two are given the other way round)
      AND (dn.surname_sound IN (q.s_sound, q.s_alt) OR dn.forename_sound IN (q.f_sound, q.f_alt)
           OR dn.surname_sound IN (q.f_sound, q.f_alt))
),
surnames AS MATERIALIZED (
    SELECT c.*,
           CASE
               WHEN c.surname_key = q.s_key THEN
                   CASE WHEN lower(c.surname) = lower(q.s_raw) THEN 'identical' ELSE 'punctuation' END
               -- forename and surname the other way round, each as spelt or sounding the same,
               -- or the surname typed as forename being one part of a double-barrelled name
               WHEN (c.surname_key = q.f_first
                     OR (c.surname_sound IN (q.f_sound, q.f_alt)
                         AND levenshtein(c.surname_key, q.f_first) <= greatest(2, length(q.f_first) / 2))
                     OR (strpos(c.surname, '-') + strpos(c.surname, ' ') > 0
                         AND q.f_first = ANY(search_tokens(c.surname))))
                    AND (c.forename_key = ANY(q.s_tokens)
                         OR (c.forename_sound IN (q.s_sound, q.s_alt)
                             AND levenshtein(c.forename_key, q.s_key) <= greatest(2, length(q.s_key) / 2)))
                    THEN 'reversed'
               WHEN c.surname_key = ANY(q.s_parts) THEN 'part'
               WHEN strpos(c.surname, '-') + strpos(c.surname, ' ') + strpos(c.surname, '.') > 0
                    AND EXISTS (SELECT FROM unnest(search_tokens(c.surname)) AS t(part)
                                WHERE t.part = ANY(q.s_tokens) AND length(t.part) >= 3
                                  AND t.part <> ALL($11::text[])) THEN 'part'
               -- cheap tests first: most candidates are strangers and fall through to 'none'
               WHEN (c.surname_sound IN (q.s_sound, q.s_alt)
                     OR (left(c.surname_key, 1) = left(q.s_key, 1)
                         AND dmetaphone_alt(c.surname_key) IN (q.s_sound, q.s_alt)))
                    AND levenshtein_less_equal(c.surname_key, q.s_key, 3)
                        <= greatest(2, greatest(length(c.surname_key), length(q.s_key)) / 3)
                    -- the whole sound too: dmetaphone's 4 letters let Roberts pass for Robertson
                    AND full_sound(c.surname_key) = q.s_full THEN 'sound'
               WHEN least(length(c.surname_key), length(q.s_key)) >= 5
                    AND levenshtein_less_equal(c.surname_key, q.s_key, 1) = 1 THEN 'typo'
               WHEN length(c.surname_key) = length(q.s_key) AND length(q.s_key) >= 4
                    AND left(c.surname_key, 1) = left(q.s_key, 1)
                    AND levenshtein_less_equal(c.surname_key, q.s_key, 2) = 2
                    AND transposed(c.surname_key, q.s_key) THEN 'typo'
               WHEN levenshtein_less_equal(c.surname_key, q.s_key, 2)
                        <= CASE WHEN least(length(c.surname_key), length(q.s_key)) >= 6 THEN 2 ELSE 1 END THEN 'similar'
               WHEN left(c.surname_key, 1) = left(q.s_key, 1)
                    AND similarity(c.surname_key, q.s_key) >= 0.5 THEN 'similar'
               WHEN left(c.surname_key, 1) = left(q.s_key, 1)
                    AND c.surname_sound IN (q.s_sound, q.s_alt) THEN 'sound_far'
               -- the surname given is a forename on the record, or the other way round:
               -- Singh or Kaur given as the surname and the family name left off, or
               -- "Imran Mohammed" for Mohammed Imran Khan
               WHEN (c.middle_keys <> '' AND (q.s_key = ANY(string_to_array(c.middle_keys, ' '))
                                              OR c.forename_key = q.s_key))
                    OR c.surname_key = ANY(q.f_middle) THEN 'forenames'
               ELSE 'none'
           END AS s_level
    FROM cand c, q
),
-- Forenames are compared only where the surname agrees in some way: most candidates born
-- on the day are strangers, and stop here.
levels AS MATERIALIZED (
    SELECT c.driver_id, c.kind, c.dob_match, c.forename_key, c.middle_keys, c.s_level,
           levenshtein(c.surname_key, q.s_key) + levenshtein(c.forename_key, q.f_first) AS distance,
           CASE
               WHEN q.f_first = '' OR c.forename_key = '' THEN 'none'
               WHEN c.s_level = 'reversed' THEN 'reversed'
               WHEN c.forename_key = q.f_first THEN 'identical'
               WHEN left(c.forename_key, 1) = left(q.f_first, 1)
                    AND joined_forenames(c.forename_key || replace(c.middle_keys, ' ', '')) = q.f_joined THEN 'spacing'
               -- before the variants: a name list may give the female form as a variant (Paul, Paula)
               WHEN female_form(c.forename_key, q.f_first) OR female_form(q.f_first, c.forename_key) THEN 'gendered'
               WHEN c.forename_key = ANY(q.f_variants)
                    -- a nickname of another spelling of the name (Kate: Katherine, so Catherine)
                    OR (length(c.forename_key) >= 5 AND cardinality(q.f_variants) > 0
                        AND EXISTS (SELECT FROM unnest(q.f_variants) AS v(name)
                                    WHERE length(v.name) >= 5 AND levenshtein(v.name, c.forename_key) <= 2
                                      AND dmetaphone(v.name) = c.forename_sound))
                    OR (length(q.f_first) >= 5
                        AND EXISTS (SELECT FROM name_variant v
                                    WHERE v.name = c.forename_key AND length(v.variant) >= 5
                                      AND levenshtein(v.variant, q.f_first) <= 2
                                      AND dmetaphone(v.variant) IN (q.f_sound, q.f_alt))) THEN 'variant'
               WHEN length(q.f_first) > 1 AND length(c.forename_key) > 1
                    AND (((c.forename_sound IN (q.f_sound, q.f_alt)
                           OR dmetaphone_alt(c.forename_key) IN (q.f_sound, q.f_alt))
                          AND levenshtein(c.forename_key, q.f_first)
                              <= greatest(2, greatest(length(c.forename_key), length(q.f_first)) / 2)
                          AND full_sound(c.forename_key) = q.f_full)
                         OR (dmetaphone(spoken(c.forename_key)) = q.f_spoken_sound
                             AND levenshtein(spoken(c.forename_key), q.f_spoken) <= 2
                             AND full_sound(spoken(c.forename_key)) = q.f_spoken_full)) THEN 'sound'
               WHEN (length(q.f_first) = 1 AND left(c.forename_key, 1) = q.f_first)
                    OR (length(c.forename_key) = 1 AND left(q.f_first, 1) = c.forename_key) THEN 'initial'
               -- initials run together: 'MA' for Mohammed Ali, either way round
               WHEN (cardinality(q.f_tokens) = 1 AND length(q.f_first) BETWEEN 2 AND 3 AND c.middle_keys <> ''
                     AND initials_of(c.forename_key, c.middle_keys) = q.f_first)
                    OR (c.middle_keys = '' AND length(c.forename_key) BETWEEN 2 AND 3
                        AND c.forename_key = q.f_initials) THEN 'initials'
               WHEN q.f_first = ANY(string_to_array(c.middle_keys, ' '))
                    OR c.forename_key = ANY(q.f_middle) THEN 'middle'
               WHEN length(q.f_first) > 1 AND length(c.forename_key) > 1
                    AND levenshtein(c.forename_key, q.f_first)
                        <= CASE WHEN least(length(c.forename_key), length(q.f_first)) >= 4 THEN 2 ELSE 1 END
                    THEN 'similar'
               WHEN length(q.f_first) > 1 AND length(c.forename_key) > 1
                    AND (c.forename_sound IN (q.f_sound, q.f_alt) OR dmetaphone(spoken(c.forename_key)) = q.f_spoken_sound)
                    THEN 'sound_far'
               WHEN least(length(c.forename_key), length(q.f_first)) >= 2
                    AND (left(c.forename_key, length(q.f_first)) = q.f_first
                         OR left(q.f_first, length(c.forename_key)) = c.forename_key) THEN 'abbreviation'
               WHEN left(c.forename_key, 1) = left(q.f_first, 1) AND right(c.forename_key, 1) = right(q.f_first, 1)
                    AND ((length(q.f_first) BETWEEN 2 AND 4 AND length(c.forename_key) >= length(q.f_first) + 2
                          AND c.forename_key ~ q.f_abbreviation)
                      OR (length(c.forename_key) BETWEEN 2 AND 4 AND length(q.f_first) >= length(c.forename_key) + 2
                          AND q.f_first ~ abbreviation_pattern(c.forename_key))) THEN 'abbreviation'
               ELSE 'none'
           END AS f_level
    FROM surnames c, q
    WHERE c.s_level <> 'none'
),
scored AS MATERIALIZED (
    SELECT l.*, m.mid,
           (CASE l.dob_match WHEN 'same' THEN 40 WHEN 'swapped' THEN 32 ELSE 20 END
            + CASE l.s_level WHEN 'identical' THEN 35 WHEN 'punctuation' THEN 35 WHEN 'reversed' THEN 33
                             WHEN 'part' THEN 28 WHEN 'sound' THEN 27 WHEN 'typo' THEN 26 ELSE 18 END
            + CASE l.f_level WHEN 'identical' THEN 25 WHEN 'spacing' THEN 25 WHEN 'reversed' THEN 23
                             WHEN 'variant' THEN 22 WHEN 'sound' THEN 21 WHEN 'middle' THEN 17
                             WHEN 'initial' THEN 15 WHEN 'initials' THEN 15 WHEN 'abbreviation' THEN 14
                             WHEN 'gendered' THEN 8 ELSE 12 END
            + CASE m.mid WHEN 'differ' THEN -12 WHEN 'one_sided' THEN -1 ELSE 0 END
            + CASE l.kind WHEN 'alias' THEN -1 WHEN 'former' THEN -2 ELSE 0 END) AS points,
           (l.dob_match IN ('same', 'swapped')
            AND l.s_level IN ('identical', 'punctuation', 'reversed', 'part', 'sound', 'typo')
            AND l.f_level NOT IN ('similar', 'sound_far', 'abbreviation', 'gendered') AND m.mid <> 'differ') AS strong
    FROM levels l, q,
         LATERAL (
             SELECT CASE
                 WHEN l.f_level IN ('spacing', 'reversed', 'middle', 'initials') THEN 'none'
                 WHEN cardinality(q.f_middle) = 0 AND l.middle_keys = '' THEN 'none'
                 WHEN cardinality(q.f_middle) = 0 OR l.middle_keys = '' THEN 'one_sided'
                 WHEN EXISTS (
                     SELECT 1 FROM unnest(q.f_middle) AS a(x), unnest(string_to_array(l.middle_keys, ' ')) AS b(y)
                     WHERE a.x = b.y
                        OR (left(a.x, 1) = left(b.y, 1) AND (length(a.x) = 1 OR length(b.y) = 1))
                        OR dmetaphone(a.x) = dmetaphone(b.y)) THEN 'agree'
                 ELSE 'differ'
             END AS mid
         ) AS m
    WHERE l.f_level <> 'none'
),
-- The score keeps the bands apart: strong 71-99, possible scaled to 69 or below, so ranking
-- by score puts every strong match above every possible one; 100 is left for an identical
-- identifier.
ranked AS (
    SELECT *, CASE WHEN strong THEN greatest(71, least(points, 99)) ELSE (points * 7 + 5) / 10 END AS score
    FROM scored
),
best AS (
    SELECT DISTINCT ON (driver_id) *
    FROM ranked
    ORDER BY driver_id, score DESC, distance
),
top AS (
    SELECT * FROM best ORDER BY score DESC, distance, driver_id LIMIT :limit
),
audit AS (
    INSERT INTO audit_log (user_id, authority_id, action, purpose, case_reference, driver_id,
                           search_id, subject, detail)
    SELECT $6, $7, 'search', $8, $9, t.driver_id, $10, 'name', jsonb_build_object('results', n.total)
    FROM (SELECT count(*) AS total FROM top) AS n LEFT JOIN top t ON true
)
SELECT top.driver_id, top.score, top.strong, top.dob_match, top.s_level,
       top.f_level, top.mid, top.kind, """
    + SUMMARY
    + """ AS summary
FROM top JOIN driver d ON d.id = top.driver_id
ORDER BY top.score DESC, top.distance, top.driver_id
"""
)

DOB_WORDS = {
    "same": "same date of birth",
    "swapped": "date of birth with day and month swapped",
    "near": "date of birth one digit different",
    "year": "year of birth one digit different or one year out",
}
SURNAME_WORDS = {
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
}
FORENAME_WORDS = {
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
    "gendered": "forenames are the male and female forms of one name (Karim and Karima): perhaps a relative",
    "abbreviation": "forename could be a short form or abbreviation (Raj, Mohd, Wm)",
}
MIDDLE_WORDS = {
    "agree": "middle names agree",
    "one_sided": "a middle name on one record only",
    "differ": "middle names differ",
    "none": None,
}
KIND_WORDS = {
    "current": None,
    "former": "matched on a former name",
    "alias": "matched on another name the driver is known by",
}


def _reasons(row: asyncpg.Record) -> list[str]:
    words = [
        DOB_WORDS[row["dob_match"]],
        SURNAME_WORDS[row["s_level"]],
        FORENAME_WORDS[row["f_level"]],
        MIDDLE_WORDS[row["mid"]],
        KIND_WORDS[row["kind"]],
    ]
    return [w for w in words if w]


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
) -> tuple:
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
    search_id = uuid.uuid4()
    rows = await conn.fetch(
        with_limit(NAME_SEARCH_TEMPLATE, limit),
        *name_search_arguments(forenames, surname, date_of_birth, enquirer, search_id),
    )
    return SearchOutcome(search_id, "name", [_name_match(r) for r in rows])


# --- identifiers -------------------------------------------------------------------------


def _identifier_search(column: str) -> str:
    return (
        f"""
WITH top AS (
    SELECT id AS driver_id FROM driver WHERE {column} = $1 ORDER BY id LIMIT :limit
),
audit AS (
    INSERT INTO audit_log (user_id, authority_id, action, purpose, case_reference, driver_id,
                           search_id, subject, detail)
    SELECT $2, $3, 'search', $4, $5, t.driver_id, $6, 'identifier',
           jsonb_build_object('results', n.total, 'kind', $7::text)
    FROM (SELECT count(*) AS total FROM top) AS n LEFT JOIN top t ON true
)
SELECT top.driver_id, """
        + SUMMARY
        + """ AS summary
FROM top JOIN driver d ON d.id = top.driver_id ORDER BY top.driver_id
"""
    )


# A GB number that no driver holds may still belong to a driver on the register under another
# number: DVLA issues a new one when the surname changes, and officers mistype check letters.
# The number encodes the date of birth, the first five letters of the surname (MAC as MC) and
# the initials, so drivers who agree on all of those are offered as possible matches.
GB_LICENCE_SEARCH_TEMPLATE = (
    """
WITH exact AS (
    SELECT id AS driver_id, true AS exact FROM driver WHERE gb_licence_number = $1
),
encoded AS (
    SELECT DISTINCT dn.driver_id, false AS exact
    FROM driver_name dn
    WHERE NOT EXISTS (SELECT FROM exact)
      AND dn.date_of_birth = ANY($8::date[])
      AND left(dn.forename_key, 1) = $9
      AND $10 IN (rpad(left(dn.surname_key, 5), 5, '9'),
                  rpad(left(regexp_replace(dn.surname_key, '^MAC', 'MC'), 5), 5, '9'))
),
top AS (
    SELECT * FROM (SELECT * FROM exact UNION ALL SELECT * FROM encoded) AS found
    ORDER BY exact DESC, driver_id LIMIT :limit
),
audit AS (
    INSERT INTO audit_log (user_id, authority_id, action, purpose, case_reference, driver_id,
                           search_id, subject, detail)
    SELECT $2, $3, 'search', $4, $5, t.driver_id, $6, 'identifier',
           jsonb_build_object('results', n.total, 'kind', $7::text)
    FROM (SELECT count(*) AS total FROM top) AS n LEFT JOIN top t ON true
)
SELECT top.driver_id, top.exact, """
    + SUMMARY
    + """ AS summary
FROM top JOIN driver d ON d.id = top.driver_id ORDER BY top.exact DESC, top.driver_id
"""
)

IDENTIFIER_SEARCH_TEMPLATES = {
    "ni_licence": _identifier_search("ni_licence_number"),
    "ni_number": _identifier_search("ni_number"),
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
GB_ENCODED_WORDS = [
    "no driver holds this GB licence number",
    "same date of birth, surname start and first initial as the number encodes"
    " (a new number is issued when the surname changes)",
]


def gb_licence_births(number: str, today: date | None = None) -> list[date]:
    """The dates of birth a GB licence number can encode (the century is not in it)."""
    today = today or date.today()
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
) -> tuple:
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
    search_id = uuid.uuid4()
    sql = with_limit(IDENTIFIER_SEARCH_TEMPLATES[kind], limit)
    rows = await conn.fetch(sql, *identifier_search_arguments(kind, value, enquirer, search_id))
    if kind != "gb_licence":
        return SearchOutcome(
            search_id,
            "identifier",
            [
                Match(r["driver_id"], 100, "exact", [IDENTIFIER_WORDS[kind]], _summary(r))
                for r in rows
            ],
        )
    return SearchOutcome(
        search_id,
        "identifier",
        [
            Match(r["driver_id"], 100, "exact", [IDENTIFIER_WORDS[kind]], _summary(r))
            if r["exact"]
            else Match(r["driver_id"], 60, "possible", list(GB_ENCODED_WORDS), _summary(r))
            for r in rows
        ],
    )
