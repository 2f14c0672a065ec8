"""Planted duplicates: `crosscheck seed --duplicates N` records N people twice, and keeps the truth."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

import pytest

from licensing.db import connect
from registry.synthetic import duplicates as planted
from registry.synthetic.seed import SeedError, seed
from tests.conftest import new_database
from tests.test_seed import DRIVERS, SEED, TODAY, crosscheck, digest

DUPLICATES = 150  # more than one round of every kind (planted.KINDS)

PAIRS = """
SELECT s.kind, d.forenames, d.surname, d.date_of_birth, d.recorded_by_authority_id AS by,
       d.gb_licence_number, d.ni_number, d.ni_licence_number, d.eu_licence_number,
       o.forenames AS o_forenames, o.surname AS o_surname, o.date_of_birth AS o_born,
       o.home_authority_id AS o_home, d.home_authority_id AS home,
       o.postcode AS o_postcode, d.postcode, o.address AS o_address, d.address,
       (SELECT array_agg(authority_id) FROM licence WHERE driver_id = o.id) AS o_licensed_by,
       (SELECT array_agg(authority_id) FROM licence
         WHERE driver_id = d.id AND status = 'current') AS licensed_by,
       (SELECT count(*) FROM driver_name n WHERE n.driver_id = d.id) AS names
FROM synthetic_duplicate s
JOIN driver d ON d.id = s.driver_id
JOIN driver o ON o.id = s.duplicate_of
ORDER BY s.id
"""


@pytest.fixture(scope="module")
async def seeded(cluster, template_url):
    """The register of tests/test_seed.py, with DUPLICATES of its people recorded twice."""
    conn = await connect(await new_database(cluster, template_url), as_app=False)
    report = await seed(
        conn, drivers=DRIVERS, seed=SEED, today=TODAY, worker=False, duplicates=DUPLICATES
    )
    yield SimpleNamespace(conn=conn, report=report, pairs=await conn.fetch(PAIRS))
    await conn.close()


async def test_each_planted_duplicate_is_another_record_of_one_drawn_person(seeded):
    counts, pairs = seeded.report.counts, seeded.pairs
    assert counts["synthetic_duplicate"] == DUPLICATES == len(pairs)
    assert counts["driver"] == DRIVERS + DUPLICATES
    originals = await seeded.conn.fetchval(
        "SELECT count(DISTINCT duplicate_of) FROM synthetic_duplicate"
    )
    assert originals == DUPLICATES
    for p in pairs:
        name_differs = (p["forenames"], p["surname"]) != (p["o_forenames"], p["o_surname"])
        assert name_differs == ("dob_" not in p["kind"].split("+")[0]), p["kind"]
        assert (p["date_of_birth"] != p["o_born"]) == ("dob_" in p["kind"]), p["kind"]
        assert p["names"] == 1
        assert p["licensed_by"] and len(p["licensed_by"]) == 1
        # nothing ties the two records together but the person
        assert not any(
            p[c]
            for c in ("gb_licence_number", "ni_number", "ni_licence_number", "eu_licence_number")
        )


async def test_the_planted_duplicates_cover_every_variant_alone_and_in_pairs(seeded):
    kinds = Counter(p["kind"] for p in seeded.pairs)
    parts = Counter(part for kind in kinds for part in kind.split("+"))
    assert set(planted.NAME_KINDS) <= set(parts)
    assert set(planted.DATE_KINDS) <= set(parts)
    assert {k for k in kinds if "+" not in k} >= set(planted.DATE_KINDS) | {
        "nickname",
        "typo_forename",
        "typo_surname",
        "middle_as_forename",
        "compound_part",
        "swapped_names",
        "initials",
    }
    paired = sum(n for k, n in kinds.items() if "+" in k)
    assert 0.35 * DUPLICATES < paired < 0.65 * DUPLICATES


async def test_most_duplicates_are_recorded_and_licensed_by_another_council(seeded):
    elsewhere = [
        p for p in seeded.pairs if p["by"] not in (p["o_licensed_by"] or []) + [p["o_home"]]
    ]
    assert len(elsewhere) > 0.6 * DUPLICATES
    assert all(p["licensed_by"] == [p["by"]] for p in seeded.pairs)


async def test_most_duplicates_are_recorded_at_the_home_the_first_record_gives(seeded):
    """One person recorded twice usually lives at one home: most duplicates keep the first
    record's postcode (the address perhaps keyed a little differently), some moved within
    their area, a few to another area."""
    pairs = seeded.pairs
    same_postcode = [p for p in pairs if p["postcode"] and p["postcode"] == p["o_postcode"]]
    moved_away = [p for p in pairs if p["home"] != p["o_home"]]
    assert 0.55 * DUPLICATES < len(same_postcode) < 0.8 * DUPLICATES
    assert 0.02 * DUPLICATES < len(moved_away) < 0.2 * DUPLICATES
    written_otherwise = [p for p in same_postcode if p["address"] != p["o_address"]]
    assert 0 < len(written_otherwise) < 0.5 * len(same_postcode)


async def test_fresh_addresses_give_every_duplicate_a_new_home_in_its_area_and_nothing_else(
    seeded, cluster, template_url
):
    """The hardest case for a duplicates job (`--fresh-addresses`): nothing but the area in
    common. The duplicates' names and dates are the same as with their homes kept."""
    fresh = await connect(await new_database(cluster, template_url), as_app=False)
    try:
        await seed(
            fresh,
            drivers=DRIVERS,
            seed=SEED,
            today=TODAY,
            worker=False,
            duplicates=DUPLICATES,
            fresh_addresses=True,
        )
        pairs = await fresh.fetch(PAIRS)
    finally:
        await fresh.close()
    assert all(p["home"] == p["o_home"] for p in pairs)
    assert sum(p["postcode"] == p["o_postcode"] for p in pairs if p["postcode"]) <= 2
    people = ("kind", "forenames", "surname", "date_of_birth", "by")
    assert [[p[c] for c in people] for p in pairs] == [[p[c] for c in people] for p in seeded.pairs]


async def test_the_other_people_are_those_of_the_register_without_duplicates(
    seeded, cluster, template_url
):
    plain = await connect(await new_database(cluster, template_url), as_app=False)
    try:
        await seed(plain, drivers=DRIVERS, seed=SEED, today=TODAY, worker=False)
        people = "SELECT forenames, surname, date_of_birth, sex FROM driver d {} ORDER BY id"
        without = await plain.fetch(people.format(""))
        others = await seeded.conn.fetch(
            people.format("WHERE id NOT IN (SELECT driver_id FROM synthetic_duplicate)")
        )
        assert [tuple(r) for r in others] == [tuple(r) for r in without]
    finally:
        await plain.close()


async def test_duplicates_are_the_same_whichever_process_draws_them(seeded, cluster, template_url):
    other = await connect(await new_database(cluster, template_url), as_app=False)
    try:
        await seed(
            other, drivers=DRIVERS, seed=SEED, today=TODAY, worker=True, duplicates=DUPLICATES
        )
        assert await digest(other) == await digest(seeded.conn)
    finally:
        await other.close()


async def test_more_duplicates_than_drivers_is_refused(conn):
    with pytest.raises(SeedError, match="between 0 and the number of drivers"):
        await seed(conn, drivers=10, seed=1, duplicates=11)


async def test_the_seed_command_plants_duplicates(db_url):
    code, out, _ = await crosscheck(
        "seed", "--drivers", "300", "--duplicates", "40", database_url=db_url
    )
    assert code == 0
    assert "synthetic_duplicate" in out and " 40" in out and " 340" in out


async def test_a_duplicates_job_is_scored_pair_by_pair_against_the_truth(seeded):
    truth = [tuple(r) for r in await seeded.conn.fetch(planted.TRUTH_SQL)]
    perfect = planted.pairwise_scores([(b, a) for a, b, _ in truth], truth)
    assert (perfect["precision"], perfect["recall"]) == (1.0, 1.0)
    assert set(perfect["recall_by_kind"].values()) == {1.0}
    half = [(a, b) for a, b, _ in truth[::2]]
    wrong = [(a, a + 1) for a, _, _ in truth[:10] if (a + 1) not in {b for _, b, _ in truth}]
    scores = planted.pairwise_scores(half + wrong, truth)
    assert scores["recall"] == len(half) / len(truth)
    assert scores["precision"] == len(half) / (len(half) + len(wrong))
