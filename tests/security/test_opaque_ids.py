"""Attack story: an officer counts through driver ids, hoping each number opens someone's record.

Drivers are addressed by a random public id (a UUID) in the API, the pages, the alerts and the
exports; the register's own counter is never shown and never accepted. Counting finds nobody,
not even a driver whose internal number the attacker happens to hit.
"""

from __future__ import annotations

import re
import uuid
from datetime import date

from alerts.rules import queue_all_new_alerts
from tests.factories import make_driver, make_entry, make_licence, make_user, service_client
from tests.pages.conftest import make_account, search, signed_in

PURPOSE = {"purpose": "enforcement", "case_reference": "ENF-1"}
NONCE = re.compile(r'nonce="[^"]*"')
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


async def test_counting_through_driver_ids_opens_nobodys_record(db_url, conn):
    officer = await make_user(conn, authority="Bolton")
    drivers = [await make_driver(conn, surname=f"Walker{i}") for i in range(3)]
    counted = [str(n) for n in range(1, int(max(drivers)) + 3)]
    guessed = [str(uuid.uuid4()) for _ in range(3)]
    async with service_client(db_url) as client:
        api = [
            await client.get(f"/api/v1/drivers/{n}", params=PURPOSE, headers=officer["headers"])
            for n in counted + guessed
        ]
        changes = [
            await client.patch(
                f"/api/v1/drivers/{n}", json={"postcode": "BL1 1AA"}, headers=officer["headers"]
            )
            for n in counted
        ]
        real = await client.get(
            f"/api/v1/drivers/{drivers[0].public}", params=PURPOSE, headers=officer["headers"]
        )

    assert {a.status_code for a in api} == {404}
    assert {c.status_code for c in changes} == {404}
    # the same answer for every number, whether or not a driver has that internal id
    assert len({a.text for a in api[: len(counted)]}) == 1
    assert not any("Walker" in a.text for a in api)
    assert real.status_code == 200 and real.json()["driver_id"] == drivers[0].public
    assert await conn.fetchval("SELECT count(*) FROM driver WHERE postcode = 'BL1 1AA'") == 0


async def test_the_api_names_drivers_only_by_their_public_id(db_url, conn):
    officer = await make_user(conn, authority="Rotherham")
    async with service_client(db_url) as client:
        created = await client.post(
            "/api/v1/drivers",
            headers=officer["headers"],
            json={"forenames": "Jane", "surname": "Doe", "date_of_birth": "1985-01-02"},
        )
        public = created.json()["id"]
        licence = await client.post(
            "/api/v1/licences",
            headers=officer["headers"],
            json={
                "driver_id": public,
                "licence_number": "R1",
                "kind": "private_hire",
                "granted_on": "2024-04-01",
            },
        )
        by_number = await client.post(
            "/api/v1/licences",
            headers=officer["headers"],
            json={
                "driver_id": 1,
                "licence_number": "R2",
                "kind": "dual",
                "granted_on": "2024-04-01",
            },
        )
        document = (await client.get("/schema/openapi.json")).json()

    assert created.status_code == 201 and UUID.match(public)
    assert created.headers["location"] == f"/api/v1/drivers/{public}"
    assert licence.status_code == 201 and licence.json()["driver_id"] == public
    assert by_number.status_code == 400  # a number is not a driver's id: refused, named
    assert [e["field"] for e in by_number.json()["errors"]] == ["driver_id"]
    [parameter] = [
        p
        for p in document["paths"]["/api/v1/drivers/{driver_id}"]["get"]["parameters"]
        if p["name"] == "driver_id"
    ]
    assert parameter["schema"] == {"type": "string", "format": "uuid"}


async def test_a_driver_page_at_a_counted_address_is_not_found(db_url, conn):
    driver = await make_driver(conn, recorded_by="Rotherham")
    await make_licence(conn, driver, authority="Rotherham")
    officer = await make_account(conn)
    async with signed_in(db_url, officer) as client:
        counted = await client.get(f"/drivers/{int(driver)}", params=PURPOSE)
        counted_form = await client.get(f"/drivers/{int(driver)}/change")
        opened = await client.get(f"/drivers/{driver.public}", params=PURPOSE)

    assert counted.status_code == 404 and counted_form.status_code == 404
    assert opened.status_code == 200
    assert f"/drivers/{driver.public}/licences/new" in opened.text
    assert not re.search(r'href="/drivers/\d+[/?"]', opened.text)


async def test_counting_through_register_entry_ids_leads_to_no_drivers_record(db_url, conn):
    # /entries/N is where an alert about a decision links; it sends the officer on to the
    # driver's record. An officer counting N through every entry would collect the public id
    # of every driver with a decision on the register, without a search. Only the authority
    # that recorded the entry, or was alerted about it, is sent on; anyone else is told what
    # they would be told of an entry that does not exist
    driver = await make_driver(conn, recorded_by="Sheffield")
    await make_licence(conn, driver, authority="Bolton")
    entry = await make_entry(conn, driver, authority="Sheffield", decision="revoked")
    await queue_all_new_alerts(conn)
    leeds = await make_account(conn, authority="Leeds")
    bolton = await make_account(conn, authority="Bolton")
    sheffield = await make_account(conn, authority="Sheffield")
    async with signed_in(db_url, leeds) as client:
        counted = [await client.get(f"/entries/{n}") for n in (entry, entry + 1, 2**40)]
    async with signed_in(db_url, bolton) as client:
        alerted = await client.get(f"/entries/{entry}")
    async with signed_in(db_url, sheffield) as client:
        recorded = await client.get(f"/entries/{entry}")

    assert [c.status_code for c in counted] == [404, 404, 404]
    assert len({NONCE.sub("", c.text) for c in counted}) == 1  # each page has its own nonce
    assert driver.public not in counted[0].text
    assert alerted.status_code == recorded.status_code == 303
    assert (
        alerted.headers["location"] == recorded.headers["location"] == f"/drivers/{driver.public}"
    )


async def test_the_request_form_of_a_counted_entry_shows_no_one_until_a_search_found_them(
    db_url, conn
):
    # the form asking for the information behind an entry names its driver (name, date of
    # birth): an officer counting through entry ids there would read every driver with a
    # decision on the register, unsearched and unaudited. It opens for an officer whose
    # search found the driver (or whose authority has a part in them), and is not found else
    driver = await make_driver(
        conn, forenames="Ottoline", surname="Marchbanks", date_of_birth=date(1979, 11, 4)
    )
    entry = await make_entry(conn, driver, authority="Sheffield", decision="revoked")
    leeds = await make_account(conn, authority="Leeds")
    async with signed_in(db_url, leeds) as client:
        counted = [await client.get(f"/entries/{n}/requests/new") for n in (entry, entry + 1)]
        sent = await client.post(
            f"/entries/{entry}/requests/new",
            data={"csrf_token": "x", "case_reference": "LDS/1"},
        )
        found = await search(
            client,
            {
                "purpose": "new_application",
                "case_reference": "LDS/1",
                "forenames": "Ottoline",
                "surname": "Marchbanks",
                "date_of_birth-day": "4",
                "date_of_birth-month": "11",
                "date_of_birth-year": "1979",
            },
        )
        after_search = await client.get(f"/entries/{entry}/requests/new")

    assert [c.status_code for c in counted] == [404, 404]
    assert NONCE.sub("", counted[0].text) == NONCE.sub("", counted[1].text)
    assert "Marchbanks" not in counted[0].text
    assert sent.status_code in (403, 404) and "Marchbanks" not in sent.text
    assert "Marchbanks" in found.text
    assert after_search.status_code == 200 and "Ottoline Marchbanks" in after_search.text
    assert await conn.fetchval("SELECT count(*) FROM information_request") == 0
