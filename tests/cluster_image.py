"""The migrated cluster a test run starts from, built once a run and copied by each process.

A test process used to run initdb, start its cluster, create the template database and migrate
it (2-4 s, each xdist worker at the same moment). Now the run's first process starts this
module in the background as it starts up (`start_building`), so the build overlaps the
workers' start-up and collection; it leaves a stopped cluster holding the migrated template.
Each process that needs a database copies that cluster's folder (`copy`) and starts the copy
on a port of its own, so workers still share no cluster, port, database or file.

    python -m tests.cluster_image FOLDER    # builds FOLDER/cluster, then touches FOLDER/ready
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path

import asyncpg

from licensing import pgcluster
from licensing.migrate import migrate
from registry.authorities import load_reference
from registry.match.train import load_match_model
from registry.names import load_name_reference

TEMPLATE = "crosscheck_template"
# Where the run's processes find the folder being built (set before xdist starts its workers,
# which inherit it).
FOLDER_VARIABLE = "CROSSCHECK_TEST_CLUSTER_IMAGE"
READY = "ready"
FAILED = "failed"
WAIT_SECONDS = 600


async def _migrate_template(cluster: pgcluster.Cluster) -> None:
    admin = await asyncpg.connect(cluster.url("postgres"))
    await admin.execute(f'CREATE DATABASE "{TEMPLATE}"')
    await admin.close()
    conn = await asyncpg.connect(cluster.url(TEMPLATE))
    await migrate(conn)
    await load_reference(conn)
    await load_name_reference(conn)
    await load_match_model(conn)
    await conn.close()


def build(folder: Path) -> None:
    """A cluster under folder/cluster holding the migrated template, stopped cleanly (so that
    a copy starts without recovery), then folder/ready; on failure, folder/failed says why."""
    try:
        data_dir = folder / "cluster"
        data_dir.mkdir()
        os.chmod(data_dir, 0o755)
        cluster = pgcluster.start(data_dir, fast=True)
        asyncio.run(_migrate_template(cluster))
        pgcluster.stop(data_dir)
        # a copy picks a free port of its own; two copies must not both try this one
        (data_dir / "port").unlink()
    except BaseException:
        (folder / FAILED).write_text(traceback.format_exc())
        raise
    (folder / READY).touch()


def start_building() -> tuple[Path, subprocess.Popen[bytes]]:
    """Start building the run's cluster in a process of its own; returns its folder."""
    folder = pgcluster.throwaway("crosscheck-test-image-")
    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.cluster_image", str(folder)],
        cwd=root,
        stdin=subprocess.DEVNULL,
    )
    os.environ[FOLDER_VARIABLE] = str(folder)
    return folder, process


def end_building(folder: Path, process: subprocess.Popen[bytes]) -> None:
    """Delete the folder once the build has ended. A run that needed no database waits for
    it (a few seconds) rather than killing it: initdb, a process of its own, would go on
    writing into a folder being deleted."""
    try:
        process.wait(timeout=WAIT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if (folder / "cluster" / "pgdata" / "postmaster.pid").exists():
        pgcluster.discard(folder / "cluster")  # the build failed with its server up
    pgcluster.discard(folder)


def _wait_until_built(folder: Path) -> Path:
    deadline = time.monotonic() + WAIT_SECONDS
    while not (folder / READY).exists():
        if (folder / FAILED).exists():
            raise RuntimeError(
                "building the tests' cluster failed:\n" + (folder / FAILED).read_text()
            )
        if time.monotonic() > deadline:
            raise RuntimeError(f"the tests' cluster was not built in {WAIT_SECONDS} s ({folder})")
        time.sleep(0.05)
    return folder / "cluster"


def copy() -> Path:
    """A throwaway folder holding a copy of the run's built cluster (stopped)."""
    image = _wait_until_built(Path(os.environ[FOLDER_VARIABLE]))
    folder = pgcluster.throwaway()
    # cp -a keeps the data folder's owner and modes (the postgres user's, when run as root)
    subprocess.run(["cp", "-a", "--", f"{image}/.", str(folder)], check=True)
    return folder


if __name__ == "__main__":
    build(Path(sys.argv[1]))
