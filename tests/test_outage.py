"""When the database is down or hanging, the service says so at once: 503
problem+json with Retry-After on the API, the GOV.UK "service unavailable" page on the
pages, /ready within 2 s. Afterwards it carries on by itself, with nothing half-written.

Real processes throughout: `crosscheck serve`, and a PostgreSQL cluster of this module's own
that the test pauses (SIGSTOP); the suite's shared cluster is never touched."""

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
    paused,
    service_client,
)
from tests.pages.conftest import make_account, sign_in

own_cluster, database = outage_fixtures()


async def test_a_hanging_database_is_answered_503_at_once_and_the_service_carries_on_after(
    own_cluster, database, tmp_path
):
    conn = await asyncpg.connect(database)
    officer = await make_account(conn)
    async with service_client(database, tmp_path) as client:
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
            # a read, a write and a page in flight at once, as in any outage: each waits out
            # the service's time limits (about 5 s), together rather than one after another
            read, write, page = await asyncio.gather(
                client.get(record, headers=headers),
                client.post("/api/v1/drivers", json=new_driver(), headers=headers),
                client.get("/search"),
            )
            assert_unavailable_problem(read)
            assert_unavailable_problem(write)
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
