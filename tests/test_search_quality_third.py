"""Search quality on the third labelled set: new origins, every variant alone and in pairs, and
people who are not on the register at all.

The set is tests/data/search_pairs_third.csv (written by tests/data/make_search_pairs_third.py,
independently of the other two): Arabic, Kurdish, Turkish, Afghan, Chinese and
Portuguese-speaking names besides the usual; each name variant and each date-of-birth slip
alone, each common name variant with each date slip, pairs of name variants; and searches for
unregistered people on the date of birth of a registered look-alike. The register is every
pair's record, six people on each date the set uses and a background of 8,000
(make_search_pairs_third.crowd), none of whom an officer could take for the person asked about.

The figures are those of tests/search_quality.py. The floors are what the engine on main
achieved when the set was written (recall@5 0.678, precision 0.894, false-strong 0.300,
misled 0.000; some kinds of pair found in none of their 6 searches): they guard against a
step back, and the identity work raises them towards issue 10's targets (recall@5 0.98
overall and 0.90 in every kind, false-strong 0.02 or less, misled 0.005 or less). Run with -s
for the per-kind table and one line per search it got wrong.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from licensing.db import connect
from tests import search_quality as quality
from tests.conftest import new_database
from tests.data import make_search_pairs_third as third

PAIRS = Path(__file__).resolve().parent / "data" / "search_pairs_third.csv"
FLOORS = {
    "recall": 0.67,
    "precision": 0.88,
    "worst_kind_recall": 0.0,
}
CEILINGS = {
    "false_strong": 0.31,
    "misled": 0.005,
}


@pytest.fixture(scope="module")
async def outcomes(cluster, template_url):
    pairs = quality.load_pairs(PAIRS)
    conn = await connect(await new_database(cluster, template_url))
    try:
        return await quality.run_all(conn, pairs, third.crowd(pairs))
    finally:
        await conn.close()


def test_the_third_set_holds_every_variant_alone_and_in_pairs_and_matches_its_script():
    pairs = quality.load_pairs(PAIRS)
    kinds = {p["kind"] for p in pairs}
    singles = {"exact", *third.NAME_KINDS, *third.DATE_KINDS}
    with_dates = {f"{n}+{d}" for n in third.WITH_DATES for d in third.DATE_KINDS}
    name_pairs = {f"{a}+{b}" for a, b in third.NAME_PAIRS}
    unregistered = {k for k in kinds if k.startswith("unregistered_")}
    assert kinds == singles | with_dates | name_pairs | unregistered
    assert len(unregistered) >= 4
    assert {p["origin"] for p in pairs} >= set(third.NEW_ORIGINS)
    assert len(pairs) >= 800
    assert pairs == third.make_rows_as_written()


def test_search_on_the_third_set_holds_its_floors(outcomes):
    figures = quality.measure(outcomes)
    print("\n" + quality.report(figures))
    print("\n".join(quality.examples(outcomes)))
    assert figures["recall"] >= FLOORS["recall"]
    assert figures["precision"] >= FLOORS["precision"]
    assert quality.worst_kind_recall(figures) >= FLOORS["worst_kind_recall"]
    assert figures["false_strong"] <= CEILINGS["false_strong"]
    assert figures["misled"] <= CEILINGS["misled"]
