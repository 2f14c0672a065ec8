"""Attack story (or plain bad luck): the database restarts while officers are writing. Every
write is answered 201 or 503 problem+json with Retry-After, never a 500, and row counts prove
nothing was half-written: each driver has its name, its event and its audit row.

Real processes: `crosscheck serve`, and a PostgreSQL cluster of this module's own that the test
restarts (tests/outage_support.py); the suite's shared cluster is never touched."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx

from tests.alerts_support import wait_until
from tests.outage_support import (
    assert_unavailable_problem,
    counts,
    new_driver,
    outage_fixtures,
    restart,
    service_client,
)
from tests.pages.conftest import make_account

own_cluster, database = outage_fixtures()


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

    async with service_client(database, tmp_path) as client:
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
