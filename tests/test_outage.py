"""When the database is down, restarting or hanging, the service says so at once: 503
problem+json with Retry-After on the API, the GOV.UK "service unavailable" page on the
pages, /ready within 2 s. Afterwards it carries on by itself, with nothing half-written.

Real processes throughout: `crosscheck serve`, and a PostgreSQL cluster of this module's own
that the tests pause (SIGSTOP) and restart; the suite's shared cluster is never touched."""

from __future__ import annotations

import asyncio
import itertools
import string
from datetime import date

import asyncpg
import httpx
import pytest

from licensing import pgcluster
from tests.alerts_support import wait_until
from tests.outage_support import migrated_database, paused, restart, serving
from tests.pages.conftest import make_account, sign_in

STATEMENT_TIMEOUT_MS = "1500"  # the service's limits, short so a hang is answered quickly
_names = itertools.count()


@pytest.fixture(scope="module")
def own_cluster():
    folder = pgcluster.throwaway("crosscheck-outage-")
    cluster = pgcluster.start(folder, fast=True)
    yield cluster
    pgcluster.discard(folder)


@pytest.fixture
async def database(own_cluster, request):
    return await migrated_database(own_cluster, f"outage_{request.node.name[-40:].lower()}")


def new_driver() -> dict:
    n = next(_names)
    letters = string.ascii_uppercase
    surname = "Outage" + letters[n % 26] + letters[(n // 26) % 26].lower() + "son"
    return {
        "forenames": "Alex",
        "surname": surname,
        "date_of_birth": date(1970 + n % 30, 1 + n % 12, 1 + n % 28).isoformat(),
        "sex": "F",
        "address": f"{n} Station Road, Rotherham",
        "postcode": "S60 1AA",
        "home_authority": "E08000018",
    }


async def counts(conn) -> dict:
    row = await conn.fetchrow(
        "SELECT (SELECT count(*) FROM driver) AS drivers,"
        " (SELECT count(*) FROM driver_name) AS names,"
        " (SELECT count(*) FROM register_event WHERE kind = 'driver_recorded') AS events,"
        " (SELECT count(*) FROM audit_log WHERE subject LIKE 'driver:%') AS audit"
    )
    return dict(row)


def assert_unavailable_problem(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["title"] == "Service unavailable"


async def test_a_hanging_database_is_answered_503_at_once_and_the_service_carries_on_after(
    own_cluster, database, tmp_path
):
    conn = await asyncpg.connect(database)
    officer = await make_account(conn)
    async with (
        serving(
            database, tmp_path / "service.log", DB_STATEMENT_TIMEOUT_MS=STATEMENT_TIMEOUT_MS
        ) as base,
        httpx.AsyncClient(base_url=base, timeout=20) as client,
    ):
        await sign_in(client, officer)
        headers = officer["headers"]
        first = await client.post("/api/v1/drivers", json=new_driver(), headers=headers)
        assert first.status_code == 201, first.text
        record = f"/api/v1/drivers/{first.json()['id']}?purpose=renewal&case_reference=R1"
        before = await counts(conn)

        with paused(own_cluster):
            # a load balancer's probe: answered inside 2 s (the client gives up after that)
            ready = await client.get("/ready", timeout=2)
            assert_unavailable_problem(ready)
            assert_unavailable_problem(await client.get(record, headers=headers))
            assert_unavailable_problem(
                await client.post("/api/v1/drivers", json=new_driver(), headers=headers)
            )
            page = await client.get("/search")
            assert page.status_code == 503
            assert page.headers["content-type"].startswith("text/html")
            assert "Sorry, the service is unavailable" in page.text
            assert int(page.headers["retry-after"]) > 0

        # resumed: no restart of the service, and the write refused meanwhile left nothing
        await wait_until(lambda: ready_now(client), timeout=30, every=0.5)
        assert (await client.get(record, headers=headers)).status_code == 200
        assert await counts(conn) == before
        again = await client.post("/api/v1/drivers", json=new_driver(), headers=headers)
        assert again.status_code == 201, again.text
        assert (await client.get("/search")).status_code == 200
    after = await counts(conn)
    assert after == {key: value + 1 for key, value in before.items()} | {"audit": after["audit"]}
    await conn.close()


async def ready_now(client: httpx.AsyncClient) -> bool:
    try:
        return (await client.get("/ready", timeout=2)).status_code == 200
    except httpx.HTTPError:
        return False


async def test_a_database_restart_during_writes_answers_only_2xx_or_503_and_half_writes_nothing(
    own_cluster, database, tmp_path
):
    conn = await asyncpg.connect(database)
    officer = await make_account(conn)
    created: list[int] = []
    statuses: list[int] = []
    stop = asyncio.Event()

    async def writer(client: httpx.AsyncClient) -> None:
        while not stop.is_set():
            try:
                response = await client.post(
                    "/api/v1/drivers", json=new_driver(), headers=officer["headers"]
                )
            except httpx.TimeoutException:
                statuses.append(0)
                continue
            statuses.append(response.status_code)
            if response.status_code == 201:
                created.append(response.json()["id"])
            elif response.status_code == 503:
                assert_unavailable_problem(response)
                await asyncio.sleep(0.05)

    async with (
        serving(
            database, tmp_path / "service.log", DB_STATEMENT_TIMEOUT_MS=STATEMENT_TIMEOUT_MS
        ) as base,
        httpx.AsyncClient(base_url=base, timeout=20) as client,
    ):
        writers = [asyncio.ensure_future(writer(client)) for _ in range(4)]
        await wait_until(lambda: len(created) >= 20, timeout=60)
        await asyncio.to_thread(restart, own_cluster)
        before_recovery = len(created)
        await wait_until(lambda: len(created) >= before_recovery + 20, timeout=60)
        stop.set()
        await asyncio.gather(*writers)
    await conn.close()

    assert set(statuses) <= {201, 503}, sorted(set(statuses))
    assert 503 in statuses  # the restart was seen, and said so
    conn = await asyncpg.connect(database)
    try:
        found = await counts(conn)
        # every 201 is in the register; a 503 may have committed just before the connection
        # was lost (its client retries with an Idempotency-Key), never more than those
        # the API answers with drivers' public ids
        stored = {r["id"] for r in await conn.fetch("SELECT public_id::text AS id FROM driver")}
        assert set(created) <= stored
        assert len(stored) - len(created) <= statuses.count(503)
        # nothing half-written: each driver has its name, its event and its audit row
        assert found["names"] == found["events"] == found["drivers"] == len(stored)
        assert found["audit"] == len(stored)
    finally:
        await conn.close()
