"""A hot standby for the read-heavy work (issue 15, item 1).

The module starts a cluster of its own and a real streaming standby of it (pg_basebackup -R),
then runs the service with DATABASE_REPLICA_URL. The proof that a summary is read on the
standby: replay is paused there, a licence is granted on the primary, and the summary does not
count it; once the standby is further behind than REPLICA_MAX_LAG_SECONDS the summary comes
from the primary and counts it; when replay resumes the standby serves again."""

from __future__ import annotations

from datetime import date

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from licensing import pgcluster
from licensing.app import create_app
from licensing.settings import load
from tests.alerts_support import wait_until
from tests.factories import make_user
from tests.outage_support import caught_up, migrated_database
from tests.test_compliance import QUERY, driver, licence

SUMMARY = f"/api/v1/compliance/summary?{QUERY}"


@pytest.fixture(scope="module")
def clusters():
    primary_dir = pgcluster.throwaway("crosscheck-primary-")
    standby_dir = pgcluster.throwaway("crosscheck-standby-")
    primary = pgcluster.start(primary_dir, fast=True)
    try:
        standby = pgcluster.start_standby(primary, standby_dir, fast=True)
        yield primary, standby
    finally:
        pgcluster.discard(standby_dir)
        pgcluster.discard(primary_dir)


@pytest.fixture(scope="module")
async def urls(clusters):
    primary, standby = clusters
    await migrated_database(primary, "replica")
    await pgcluster.ensure_app_login(primary)  # the service's own login, as in production
    await caught_up(primary.url("replica"), standby.url("replica"))
    return {
        "primary": primary.url("replica", user=pgcluster.APP_ROLE),
        "standby": standby.url("replica", user=pgcluster.APP_ROLE),
        "primary_owner": primary.url("replica"),
        "standby_owner": standby.url("replica"),
    }


def client_for(urls: dict, max_lag: str) -> AsyncTestClient:
    settings = load(
        {
            "DATABASE_URL": urls["primary"],
            "DATABASE_REPLICA_URL": urls["standby"],
            "REPLICA_MAX_LAG_SECONDS": max_lag,
            "CROSSCHECK_SCHEDULER": "false",
            "METRICS_TOKEN": "scrape-token",
        }
    )
    return AsyncTestClient(app=create_app(settings))


async def licensed(client, headers) -> tuple[int, dict]:
    answer = await client.get(SUMMARY, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["national"]["totals"]["licences_granted"], dict(answer.headers)


async def grant(conn) -> None:
    driver_id = await driver(conn, "Bolton", recorded_by="Wolverhampton")
    await licence(conn, driver_id, "Wolverhampton", starts=date(2025, 2, 3))


async def test_summaries_are_read_on_the_standby_within_the_staleness_bound_else_the_primary(
    urls,
):
    conn = await asyncpg.connect(urls["primary_owner"])
    standby = await asyncpg.connect(urls["standby_owner"])
    try:
        dft = await make_user(conn, role="dft_analyst", authority=None)
        await grant(conn)
        await caught_up(urls["primary_owner"], urls["standby_owner"])

        # Caught up: the standby answers and says it is not behind.
        async with client_for(urls, "3600") as client:
            before, headers = await licensed(client, dft["headers"])
        assert before == 1
        assert headers["read-from"] == "replica"
        assert float(headers["replica-lag-seconds"]) >= 0

        # Replay paused on the standby: a licence granted now exists only on the primary.
        await standby.execute("SELECT pg_wal_replay_pause()")
        await grant(conn)
        async with client_for(urls, "3600") as client:
            stale, headers = await licensed(client, dft["headers"])
            assert (stale, headers["read-from"]) == (1, "replica")
            # the standby's own statistics saw the summary's statements
            assert await standby.fetchval(
                "SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'licence' AND"
                " seq_scan + coalesce(idx_scan, 0) > 0"
            )

        # Further behind than the bound allows: the primary answers, with the new licence.
        await wait_until(
            lambda: standby.fetchval(
                "SELECT clock_timestamp() - pg_last_xact_replay_timestamp() > interval '1.5 s'"
            ),
            timeout=30,
        )
        async with client_for(urls, "1") as client:
            fresh, headers = await licensed(client, dft["headers"])
            assert (fresh, headers["read-from"]) == (2, "primary")
            assert float(headers["replica-lag-seconds"]) > 1

            # Replay resumes: the standby catches up and takes the summaries again.
            await standby.execute("SELECT pg_wal_replay_resume()")
            await caught_up(urls["primary_owner"], urls["standby_owner"])
            again, headers = await licensed(client, dft["headers"])
            assert (again, headers["read-from"]) == (2, "replica")
            scraped = await client.get("/metrics", headers={"Authorization": "Bearer scrape-token"})
            assert "crosscheck_replica_lag_seconds" in scraped.text
    finally:
        await standby.close()
        await conn.close()


async def test_a_standby_that_is_down_costs_nothing_but_the_primary_answers(urls, clusters):
    conn = await asyncpg.connect(urls["primary_owner"])
    try:
        dft = await make_user(conn, role="dft_analyst", authority=None)
    finally:
        await conn.close()
    gone = dict(urls, standby=urls["standby"].replace(str(clusters[1].port), "1"))
    async with client_for(gone, "3600") as client:
        answer = await client.get(SUMMARY, headers=dft["headers"])
    assert answer.status_code == 200
    assert answer.headers["read-from"] == "primary"
    assert "replica-lag-seconds" not in answer.headers
    async with client_for(gone, "3600") as client:
        scraped = await client.get("/metrics", headers={"Authorization": "Bearer scrape-token"})
    assert "crosscheck_replica_lag_seconds -1.0" in scraped.text
