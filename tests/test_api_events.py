"""A back-office system follows the register's change feed from a cursor: it sees what its
authority may see, in the order changes became final, and after an outage it resumes from
its last cursor missing nothing, even a change that committed late."""

import pytest

from licensing.db import connect
from registry.actor import Actor, acting
from registry.today import london_today
from tests.factories import DriverRef, authority_id, make_driver, make_licence, make_user

TODAY = london_today()


@pytest.fixture
def client(api_client):
    return api_client


async def read_feed(client, headers, start: str = "/api/v1/events?limit=2") -> tuple[list, str]:
    """Every event ready now, following next until a page is empty; and the cursor link."""
    events, link = [], start
    while True:
        response = await client.get(link, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["next"]
        if not body["items"]:
            return events, link
        events += body["items"]
        link = body["next"]


async def grant(client, headers, driver: DriverRef, number: str, kind: str = "private_hire") -> int:
    response = await client.post(
        "/api/v1/licences",
        headers=headers,
        json={
            "driver_id": driver.public,
            "licence_number": number,
            "kind": kind,
            "granted_on": TODAY.isoformat(),
        },
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def test_the_feed_shows_what_concerns_the_authority_and_nothing_else(client, conn):
    rotherham = await make_user(conn, authority="Rotherham")
    ours = await make_driver(conn, recorded_by="Sheffield", surname="Ours")
    elsewhere = await make_driver(conn, recorded_by="Sheffield", surname="Elsewhere")
    await make_licence(conn, elsewhere, authority="Sheffield")
    licence = await grant(client, rotherham["headers"], ours, "R-1")
    events, _ = await read_feed(client, rotherham["headers"])
    seen = {(e["kind"], e["subject_id"]) for e in events}
    assert ("licence_granted", licence) in seen
    assert ("driver_recorded", ours.public) in seen  # a driver Rotherham licenses
    assert all(e["driver_id"] != elsewhere.public for e in events)
    granted = next(e for e in events if e["kind"] == "licence_granted")
    assert granted["authority"] == "E08000018" and granted["subject"] == "licence"
    assert set(granted) == {
        "id",
        "kind",
        "occurred_at",
        "driver_id",
        "authority",
        "subject",
        "subject_id",
    }


async def test_a_reader_resumes_from_its_cursor_missing_nothing_and_repeating_nothing(client, conn):
    rotherham = await make_user(conn, authority="Rotherham")
    driver = await make_driver(conn, recorded_by="Rotherham")
    await grant(client, rotherham["headers"], driver, "R-1")
    first, cursor = await read_feed(client, rotherham["headers"])
    second_licence = await grant(client, rotherham["headers"], driver, "R-2", "dual")
    later, _ = await read_feed(client, rotherham["headers"], cursor)
    assert [(e["kind"], e["subject_id"]) for e in later] == [("licence_granted", second_licence)]
    assert not {e["id"] for e in first} & {e["id"] for e in later}


async def test_a_change_that_commits_late_is_not_skipped(client, conn, db_url):
    rotherham = await make_user(conn, authority="Rotherham")
    driver = await make_driver(conn, recorded_by="Rotherham")
    _, cursor = await read_feed(client, rotherham["headers"])
    # A slow transaction takes an event id first and commits after a quicker one.
    slow = await connect(db_url)
    actor = Actor(rotherham["id"], await authority_id(conn, "Rotherham"))
    sheffield = await authority_id(conn, "Sheffield")
    try:
        async with acting(slow, actor):
            await slow.execute(
                "UPDATE driver SET home_authority_id = $2 WHERE id = $1", driver, sheffield
            )
            quick = await grant(client, rotherham["headers"], driver, "R-9")
            held, held_cursor = await read_feed(client, rotherham["headers"], cursor)
            assert held == []  # the quick change waits behind the slow one, not past it
    finally:
        await slow.close()
    events, _ = await read_feed(client, rotherham["headers"], held_cursor)
    kinds = [(e["kind"], e["subject_id"]) for e in events]
    assert kinds == [("driver_moved", driver.public), ("licence_granted", quick)]
    assert events[0]["id"] < events[1]["id"]


async def test_a_cursor_that_is_not_ours_is_named(client, conn):
    rotherham = await make_user(conn, authority="Rotherham")
    response = await client.get(
        "/api/v1/events", headers=rotherham["headers"], params={"after": "bogus"}
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["after"]
