"""Backups and point-in-time recovery (issue 15, item 3), with PostgreSQL's own tools.

A cluster of this module's own is backed up (pg_basebackup, WAL archived), then changed
twice; the backup is restored to the moment between the two changes. The register, its event
log and the audit log stand in the restored copy exactly as they stood at that moment."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time

import asyncpg
import pytest

from licensing import pgbackup, pgcluster
from tests.alerts_support import wait_until
from tests.factories import make_driver, make_entry, make_licence
from tests.outage_support import CROSSCHECK, migrated_database

TABLES = ("driver", "driver_name", "licence", "register_entry", "register_event", "audit_log")


@pytest.fixture
def own_cluster():
    folder = pgcluster.throwaway("crosscheck-backup-")
    cluster = pgcluster.start(folder, fast=True)
    yield cluster
    pgcluster.discard(folder)


async def as_it_stands(conn) -> dict[str, list]:
    """Every row of the register's tables, the event log and the audit log, in id order."""
    return {
        table: [tuple(row) for row in await conn.fetch(f"SELECT * FROM {table} ORDER BY id")]
        for table in TABLES
    }


async def a_decision(conn, surname: str) -> None:
    driver = await make_driver(conn, surname=surname, recorded_by="Sheffield")
    await make_licence(conn, driver, authority="Sheffield")
    await make_entry(conn, driver)


async def archived(conn, wal_file: str) -> bool:
    last = await conn.fetchval("SELECT last_archived_wal FROM pg_stat_archiver")
    return last is not None and last >= wal_file


async def test_a_backup_restored_to_a_moment_between_two_changes_stands_exactly_as_then(
    own_cluster, tmp_path
):
    url = await migrated_database(own_cluster, "backup")
    backups = pgcluster.throwaway("crosscheck-backups-")
    restored_dir = pgcluster.throwaway("crosscheck-restored-")
    try:
        conn = await asyncpg.connect(url)
        await a_decision(conn, "Before")
        await conn.close()

        base = await pgbackup.backup(own_cluster, backups)
        assert (base / "backup_label").exists()

        conn = await asyncpg.connect(url)
        await a_decision(conn, "Between")
        then = await as_it_stands(conn)
        moment = await conn.fetchval("SELECT clock_timestamp()")
        await asyncio.sleep(1)
        await a_decision(conn, "After")
        now = await as_it_stands(conn)
        assert now != then
        # the WAL holding the last change is archived now, not at the next archive_timeout
        wal_file = await conn.fetchval("SELECT pg_walfile_name(pg_switch_wal())")
        await wait_until(lambda: archived(conn, wal_file), timeout=60)
        await conn.close()

        started = time.monotonic()
        restored = await pgbackup.restore(backups, moment, restored_dir, fast=True)
        print(f"restored to {moment.isoformat()} in {time.monotonic() - started:.1f} s")
        copy = await asyncpg.connect(restored.url("backup"))
        try:
            assert await as_it_stands(copy) == then
            surnames = {r["surname"] for r in await copy.fetch("SELECT surname FROM driver_name")}
            assert {"Before", "Between"} <= surnames and "After" not in surnames
        finally:
            await copy.close()
    finally:
        pgcluster.discard(restored_dir)
        pgcluster.discard(backups)


def crosscheck(*args: str, data_dir) -> str:
    done = subprocess.run(
        [CROSSCHECK, *args],
        env={**os.environ, "CROSSCHECK_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


async def test_an_operator_backs_up_and_restores_the_private_cluster_from_the_command_line():
    data_dir = pgcluster.throwaway("crosscheck-cli-backup-")
    restored = data_dir / "restored"
    try:
        url = crosscheck("db", "start", data_dir=data_dir)
        crosscheck("db", "migrate", data_dir=data_dir)
        assert "base backup in" in crosscheck("db", "backup", data_dir=data_dir)
        conn = await asyncpg.connect(url)
        try:
            await a_decision(conn, "Kept")
            moment = await conn.fetchval("SELECT clock_timestamp()")
            await asyncio.sleep(1)
            await a_decision(conn, "Undone")
            wal_file = await conn.fetchval("SELECT pg_walfile_name(pg_switch_wal())")
            await wait_until(lambda: archived(conn, wal_file), timeout=60)
        finally:
            await conn.close()
        copy_url = crosscheck(
            "db", "restore", "--to", moment.isoformat(), "--into", str(restored), data_dir=data_dir
        )
        copy = await asyncpg.connect(copy_url)
        try:
            surnames = {r["surname"] for r in await copy.fetch("SELECT surname FROM driver_name")}
        finally:
            await copy.close()
        assert "Kept" in surnames and "Undone" not in surnames
    finally:
        pgcluster.discard(restored)
        pgcluster.discard(data_dir)
