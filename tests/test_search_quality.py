"""Search quality on a labelled set: recall and precision of the top 5 results.

The set is tests/data/search_pairs.csv (written by tests/data/make_search_pairs.py): pairs of
a person on the register and what an officer types, labelled `same` person or `different`
person, covering every variant kind the search must handle and look-alikes it must not
confuse. The register holds every pair's record plus a few thousand distractors: common
names (Mohammed / Muhammad Khan, Hussain, Ali; John Smith...) born on the very dates the
queries ask about, so the true match has to rise above crowds of near namesakes.

For each pair the query is run once and its top 5 results are read.

- recall    = same-person pairs whose record is among the top 5 (any band)
              / all same-person pairs.
              An officer reviews the top of the list, so a match ranked there is found.
- precision = same-person pairs whose record is in the top 5 as a hit (band `strong` or
              `exact`, what an officer treats as "this is probably them")
              / all pairs whose record is in the top 5 as a hit, same or different person.
              A `possible` result is a lead to check, not a claim, so it is not counted as
              a hit; the test also prints the precision counting every band, and the
              precision over every hit returned (distractors included), for information.

Thresholds: recall >= 0.95 and precision >= 0.90.
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import asyncpg
import pytest

from licensing.db import connect
from registry import search
from registry.identifiers import IdentifierError
from tests.conftest import new_database
from tests.data import make_search_pairs as pairs_module

PAIRS = Path(__file__).resolve().parent / "data" / "search_pairs.csv"
TOP = 5
DISTRACTORS = 3000
HIT_BANDS = ("strong", "exact")
ENQUIRER = search.Enquirer(None, None, "other", "QUALITY-TEST")


def load_pairs() -> list[dict]:
    with open(PAIRS, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _key(text: str) -> str:
    return "".join(c for c in text.upper() if c.isalpha())


def distractors(
    pairs: list[dict], count: int = DISTRACTORS, seed: int = 7
) -> list[tuple[str, str, date]]:
    """Look-alikes, half of them aimed at a pair's record.

    Aimed ones share the record's date of birth and its surname (with another forename), or
    its forename (with another surname), or its whole name with another date of birth (a
    father, a son, a namesake). The rest have common names and are born on the dates the
    queries ask about.
    """
    rnd = random.Random(seed)
    m = pairs_module
    forenames = (
        ["Mohammed", "Muhammad", "Mohammad", "Mohamed"] * 6
        + m.SOUTH_ASIAN_MALE
        + ["John", "David", "Michael", "Paul", "James"] * 3
        + m.ENGLISH_MALE
        + m.ENGLISH_FEMALE
        + m.SOUTH_ASIAN_FEMALE
        + m.EASTERN_EUROPEAN
    )
    surnames = (
        ["Khan", "Hussain", "Ali", "Ahmed", "Smith", "Jones", "Patel", "Singh"] * 5
        + m.SOUTH_ASIAN_SURNAMES
        + m.COMMON_SURNAMES
        + m.EASTERN_SURNAMES
    )
    dates = sorted(
        {
            date.fromisoformat(p[c])
            for p in pairs
            for c in ("record_date_of_birth", "query_date_of_birth")
            if p[c]
        }
    )
    named = [p for p in pairs if p["label"] == "same" and not p["query_identifier"]]
    taken = {
        (_key(p[f].split()[0]) if p[f].split() else "", _key(p[s]), p[d])
        for p in pairs
        for f, s, d in (
            ("record_forenames", "record_surname", "record_date_of_birth"),
            ("query_forenames", "query_surname", "query_date_of_birth"),
        )
        if p[s]
    }
    first_letters = {
        (p[d], _key(p[s])): {p[f][:1].upper() for f in ("record_forenames", "query_forenames")}
        for p in named
        for s, d in (
            ("record_surname", "record_date_of_birth"),
            ("query_surname", "query_date_of_birth"),
        )
    }
    found = []
    while len(found) < count:
        if len(found) % 2:
            forename, surname = rnd.choice(forenames), rnd.choice(surnames)
            if rnd.random() < 0.25:
                forename += " " + rnd.choice(m.MIDDLE_NAMES)
            born = (
                rnd.choice(dates)
                if rnd.random() < 0.7
                else date(1950, 1, 1) + timedelta(days=rnd.randrange(19000))
            )
        else:
            target = rnd.choice(named)
            forename, surname = target["record_forenames"], target["record_surname"]
            born = date.fromisoformat(target["record_date_of_birth"])
            aim = rnd.randrange(3)
            if aim == 0:
                forename = rnd.choice(forenames)
            elif aim == 1:
                surname = rnd.choice(surnames)
            else:
                born = born + timedelta(days=rnd.choice([-1, 1]) * rnd.randrange(365 * 2, 365 * 35))
        if (_key(forename.split()[0]), _key(surname), born.isoformat()) in taken:
            continue  # an exact namesake on the same date would be a true ambiguity, not a test
        if forename[:1].upper() in first_letters.get((born.isoformat(), _key(surname)), ()):
            continue  # nor would a sound-alike forename with the same surname on the same date
        found.append((forename, surname, born))
    return found


async def load_register(
    conn: asyncpg.Connection, pairs: list[dict], crowd: list[tuple[str, str, date]] | None = None
) -> dict[str, int]:
    """Every pair's record and the distractors (or the crowd given); returns pair_id -> driver id."""
    authority = await conn.fetchval("SELECT id FROM authority WHERE name = 'Sheffield'")
    people = [
        (
            p["record_forenames"],
            p["record_surname"],
            date.fromisoformat(p["record_date_of_birth"]),
            p["record_gb_licence"] or None,
            p["record_ni_licence"] or None,
            p["record_ni_number"] or None,
            authority,
            authority,
        )
        for p in pairs
    ]
    crowd = distractors(pairs) if crowd is None else crowd
    people += [(f, s, born, None, None, None, authority, authority) for f, s, born in crowd]
    async with conn.transaction():
        await conn.copy_records_to_table(
            "driver",
            records=people,
            columns=[
                "forenames",
                "surname",
                "date_of_birth",
                "gb_licence_number",
                "ni_licence_number",
                "ni_number",
                "home_authority_id",
                "recorded_by_authority_id",
            ],
        )
        ids = [r["id"] for r in await conn.fetch("SELECT id FROM driver ORDER BY id")]
        await conn.execute(
            """INSERT INTO driver_name (driver_id, kind, forenames, surname, date_of_birth, recorded_by_authority_id)
               SELECT id, 'current', forenames, surname, date_of_birth, recorded_by_authority_id FROM driver"""
        )
        former = [
            (
                ids[i],
                p["record_former_forenames"],
                p["record_former_surname"],
                date.fromisoformat(p["record_date_of_birth"]),
                authority,
            )
            for i, p in enumerate(pairs)
            if p["record_former_surname"]
        ]
        await conn.executemany(
            """INSERT INTO driver_name (driver_id, kind, forenames, surname, date_of_birth, recorded_by_authority_id)
               VALUES ($1, 'former', $2, $3, $4, $5)""",
            former,
        )
    await conn.execute("ANALYZE driver_name")
    return {p["pair_id"]: ids[i] for i, p in enumerate(pairs)}


async def run_query(conn: asyncpg.Connection, pair: dict) -> list[search.Match]:
    if pair["query_identifier"]:
        try:
            outcome = await search.search_by_identifier(
                conn, pair["query_identifier"], enquirer=ENQUIRER
            )
        except IdentifierError:
            return []
    else:
        outcome = await search.search_by_name(
            conn,
            pair["query_forenames"].strip(),
            pair["query_surname"].strip(),
            date.fromisoformat(pair["query_date_of_birth"]),
            enquirer=ENQUIRER,
        )
    return outcome.matches[:TOP]


@pytest.fixture(scope="module")
async def outcomes(cluster, template_url):
    pairs = load_pairs()
    conn = await connect(await new_database(cluster, template_url))
    try:
        drivers = await load_register(conn, pairs)
        results = []
        for pair in pairs:
            top = await run_query(conn, pair)
            results.append((pair, drivers[pair["pair_id"]], top))
        return results
    finally:
        await conn.close()


def measure(outcomes) -> dict:
    same = [o for o in outcomes if o[0]["label"] == "same"]
    found = {id(o) for o in outcomes if any(m.driver_id == o[1] for m in o[2])}
    hit = {
        id(o) for o in outcomes if any(m.driver_id == o[1] and m.band in HIT_BANDS for m in o[2])
    }
    same_hits = sum(id(o) in hit for o in same)
    all_hits = len(hit)
    same_found = sum(id(o) in found for o in same)
    returned_hits = sum(1 for o in outcomes for m in o[2] if m.band in HIT_BANDS)
    true_returned_hits = sum(
        1 for o in same for m in o[2] if m.band in HIT_BANDS and m.driver_id == o[1]
    )
    by_kind = defaultdict(lambda: [0, 0])
    for o in outcomes:
        ok = (id(o) in found) if o[0]["label"] == "same" else (id(o) not in hit)
        by_kind[(o[0]["label"], o[0]["kind"])][0] += ok
        by_kind[(o[0]["label"], o[0]["kind"])][1] += 1
    return {
        "pairs": len(outcomes),
        "same": len(same),
        "recall": same_found / len(same),
        "precision": same_hits / all_hits if all_hits else 1.0,
        "precision_any_band": same_found / len(found) if found else 1.0,
        "precision_every_hit_returned": true_returned_hits / returned_hits
        if returned_hits
        else 1.0,
        "by_kind": dict(by_kind),
    }


def report(figures: dict) -> str:
    lines = [
        f"{figures['pairs']} pairs ({figures['same']} same person)",
        f"recall@{TOP}: {figures['recall']:.3f}",
        f"precision@{TOP} (strong/exact hits): {figures['precision']:.3f}",
        f"precision@{TOP} counting every band: {figures['precision_any_band']:.3f}",
        f"precision over every strong/exact result returned: {figures['precision_every_hit_returned']:.3f}",
        "per kind (same: found in top 5; different: not shown as a hit):",
    ]
    for (label, kind), (ok, total) in sorted(figures["by_kind"].items()):
        lines.append(f"  {label:9} {kind:34} {ok:3}/{total:<3}")
    return "\n".join(lines)


def test_the_labelled_set_covers_every_variant_kind_with_at_least_300_pairs():
    pairs = load_pairs()
    kinds = {p["kind"] for p in pairs}
    assert len(pairs) >= 300
    assert {
        "transliteration_forename",
        "transliteration_surname",
        "spelling_forename",
        "nickname",
        "punctuation_spacing",
        "double_barrelled_part",
        "middle_name_missing",
        "middle_name_extra",
        "initials",
        "former_surname",
        "date_swapped",
        "identifier_gb_licence",
        "identifier_ni_licence",
        "identifier_ni_number",
        "same_name_other_birth_date",
        "sibling",
        "twin",
        "common_forename_same_birth_date",
        "middle_name_differs",
    } <= kinds
    assert pairs == pairs_module.make_rows_as_written()


def test_search_finds_the_same_person_in_the_top_5_and_rarely_claims_a_stranger(outcomes):
    figures = measure(outcomes)
    print("\n" + report(figures))
    assert figures["recall"] >= 0.95
    assert figures["precision"] >= 0.90


def test_scores_keep_to_their_bands_and_rank_every_strong_match_above_every_possible_one(outcomes):
    ranges = {"exact": range(100, 101), "strong": range(71, 100), "possible": range(70)}
    for _, _, top in outcomes:
        assert all(m.score in ranges[m.band] for m in top)
        assert [m.score for m in top] == sorted((m.score for m in top), reverse=True)
