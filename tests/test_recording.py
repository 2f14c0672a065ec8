"""Officers record drivers, licences, register decisions, concerns and information requests
through the API; every invalid field is named, nothing is half-written, retries are safe."""

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

import registry.today
from registry.actor import Actor, acting
from registry.fields import add_years
from registry.identifiers import gb_licence_for
from registry.today import london_today
from registry.workdays import add_working_days
from tests.alerts_support import wait_until
from tests.factories import internal_id, make_driver, make_entry, make_licence, make_user

TODAY = london_today()


@pytest.fixture
def client(api_client):
    """The whole service in-process (tests/conftest.py's api_client)."""
    return api_client


@pytest.fixture
async def rotherham(conn):
    return await make_user(conn, authority="Rotherham")


@pytest.fixture
async def sheffield(conn):
    return await make_user(conn, authority="Sheffield")


async def counts(conn) -> dict:
    row = await conn.fetchrow(
        "SELECT (SELECT count(*) FROM driver) AS drivers, (SELECT count(*) FROM driver_name) AS names,"
        " (SELECT count(*) FROM licence) AS licences, (SELECT count(*) FROM register_event) AS events,"
        " (SELECT count(*) FROM audit_log WHERE action <> 'refused') AS audit,"
        " (SELECT count(*) FROM register_entry) AS entries,"
        " (SELECT count(*) FROM idempotency_key) AS keys"
    )
    return dict(row)


def walker(**extra) -> dict:
    born = date(1980, 5, 17)
    return {
        "forenames": "Stephen John",
        "surname": "Walker",
        "date_of_birth": born.isoformat(),
        "sex": "M",
        "gb_licence_number": gb_licence_for("Walker", "Stephen John", born, "M"),
        "ni_number": "AB 12 34 56 C",
        "address": "1 High Street, Rotherham",
        "postcode": "s60 1aa",
        "home_authority": "E08000018",
        **extra,
    }


async def test_an_officer_records_a_driver_and_the_register_logs_it(client, conn, rotherham):
    response = await client.post("/api/v1/drivers", json=walker(), headers=rotherham["headers"])
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"/api/v1/drivers/{body['id']}"
    assert body["warnings"] == [] and body["possible_duplicates"] == []
    driver_id = await internal_id(conn, body["id"])
    driver = await conn.fetchrow("SELECT * FROM driver WHERE id = $1", driver_id)
    assert driver["ni_number"] == "AB123456C" and driver["postcode"] == "S60 1AA"
    assert (
        await conn.fetchval("SELECT kind FROM driver_name WHERE driver_id = $1", driver_id)
        == "current"
    )
    event = await conn.fetchrow(
        "SELECT kind, actor_user_id FROM register_event WHERE driver_id = $1", driver_id
    )
    assert tuple(event) == ("driver_recorded", rotherham["id"])
    audit = await conn.fetchrow(
        "SELECT action, subject, user_id, detail FROM audit_log WHERE driver_id = $1", driver_id
    )
    assert (audit["action"], audit["subject"], audit["user_id"]) == (
        "change",
        f"driver:{body['id']}",
        rotherham["id"],
    )
    assert "Walker" not in audit["detail"]


async def test_recording_a_driver_whose_licence_number_is_known_answers_409_with_the_record(
    client, conn, rotherham
):
    born = date(1980, 5, 17)
    number = gb_licence_for("Walker", "Stephen", born, "M")
    existing = await make_driver(conn, gb_licence_number=number)
    before = await counts(conn)
    response = await client.post(
        "/api/v1/drivers",
        headers=rotherham["headers"],
        json=walker(gb_licence_number=number.lower(), ni_number=None),
    )
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["existing"] == {
        "kind": "driver",
        "id": existing.public,
        "href": f"/api/v1/drivers/{existing.public}",
    }
    assert problem["errors"][0]["field"] == "gb_licence_number"
    assert number not in response.text
    assert await counts(conn) == before


async def test_a_likely_duplicate_is_flagged_not_refused(client, conn, rotherham):
    existing = await make_driver(
        conn, forenames="Steven", surname="Walker", date_of_birth=date(1980, 5, 17)
    )
    response = await client.post(
        "/api/v1/drivers",
        headers=rotherham["headers"],
        json=walker(gb_licence_number=None, ni_number=None),
    )
    assert response.status_code == 201
    assert [d["driver_id"] for d in response.json()["possible_duplicates"]] == [existing.public]


async def test_a_licence_number_that_disagrees_with_the_person_is_a_warning(client, rotherham):
    number = gb_licence_for("Walker", "Stephen", date(1981, 5, 17), "M")
    response = await client.post(
        "/api/v1/drivers", headers=rotherham["headers"], json=walker(gb_licence_number=number)
    )
    assert response.status_code == 201
    assert any("year of birth" in w for w in response.json()["warnings"])


async def test_invalid_driver_names_every_field_and_writes_nothing(client, conn, rotherham):
    before = await counts(conn)
    response = await client.post(
        "/api/v1/drivers",
        headers=rotherham["headers"],
        json={
            "forenames": "",
            "date_of_birth": "1980-02-30",
            "sex": "X",
            "gb_licence_number": "NOTALICENCE",
            "ni_number": "DQ123456C",
            "postcode": "nowhere",
            "home_authority": "E99999999",
            "eu_licence_number": "ABC123",
        },
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {
        "forenames",
        "surname",
        "date_of_birth",
        "sex",
        "gb_licence_number",
        "ni_number",
        "postcode",
        "home_authority",
        "eu_licence_country",
    }
    assert "NOTALICENCE" not in response.text and "DQ123456C" not in response.text
    assert await counts(conn) == before


async def test_a_driver_recorded_after_an_empty_search_is_linked_to_that_search(
    client, conn, rotherham
):
    import uuid

    search_id = uuid.uuid4()
    async with acting(conn, Actor(rotherham["id"], rotherham["authority_id"])):
        await conn.execute(
            "INSERT INTO audit_entry (user_id, authority_id, action, purpose, case_reference, "
            "search_id) VALUES ($1, $2, 'search', 'new_application', 'APP/1', $3)",
            rotherham["id"],
            rotherham["authority_id"],
            search_id,
        )
    response = await client.post(
        "/api/v1/drivers", headers=rotherham["headers"], json=walker(search_id=str(search_id))
    )
    assert response.status_code == 201
    link = await conn.fetchrow(
        "SELECT purpose, case_reference, driver_id FROM audit_log "
        "WHERE search_id = $1 AND driver_id IS NOT NULL",
        search_id,
    )
    assert tuple(link) == (
        "new_application",
        "APP/1",
        await internal_id(conn, response.json()["id"]),
    )


async def test_another_authoritys_search_id_is_not_accepted(client, conn, rotherham, sheffield):
    import uuid

    search_id = uuid.uuid4()
    async with acting(conn, Actor(sheffield["id"], sheffield["authority_id"])):
        await conn.execute(
            "INSERT INTO audit_entry (user_id, authority_id, action, purpose, case_reference, "
            "search_id) VALUES ($1, $2, 'search', 'renewal', 'X', $3)",
            sheffield["id"],
            sheffield["authority_id"],
            search_id,
        )
    response = await client.post(
        "/api/v1/drivers", headers=rotherham["headers"], json=walker(search_id=str(search_id))
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["search_id"]


async def test_amending_a_driver_moves_their_home_and_keeps_the_old_name(client, conn, rotherham):
    driver_id = await make_driver(
        conn,
        forenames="Sarah",
        surname="Jones",
        sex="F",
        date_of_birth=date(1985, 3, 1),
        home="Sheffield",
        recorded_by="Rotherham",  # no licence or entry anywhere yet: the recorder may rename
    )
    response = await client.patch(
        f"/api/v1/drivers/{driver_id.public}",
        headers=rotherham["headers"],
        json={"surname": "Smith", "home_authority": "E08000018", "postcode": "S60 1AA"},
    )
    assert response.status_code == 200, response.text
    assert sorted(response.json()["changed"]) == ["home_authority", "postcode", "surname"]
    names = await conn.fetch(
        "SELECT kind, surname FROM driver_name WHERE driver_id = $1 ORDER BY kind", driver_id
    )
    assert [tuple(n) for n in names] == [("current", "Smith"), ("former", "Jones")]
    events = await conn.fetch(
        "SELECT kind, authority_id, detail FROM register_event "
        "WHERE driver_id = $1 AND kind IN ('driver_moved', 'driver_amended') ORDER BY id",
        driver_id,
    )
    # the move for the authorities concerned, and the identity change naming its field
    assert [e["kind"] for e in events] == ["driver_moved", "driver_amended"]
    assert {e["authority_id"] for e in events} == {rotherham["authority_id"]}
    assert "surname" in str(events[1]["detail"])


async def test_adding_an_alias_raises_an_event(client, conn, rotherham):
    driver_id = await make_driver(
        conn, forenames="Mohammed", surname="Khan", recorded_by="Rotherham"
    )
    response = await client.post(
        f"/api/v1/drivers/{driver_id.public}/names",
        headers=rotherham["headers"],
        json={"kind": "alias", "forenames": "Muhammad", "surname": "Khan"},
    )
    assert response.status_code == 201
    assert (
        await conn.fetchval("SELECT count(*) FROM driver_name WHERE driver_id = $1", driver_id) == 2
    )
    assert (
        await conn.fetchval(
            "SELECT kind FROM register_event WHERE driver_id = $1 ORDER BY id DESC LIMIT 1",
            driver_id,
        )
        == "driver_amended"
    )
    again = await client.post(
        f"/api/v1/drivers/{driver_id.public}/names",
        headers=rotherham["headers"],
        json={"kind": "alias", "forenames": "Muhammad", "surname": "Khan"},
    )
    assert again.status_code == 409


async def test_a_licence_is_granted_suspended_reinstated_renewed_and_revoked(
    client, conn, rotherham
):
    driver_id = await make_driver(conn)
    h = rotherham["headers"]
    granted = await client.post(
        "/api/v1/licences",
        headers=h,
        json={
            "driver_id": driver_id.public,
            "licence_number": "RB/1",
            "kind": "private_hire",
            "granted_on": (TODAY - timedelta(days=400)).isoformat(),
        },
    )
    assert granted.status_code == 201, granted.text
    licence = granted.json()
    # three years on by default, whatever the day (29 February too)
    assert licence["expires_on"] == add_years(TODAY - timedelta(days=400), 3).isoformat()
    url = f"/api/v1/licences/{licence['id']}/changes"
    for action, status in (
        ("suspended", "suspended"),
        ("reinstated", "current"),
        ("renewed", "current"),
        ("revoked", "revoked"),
    ):
        response = await client.post(url, headers=h, json={"action": action})
        assert response.status_code == 201, (action, response.text)
        assert response.json()["status"] == status
    kinds = [
        r["kind"]
        for r in await conn.fetch(
            "SELECT kind FROM register_event WHERE subject_id = $1 AND kind LIKE 'licence_%' ORDER BY id",
            licence["id"],
        )
    ]
    assert kinds == [
        "licence_granted",
        "licence_suspended",
        "licence_reinstated",
        "licence_renewed",
        "licence_revoked",
    ]
    renewed = await conn.fetchrow(
        "SELECT effective_on, expires_on FROM licence_change "
        "WHERE licence_id = $1 AND action = 'renewed'",
        licence["id"],
    )
    assert renewed["effective_on"] == date.fromisoformat(licence["expires_on"])
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE subject = $1", f"licence:{licence['id']}"
        )
        == 5
    )
    # a revoked licence cannot be reinstated
    refused = await client.post(url, headers=h, json={"action": "reinstated"})
    assert refused.status_code == 409


async def test_surrender_and_expiry(client, conn, rotherham):
    driver_id = await make_driver(conn)
    one = await make_licence(conn, driver_id, authority="Rotherham", kind="private_hire")
    two = await make_licence(conn, driver_id, authority="Rotherham", kind="hackney_carriage")
    h = rotherham["headers"]
    assert (
        await client.post(
            f"/api/v1/licences/{one}/changes", headers=h, json={"action": "surrendered"}
        )
    ).json()["status"] == "surrendered"
    expired = await client.post(
        f"/api/v1/licences/{two}/changes", headers=h, json={"action": "expired"}
    )
    assert expired.json()["status"] == "expired"


async def test_a_licence_longer_than_three_years_names_each_bad_field(client, conn, rotherham):
    driver_id = await make_driver(conn)
    before = await counts(conn)
    response = await client.post(
        "/api/v1/licences",
        headers=rotherham["headers"],
        json={
            "driver_id": driver_id.public,
            "kind": "minicab",
            "granted_on": "2024-01-01",
            "expires_on": "2027-06-01",
        },
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {
        "licence_number",
        "kind",
        "expires_on",
    }
    assert await counts(conn) == before


async def test_another_authoritys_licence_answers_404_like_a_missing_one(client, conn, rotherham):
    driver_id = await make_driver(conn)
    theirs = await make_licence(conn, driver_id, authority="Sheffield")
    before = await counts(conn)
    last_audit = await conn.fetchval("SELECT coalesce(max(id), 0) FROM audit_log")
    h = rotherham["headers"]
    other = await client.post(
        f"/api/v1/licences/{theirs}/changes", headers=h, json={"action": "suspended"}
    )
    missing = await client.post(
        "/api/v1/licences/999999/changes", headers=h, json={"action": "suspended"}
    )
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    assert (await client.get(f"/api/v1/licences/{theirs}", headers=h)).json() == missing.json()
    after = await counts(conn)
    # The only trace is the audit of refused attempts, kept for the data protection officer.
    assert {**after, "audit": 0} == {**before, "audit": 0}
    other_rows = await conn.fetchval(
        "SELECT count(*) FROM audit_log WHERE id > $1 AND action <> 'refused'", last_audit
    )
    assert other_rows == 0
    assert await conn.fetchval("SELECT status FROM licence WHERE id = $1", theirs) == "current"
    # each refusal leaves only a 'refused' row (tests/security/test_refused_attempts.py)
    assert await conn.fetchval("SELECT count(*) FROM audit_log WHERE action = 'refused'") == 3


async def test_a_second_live_licence_of_a_kind_is_a_conflict(client, conn, rotherham):
    driver_id = await make_driver(conn)
    existing = await make_licence(conn, driver_id, authority="Rotherham")
    response = await client.post(
        "/api/v1/licences",
        headers=rotherham["headers"],
        json={
            "driver_id": driver_id.public,
            "licence_number": "NEW/1",
            "kind": "private_hire",
            "granted_on": TODAY.isoformat(),
        },
    )
    assert response.status_code == 409
    assert response.json()["existing"]["id"] == existing


async def test_a_revocation_is_entered_with_its_categories_and_revokes_the_licence(
    client, conn, rotherham
):
    driver_id = await make_driver(conn)
    licence_id = await make_licence(conn, driver_id, authority="Rotherham")
    h = rotherham["headers"]
    response = await client.post(
        "/api/v1/register-entries",
        headers=h,
        json={
            "driver_id": driver_id.public,
            "licence_id": licence_id,
            "decision": "revoked",
            "decided_on": TODAY.isoformat(),
            "categories": ["sexual_offence", "harm"],
            "narrative": "Details held on file.",
        },
    )
    assert response.status_code == 201, response.text
    entry = response.json()
    assert entry["licence_kind"] == "private_hire" and entry["status"] == "in_force"
    assert await conn.fetchval("SELECT status FROM licence WHERE id = $1", licence_id) == "revoked"
    before = london_today()  # the day of the change, should midnight pass while the test runs
    changed = await client.post(
        f"/api/v1/register-entries/{entry['id']}/changes",
        headers=h,
        json={"status": "appeal_allowed", "reason": "Magistrates allowed the appeal"},
    )
    assert changed.status_code == 201
    assert changed.json()["status"] == "appeal_allowed"
    assert changed.json()["status_changed_on"] in {before.isoformat(), london_today().isoformat()}
    kinds = [
        r["kind"]
        for r in await conn.fetch(
            "SELECT kind FROM register_event WHERE driver_id = $1 ORDER BY id", driver_id
        )
    ]
    assert kinds[-3:] == ["entry_recorded", "licence_revoked", "entry_changed"]


async def test_at_half_past_midnight_in_sheffield_a_decision_dated_today_is_not_in_the_future(
    client, conn, rotherham, monkeypatch
):
    """An officer working late at 00:30 BST on 2 July grants a licence and records a refusal,
    both dated that day. The servers' clock says 23:30 UTC on 1 July, but the register's today
    is London's: both are accepted, and a decision dated 3 July is still refused as future.
    (A year ahead, so the machine's own date would call 2 July the future too.)"""
    year = london_today().year + 1
    monkeypatch.setattr(registry.today, "now", lambda: datetime(year, 7, 1, 23, 30, tzinfo=UTC))
    today_in_london = date(year, 7, 2)
    driver_id = await make_driver(conn)
    h = rotherham["headers"]
    granted = await client.post(
        "/api/v1/licences",
        headers=h,
        json={
            "driver_id": driver_id.public,
            "licence_number": "RB/LATE",
            "kind": "hackney_carriage",
            "granted_on": today_in_london.isoformat(),
        },
    )
    assert granted.status_code == 201, granted.text
    assert granted.json()["granted_on"] == today_in_london.isoformat()

    def refusal(day: date) -> dict:
        return {
            "driver_id": driver_id.public,
            "decision": "refused",
            "licence_kind": "private_hire",
            "decided_on": day.isoformat(),
            "categories": ["road_safety"],
        }

    decided = await client.post(
        "/api/v1/register-entries", headers=h, json=refusal(today_in_london)
    )
    assert decided.status_code == 201, decided.text
    assert decided.json()["decided_on"] == today_in_london.isoformat()
    tomorrow = await client.post(
        "/api/v1/register-entries", headers=h, json=refusal(today_in_london + timedelta(days=1))
    )
    assert tomorrow.status_code == 422
    assert [e["field"] for e in tomorrow.json()["errors"]] == ["decided_on"]


async def test_a_decision_without_categories_names_them(client, conn, rotherham):
    driver_id = await make_driver(conn)
    response = await client.post(
        "/api/v1/register-entries",
        headers=rotherham["headers"],
        json={
            "driver_id": driver_id.public,
            "decision": "refused",
            "decided_on": "2999-01-01",
            "categories": ["gossip"],
        },
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {
        "decided_on",
        "categories",
        "licence_kind",
    }


async def test_another_authoritys_entry_cannot_be_changed(client, conn, rotherham):
    entry = await make_entry(conn, await make_driver(conn), authority="Sheffield")
    response = await client.post(
        f"/api/v1/register-entries/{entry}/changes",
        headers=rotherham["headers"],
        json={"status": "withdrawn", "reason": "x"},
    )
    assert response.status_code == 404


async def test_a_concern_is_reported_with_a_working_day_deadline_and_answered(
    client, conn, rotherham, sheffield
):
    driver_id = await make_driver(conn)
    licence_id = await make_licence(conn, driver_id, authority="Sheffield")
    aware = TODAY - timedelta(days=3)
    response = await client.post(
        "/api/v1/concerns",
        headers=rotherham["headers"],
        json={
            "driver_id": driver_id.public,
            "recipient_authority": "E08000039",
            "licence_id": licence_id,
            "categories": ["road_safety"],
            "narrative": "Seen driving dangerously.",
            "became_aware_on": aware.isoformat(),
        },
    )
    assert response.status_code == 201, response.text
    concern = response.json()
    assert concern["report_due_on"] == add_working_days(aware, 10).isoformat()
    assert concern["reported_late"] is False
    received = (
        await client.get("/api/v1/concerns?box=received", headers=sheffield["headers"])
    ).json()["items"]
    assert [c["id"] for c in received] == [concern["id"]]
    assert (
        await client.get("/api/v1/concerns?box=received", headers=rotherham["headers"])
    ).json() == {"items": [], "next": None}
    # only the receiver replies; to the reporter the reply endpoint does not exist
    assert (
        await client.post(
            f"/api/v1/concerns/{concern['id']}/reply",
            headers=rotherham["headers"],
            json={"decision": "no_action"},
        )
    ).status_code == 404
    reply = await client.post(
        f"/api/v1/concerns/{concern['id']}/reply",
        headers=sheffield["headers"],
        json={"decision": "suspended", "reason": "Suspended pending review"},
    )
    assert reply.status_code == 200 and reply.json()["reply_decision"] == "suspended"
    sent = (await client.get("/api/v1/concerns?box=sent", headers=rotherham["headers"])).json()
    sent = sent["items"]
    assert sent[0]["reply_decision"] == "suspended"
    kinds = [
        r["kind"]
        for r in await conn.fetch(
            "SELECT kind FROM register_event WHERE kind LIKE 'concern_%' ORDER BY id"
        )
    ]
    assert kinds == ["concern_reported", "concern_replied"]


async def test_a_concern_to_your_own_authority_is_refused(client, conn, rotherham):
    response = await client.post(
        "/api/v1/concerns",
        headers=rotherham["headers"],
        json={
            "driver_id": (await make_driver(conn)).public,
            "recipient_authority": "E08000018",
            "categories": ["harm"],
            "narrative": "x",
            "became_aware_on": TODAY.isoformat(),
        },
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["recipient_authority"]


async def test_an_information_request_is_due_in_20_working_days_and_answered(
    client, conn, rotherham, sheffield
):
    entry = await make_entry(conn, await make_driver(conn), authority="Sheffield")
    requested = TODAY - timedelta(days=40)
    response = await client.post(
        "/api/v1/information-requests",
        headers=rotherham["headers"],
        json={
            "entry_id": entry,
            "case_reference": "RMBC/2025/17",
            "reason": "Renewal application",
            "requested_on": requested.isoformat(),
        },
    )
    assert response.status_code == 201, response.text
    made = response.json()
    assert made["due_on"] == add_working_days(requested, 20).isoformat()
    assert made["overdue"] is True and made["working_days_left"] < 0
    fresh = await client.post(
        "/api/v1/information-requests",
        headers=rotherham["headers"],
        json={"entry_id": entry, "case_reference": "RMBC/2025/18"},
    )
    assert fresh.json()["working_days_left"] == 20
    inbox = (
        await client.get("/api/v1/information-requests?box=received", headers=sheffield["headers"])
    ).json()["items"]
    assert [r["id"] for r in inbox] == [made["id"], fresh.json()["id"]]  # overdue first
    answer = await client.post(
        f"/api/v1/information-requests/{made['id']}/response",
        headers=sheffield["headers"],
        json={"status": "granted", "response": "Revoked after conviction."},
    )
    assert answer.status_code == 200
    assert answer.json()["status"] == "granted" and answer.json()["working_days_left"] is None
    # the requester cannot answer its own request, and a third authority sees nothing
    bolton = await make_user(conn, authority="Bolton")
    assert (
        await client.post(
            f"/api/v1/information-requests/{fresh.json()['id']}/response",
            headers=rotherham["headers"],
            json={"status": "granted", "response": "x"},
        )
    ).status_code == 404
    assert (
        await client.get(f"/api/v1/information-requests/{made['id']}", headers=bolton["headers"])
    ).status_code == 404
    assert (
        await client.get("/api/v1/information-requests?box=sent", headers=bolton["headers"])
    ).json()["items"] == []


async def test_a_request_about_your_own_entry_is_refused(client, conn, rotherham):
    entry = await make_entry(conn, await make_driver(conn), authority="Rotherham")
    response = await client.post(
        "/api/v1/information-requests", headers=rotherham["headers"], json={"entry_id": entry}
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"entry_id", "case_reference"}


async def test_a_retried_post_with_an_idempotency_key_creates_once(client, conn, rotherham):
    headers = {**rotherham["headers"], "Idempotency-Key": "3f1c-retry"}
    first = await client.post("/api/v1/drivers", headers=headers, json=walker())
    before = await counts(conn)
    second = await client.post("/api/v1/drivers", headers=headers, json=walker())
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["location"] == first.headers["location"]
    assert second.headers["idempotent-replayed"] == "true"
    assert await counts(conn) == before
    other = await client.post("/api/v1/drivers", headers=headers, json=walker(surname="Other"))
    assert other.status_code == 422
    assert [e["field"] for e in other.json()["errors"]] == ["Idempotency-Key"]


async def test_two_identical_requests_at_once_create_one_driver(client, conn, rotherham):
    headers = {**rotherham["headers"], "Idempotency-Key": "same-time"}
    body = walker(gb_licence_number=None, ni_number=None)
    one, two = await asyncio.gather(
        client.post("/api/v1/drivers", headers=headers, json=body),
        client.post("/api/v1/drivers", headers=headers, json=body),
    )
    assert one.status_code == two.status_code == 201
    assert one.json()["id"] == two.json()["id"]
    assert await conn.fetchval("SELECT count(*) FROM driver") == 1


async def test_a_failed_request_does_not_use_up_its_key(client, conn, rotherham):
    headers = {**rotherham["headers"], "Idempotency-Key": "fix-and-retry"}
    bad = await client.post("/api/v1/drivers", headers=headers, json=walker(surname=""))
    assert bad.status_code == 422
    good = await client.post("/api/v1/drivers", headers=headers, json=walker(surname=""))
    assert good.status_code == 422  # same body, same answer: errors are not stored
    fixed = await client.post(
        "/api/v1/drivers", headers={**rotherham["headers"], "Idempotency-Key": "k2"}, json=walker()
    )
    assert fixed.status_code == 201


async def test_recording_needs_an_officer(client, conn):
    analyst = await make_user(conn, role="dft_analyst", authority=None)
    assert (await client.post("/api/v1/drivers", json=walker())).status_code == 401
    assert (
        await client.post("/api/v1/drivers", json=walker(), headers=analyst["headers"])
    ).status_code == 403


async def test_a_twin_claim_waits_for_the_first_and_then_finds_its_answer(db_url, rotherham):
    """The insert-first pattern perform() relies on, with two real transactions: the twin's
    claim blocks on the first one's uncommitted key, then finds the stored answer."""
    from licensing.db import connect
    from licensing.idempotency import CLAIM, SAVE, STORED

    user, authority = rotherham["id"], rotherham["authority_id"]
    first, second = await connect(db_url), await connect(db_url)
    try:
        transaction = first.transaction()
        await transaction.start()
        claim = await first.fetchval(CLAIM, user, authority, "twin", b"same request")
        async with second.transaction():
            twin = asyncio.create_task(
                second.fetchval(CLAIM, user, authority, "twin", b"same request")
            )
            # the twin's claim has reached the database and waits on the first one's key
            blocker = first.get_server_pid()
            await wait_until(
                lambda: first.fetchval(
                    "SELECT $1 = ANY(pg_blocking_pids($2))", blocker, second.get_server_pid()
                )
            )
            assert not twin.done()
            await first.execute(SAVE, claim, 201, "/api/v1/drivers/42", b'{"id": 42}')
            await transaction.commit()
            assert await twin is None  # the key is taken: nothing to do but replay
            stored = await second.fetchrow(STORED, user, "twin")
        assert (stored["status"], bytes(stored["body"])) == (201, b'{"id": 42}')
    finally:
        await first.close()
        await second.close()
