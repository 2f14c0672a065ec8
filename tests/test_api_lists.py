"""A back-office system lists what its authority holds, one page at a time: every list answers
{items, next}, where next is the link to the following page, until it is null."""

from datetime import date, timedelta

import pytest

from registry.today import london_today
from registry.workdays import is_working_day
from tests.factories import make_driver, make_entry, make_licence, make_user

TODAY = london_today()


def last_working_days(count: int) -> list[date]:
    """Today if it is a working day, and the working days before it, latest first: concerns
    that became known on a Saturday and the Friday before are due on the same day."""
    days, day = [], TODAY
    while len(days) < count:
        if is_working_day(day):
            days.append(day)
        day -= timedelta(days=1)
    return days


@pytest.fixture
def client(api_client):
    return api_client


async def every_page(client, path, headers, **params) -> tuple[list, int]:
    """All items by following next links; and how many pages that took."""
    items, pages = [], 0
    response = await client.get(path, headers=headers, params=params)
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        pages += 1
        if body["next"] is None:
            return items, pages
        response = await client.get(body["next"], headers=headers)


async def test_an_authority_pages_through_its_licences_soonest_to_expire_first(client, conn):
    officer = await make_user(conn, authority="Rotherham")
    ours = []
    for n in range(7):
        driver = await make_driver(conn, recorded_by="Rotherham", surname=f"Driver{n}")
        ours.append(
            await make_licence(
                conn, driver, authority="Rotherham", starts_on=TODAY - timedelta(days=300 - n)
            )
        )
    theirs = await make_driver(conn, recorded_by="Sheffield", surname="Elsewhere")
    await make_licence(conn, theirs, authority="Sheffield")
    items, pages = await every_page(client, "/api/v1/licences", officer["headers"], limit=3)
    assert [i["id"] for i in items] == ours and pages == 3
    soon = items[3]["expires_on"]
    expiring, _ = await every_page(
        client, "/api/v1/licences", officer["headers"], limit=2, expiring_before=soon
    )
    assert [i["id"] for i in expiring] == ours[:3]
    suspended, _ = await every_page(
        client, "/api/v1/licences", officer["headers"], status="suspended"
    )
    assert suspended == []


async def test_an_authority_lists_the_drivers_it_licenses_with_their_licences(client, conn):
    officer = await make_user(conn, authority="Rotherham")
    both = await make_driver(conn, recorded_by="Rotherham", surname="Both")
    taxi = await make_licence(conn, both, authority="Rotherham", kind="hackney_carriage")
    phv = await make_licence(conn, both, authority="Rotherham", kind="private_hire")
    other = await make_driver(conn, recorded_by="Sheffield", surname="Other")
    await make_licence(conn, other, authority="Sheffield")
    drivers, _ = await every_page(client, "/api/v1/drivers", officer["headers"], limit=1)
    assert [d["driver_id"] for d in drivers] == [both.public]
    assert {lic["id"] for lic in drivers[0]["licences"]} == {taxi, phv}
    only_taxis, _ = await every_page(
        client, "/api/v1/drivers", officer["headers"], kind="hackney_carriage"
    )
    assert [lic["id"] for lic in only_taxis[0]["licences"]] == [taxi]
    views = await conn.fetchval(
        "SELECT count(*) FROM audit_log WHERE subject = 'drivers:licensed' AND user_id = $1",
        officer["id"],
    )
    assert views == 1 + 1


async def test_an_authority_lists_its_register_entries_latest_first(client, conn):
    officer = await make_user(conn, authority="Rotherham")
    driver = await make_driver(conn, recorded_by="Rotherham")
    entries = [
        await make_entry(conn, driver, authority="Rotherham", decided_on=TODAY - timedelta(days=n))
        for n in range(5)
    ]
    await make_entry(conn, driver, authority="Sheffield")
    items, pages = await every_page(client, "/api/v1/register-entries", officer["headers"], limit=2)
    assert [i["id"] for i in items] == entries and pages == 3
    refused, _ = await every_page(
        client, "/api/v1/register-entries", officer["headers"], decision="refused"
    )
    assert refused == []


async def test_requests_received_are_listed_open_first_by_due_date(client, conn):
    rotherham = await make_user(conn, authority="Rotherham")
    sheffield = await make_user(conn, authority="Sheffield")
    driver = await make_driver(conn, recorded_by="Sheffield")
    made = []
    for n in range(3):
        entry = await make_entry(conn, driver, authority="Sheffield")
        response = await client.post(
            "/api/v1/information-requests",
            headers=rotherham["headers"],
            json={
                "entry_id": entry,
                "case_reference": f"R-{n}",
                "requested_on": (TODAY - timedelta(days=n * 10)).isoformat(),
            },
        )
        made.append(response.json())
    inbox, _ = await every_page(
        client, "/api/v1/information-requests", sheffield["headers"], box="received", limit=1
    )
    assert [r["id"] for r in inbox] == [m["id"] for m in reversed(made)]
    due_soon, _ = await every_page(
        client,
        "/api/v1/information-requests",
        sheffield["headers"],
        box="received",
        due_before=made[1]["due_on"],
    )
    assert [r["id"] for r in due_soon] == [made[2]["id"]]
    sent, _ = await every_page(
        client, "/api/v1/information-requests", rotherham["headers"], box="sent", status="open"
    )
    assert len(sent) == 3


async def test_concerns_are_listed_by_state_and_due_date(client, conn):
    rotherham = await make_user(conn, authority="Rotherham")
    sheffield = await make_user(conn, authority="Sheffield")
    driver = await make_driver(conn, recorded_by="Sheffield")
    await make_licence(conn, driver, authority="Sheffield")
    ids = []
    for became_aware_on in last_working_days(3):  # due on three different days
        response = await client.post(
            "/api/v1/concerns",
            headers=rotherham["headers"],
            json={
                "driver_id": driver.public,
                "recipient_authority": "E08000019",
                "categories": ["harm"],
                "narrative": f"Concern known since {became_aware_on}",
                "became_aware_on": became_aware_on.isoformat(),
            },
        )
        ids.append(response.json()["id"])
    answered = await client.post(
        f"/api/v1/concerns/{ids[2]}/reply",
        headers=sheffield["headers"],
        json={"decision": "no_action"},
    )
    assert answered.status_code == 200
    received, _ = await every_page(
        client, "/api/v1/concerns", sheffield["headers"], box="received", limit=1
    )
    assert [c["id"] for c in received] == [ids[1], ids[0], ids[2]]
    still_open, _ = await every_page(
        client, "/api/v1/concerns", sheffield["headers"], box="received", state="open"
    )
    assert [c["id"] for c in still_open] == [ids[1], ids[0]]


async def test_a_cursor_that_is_not_one_of_ours_is_named(client, conn):
    officer = await make_user(conn, authority="Rotherham")
    for cursor in ("nonsense", "WzEsMl0", "x" * 400):
        response = await client.get(
            "/api/v1/licences", headers=officer["headers"], params={"cursor": cursor}
        )
        assert response.status_code in (400, 422)
        assert [e["field"] for e in response.json()["errors"]] == ["cursor"]
