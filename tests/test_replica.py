"""A hot standby for the read-heavy work (issue 15, item 1).

The module starts a cluster of its own and a real streaming standby of it (pg_basebackup -R),
then runs the service with DATABASE_REPLICA_URL. The proof that a summary is read on the
standby: replay is paused there, a licence is granted on the primary, and the summary does not
count it; once the standby is further behind than REPLICA_MAX_LAG_SECONDS the summary comes
from the primary and counts it; when replay resumes the standby serves again."""

from __future__ import annotations

import contextlib
import re
from datetime import date

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from alerts.schedule import Jobs
from licensing import db, pgcluster
from licensing.app import create_app
from licensing.settings import load
from tests.alerts_support import config_for, wait_until
from tests.factories import make_user
from tests.outage_support import caught_up, migrated_database, primary_and_standby
from tests.pages.conftest import make_account, sign_in
from tests.test_compliance import QUERY, driver, licence

SUMMARY = f"/api/v1/compliance/summary?{QUERY}"


clusters = pytest.fixture(scope="module", name="clusters")(primary_and_standby)


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
            "CROSSCHECK_SECURE_COOKIES": "false",
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


async def test_the_audit_export_is_read_on_the_standby_once_it_holds_the_exports_own_row(urls):
    conn = await asyncpg.connect(urls["primary_owner"])
    standby = await asyncpg.connect(urls["standby_owner"])
    try:
        dpo = await make_user(conn, role="dpo", authority="Wolverhampton")
        officer = await make_user(conn, authority="Wolverhampton")
        async with client_for(urls, "3600") as client:
            await client.get("/api/v1/me", headers=officer["headers"])  # an audited row or two
            scans = await standby.fetchval(AUDIT_SCANS)
            first = await client.get("/api/v1/audit.csv", headers=dpo["headers"])
            assert first.status_code == 200, first.text
            assert first.headers["read-from"] == "replica"
        # the standby's own statistics saw the export read the log there (its pools closed: _more)
        await wait_until(lambda: _more(standby, scans, AUDIT_SCANS), timeout=30)

        async with client_for(urls, "3600") as client:
            # Replay paused: the standby cannot hold the next export's own row, so the primary
            # reads it, and the file still holds everything the first one did.
            await standby.execute("SELECT pg_wal_replay_pause()")
            try:
                second = await client.get("/api/v1/audit.csv", headers=dpo["headers"])
            finally:
                await standby.execute("SELECT pg_wal_replay_resume()")
        assert second.status_code == 200
        assert second.headers["read-from"] == "primary"
        assert first.text.splitlines()[1:] == second.text.splitlines()[2:]  # one export newer
    finally:
        await standby.close()
        await conn.close()


AUDIT_SCANS = """
SELECT coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0) FROM pg_stat_user_tables
WHERE relname = 'audit_log'
"""


async def _more(standby, before, scans: str) -> bool:
    """Whether the standby's statistics count more scans than before. A server process reports
    its statistics when it ends, else when it goes idle but at most once a second: one that
    reported less than a second ago holds the rest for 10 s of idleness. So the pool that
    scanned is closed first (its server processes end and report at once)."""
    await standby.execute("SELECT pg_stat_clear_snapshot()")
    return await standby.fetchval(scans) > before


async def test_the_duplicates_job_reads_the_register_on_the_standby_and_writes_on_the_primary(
    urls,
):
    primary = await db.create_pool(urls["primary"], min_size=1, max_size=2)
    replica = await db.create_pool(urls["standby"], min_size=1, max_size=2)
    standby = await asyncpg.connect(urls["standby_owner"])
    reads = db.Reads(primary, replica, 3600)

    async def reader() -> asyncpg.Pool:  # as the service's scheduler does (licensing/background)
        read = await reads.choose()
        return read.pool if read.source == "replica" else primary

    try:
        async with primary.acquire() as conn:  # drivers recorded by several authorities
            for home, by in (("Leeds", "Leeds"), ("Sheffield", "Sheffield"), ("Bolton", "Leeds")):
                await driver(conn, home, recorded_by=by)
        await caught_up(urls["primary_owner"], urls["standby_owner"])
        before = await standby.fetchval(NAME_SCANS)
        report = await Jobs(primary, config_for(25), reader=reader).find_duplicates()
        assert report is not None  # it ran, and stored its model on the primary
        await replica.close()  # its server processes report their scans (_more)
        await wait_until(lambda: _more(standby, before, NAME_SCANS), timeout=30)
        async with primary.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM duplicate_model") >= 1
    finally:
        await standby.close()
        await reads.close()
        await primary.close()


NAME_SCANS = """
SELECT seq_scan + coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = 'driver_name'
"""


@contextlib.asynccontextmanager
async def behind_by(standby, conn, seconds: float):
    """Replay paused on the standby, a licence granted on the primary since, and the standby
    more than `seconds` behind it; replay resumes after the block."""
    await standby.execute("SELECT pg_wal_replay_pause()")
    try:
        await grant(conn)
        # Behind means the grant has reached the standby and waits there unreplayed: on a busy
        # machine the clock can pass `seconds` before the WAL arrives, and a standby with
        # nothing unreplayed is rightly reported current.
        await wait_until(
            lambda: standby.fetchval(
                "SELECT clock_timestamp() - pg_last_xact_replay_timestamp() > make_interval("
                "secs => $1) AND pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()",
                seconds,
            ),
            timeout=30,
        )
        yield
    finally:
        await standby.execute("SELECT pg_wal_replay_resume()")


async def test_the_dft_page_says_how_far_behind_the_register_its_figures_are(urls):
    conn = await asyncpg.connect(urls["primary_owner"])
    standby = await asyncpg.connect(urls["standby_owner"])
    try:
        analyst = await make_account(conn, role="dft_analyst", authority=None)
        await caught_up(urls["primary_owner"], urls["standby_owner"])
        async with client_for(urls, "3600") as client:
            client.follow_redirects = False
            await sign_in(client, analyst)
            page = await client.get("/compliance")
            assert page.status_code == 200
            assert re.search(FROM_STANDBY, page.text)

            async with behind_by(standby, conn, 2.5):
                page = await client.get("/compliance")
            assert int(re.search(FROM_STANDBY, page.text).group(1)) >= 2
        async with client_for(urls, "1") as client:
            client.follow_redirects = False
            await sign_in(client, analyst)
            async with behind_by(standby, conn, 1.5):
                page = await client.get("/compliance")
            assert "UK time, read from the register itself." in page.text
    finally:
        await standby.close()
        await conn.close()


FROM_STANDBY = (
    r"Figures as of \d\d:\d\d:\d\d UK time, read from a standby copy of the register (\d+) s"
)
