"""Attack stories: an officer (or someone with their account) reads drivers' records in bulk,
or a link on another website makes a signed-in officer's browser open a record.

Opening records and searching are limited per officer per hour (429 with Retry-After past the
limit), the authority's data protection officer sees a `bulk_access` row in their audit log when
an officer reaches the alert level, and a record is never opened by a link from elsewhere.
"""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from licensing.app import create_app
from licensing.settings import load
from tests.factories import make_driver, make_user, room_in_the_window

PURPOSE = {"purpose": "enforcement", "case_reference": "ENF-1"}


@pytest.fixture
async def client(db_url):
    settings = {
        "DATABASE_URL": db_url,
        "CROSSCHECK_SCHEDULER": "false",
        "RECORD_OPENS_PER_HOUR": "5",
        "RECORD_OPENS_ALERT_AT": "3",
        "SEARCHES_PER_HOUR": "4",
        "SEARCHES_ALERT_AT": "2",
    }
    async with AsyncTestClient(app=create_app(load(settings))) as client:
        yield client


async def views(conn, user_id: int) -> int:
    return await conn.fetchval(
        "SELECT count(*) FROM audit_log WHERE user_id = $1 AND action = 'view_driver'", user_id
    )


async def test_an_officer_counting_through_records_is_stopped_and_their_dpo_sees_it(client, conn):
    officer = await make_user(conn, authority="Bolton")
    colleague = await make_user(conn, authority="Bolton")
    dpo = await make_user(conn, role="dpo", authority="Bolton")
    drivers = [await make_driver(conn, surname=f"Walker{i}") for i in range(7)]
    await room_in_the_window(conn, 3600, room=60)  # every open counts in the same hour

    answers = [
        await client.get(f"/api/v1/drivers/{d.public}", params=PURPOSE, headers=officer["headers"])
        for d in drivers
    ]
    colleagues = await client.get(
        f"/api/v1/drivers/{drivers[0].public}", params=PURPOSE, headers=colleague["headers"]
    )
    log = (
        await client.get("/api/v1/audit", params={"action": "bulk_access"}, headers=dpo["headers"])
    ).json()["items"]

    assert [a.status_code for a in answers] == [200] * 5 + [429] * 2
    refused = answers[5]
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert 1 <= int(refused.headers["retry-after"]) <= 3600
    assert "Walker" not in refused.text
    assert await views(conn, officer["id"]) == 5  # nothing past the limit was opened
    assert colleagues.status_code == 200  # the limit is the officer's own
    assert [(e["user_id"], e["detail"]["kind"]) for e in log] == [
        (officer["id"], "record_open"),  # went past the limit
        (officer["id"], "record_open"),  # reached the alert level
    ]
    assert [e["detail"]["used_this_hour"] for e in log] == [6, 3]


async def test_searches_are_limited_per_officer_in_the_api_and_the_pages(client, conn):
    officer = await make_user(conn, authority="Bolton")
    body = {**PURPOSE, "identifier": "AB123456C"}
    await room_in_the_window(conn, 3600, room=60)  # every search counts in the same hour

    api = [
        (await client.post("/api/v1/searches", json=body, headers=officer["headers"])).status_code
        for _ in range(4)
    ]
    page = await client.get(
        "/search",
        params={**PURPOSE, "identifier": "AB123456C", "searched": "yes"},
        headers=officer["headers"],
    )

    assert api == [200] * 4
    assert page.status_code == 429
    assert "text/html" in page.headers["content-type"]
    assert int(page.headers["retry-after"]) >= 1
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE user_id = $1 AND action = 'search'", officer["id"]
        )
        == 4
    )


async def test_a_link_from_another_website_does_not_open_a_record(client, conn):
    officer = await make_user(conn, authority="Bolton")
    driver = await make_driver(conn)
    url = f"/drivers/{driver.public}"

    followed = await client.get(
        url, params=PURPOSE, headers={**officer["headers"], "sec-fetch-site": "cross-site"}
    )
    opened_after = await views(conn, officer["id"])
    confirmed = await client.get(
        url, params=PURPOSE, headers={**officer["headers"], "sec-fetch-site": "same-origin"}
    )

    assert followed.status_code == 200
    assert "You followed a link from another website" in followed.text
    assert "Walker" not in followed.text
    assert opened_after == 0
    assert confirmed.status_code == 200 and "Walker" in confirmed.text
    assert await views(conn, officer["id"]) == 1
