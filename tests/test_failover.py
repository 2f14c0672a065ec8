"""Failover without a restart (issue 15, item 2).

A primary and a real streaming standby of it, each a cluster of this module's own. The service
(`crosscheck serve`) and an alert worker (`crosscheck worker`) are given one multi-host
DATABASE_URL naming both, with target_session_attrs=read-write. While searches and writes run,
the primary is stopped and the standby promoted. The service carries on against the new primary
without a restart; writes in flight answer 503 with Retry-After, and a client that retries with
its Idempotency-Key gets its driver recorded exactly once; every alert is sent."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections import Counter
from urllib.parse import quote

import asyncpg
import httpx
import pytest

from alerts.rules import queue_all_new_alerts
from licensing import pgcluster
from tests.alerts_support import (
    Inbox,
    give_every_authority_an_address,
    smtp_server,
    wait_until,
    worker_env,
)
from tests.factories import make_driver, make_licence
from tests.outage_support import (
    assert_unavailable_problem,
    caught_up,
    migrated_database,
    new_driver,
    primary_and_standby,
    serving,
)
from tests.pages.conftest import make_account
from tests.test_alerts_processes import start_worker, stop

WHY = {"purpose": "new_application", "case_reference": "ROTH/2025/0042"}
_homes = itertools.count()
_writes = itertools.count()


def unique_driver() -> dict:
    """A new driver whose surname no other write in this test has."""
    n, letters = next(_writes), ""
    for _ in range(4):
        n, digit = divmod(n, 26)
        letters += "abcdefghijklmnopqrstuvwxyz"[digit]
    return {**new_driver(), "surname": "Failover" + letters}


clusters = pytest.fixture(name="clusters")(primary_and_standby)


def both(primary: pgcluster.Cluster, standby: pgcluster.Cluster, database: str) -> str:
    """The one DATABASE_URL an operator gives: both hosts, and only a writable one will do."""
    passfile = quote(str(primary.data_dir / pgcluster.PASSFILE))
    return (
        f"postgresql://{pgcluster.APP_ROLE}@127.0.0.1:{primary.port},127.0.0.1:{standby.port}"
        f"/{database}?passfile={passfile}&target_session_attrs=read-write"
    )


async def out_of_area_grants(conn, count: int) -> None:
    """`count` grants in Wolverhampton of drivers living elsewhere: an alert each."""
    homes = [
        r["name"]
        for r in await conn.fetch(
            "SELECT name FROM authority WHERE licenses_drivers AND name <> 'Wolverhampton' "
            "ORDER BY id OFFSET $1 LIMIT $2",
            next(_homes) * count,
            count,
        )
    ]
    for n, home in enumerate(homes):
        driver = await make_driver(
            conn, forenames=f"Moved{n}", recorded_by="Wolverhampton", home=home
        )
        await make_licence(conn, driver, authority="Wolverhampton")
    await queue_all_new_alerts(conn)  # the scheduler's queue_alerts job, run here


async def test_the_standby_is_promoted_under_load_and_the_service_carries_on_without_a_restart(
    clusters, tmp_path
):
    primary, standby = clusters
    await migrated_database(primary, "failover")
    await pgcluster.ensure_app_login(primary)
    url = both(primary, standby, "failover")
    conn = await asyncpg.connect(primary.url("failover"))
    officer = await make_account(conn)
    await give_every_authority_an_address(conn)
    await caught_up(primary.url("failover"), standby.url("failover"))

    done: dict[str, int] = {}  # Idempotency-Key -> driver id, once answered 201
    statuses: list[int] = []
    searches: list[int] = []
    stop_now = asyncio.Event()

    async def writer(client: httpx.AsyncClient) -> None:
        while not stop_now.is_set():
            key, body = str(uuid.uuid4()), unique_driver()
            while True:  # a client retries with the same key until it has an answer
                headers = {**officer["headers"], "Idempotency-Key": key}
                try:
                    response = await client.post("/api/v1/drivers", json=body, headers=headers)
                except httpx.TimeoutException:
                    statuses.append(0)
                    continue
                statuses.append(response.status_code)
                if response.status_code == 201:
                    done[key] = response.json()["id"]
                    await asyncio.sleep(0.05)  # a steady trickle, not a flood
                    break
                assert_unavailable_problem(response)
                await asyncio.sleep(0.1)

    async def searcher(client: httpx.AsyncClient) -> None:
        while not stop_now.is_set():
            try:
                response = await client.post(
                    "/api/v1/searches",
                    json={
                        **WHY,
                        "forenames": "Alex",
                        "surname": "Outage",
                        "date_of_birth": "1975-06-01",
                    },
                    headers=officer["headers"],
                )
            except httpx.TimeoutException:
                searches.append(0)
                continue
            searches.append(response.status_code)
            if response.status_code != 200:
                assert_unavailable_problem(response)
            await asyncio.sleep(0.1)

    with smtp_server(inbox=Inbox(delay=0.05)) as inbox:
        env = worker_env(url, inbox.port, ALERT_BATCH_SIZE="3", ALERT_SEND_CONCURRENCY="1")
        worker = await start_worker(env, tmp_path / "worker.log")
        try:
            async with (
                serving(
                    url,
                    tmp_path / "service.log",
                    DB_STATEMENT_TIMEOUT_MS="2000",
                    SEARCHES_PER_HOUR="1000000",
                    SEARCHES_ALERT_AT="1000000",
                ) as base,
                httpx.AsyncClient(base_url=base, timeout=20) as client,
            ):
                tasks = [asyncio.ensure_future(writer(client)) for _ in range(3)]
                tasks.append(asyncio.ensure_future(searcher(client)))
                await out_of_area_grants(conn, 20)
                await wait_until(lambda: len(done) >= 10 and len(inbox.messages) >= 2, 60)
                await conn.close()

                # the primary's machine goes; the standby is promoted
                await asyncio.to_thread(pgcluster.stop, primary.data_dir)
                written, searched = len(done), searches.count(200)
                await asyncio.to_thread(pgcluster.promote, standby.data_dir)

                # the same service process carries on against the new primary
                await wait_until(lambda: len(done) >= written + 10, timeout=90, every=0.2)
                await wait_until(lambda: searches.count(200) >= searched + 5, timeout=60)
                stop_now.set()
                await asyncio.gather(*tasks)

            conn = await asyncpg.connect(standby.url("failover"))
            try:
                assert not await conn.fetchval("SELECT pg_is_in_recovery()")
                await out_of_area_grants(conn, 10)  # alerts raised after the failover
                await wait_until(
                    lambda: conn.fetchval(
                        "SELECT count(*) = count(*) FILTER (WHERE status = 'sent') AND"
                        " count(*) >= 30 FROM alert"
                    ),
                    timeout=90,
                    every=0.5,
                )
                alerts = [r["id"] for r in await conn.fetch("SELECT id FROM alert ORDER BY id")]
                # the API answers with drivers' public ids
                stored = await conn.fetch(
                    "SELECT DISTINCT d.public_id::text AS id, n.surname"
                    " FROM driver_name n JOIN driver d ON d.id = n.driver_id"
                    " WHERE n.surname LIKE 'Failover%'"
                )
            finally:
                await conn.close()
        finally:
            await stop(worker)

    assert 503 in statuses  # the failover was seen, and said so
    assert set(statuses) <= {0, 201, 503}, sorted(set(statuses))
    # every answered write is there once: no key made two drivers, none was lost
    ids = {row["id"] for row in stored}
    assert set(done.values()) <= ids
    assert len(set(done.values())) == len(done)
    assert max(Counter(row["surname"] for row in stored).values()) == 1
    # alert dispatch resumed on the new primary: every alert sent, none lost
    sent = Counter(inbox.alert_ids())
    assert set(sent) == set(alerts)
