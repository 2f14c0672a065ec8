"""Attack story: an officer tries to reach other authorities' private records by id.

Each attempt is answered 404, exactly as for a record that does not exist, and leaves a
'refused' row in the officer's authority's audit log naming the route and the id asked for and
nothing else, which its data protection officer reads (docs/security.md V4).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from registry.today import london_today
from tests.factories import make_driver, make_entry, make_licence, make_user, service_client
from tests.pages.conftest import make_account, signed_in

PURPOSE = {"purpose": "enforcement", "case_reference": "ENF-1"}
NARRATIVE = "Refused on the evidence of Ms Private Witness"


@pytest.fixture
async def client(db_url):
    async with service_client(db_url) as client:
        yield client


async def test_an_officer_refused_other_authorities_records_is_told_nothing_and_their_dpo_sees_it(
    client, conn
):
    sheffield = await make_user(conn, authority="Sheffield")
    rotherham = await make_user(conn, authority="Rotherham")
    bolton = await make_user(conn, authority="Bolton")
    dpo = await make_user(conn, role="dpo", authority="Bolton")
    driver = await make_driver(conn, surname="Hallam", recorded_by="Sheffield")
    other = await make_driver(conn, surname="Hallamshire", recorded_by="Rotherham")
    await make_licence(conn, driver, authority="Sheffield")
    entry = await make_entry(conn, driver, authority="Sheffield", narrative=NARRATIVE)
    concern = await client.post(
        "/api/v1/concerns",
        headers=rotherham["headers"],
        json={
            "driver_id": driver.public,
            "recipient_authority": "E08000019",
            "categories": ["harm"],
            "narrative": "Seen driving a child home alone",
            "became_aware_on": (london_today() - timedelta(days=1)).isoformat(),
        },
    )
    request = await client.post(
        "/api/v1/information-requests",
        headers=rotherham["headers"],
        json={
            "entry_id": entry,
            "case_reference": "R-1",
            "requested_on": london_today().isoformat(),
        },
    )
    pair = await conn.fetchval(
        """INSERT INTO possible_duplicate (driver_a, driver_b, probability, weight, evidence,
                                           raised_by)
           VALUES ($1, $2, 0.9, 3.2, '[]', 'job') RETURNING id""",
        min(driver, other),
        max(driver, other),
    )
    guess = str(uuid.uuid4())
    attempts = {
        "narrative": f"/api/v1/register-entries/{entry}",
        "concern": f"/api/v1/concerns/{concern.json()['id']}",
        "request": f"/api/v1/information-requests/{request.json()['id']}",
        "duplicate": f"/api/v1/possible-duplicates/{pair}",
        "guessed driver": f"/api/v1/drivers/{guess}",
    }
    nothing_there = {
        "narrative": "/api/v1/register-entries/2000000000",
        "concern": "/api/v1/concerns/2000000000",
        "request": "/api/v1/information-requests/2000000000",
        "duplicate": "/api/v1/possible-duplicates/2000000000",
        "guessed driver": f"/api/v1/drivers/{uuid.uuid4()}",
    }

    answers = {
        what: await client.get(path, params=PURPOSE, headers=bolton["headers"])
        for what, path in attempts.items()
    }
    logged = await conn.fetch(
        "SELECT user_id, authority_id, subject, detail::text AS detail FROM audit_log"
        " WHERE action = 'refused' ORDER BY id"
    )
    absent = {
        what: await client.get(path, params=PURPOSE, headers=bolton["headers"])
        for what, path in nothing_there.items()
    }
    dpo_view = await client.get(
        "/api/v1/audit", params={"action": "refused"}, headers=dpo["headers"]
    )
    own = await client.get(f"/api/v1/register-entries/{entry}", headers=sheffield["headers"])

    assert {what: a.status_code for what, a in answers.items()} == dict.fromkeys(attempts, 404)
    for what, answer in answers.items():
        assert answer.json() == absent[what].json(), what  # the same 404 as for nobody
        assert "Hallam" not in answer.text and "Witness" not in answer.text
    assert [(r["user_id"], r["authority_id"]) for r in logged] == [
        (bolton["id"], bolton["authority_id"])
    ] * 5
    assert [r["subject"] for r in logged] == [
        "/api/v1/register-entries/{entry_id}",
        "/api/v1/concerns/{concern_id}",
        "/api/v1/information-requests/{request_id}",
        "/api/v1/possible-duplicates/{pair_id}",
        "/api/v1/drivers/{driver_id}",
    ]
    for row in logged:  # the ids asked for, and no personal data
        assert "Hallam" not in row["detail"] and "Witness" not in row["detail"]
        assert "child" not in row["detail"]
    assert guess in logged[-1]["detail"]
    assert dpo_view.status_code == 200
    assert len(dpo_view.json()["items"]) == 10  # five refused records, five that do not exist
    assert own.status_code == 200  # Sheffield reads its own entry, unrefused


async def test_a_guessed_record_page_is_refused_and_audited(db_url, conn):
    account = await make_account(conn, authority="Bolton")
    guess = str(uuid.uuid4())
    async with signed_in(db_url, account) as client:
        page = await client.get(f"/drivers/{guess}", params=PURPOSE)

    assert page.status_code == 404
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'refused' AND user_id = $1"
            " AND detail->'ids'->>'driver_id' = $2",
            account["id"],
            guess,
        )
        == 1
    )
