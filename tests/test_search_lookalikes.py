"""Searches for people who are not on the register: a sound-alike surname is not a strong match.

Double metaphone (PostgreSQL's dmetaphone) cuts its code to 4 letters, so a short surname and
a longer one that starts the same way share a code: Roberts and Robertson, Christie and
Christensen. Someone who is not registered, searched for by name and date of birth, must not
come back as a strong match for a registered driver who merely shares the cut code.

The probe takes real surnames (Faker's British, Irish and Polish lists, pinned by uv.lock),
pairs every two that share a 4-letter double metaphone code and differ in length by two
letters or more (leaving out two spellings of one sound, Dixon / Dickson), registers one of each pair and searches for the other with the same forename
and date of birth. Floor: at most 2% of those searches give a strong match.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from faker import Faker

from licensing.db import connect
from registry import audit_log, search
from tests.conftest import new_database

LOCALES = ("en_GB", "en_US", "pl_PL", "cs_CZ")
FORENAMES = ["Peter", "Sarah", "Mohammed", "Anna", "David", "Tomasz", "Aoife", "James"]
ENQUIRER = audit_log.Enquirer(None, None, "other", "LOOKALIKE-TEST")
MAX_PAIRS = 400


def real_surnames() -> list[str]:
    names = set()
    for locale in LOCALES:
        for provider in Faker(locale).factories[0].providers:
            for attribute in ("last_names", "last_names_male", "last_names_female"):
                found = getattr(provider, attribute, None) or ()
                names.update(found.keys() if isinstance(found, dict) else found)
    return sorted(names)


PAIRS = """
WITH s AS (SELECT DISTINCT name, name_key(name) AS k, dmetaphone(name_key(name)) AS code
           FROM unnest($1::text[]) AS name)
SELECT a.name AS registered, b.name AS searched
FROM s a JOIN s b ON a.code = b.code AND a.k <> b.k
WHERE length(a.code) = 4 AND abs(length(a.k) - length(b.k)) >= 2
  -- not two spellings of one sound (Dixon / Dickson, Hendrix / Hendricks): an officer wants those
  AND NOT (levenshtein(a.k, b.k) <= 2 AND metaphone(a.k, 32) = metaphone(b.k, 32))
ORDER BY md5(a.k || b.k) LIMIT $2
"""


@pytest.fixture(scope="module")
async def lookalikes(cluster, template_url):
    conn = await connect(await new_database(cluster, template_url))
    try:
        pairs = await conn.fetch(PAIRS, real_surnames(), MAX_PAIRS)
        found = []
        for i, pair in enumerate(pairs):
            forename = FORENAMES[i % len(FORENAMES)]
            born = date(1960, 1, 2) + timedelta(days=17 * i)
            await conn.execute(
                """WITH d AS (INSERT INTO driver (forenames, surname, date_of_birth,
                                                 home_authority_id, recorded_by_authority_id)
                              SELECT $1, $2, $3, id, id FROM authority WHERE name = 'Sheffield'
                              RETURNING *)
                   INSERT INTO driver_name (driver_id, kind, forenames, surname, date_of_birth,
                                            recorded_by_authority_id)
                   SELECT id, 'current', forenames, surname, date_of_birth, recorded_by_authority_id
                   FROM d""",
                forename,
                pair["registered"],
                born,
            )
            outcome = await search.search_by_name(
                conn, forename, pair["searched"], born, enquirer=ENQUIRER
            )
            found.append((pair["registered"], pair["searched"], outcome.matches))
        return found
    finally:
        await conn.close()


def test_the_probe_has_hundreds_of_short_and_long_surnames_sharing_a_cut_code(lookalikes):
    assert len(lookalikes) >= 100, len(lookalikes)


def test_someone_unregistered_with_a_sound_alike_surname_is_rarely_a_strong_match(lookalikes):
    strong = [(r, s) for r, s, matches in lookalikes if any(m.band == "strong" for m in matches)]
    print(f"\n{len(strong)}/{len(lookalikes)} look-alike searches banded strong")
    for registered, searched in strong:  # surnames from Faker's lists, not personal data
        print(f"  strong: {searched} for {registered}")
    assert len(strong) / len(lookalikes) <= 0.02
