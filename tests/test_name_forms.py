"""Forenames the nickname lists lack: Welsh forms, Punjabi and Sikh short names, Polish
familiar forms and English equivalents of Eastern European forenames
(registry/data/name_forms.txt). Each probe is an officer's search with the surname and date
of birth right and the forename in another form; the driver must be in the top five."""

from __future__ import annotations

from datetime import date

import pytest

from registry import search
from registry.names import FORMS, equivalent_pairs
from tests.factories import make_driver

BORN = date(1984, 2, 9)
# (the forename on the record, the surname, the forename an officer searches)
PROBES = [
    ("Dafydd", "Jones", "Dai"),  # an officer in Cardiff searches Dai Jones
    ("Dafydd", "Roberts", "David"),
    ("Gwilym", "Evans", "William"),
    ("Ioan", "Hughes", "John"),
    ("Sion", "Pritchard", "John"),
    ("Wojciech", "Nowak", "Wojtek"),
    ("Małgorzata", "Kowalska", "Gosia"),
    ("Katarzyna", "Wiśniewska", "Kasia"),
    ("Piotr", "Zieliński", "Peter"),
    ("Krzysztof", "Lewandowski", "Christopher"),
    ("Jan", "Kamiński", "John"),
    ("Gurpreet", "Sandhu", "Preet"),
    ("Harjinder", "Gill", "Harry"),
    ("Istvan", "Nagy", "Stephen"),
]


def test_the_curated_forms_load_in_both_directions():
    pairs = equivalent_pairs(FORMS)
    assert ("DAI", "DAFYDD") in pairs and ("DAFYDD", "DAI") in pairs
    assert ("GOSIA", "MALGORZATA") in pairs and ("HARJINDER", "HARRY") in pairs
    assert all(a.isalpha() and a.isupper() for pair in pairs for a in pair)


@pytest.mark.parametrize(("recorded", "surname", "searched"), PROBES)
async def test_an_officer_finds_a_driver_searched_under_another_form_of_the_forename(
    conn, recorded, surname, searched
):
    driver = await make_driver(
        conn, forenames=recorded, surname=surname, date_of_birth=BORN, recorded_by="Cardiff"
    )
    outcome = await search.search_by_name(
        conn, searched, surname, BORN, enquirer=search.Enquirer(None, None, "renewal", "R1")
    )
    assert driver in [m.driver_id for m in outcome.matches[:5]], (searched, recorded)
    [found] = [m for m in outcome.matches if m.driver_id == driver]
    assert any(r.startswith("forename a known variant or nickname") for r in found.reasons)
    assert found.band == "strong"
