"""Two variations at once: every name variation of the labelled sets, with the date mistyped too.

Each same-person pair of both labelled sets whose query gives the right date of birth is asked
again with one keying slip in that date, so the query carries the pair's own variation (a
nickname, an initial, a typo, a transliteration, a middle name used as the forename...) plus
a date one slip away: a digit of the day, a digit of the month, the last digit of the year,
the tens digit of the year (1984 typed 1964), or the year one out. The slip is chosen by the
pair's number, so every variation meets every kind of slip across the set.

Floors: recall@5 >= 0.98 overall and >= 0.90 for every kind of slip (printed per kind).
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from datetime import date

import pytest

from licensing.db import connect
from tests import search_quality as quality
from tests import test_search_quality as first
from tests import test_search_quality_hard as hard
from tests.conftest import new_database

SLIPS = ("day", "month", "year_digit", "year_tens", "year_one_out")


def _digit_changed(n: int, position: int, top: int, low: int = 1) -> int | None:
    text = f"{n:02d}"
    for step in (1, 2, 3, 4, 5, 6, 7, 8, 9):
        digit = (int(text[position]) + step) % 10
        m = int(text[:position] + str(digit) + text[position + 1 :])
        if low <= m <= top:
            return m
    return None


def slipped(born: date, slip: str) -> date | None:
    """The date with one keying slip of the kind named, or None when there is none."""
    with contextlib.suppress(ValueError, TypeError):
        if slip == "day":
            return born.replace(day=_digit_changed(born.day, 1, 28))
        if slip == "month":
            return born.replace(month=_digit_changed(born.month, 1, 12))
        if slip == "year_digit":
            return born.replace(year=born.year - born.year % 10 + (born.year % 10 + 3) % 10)
        if slip == "year_tens":
            tens = (born.year % 100) // 10
            other = (tens + 2) % 10 if (tens + 2) % 10 != tens else (tens + 3) % 10
            return born.replace(year=born.year - tens * 10 + other * 10)
        if slip == "year_one_out":
            return born.replace(year=born.year + 1)
    return None


def with_date_slips(pairs: list[dict]) -> list[dict]:
    """The same-person pairs asked with the right date, asked again with the date slipped."""
    found = []
    for p in pairs:
        if p["label"] != "same" or p["query_identifier"]:
            continue
        if p["query_date_of_birth"] != p["record_date_of_birth"]:
            continue
        slip = SLIPS[int(p["pair_id"]) % len(SLIPS)]
        asked = slipped(date.fromisoformat(p["query_date_of_birth"]), slip)
        if asked:
            found.append(
                {**p, "kind": f"{slip} + {p['kind']}", "query_date_of_birth": asked.isoformat()}
            )
    return found


async def _outcomes(cluster, template_url, pairs, crowd):
    conn = await connect(await new_database(cluster, template_url))
    try:
        drivers = await quality.load_register(conn, pairs, crowd)
        asked = with_date_slips(pairs)
        return [(p, drivers[p["pair_id"]], await quality.run_query(conn, p)) for p in asked]
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def outcomes(cluster, template_url):
    one, two = first.load_pairs(), hard.load_pairs()
    return await _outcomes(cluster, template_url, one, first.distractors(one)) + await _outcomes(
        cluster, template_url, two, hard.crowd(two)
    )


def test_a_name_variation_with_a_mistyped_date_is_still_found_in_the_top_5(outcomes):
    figures = quality.measure(outcomes)
    by_slip: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for pair, record, top in outcomes:
        slip = pair["kind"].split(" + ")[0]
        by_slip[slip][0] += any(m.driver_id == record for m in top)
        by_slip[slip][1] += 1
    print("\n" + quality.report(figures))
    for slip, (found, total) in sorted(by_slip.items()):
        print(f"  {slip:14} recall@5 {found / total:.3f} ({found}/{total})")
    assert len(outcomes) >= 400
    assert set(by_slip) == set(SLIPS)
    assert figures["recall"] >= quality.FLOORS["recall"]
    assert all(found / total >= 0.90 for found, total in by_slip.values())
