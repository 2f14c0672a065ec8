"""Identity changes respect ownership: the authorities with a current licence or a register
entry change a driver's identity; any other authority proposes, one of them accepts or
rejects; every change tells the other authorities with an interest, and old names and numbers
still find the driver, marked as former.
"""

from __future__ import annotations

import pytest

from alerts.rules import queue_all_new_alerts
from tests.factories import authority_id, make_driver, make_licence, make_user

OLD_GB = "WALKE805176S99AB"
NEW_GB = "WALKE805176S98AB"
WHY = {"purpose": "renewal", "case_reference": "LIC/2026/001"}


@pytest.fixture
def client(api_client):
    """The whole service in-process (tests/conftest.py's api_client)."""
    return api_client


@pytest.fixture
async def register(conn):
    """A driver licensed by Sheffield, with a Rotherham licence too and a home in Leeds."""
    driver = await make_driver(
        conn, recorded_by="Sheffield", home="Leeds", gb_licence_number=OLD_GB
    )
    await make_licence(conn, driver, authority="Sheffield")
    await make_licence(conn, driver, authority="Rotherham")
    return {
        "driver": driver,
        "sheffield": await make_user(conn, authority="Sheffield"),
        "rotherham": await make_user(conn, authority="Rotherham"),
        "doncaster": await make_user(conn, authority="Doncaster"),
        "barnsley": await make_user(conn, authority="Barnsley"),
    }


async def alerts_about(conn, driver) -> dict[int, str]:
    await queue_all_new_alerts(conn)
    rows = await conn.fetch(
        """SELECT a.recipient_authority_id, a.kind FROM alert a
           JOIN register_event e ON e.id = a.event_id
           WHERE e.driver_id = $1 AND a.kind = 'identity_changed'""",
        int(driver),
    )
    return {r["recipient_authority_id"]: r["kind"] for r in rows}


async def test_after_sheffield_corrects_a_gb_licence_number_rotherhams_search_with_the_old_number_still_finds_the_driver(
    client, conn, register
):
    driver, sheffield, rotherham = register["driver"], register["sheffield"], register["rotherham"]
    corrected = await client.patch(
        f"/api/v1/drivers/{driver.public}",
        json={"gb_licence_number": NEW_GB},
        headers=sheffield["headers"],
    )
    assert corrected.status_code == 200, corrected.text

    found = await client.post(
        "/api/v1/searches", json={**WHY, "identifier": OLD_GB}, headers=rotherham["headers"]
    )
    assert found.status_code == 200
    [result] = found.json()["results"]
    assert result["driver"]["driver_id"] == str(driver.public)
    assert result["driver"]["gb_licence_number"] == NEW_GB
    assert result["match"]["band"] == "exact"
    assert "former GB driving licence number" in result["match"]["reasons"][0]
    # the new number finds them as now
    now = await client.post(
        "/api/v1/searches", json={**WHY, "identifier": NEW_GB}, headers=rotherham["headers"]
    )
    [current] = now.json()["results"]
    assert current["match"]["reasons"] == ["GB driving licence number identical"]

    # and Rotherham (a licence) and Leeds (the home) are told; Sheffield is not told of its own
    told = await alerts_about(conn, driver)
    assert set(told) == {
        await authority_id(conn, "Rotherham"),
        await authority_id(conn, "Leeds"),
    }


async def test_another_authority_proposes_and_an_owning_authority_accepts(client, conn, register):
    driver, doncaster, rotherham = register["driver"], register["doncaster"], register["rotherham"]
    direct = await client.patch(
        f"/api/v1/drivers/{driver.public}",
        json={"surname": "Walker-Smith"},
        headers=doncaster["headers"],
    )
    assert direct.status_code == 409
    assert "propose the change" in direct.json()["detail"]

    proposed = await client.post(
        f"/api/v1/drivers/{driver.public}/identity-proposals",
        json={"surname": "Walker-Smith", "reason": "Married in 2025; seen on the DVLA check"},
        headers=doncaster["headers"],
    )
    assert proposed.status_code == 201, proposed.text
    proposal = proposed.json()
    assert proposal["status"] == "pending"
    assert proposal["changes"] == {"surname": "Walker-Smith"}
    assert proposal["current"] == {"surname": "Walker"}
    assert proposal["may_decide"] is False
    assert proposed.headers["location"] == f"/api/v1/identity-proposals/{proposal['id']}"

    waiting = await client.get("/api/v1/identity-proposals", headers=rotherham["headers"])
    [listed] = waiting.json()["items"]
    assert listed["id"] == proposal["id"] and listed["may_decide"] is True

    accepted = await client.post(
        f"/api/v1/identity-proposals/{proposal['id']}/accept",
        json={},
        headers=rotherham["headers"],
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["decided_by"] == "Rotherham"
    row = await conn.fetchrow("SELECT surname FROM driver WHERE id = $1", int(driver))
    assert row["surname"] == "Walker-Smith"
    former = await conn.fetchval(
        "SELECT count(*) FROM driver_name WHERE driver_id = $1 AND kind = 'former' "
        "AND surname = 'Walker'",
        int(driver),
    )
    assert former == 1
    # Sheffield and Leeds are told of the change Rotherham made
    told = await alerts_about(conn, driver)
    assert set(told) == {await authority_id(conn, "Sheffield"), await authority_id(conn, "Leeds")}
    actions = await conn.fetch(
        "SELECT detail ->> 'what' AS what FROM audit_log WHERE subject = $1 ORDER BY id",
        f"identity_proposal:{proposal['id']}",
    )
    assert [a["what"] for a in actions] == [
        "identity_change_proposed",
        "identity_change_accepted",
    ]
    again = await client.post(
        f"/api/v1/identity-proposals/{proposal['id']}/reject",
        json={"note": "Too late"},
        headers=rotherham["headers"],
    )
    assert again.status_code == 409


async def test_another_authoritys_officer_cannot_change_accept_or_reject(client, conn, register):
    driver, doncaster, barnsley = register["driver"], register["doncaster"], register["barnsley"]
    sheffield = register["sheffield"]
    proposed = await client.post(
        f"/api/v1/drivers/{driver.public}/identity-proposals",
        json={"date_of_birth": "1980-05-18", "reason": "The licence application says 18 May"},
        headers=doncaster["headers"],
    )
    proposal_id = proposed.json()["id"]
    before = await conn.fetchrow("SELECT * FROM driver WHERE id = $1", int(driver))

    # the proposer cannot decide its own proposal
    own = await client.post(
        f"/api/v1/identity-proposals/{proposal_id}/accept", json={}, headers=doncaster["headers"]
    )
    assert own.status_code == 409
    # a third authority cannot see, accept or reject it: to them it does not exist
    for attempt in (
        client.get(f"/api/v1/identity-proposals/{proposal_id}", headers=barnsley["headers"]),
        client.post(
            f"/api/v1/identity-proposals/{proposal_id}/accept", json={}, headers=barnsley["headers"]
        ),
        client.post(
            f"/api/v1/identity-proposals/{proposal_id}/reject",
            json={"note": "No"},
            headers=barnsley["headers"],
        ),
    ):
        assert (await attempt).status_code == 404
    unseen = await client.get(
        f"/api/v1/drivers/{driver.public}/identity-proposals", headers=barnsley["headers"]
    )
    assert unseen.json()["items"] == []
    # nor change the identity directly
    patched = await client.patch(
        f"/api/v1/drivers/{driver.public}",
        json={"date_of_birth": "1980-05-18"},
        headers=barnsley["headers"],
    )
    assert patched.status_code == 409
    assert await conn.fetchrow("SELECT * FROM driver WHERE id = $1", int(driver)) == before

    # an owner proposing is told to change it directly
    owner = await client.post(
        f"/api/v1/drivers/{driver.public}/identity-proposals",
        json={"surname": "Walker-Jones", "reason": "x"},
        headers=sheffield["headers"],
    )
    assert owner.status_code == 409


async def test_a_rejection_needs_a_note_and_changes_nothing(client, conn, register):
    driver, doncaster, sheffield = register["driver"], register["doncaster"], register["sheffield"]
    proposed = await client.post(
        f"/api/v1/drivers/{driver.public}/identity-proposals",
        json={"gb_licence_number": None, "reason": "The number is not his"},
        headers=doncaster["headers"],
    )
    proposal_id = proposed.json()["id"]
    no_note = await client.post(
        f"/api/v1/identity-proposals/{proposal_id}/reject", json={}, headers=sheffield["headers"]
    )
    assert no_note.status_code == 422
    assert no_note.json()["errors"][0]["field"] == "note"
    rejected = await client.post(
        f"/api/v1/identity-proposals/{proposal_id}/reject",
        json={"note": "Checked with DVLA: the number is his"},
        headers=sheffield["headers"],
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert (
        await conn.fetchval("SELECT gb_licence_number FROM driver WHERE id = $1", int(driver))
        == OLD_GB
    )
    # the proposer sees the outcome and the note
    seen = await client.get(
        f"/api/v1/identity-proposals/{proposal_id}", headers=doncaster["headers"]
    )
    assert seen.json()["decision_note"] == "Checked with DVLA: the number is his"
    assert await alerts_about(conn, driver) == {}


async def test_a_proposal_must_change_something_and_say_why(client, conn, register):
    driver, doncaster = register["driver"], register["doncaster"]
    same = await client.post(
        f"/api/v1/drivers/{driver.public}/identity-proposals",
        json={"surname": "Walker", "reason": "x"},
        headers=doncaster["headers"],
    )
    assert same.status_code == 422
    no_reason = await client.post(
        f"/api/v1/drivers/{driver.public}/identity-proposals",
        json={"surname": "Walkers"},
        headers=doncaster["headers"],
    )
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "reason"
    address = await client.post(
        f"/api/v1/drivers/{driver.public}/identity-proposals",
        json={"postcode": "S1 1AA", "reason": "x"},
        headers=doncaster["headers"],
    )
    assert address.status_code in (400, 422)


async def test_a_proposal_carries_the_drivers_identity_fields_and_nothing_else(
    client, conn, register
):
    from registry import drivers
    from registry.identity_proposals import FIELD_WORDS, ProposedIdentityChange

    proposable = set(ProposedIdentityChange.__struct_fields__) - {"reason"}
    assert proposable == set(drivers.IDENTITY_FIELDS) == set(FIELD_WORDS)
    # the address is any officer's to change, so it is never proposed
    answer = await client.post(
        f"/api/v1/drivers/{register['driver'].public}/identity-proposals",
        json={"address": "1 High Street", "reason": "Moved"},
        headers=register["doncaster"]["headers"],
    )
    assert answer.status_code in (400, 422)
    assert await conn.fetchval("SELECT count(*) FROM identity_proposal") == 0
