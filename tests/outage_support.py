"""Real processes for the outage tests: a PostgreSQL cluster of the test's own (never the
suite's shared one) that can be paused or restarted, and the service as `crosscheck serve`."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import socket
import string
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest

from licensing import pgcluster
from licensing.migrate import migrate
from registry.authorities import load_reference
from registry.names import load_name_reference

CROSSCHECK = str(Path(sys.executable).parent / "crosscheck")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def migrated_database(cluster: pgcluster.Cluster, name: str = "outage") -> str:
    admin = await asyncpg.connect(cluster.url("postgres"))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = cluster.url(name)
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
        await load_reference(conn)
        await load_name_reference(conn)
    finally:
        await conn.close()
    return url


def cluster_pids(cluster: pgcluster.Cluster) -> list[int]:
    """The postmaster and every process it started (backends, checkpointer, WAL writer...)."""
    postmaster = int((cluster.pgdata / "postmaster.pid").read_text().split()[0])
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == postmaster:
            children.append(int(entry.name))
    return [postmaster, *children]


@contextlib.contextmanager
def paused(cluster: pgcluster.Cluster):
    """The database hangs rather than stops: every one of its processes is SIGSTOPped, so
    connections stay open and nothing answers; SIGCONT on leaving."""
    pids = cluster_pids(cluster)
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in reversed(pids):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)


def restart(cluster: pgcluster.Cluster, down_seconds: float = 2.0) -> None:
    """A fast shutdown (sessions are ended mid-statement), a pause, and a start on the same
    port with the same data."""
    pgcluster.stop(cluster.data_dir)
    time.sleep(down_seconds)
    started = pgcluster.start(cluster.data_dir, fast=True)
    assert started.port == cluster.port


@contextlib.asynccontextmanager
async def serving(db_url: str, log: Path, **env: str):
    """`crosscheck serve` on a free port; yields its base URL once /health answers."""
    port = free_port()
    out = open(log, "wb")
    process = await asyncio.create_subprocess_exec(
        CROSSCHECK,
        "serve",
        "--port",
        str(port),
        env={
            **os.environ,
            "DATABASE_URL": db_url,
            "CROSSCHECK_SCHEDULER": "false",
            "CROSSCHECK_SECURE_COOKIES": "false",
            **env,
        },
        stdout=out,
        stderr=out,
    )
    out.close()
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=5) as client:
            deadline = time.monotonic() + 90  # a busy shared machine starts it slowly
            while time.monotonic() < deadline:
                if process.returncode is not None:
                    raise AssertionError(f"the service stopped:\n{log.read_text()}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get("/health")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("the service did not start")
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 15)
        except TimeoutError:
            process.kill()
            await process.wait()


STATEMENT_TIMEOUT_MS = "4000"  # short, so a hang is answered quickly; not so short that a
# sign-in on a machine at load 15 overruns it (seen at 1.5 s in a CI run beside other work)
_names = itertools.count()


def throwaway_cluster():
    folder = pgcluster.throwaway("crosscheck-outage-")
    cluster = pgcluster.start(folder, fast=True)
    yield cluster
    pgcluster.discard(folder)


async def fresh_database(own_cluster, request):
    return await migrated_database(own_cluster, f"outage_{request.node.name[-40:].lower()}")


def outage_fixtures():
    """The fixtures of a module whose tests take the database down, to assign in the module:
    `own_cluster`, a cluster of the module's own (module-scoped), and `database`, a migrated
    database of the test's own in it."""
    return (
        pytest.fixture(scope="module", name="own_cluster")(throwaway_cluster),
        pytest.fixture(name="database")(fresh_database),
    )


@contextlib.asynccontextmanager
async def service_client(database: str, folder: Path):
    """A client of `crosscheck serve` over `database`, with the service's statement limit
    short so that a hang is answered quickly; the service's log in `folder`."""
    async with (
        serving(
            database, folder / "service.log", DB_STATEMENT_TIMEOUT_MS=STATEMENT_TIMEOUT_MS
        ) as base,
        httpx.AsyncClient(base_url=base, timeout=60) as client,  # a busy machine
    ):
        yield client


def primary_and_standby():
    """A primary and a real streaming standby of it, each a cluster of the test's own (a
    fixture: declare it with the scope the module needs)."""
    primary_dir = pgcluster.throwaway("crosscheck-primary-")
    standby_dir = pgcluster.throwaway("crosscheck-standby-")
    primary = pgcluster.start(primary_dir, fast=True)
    try:
        standby = pgcluster.start_standby(primary, standby_dir, fast=True)
        yield primary, standby
    finally:
        pgcluster.discard(standby_dir)
        pgcluster.discard(primary_dir)


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


async def caught_up(primary_url: str, standby_url: str) -> None:
    """Wait until the standby has replayed everything the primary has written so far.

    The standby is asked through its maintenance database: a database the primary has just
    created may not have reached the standby yet, and the replay position is the cluster's."""
    from tests.alerts_support import wait_until

    primary = await asyncpg.connect(primary_url)
    standby = await asyncpg.connect(urlsplit(standby_url)._replace(path="/postgres").geturl())
    try:
        # The insert position, not the write position: test clusters run with
        # synchronous_commit off, so a commit may still sit in WAL buffers, behind
        # pg_current_wal_lsn(), and a standby "caught up" to that would not yet see it.
        target = await primary.fetchval("SELECT pg_current_wal_insert_lsn()::text")

        async def replayed():
            done = await standby.fetchval(
                "SELECT pg_last_wal_replay_lsn() >= $1::text::pg_lsn", target
            )
            return bool(done)

        await wait_until(replayed, timeout=60)
    finally:
        await standby.close()
        await primary.close()
