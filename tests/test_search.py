"""Officers search the register and open records: the stories, the narrative rule, the audit."""

import uuid
from datetime import date, timedelta

import pytest

from registry import audit_log, records, search
from registry.identifiers import gb_licence_for
from registry.today import london_today
from tests.factories import (
    make_concern,
    make_driver,
    make_entry,
    make_licence,
    make_request,
    make_user,
)

WHY = {"purpose": "new_application", "case_reference": "ROTH/2025/0042"}


@pytest.fixture
def client(api_client):
    """The whole service in-process (tests/conftest.py's api_client)."""
    return api_client


async def find(client, officer, **body):
    response = await client.post(
        "/api/v1/searches", json={**WHY, **body}, headers=officer["headers"]
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_an_officer_in_rotherham_finds_a_driver_refused_in_sheffield_under_another_spelling(
    client, conn
):
    driver = await make_driver(
        conn,
        forenames="Mohammed",
        surname="Khan",
        date_of_birth=date(1984, 3, 9),
        recorded_by="Sheffield",
    )
    await make_entry(
        conn,
        driver,
        authority="Sheffield",
        decision="refused",
        categories=("sexual_offence",),
        narrative="Disclosed on the enhanced DBS check.",
    )
    await make_licence(conn, driver, authority="Wolverhampton")
    officer = await make_user(conn, authority="Rotherham")

    found = await find(
        client, officer, forenames="Muhammad", surname="KHAN", date_of_birth="09/03/1984"
    )

    [result] = found["results"]
    # a spelling that only sounds the same is a possible match (twins may too), with each
    # reason's weight in words
    assert result["match"]["band"] == "possible"
    assert [reason.split(":")[0] for reason in result["match"]["reasons"]] == [
        "same date of birth",
        "surname identical",
        "forename sounds the same (a spelling or transliteration variant)",
    ]
    assert result["match"]["reasons"][0].startswith("same date of birth: counts strongly for")
    assert result["driver"]["driver_id"] == driver.public
    [entry] = result["driver"]["entries"]
    assert entry["decision"] == "refused"
    assert entry["recording_authority"]["name"] == "Sheffield"
    assert "Sheffield" in entry["information_contact"]
    assert "narrative" not in entry
    assert [lic["authority"]["name"] for lic in result["driver"]["licences"]] == ["Wolverhampton"]


async def test_identifier_search_tolerates_spaces_lower_case_and_the_issue_number(client, conn):
    number = gb_licence_for("Walker", "Stephen John", date(1980, 5, 17), "M")
    driver = await make_driver(conn, gb_licence_number=number, ni_number="AB123456C")
    officer = await make_user(conn)
    typed = f"{number[:5].lower()} {number[5:11]} {number[11:]} 03"

    by_licence = await find(client, officer, identifier=typed)
    by_ni = await find(client, officer, identifier="ab 12 34 56 c")

    for found, words in (
        (by_licence, "GB driving licence number identical"),
        (by_ni, "National Insurance number identical"),
    ):
        [result] = found["results"]
        assert result["driver"]["driver_id"] == driver.public
        assert result["match"] == {"score": 100, "band": "exact", "reasons": [words]}
        assert found["kind"] == "identifier"


async def test_a_licence_number_nobody_holds_still_finds_the_driver_it_encodes(client, conn):
    old = gb_licence_for("Walker", "Sarah", date(1990, 2, 3), "F")
    new = gb_licence_for("Walker-Hughes", "Sarah", date(1990, 2, 3), "F", check="BB")
    driver = await make_driver(
        conn,
        forenames="Sarah",
        surname="Walker-Hughes",
        sex="F",
        date_of_birth=date(1990, 2, 3),
        gb_licence_number=new,
        former=(("Sarah", "Walker"),),
    )
    officer = await make_user(conn)

    [result] = (await find(client, officer, identifier=old))["results"]

    assert result["driver"]["driver_id"] == driver.public
    assert result["match"]["band"] == "possible"
    assert "no driver holds this GB licence number" in result["match"]["reasons"]


async def test_a_search_needs_a_purpose_and_a_case_reference_and_names_every_bad_field(
    client, conn
):
    officer = await make_user(conn)
    response = await client.post(
        "/api/v1/searches",
        headers=officer["headers"],
        json={"purpose": "curiosity", "forenames": " ", "date_of_birth": "31/02/1980"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["purpose", "case_reference", "forenames", "surname", "date_of_birth"]
    assert "31/02" not in response.text


async def test_control_characters_are_field_errors_not_server_errors(client, conn):
    officer = await make_user(conn)
    response = await client.post(
        "/api/v1/searches",
        headers=officer["headers"],
        json={
            "purpose": "renewal",
            "case_reference": "A\x00B",
            "forenames": "Ann\x00",
            "surname": "Lee",
            "date_of_birth": "1980-01-01",
        },
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["case_reference", "forenames"]
    driver = await make_driver(conn)
    opened = await client.get(
        f"/api/v1/drivers/{driver.public}",
        headers=officer["headers"],
        params={"purpose": "renewal", "case_reference": "A\x00B"},
    )
    assert opened.status_code == 422


async def test_a_malformed_identifier_is_a_field_error_that_does_not_echo_it(client, conn):
    officer = await make_user(conn)
    response = await client.post(
        "/api/v1/searches", headers=officer["headers"], json={**WHY, "identifier": "QQ12345"}
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "identifier"
    assert "QQ12345" not in response.text


async def test_only_licensing_officers_may_search(client, conn):
    analyst = await make_user(conn, role="dft_analyst", authority=None)
    response = await client.post(
        "/api/v1/searches", headers=analyst["headers"], json={**WHY, "identifier": "QQ123456C"}
    )
    assert response.status_code == 403
    assert (
        await client.post("/api/v1/searches", json={**WHY, "identifier": "QQ123456C"})
    ).status_code == 401


async def test_every_search_is_audited_with_one_row_per_driver_returned_and_no_personal_data(
    client, conn
):
    born = date(1975, 11, 2)
    first = await make_driver(conn, forenames="Stephen", surname="Walker", date_of_birth=born)
    second = await make_driver(conn, forenames="Steven", surname="Walker", date_of_birth=born)
    officer = await make_user(conn)

    found = await find(
        client, officer, forenames="Stephen", surname="Walker", date_of_birth="1975-11-02"
    )
    nobody = await find(
        client, officer, forenames="Ada", surname="Lovelace", date_of_birth="1975-11-02"
    )

    rows = await conn.fetch(
        "SELECT * FROM audit_log WHERE search_id = $1 ORDER BY driver_id",
        __import__("uuid").UUID(found["search_id"]),
    )
    assert [r["driver_id"] for r in rows] == sorted([first, second])
    for row in rows:
        assert (row["action"], row["purpose"], row["case_reference"], row["subject"]) == (
            "search",
            "new_application",
            "ROTH/2025/0042",
            "name",
        )
        assert (row["user_id"], row["authority_id"]) == (officer["id"], officer["authority_id"])
        assert row["detail"] == '{"results": 2}'
    [empty] = await conn.fetch(
        "SELECT * FROM audit_log WHERE search_id = $1", __import__("uuid").UUID(nobody["search_id"])
    )
    assert empty["driver_id"] is None and empty["detail"] == '{"results": 0}'
    assert nobody["results"] == []
    assert (
        await conn.fetchval("SELECT count(*) FROM audit_log WHERE detail::text ILIKE '%walker%'")
        == 0
    )


async def test_the_narrative_is_shown_only_to_the_recording_authority_or_after_a_granted_request(
    client, conn
):
    driver = await make_driver(conn, recorded_by="Sheffield")
    entry = await make_entry(
        conn, driver, authority="Sheffield", narrative="Assault on a passenger."
    )
    sheffield = await make_user(conn, authority="Sheffield")
    rotherham = await make_user(conn, authority="Rotherham")
    leeds = await make_user(conn, authority="Leeds")

    async def narrative(officer):
        response = await client.get(
            f"/api/v1/drivers/{driver.public}", params=WHY, headers=officer["headers"]
        )
        assert response.status_code == 200, response.text
        return [e["narrative"] for e in response.json()["entries"]]

    assert await narrative(sheffield) == ["Assault on a passenger."]
    assert await narrative(rotherham) == [None]
    request_id = await make_request(conn, entry, requester="Rotherham", case_reference="ROTH/1")
    assert await narrative(rotherham) == [None]
    await conn.execute(
        "UPDATE information_request SET status = 'granted', responded_on = current_date "
        "WHERE id = $1",
        request_id,
    )
    assert await narrative(rotherham) == ["Assault on a passenger."]
    assert await narrative(leeds) == [None]


async def test_another_authoritys_entry_looks_the_same_whether_or_not_it_has_a_narrative(
    client, conn
):
    with_story = await make_driver(conn, forenames="Adam", surname="Smith", recorded_by="Sheffield")
    without = await make_driver(conn, forenames="Brian", surname="Smith", recorded_by="Sheffield")
    await make_entry(conn, with_story, authority="Sheffield", narrative="Details.")
    await make_entry(conn, without, authority="Sheffield", narrative="")
    rotherham = await make_user(conn, authority="Rotherham")

    shapes = []
    for driver in (with_story, without):
        body = (
            await client.get(
                f"/api/v1/drivers/{driver.public}", params=WHY, headers=rotherham["headers"]
            )
        ).json()
        [entry] = body["entries"]
        shapes.append((sorted(entry), entry["narrative"], entry["changes"], entry["your_requests"]))
    assert shapes[0] == shapes[1]


async def test_concerns_are_seen_only_by_the_reporting_and_receiving_authorities(client, conn):
    driver = await make_driver(conn, recorded_by="Wolverhampton")
    await make_concern(
        conn,
        driver,
        reporter="Rotherham",
        recipient="Wolverhampton",
        narrative="Seen by police.",
        reported_on=london_today() - timedelta(days=1),
    )
    seen = {}
    for name in ("Rotherham", "Wolverhampton", "Leeds"):
        officer = await make_user(conn, authority=name)
        body = (
            await client.get(
                f"/api/v1/drivers/{driver.public}", params=WHY, headers=officer["headers"]
            )
        ).json()
        seen[name] = [c["narrative"] for c in body["concerns"]]
    assert seen == {
        "Rotherham": ["Seen by police."],
        "Wolverhampton": ["Seen by police."],
        "Leeds": [],
    }


async def test_opening_a_record_needs_a_purpose_and_is_audited(client, conn):
    driver = await make_driver(conn)
    officer = await make_user(conn)

    missing = await client.get(f"/api/v1/drivers/{driver.public}", headers=officer["headers"])
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == ["purpose", "case_reference"]
    assert await conn.fetchval("SELECT count(*) FROM audit_log WHERE action = 'view_driver'") == 0

    opened = await client.get(
        f"/api/v1/drivers/{driver.public}",
        params={**WHY, "purpose": "enforcement"},
        headers=officer["headers"],
    )
    assert opened.status_code == 200
    row = await conn.fetchrow("SELECT * FROM audit_log WHERE action = 'view_driver'")
    assert (row["driver_id"], row["purpose"], row["case_reference"], row["user_id"]) == (
        driver,
        "enforcement",
        "ROTH/2025/0042",
        officer["id"],
    )


async def test_an_unknown_driver_is_not_found(client, conn):
    officer = await make_user(conn)
    for driver_id in (999999, 2**70, uuid.uuid4()):
        response = await client.get(
            f"/api/v1/drivers/{driver_id}", params=WHY, headers=officer["headers"]
        )
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")


# --- the variant kinds, one story each ------------------------------------------------------


def said(match, reason: str) -> bool:
    """Whether a match gives this reason (each reason ends with its weight in words)."""
    return any(r == reason or r.startswith(reason + ": ") for r in match.reasons)


# Names that only sound or are spelt alike are possible matches, never strong: twins, siblings
# and families with rhyming surnames agree that way too (registry/match STRONG_LEVELS).
LOOKALIKE_REASONS = {
    "forename sounds the same (a spelling or transliteration variant)",
    "surname sounds the same",
    "surname one letter different or two letters swapped",
}

VARIANTS = [
    # (recorded forenames, surname, searched forenames, surname, searched date shift, reason expected)
    (
        "Mohammed",
        "Khan",
        "Mohammad",
        "Khan",
        "same",
        "forename sounds the same (a spelling or transliteration variant)",
    ),
    (
        "Yusuf",
        "Patel",
        "Yousaf",
        "Patel",
        "same",
        "forename sounds the same (a spelling or transliteration variant)",
    ),
    (
        "Stephen",
        "Walker",
        "Steven",
        "Walker",
        "same",
        "forename a known variant or nickname",  # nam_dict.txt has Steven for Stephen
    ),
    (
        "Catherine",
        "Hughes",
        "Kathryn",
        "Hughes",
        "same",
        "forename sounds the same (a spelling or transliteration variant)",
    ),
    ("William", "Roberts", "Bill", "Roberts", "same", "forename a known variant or nickname"),
    (
        "Sean",
        "O'Neill",
        "Sean",
        "ONeill",
        "same",
        "surname the same apart from punctuation or spacing",
    ),
    (
        "Emma",
        "Smith-Jones",
        "Emma",
        "Smith Jones",
        "same",
        "surname the same apart from punctuation or spacing",
    ),
    (
        "Emma",
        "Smith-Jones",
        "Emma",
        "Jones",
        "same",
        "surname shares a part of a double-barrelled or hyphenated name",
    ),
    ("Mohammed Ali", "Khan", "Mohammed", "Khan", "same", "a middle name on one record only"),
    ("Mohammed", "Khan", "Mohammed Ali", "Khan", "same", "a middle name on one record only"),
    ("Mohammed Ali", "Khan", "M A", "Khan", "same", "forename given as an initial that agrees"),
    ("Peter", "Nowak", "Peter", "Nowak", "swapped", "date of birth with day and month swapped"),
    ("Imran", "Hussain", "Imran", "Husain", "same", "surname sounds the same"),
    (
        "Muhammed",
        "Hussein",
        "Husain",
        "Mohammed",
        "same",
        "forename and surname the other way round",
    ),
    ("Bilal", "Ahmed-Shah", "Shah", "Bilal", "same", "forename and surname the other way round"),
    (
        "Mohamed Anthony",
        "Williams",
        "MA",
        "Williams",
        "same",
        "forenames given as initials that agree (MA for Mohammed Ali)",
    ),
    (
        "Abdulrahman",
        "Miah",
        "Abdur Rahman",
        "Miah",
        "same",
        "forenames the same when run together (Abdul Rahman, Abdulrahman, Abdur Rahman)",
    ),
    ("Catherine", "Smith", "Kate", "Smith", "same", "forename a known variant or nickname"),
    # a Polish and a Russian short form (the equivalent names of nam_dict.txt)
    ("Arkadiusz", "Nowak", "Arek", "Nowak", "same", "forename a known variant or nickname"),
    ("Pyotr", "Ivanov", "Petya", "Ivanov", "same", "forename a known variant or nickname"),
    (
        "Siobhan",
        "Murphy",
        "Shivaun",
        "Murphy",
        "same",
        "forename sounds the same (a spelling or transliteration variant)",
    ),
    # a Punjabi spelling pair the project's own name list (registry/data/name_forms.txt) knows
    ("Jaswinder", "Sandhu", "Jasvinder", "Sandhu", "same", "forename a known variant or nickname"),
    (
        "Peter",
        "Barker",
        "Peter",
        "Bakrer",
        "same",
        "surname one letter different or two letters swapped",
    ),
]


@pytest.mark.parametrize("recorded_f, recorded_s, searched_f, searched_s, dob, reason", VARIANTS)
async def test_the_same_person_is_found_under_another_spelling(
    conn, recorded_f, recorded_s, searched_f, searched_s, dob, reason
):
    born = date(1981, 4, 7)
    target = await make_driver(conn, forenames=recorded_f, surname=recorded_s, date_of_birth=born)
    await make_driver(conn, forenames="Tariq", surname="Mahmood", date_of_birth=born)
    asked = search.swapped(born) if dob == "swapped" else born
    outcome = await search.search_by_name(
        conn,
        searched_f,
        searched_s,
        asked,
        enquirer=audit_log.Enquirer(None, None, "renewal", "R1"),
    )
    assert outcome.matches[0].driver_id == target
    assert outcome.matches[0].band == ("possible" if reason in LOOKALIKE_REASONS else "strong")
    assert said(outcome.matches[0], reason)
    assert len(outcome.matches) == 1


POSSIBLE = [
    # (recorded forenames, surname, date of birth, searched forenames, surname, date, reason expected)
    (
        "Harpreet Kaur",
        "Mann",
        date(1977, 1, 13),
        "Harpreet",
        "Kaur",
        date(1977, 1, 13),
        "surname given is a forename on the other record (Singh or Kaur as the surname, or names in another order)",
    ),
    (
        "Mohammed Imran",
        "Khan",
        date(1985, 6, 7),
        "Imran",
        "Mohammed",
        date(1985, 6, 7),
        "surname given is a forename on the other record (Singh or Kaur as the surname, or names in another order)",
    ),
    (
        "Zainab",
        "Novak",
        date(1991, 7, 13),
        "Zainab",
        "Novak",
        date(1990, 7, 13),
        "year of birth one year out",
    ),
    (  # two variations at once: a nickname and the tens digit of the year mistyped
        "William",
        "Roberts",
        date(1984, 3, 9),
        "Bill",
        "Roberts",
        date(1964, 3, 9),
        "year of birth a decade or more out (tens digit different)",
    ),
    (  # an initial and a slip in the day
        "Tomasz",
        "Kowalski",
        date(1979, 11, 23),
        "T",
        "Kowalski",
        date(1979, 11, 28),
        "date of birth one digit different in the day or month",
    ),
    (
        "Mohammed Abdul",
        "Chaudhry",
        date(1959, 10, 2),
        "Md Abdul",
        "Chaudhry",
        date(1959, 10, 2),
        "forename could be a short form or abbreviation (Raj, Mohd, Wm)",
    ),
    (
        "Eoin",
        "McCarthy",
        date(1995, 9, 24),
        "Owen",
        "McCarthy",
        date(1995, 9, 24),
        "forename sounds alike but is spelt quite differently",
    ),
    (
        "Muhammad",
        "Miya",
        date(2003, 5, 21),
        "Mohammad",
        "Meah",
        date(2003, 5, 21),
        "surname sounds alike but is spelt quite differently",
    ),
]


@pytest.mark.parametrize(
    "recorded_f, recorded_s, born, searched_f, searched_s, asked, reason", POSSIBLE
)
async def test_looser_likenesses_are_offered_as_possible_matches(
    conn, recorded_f, recorded_s, born, searched_f, searched_s, asked, reason
):
    target = await make_driver(conn, forenames=recorded_f, surname=recorded_s, date_of_birth=born)
    outcome = await search.search_by_name(
        conn,
        searched_f,
        searched_s,
        asked,
        enquirer=audit_log.Enquirer(None, None, "renewal", "R1"),
    )
    [match] = outcome.matches
    assert (match.driver_id, match.band) == (target, "possible")
    assert said(match, reason)


async def test_a_twin_with_the_female_form_of_the_name_is_never_a_strong_match(conn):
    born = date(1954, 9, 21)
    sister = await make_driver(conn, forenames="Karima", surname="Mirza", date_of_birth=born)
    brother = await make_driver(conn, forenames="Karim", surname="Mirza", date_of_birth=born)
    outcome = await search.search_by_name(
        conn, "Karim", "Mirza", born, enquirer=audit_log.Enquirer(None, None, "renewal", "R1")
    )
    assert [(m.driver_id, m.band) for m in outcome.matches] == [
        (brother, "strong"),
        (sister, "possible"),
    ]


@pytest.mark.parametrize(
    "father_born, son_born, bands",
    [
        # 25 years apart: no single keying slip, not offered at all
        (date(1960, 4, 2), date(1985, 4, 2), []),
        # 1962 for 1982 could be the tens digit mistyped: possible only
        (date(1962, 4, 2), date(1982, 4, 2), ["possible"]),
    ],
)
async def test_a_father_and_son_with_one_name_and_birthday_are_never_a_strong_match(
    conn, father_born, son_born, bands
):
    father = await make_driver(
        conn, forenames="Mohammed", surname="Khan", date_of_birth=father_born
    )
    outcome = await search.search_by_name(
        conn, "Mohammed", "Khan", son_born, enquirer=audit_log.Enquirer(None, None, "renewal", "R1")
    )
    assert [m.band for m in outcome.matches if m.driver_id == father] == bands


async def test_a_former_surname_finds_the_driver(conn):
    target = await make_driver(
        conn,
        forenames="Sarah",
        surname="Ahmed",
        date_of_birth=date(1979, 1, 30),
        former=(("Sarah", "Thompson"),),
    )
    outcome = await search.search_by_name(
        conn,
        "Sarah",
        "Thompson",
        date(1979, 1, 30),
        enquirer=audit_log.Enquirer(None, None, "renewal", "R1"),
    )
    [match] = outcome.matches
    assert match.driver_id == target and match.band == "strong"
    assert "matched on a former name" in match.reasons


async def test_common_names_with_the_same_date_of_birth_do_not_bury_the_true_match(conn):
    born = date(1990, 6, 15)
    for forenames, surname in [
        ("Mohammed", "Hussain"),
        ("Mohammed", "Ali"),
        ("Mohammed", "Ahmed"),
        ("Muhammad", "Iqbal"),
        ("Mohammad", "Rashid"),
        ("Mohammed", "Akhtar"),
        ("Mohammed Asif", "Khan"),
        ("Imran", "Khan"),
        ("Zahid", "Khan"),
    ]:
        await make_driver(conn, forenames=forenames, surname=surname, date_of_birth=born)
    await make_driver(
        conn, forenames="Mohammed", surname="Khan", date_of_birth=date(1961, 6, 15)
    )  # father
    target = await make_driver(conn, forenames="Muhammad Tariq", surname="Khan", date_of_birth=born)

    outcome = await search.search_by_name(
        conn,
        "Mohammed Tariq",
        "Khan",
        born,
        enquirer=audit_log.Enquirer(None, None, "renewal", "R1"),
    )

    assert outcome.matches[0].driver_id == target
    # Muhammad for Mohammed only sounds the same, so even the true match is possible; nobody
    # else may be strong
    assert all(m.driver_id == target for m in outcome.matches if m.band == "strong")


async def test_a_middle_name_that_differs_is_no_more_than_possible(conn):
    born = date(1988, 2, 20)
    other = await make_driver(conn, forenames="Mohammed Asif", surname="Khan", date_of_birth=born)
    outcome = await search.search_by_name(
        conn, "Mohammed Ali", "Khan", born, enquirer=audit_log.Enquirer(None, None, "renewal", "R1")
    )
    [match] = outcome.matches
    assert (match.driver_id, match.band) == (other, "possible")
    assert said(match, "middle names differ")


async def test_every_search_and_record_statement_prepares_against_the_schema(conn):
    statements = [
        search.NAME_SEARCH,
        *search.IDENTIFIER_SEARCHES.values(),
        records.SUMMARIES,
        records.RECORD,
    ]
    for sql in statements:
        await conn.prepare(sql)


async def test_the_inlined_search_tokens_agree_with_forename_tokens(conn):
    names = [
        "O'Neill",
        "Mary-Jane",
        " - ",
        "",
        "J.R.",
        "Zoë  Ann",
        "Smith–Jones",
        "a|b",
        "Ærø 2nd",
        "x_y",
        "-Ann-",
        "Straße",
        "İbrahim",
        "Anne-  Marie",
        "Van der Berg",
        "St. John",
        "Müller\tKaur",
    ]
    rows = await conn.fetch(
        "SELECT forename_tokens(n) AS a, search_tokens(n) AS b FROM unnest($1::text[]) AS n", names
    )
    assert [r["a"] for r in rows] == [r["b"] for r in rows]


def test_near_dates_are_one_keying_slip_away_the_tens_digit_of_the_year_included():
    born = date(1980, 5, 17)
    near = search.near_dates(born)
    assert (
        date(1980, 5, 71 - 60) in near and date(1980, 5, 18) in near and date(1980, 5, 27) in near
    )
    assert date(1980, 7, 17) in near  # month 05 -> 07
    years = {
        1979,
        1981,
        1988,
        1990,
        1970,
        1908,
    }  # one out, last digit, tens key beside, 80 typed 08
    assert {date(year, 5, 17) for year in years} <= set(near)
    assert {date(1960, 5, 17), date(1950, 5, 17), date(1920, 5, 17)} <= set(near)  # tens digit
    assert born not in near and search.swapped(born) not in near
    two_slips = {born.replace(year=born.year + gap) for gap in (-35, -25, -12, 12, 25, 35)}
    assert not two_slips & set(near)
    assert all(d.year == 1980 or (d.month, d.day) == (5, 17) for d in near)
    assert search.swapped(date(1980, 5, 7)) == date(1980, 7, 5)
    assert search.swapped(date(1980, 5, 17)) is None
    assert search.swapped(date(1980, 5, 5)) is None


def test_a_gb_licence_number_encodes_dates_of_birth_in_the_plausible_century():
    number = gb_licence_for("Walker", "Sarah", date(1990, 2, 3), "F")
    assert search.gb_licence_births(number, today=date(2025, 1, 1)) == [date(1990, 2, 3)]
    young = gb_licence_for("Walker", "Sarah", date(2005, 2, 3), "F")
    assert search.gb_licence_births(young, today=date(2025, 1, 1)) == [date(2005, 2, 3)]
    old = gb_licence_for("Walker", "Sarah", date(1930, 2, 3), "F")
    # 2030 has not come yet, so only 1930 fits
    assert search.gb_licence_births(old, today=date(2025, 1, 1)) == [date(1930, 2, 3)]
    child = gb_licence_for("Walker", "Sarah", date(2012, 2, 3), "F")
    # 12 is too young to drive and 112 too old: neither century is a plausible driver
    assert search.gb_licence_births(child, today=date(2025, 1, 1)) == []
