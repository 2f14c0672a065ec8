"""Attack story: an officer at one authority rewrites who another authority's driver is (name,
date of birth, GB licence number), so the identifier search no longer finds them.

Only the authorities with a live licence for the driver or a register entry about them may
change identity fields (while there are none, the authority that recorded the driver); any
other officer is refused (409) and nothing changes. Address and home authority stay open to
every officer.
"""

from __future__ import annotations

import asyncpg
import pytest

from registry.actor import Actor, acting
from tests.factories import make_driver, make_entry, make_licence, make_user

GB = "WALKE805176S99AB"


@pytest.fixture
def client(api_client):
    """The whole service in-process (tests/conftest.py's api_client)."""
    return api_client


async def identity(conn, driver_id: int) -> tuple:
    row = await conn.fetchrow(
        "SELECT forenames, surname, date_of_birth, gb_licence_number FROM driver WHERE id = $1",
        driver_id,
    )
    names = await conn.fetchval("SELECT count(*) FROM driver_name WHERE driver_id = $1", driver_id)
    return (*row.values(), names)


async def test_another_authority_cannot_rewrite_a_revoked_drivers_identity(client, conn):
    driver = await make_driver(conn, recorded_by="Sheffield", gb_licence_number=GB)
    await make_licence(conn, driver, authority="Sheffield", status="revoked")
    await make_entry(conn, driver, authority="Sheffield", decision="revoked")
    rotherham = await make_user(conn, authority="Rotherham")
    sheffield = await make_user(conn, authority="Sheffield")
    before = await identity(conn, driver)

    attempts = [
        await client.patch(
            f"/api/v1/drivers/{driver.public}", json=change, headers=rotherham["headers"]
        )
        for change in (
            {"forenames": "Steve", "surname": "Walkers"},
            {"date_of_birth": "1981-05-17"},
            {"gb_licence_number": None},
        )
    ]
    unchanged = await identity(conn, driver)
    moved = await client.patch(
        f"/api/v1/drivers/{driver.public}",
        json={"postcode": "S60 1AA"},
        headers=rotherham["headers"],
    )
    owner = await client.patch(
        f"/api/v1/drivers/{driver.public}",
        json={"surname": "Walker-Jones"},
        headers=sheffield["headers"],
    )

    assert [a.status_code for a in attempts] == [409, 409, 409]
    assert [a.json()["errors"][0]["field"] for a in attempts] == [
        "forenames",
        "date_of_birth",
        "gb_licence_number",
    ]
    assert unchanged == before
    assert moved.status_code == 200
    assert owner.status_code == 200 and owner.json()["changed"] == ["surname"]


async def test_a_licensing_authority_owns_the_identity_and_the_recorder_only_until_then(
    client, conn
):
    driver = await make_driver(conn, recorded_by="Rotherham")
    rotherham = await make_user(conn, authority="Rotherham")
    bolton = await make_user(conn, authority="Bolton")

    recorder_alone = await client.patch(
        f"/api/v1/drivers/{driver.public}",
        json={"forenames": "Steven"},
        headers=rotherham["headers"],
    )
    await make_licence(conn, driver, authority="Bolton")
    recorder_later = await client.patch(
        f"/api/v1/drivers/{driver.public}",
        json={"forenames": "Stephen"},
        headers=rotherham["headers"],
    )
    licensing = await client.patch(
        f"/api/v1/drivers/{driver.public}", json={"forenames": "Stephen"}, headers=bolton["headers"]
    )

    assert recorder_alone.status_code == 200
    assert recorder_later.status_code == 409
    assert licensing.status_code == 200


async def test_the_database_refuses_a_rewrite_that_goes_around_the_service(conn):
    # someone with the service's database role, acting for Rotherham, rewrites a Sheffield
    # driver's name and number by hand: the database itself refuses, while filling in a
    # number the register lacked (as an import does) and a change by Sheffield go through
    driver = await make_driver(conn, recorded_by="Sheffield", gb_licence_number=GB)
    await make_licence(conn, driver, authority="Sheffield")
    rotherham = await make_user(conn, authority="Rotherham")
    sheffield = await make_user(conn, authority="Sheffield")
    before = await identity(conn, driver)
    for rewrite in ("surname = 'Walkers'", "gb_licence_number = NULL", "sex = 'F'"):
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="owns a driver's identity"):
            async with acting(conn, Actor(rotherham["id"], rotherham["authority_id"])):
                await conn.execute(f"UPDATE driver SET {rewrite} WHERE id = $1", driver)
    assert await identity(conn, driver) == before

    async with acting(conn, Actor(rotherham["id"], rotherham["authority_id"])):
        await conn.execute("UPDATE driver SET ni_number = 'AB123456C' WHERE id = $1", driver)
    async with acting(conn, Actor(sheffield["id"], sheffield["authority_id"])):
        await conn.execute("UPDATE driver SET surname = 'Walkers' WHERE id = $1", driver)
    row = await conn.fetchrow("SELECT surname, ni_number FROM driver WHERE id = $1", driver)
    assert tuple(row) == ("Walkers", "AB123456C")


async def test_another_authority_cannot_give_a_revoked_driver_someone_elses_name(client, conn):
    # a Rotherham officer with no part in a driver Sheffield revoked adds "Peter Jones, born
    # 1990" as a former name: a search for the real Peter Jones would then find the revoked
    # driver. Refused, as a change of name is; Sheffield adds it
    driver = await make_driver(conn, recorded_by="Sheffield", gb_licence_number=GB)
    await make_entry(conn, driver, authority="Sheffield", decision="revoked")
    rotherham = await make_user(conn, authority="Rotherham")
    sheffield = await make_user(conn, authority="Sheffield")
    before = await identity(conn, driver)
    name = {"kind": "former", "forenames": "Peter", "surname": "Jones"}

    refused = await client.post(
        f"/api/v1/drivers/{driver.public}/names",
        json={**name, "date_of_birth": "1990-02-03"},
        headers=rotherham["headers"],
    )
    unchanged = await identity(conn, driver)
    owner = await client.post(
        f"/api/v1/drivers/{driver.public}/names", json=name, headers=sheffield["headers"]
    )

    assert refused.status_code == 409
    assert [e["field"] for e in refused.json()["errors"]] == ["surname"]
    assert "Peter" not in refused.text and "Walker" not in refused.text
    assert unchanged == before
    assert owner.status_code == 201


async def test_the_database_refuses_a_name_added_around_the_service(conn):
    # someone with the service's database role, acting for Rotherham, inserts "Peter Jones,
    # born 1990" as a former name of a driver Sheffield revoked, rewrites the driver's alias
    # into it, and removes the alias a search finds them by: the database refuses all three.
    # Sheffield adds the name; the system (a job, the command line) is not an authority and
    # is not refused
    driver = await make_driver(conn, recorded_by="Sheffield", aliases=(("Steve", "Walker"),))
    await make_entry(conn, driver, authority="Sheffield", decision="revoked")
    rotherham = await make_user(conn, authority="Rotherham")
    sheffield = await make_user(conn, authority="Sheffield")
    before = await identity(conn, driver)
    add = """INSERT INTO driver_name (driver_id, kind, forenames, surname, date_of_birth,
                                      recorded_by_authority_id)
             VALUES ($1, 'former', $2, 'Jones', '1990-02-03', $3)"""
    rewrite = """UPDATE driver_name SET forenames = 'Peter', surname = 'Jones',
                                        date_of_birth = '1990-02-03'
                 WHERE driver_id = $1 AND kind = 'alias'"""

    remove = "DELETE FROM driver_name WHERE driver_id = $1 AND kind = 'alias'"
    attempts = (
        (add, driver, "Peter", rotherham["authority_id"]),
        (rewrite, driver),
        (remove, driver),
    )
    for statement, *args in attempts:
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="owns a driver's identity"):
            async with acting(conn, Actor(rotherham["id"], rotherham["authority_id"])):
                await conn.execute(statement, *args)
    unchanged = await identity(conn, driver)
    alias = await conn.fetchval(
        "SELECT forenames FROM driver_name WHERE driver_id = $1 AND kind = 'alias'", driver
    )
    async with acting(conn, Actor(sheffield["id"], sheffield["authority_id"])):
        await conn.execute(add, driver, "Peter", sheffield["authority_id"])
    async with acting(conn, Actor(None, None)):
        await conn.execute(add, driver, "Paul", sheffield["authority_id"])

    assert unchanged == before and alias == "Steve"
    assert await identity(conn, driver) == (*before[:-1], before[-1] + 2)
