"""Possible duplicates on the pages: an officer compares two records and decides."""

from __future__ import annotations

import json

from tests.factories import make_driver, make_licence
from tests.pages.conftest import make_account, post_form, sign_in

EVIDENCE = json.dumps(
    [
        {"field": "dob", "level": "same", "words": "same date of birth", "weight": 14.2},
        {"field": "surname", "level": "identical", "words": "surname identical", "weight": 9.1},
        {"field": "forename", "level": "sound", "words": "forename sounds the same", "weight": 6.0},
    ]
)


async def _pair(conn) -> tuple[int, int, int]:
    a = await make_driver(conn, forenames="Stephen", surname="Walkerley")
    b = await make_driver(conn, forenames="Steven", surname="Walkerley", recorded_by="Rotherham")
    await make_licence(conn, a, authority="Sheffield")
    await make_licence(conn, b, authority="Rotherham")
    pair_id = await conn.fetchval(
        "INSERT INTO possible_duplicate (driver_a, driver_b, probability, weight, evidence,"
        " raised_by) VALUES ($1, $2, 0.99, 9.0, $3::jsonb, 'job') RETURNING id",
        a,
        b,
        EVIDENCE,
    )
    return pair_id, a, b


async def test_an_officer_decides_a_pair_is_one_person_and_can_undo_it(client, conn):
    pair_id, _, _ = await _pair(conn)
    officer = await make_account(conn, authority="Rotherham")
    await sign_in(client, officer)
    listed = await client.get("/duplicates")
    assert listed.status_code == 200 and f"/duplicates/{pair_id}" in listed.text
    shown = await client.get(f"/duplicates/{pair_id}")
    assert "Forename sounds the same" in shown.text and "Steven Walkerley" in shown.text
    empty = await post_form(client, f"/duplicates/{pair_id}", {})
    assert empty.status_code == 400 and "There is a problem" in empty.text
    done = await post_form(client, f"/duplicates/{pair_id}", {"decision": "same_person"})
    assert done.status_code == 303
    after = await client.get(done.headers["location"])
    assert "The records are linked as one person." in after.text
    assert await conn.fetchval("SELECT status FROM possible_duplicate WHERE id = $1", pair_id) == (
        "same_person"
    )
    undone = await post_form(
        client, f"/duplicates/{pair_id}/undo", {}, from_path=f"/duplicates/{pair_id}"
    )
    assert undone.status_code == 303
    assert (
        await conn.fetchval("SELECT status FROM possible_duplicate WHERE id = $1", pair_id)
        == "open"
    )


async def test_an_officer_of_an_authority_with_no_interest_sees_nothing(client, conn):
    pair_id, _, _ = await _pair(conn)
    officer = await make_account(conn, authority="Leeds")
    await sign_in(client, officer)
    listed = await client.get("/duplicates")
    assert f"/duplicates/{pair_id}" not in listed.text
    assert (await client.get(f"/duplicates/{pair_id}")).status_code == 404


async def test_a_decision_sent_wrong_is_shown_again_naming_the_choice_and_the_pair_stays_open(
    client, conn
):
    pair_id, _, _ = await _pair(conn)
    officer = await make_account(conn, authority="Rotherham")
    await sign_in(client, officer)

    wrong = await post_form(client, f"/duplicates/{pair_id}", {"decision": "perhaps"})
    mangled = await client.get(f"/duplicates/{2**63}")

    assert wrong.status_code == 400
    assert 'href="#decision"' in wrong.text and "Steven Walkerley" in wrong.text
    assert await conn.fetchval("SELECT status FROM possible_duplicate WHERE id = $1", pair_id) == (
        "open"
    )
    assert mangled.status_code == 404


async def test_an_undo_refused_names_the_decision_page_for_the_browser_history(client, conn):
    """The errors come back from /undo, but Back must later fetch the decision page itself."""
    pair_id, _, _ = await _pair(conn)
    await sign_in(client, await make_account(conn, authority="Rotherham"))
    refused = await post_form(
        client, f"/duplicates/{pair_id}/undo", {}, from_path=f"/duplicates/{pair_id}"
    )
    assert refused.status_code == 400 and "This pair has not been decided" in refused.text
    assert f'data-app-form-address="/duplicates/{pair_id}"' in refused.text
    shown = await client.get(f"/duplicates/{pair_id}")
    assert "data-app-form-address" not in shown.text
