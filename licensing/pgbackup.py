"""Backups of the private cluster and point-in-time recovery, with PostgreSQL's own tools.

- `backup()` turns WAL archiving on the first time (archive_mode, an archive_command copying
  each finished WAL file into BACKUPS/wal, archive_timeout so a quiet hour still archives; one
  restart), then takes a base backup with pg_basebackup into BACKUPS/base-<UTC time>.
- `restore()` copies the newest base backup taken before the target time into a new folder,
  and starts it with a recovery.signal, a restore_command reading BACKUPS/wal and a
  recovery_target_time: PostgreSQL replays the WAL up to that moment, then promotes the copy
  to a primary of its own. The cluster that was backed up is never touched.

docs/operations.md states the recovery point and time objectives this gives, as measured.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

from licensing import pgcluster
from licensing.pgcluster import Cluster, ClusterError

ARCHIVE_TIMEOUT_SECONDS = 60  # the recovery point objective on a quiet system
STAMP = "%Y%m%dT%H%M%SZ"


def archive_dir(backups: Path) -> Path:
    return backups / "wal"


def archive_command(backups: Path) -> str:
    wal = archive_dir(backups)
    return f"test ! -f {wal}/%f && cp %p {wal}/%f"


def _prepare(backups: Path, cluster: Cluster) -> Path:
    """The backups folder, its WAL archive and a copy of the logins' passwords, all readable by
    the server's user (postgres, when run as root) and by no one else."""
    backups.mkdir(parents=True, exist_ok=True)
    archive_dir(backups).mkdir(exist_ok=True)
    passfile = backups / pgcluster.PASSFILE
    if not passfile.exists():
        fd = os.open(passfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write((cluster.data_dir / pgcluster.PASSFILE).read_text())
    for path in (backups, archive_dir(backups), passfile):
        pgcluster._hand_to_postgres(path)
    return passfile


async def ensure_archiving(cluster: Cluster, backups: Path) -> bool:
    """WAL archiving into backups/wal; True when it had to be turned on (a restart)."""
    import asyncpg

    conn = await asyncpg.connect(cluster.url("postgres"))
    try:
        mode = await conn.fetchval("SHOW archive_mode")
        command = await conn.fetchval("SHOW archive_command")
        timeout = await conn.fetchval(
            "SELECT setting FROM pg_settings WHERE name = $1", "archive_timeout"
        )
        wanted = archive_command(backups)
        if mode == "on" and command == wanted and int(timeout) == ARCHIVE_TIMEOUT_SECONDS:
            return False
        # ALTER SYSTEM takes no parameters; the command is built from a path we chose
        await conn.execute("ALTER SYSTEM SET archive_mode = 'on'")
        await conn.execute(f"ALTER SYSTEM SET archive_command = '{wanted}'")
        await conn.execute(f"ALTER SYSTEM SET archive_timeout = {ARCHIVE_TIMEOUT_SECONDS}")
    finally:
        await conn.close()
    bindir = pgcluster.ensure_binaries()
    await asyncio.to_thread(
        pgcluster._run,
        [
            str(bindir / "pg_ctl"),
            "restart",
            "-D",
            str(cluster.pgdata),
            "-m",
            "fast",
            "-w",
            "-l",
            str(cluster.data_dir / "postgres.log"),
        ],
        "Restarting PostgreSQL with WAL archiving",
    )
    return True


async def backup(cluster: Cluster, backups: Path) -> Path:
    """A base backup of the whole cluster into backups/base-<UTC time>, WAL archiving on."""
    passfile = await asyncio.to_thread(_prepare, backups, cluster)
    await ensure_archiving(cluster, backups)
    target = backups / f"base-{datetime.now(UTC).strftime(STAMP)}"
    conninfo = f"host=127.0.0.1 port={cluster.port} user={pgcluster.SUPERUSER} passfile={passfile}"
    bindir = pgcluster.ensure_binaries()
    pgcluster._run(
        [
            str(bindir / "pg_basebackup"),
            "-D",
            str(target),
            "-d",
            conninfo,
            "-X",
            "stream",
            "-c",
            "fast",
        ],
        "Taking the base backup",
    )
    return target


def parse_time(text: str) -> datetime:
    """An ISO 8601 time; without a zone it is UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ClusterError(
            f"--to must be a time like 2026-12-04T13:05:00Z or '2026-12-04 13:05:00+00', "
            f"not {text!r}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def base_before(backups: Path, moment: datetime) -> Path:
    """The newest base backup finished before `moment`."""
    found = []
    for path in backups.glob("base-*"):
        try:
            taken = datetime.strptime(path.name[5:], STAMP).replace(tzinfo=UTC)
        except ValueError:
            continue
        if taken < moment and (path / "backup_label").exists():
            found.append((taken, path))
    if not found:
        raise ClusterError(f"No base backup in {backups} was taken before {moment.isoformat()}")
    return max(found)[1]


def _copy_for_recovery(backups: Path, moment: datetime, data_dir: Path) -> Path:
    """The base backup copied under data_dir, set to replay the archive up to `moment`."""
    base = base_before(backups, moment)
    data_dir = pgcluster.resolve_data_dir(data_dir)
    pgdata = data_dir / "pgdata"
    if pgdata.exists():
        raise ClusterError(f"{pgdata} already exists: restore into a new folder")
    subprocess.run(["cp", "-a", str(base), str(pgdata)], check=True)
    os.chmod(pgdata, 0o700)
    shutil.copy2(backups / pgcluster.PASSFILE, data_dir / pgcluster.PASSFILE)
    with open(pgdata / "postgresql.auto.conf", "a") as conf:
        conf.write(
            f"restore_command = 'cp {archive_dir(backups)}/%f %p'\n"
            f"recovery_target_time = '{moment.isoformat()}'\n"
            "recovery_target_action = 'promote'\n"
            # the copy does not add its own WAL to the archive it came from
            "archive_mode = 'off'\n"
        )
    (pgdata / "recovery.signal").touch()
    for path in (data_dir, pgdata, pgdata / "recovery.signal", pgdata / "postgresql.auto.conf"):
        pgcluster._hand_to_postgres(path)
    return data_dir


async def restore(
    backups: Path, moment: datetime, data_dir: Path, *, fast: bool = False
) -> Cluster:
    """A new cluster under data_dir holding the register as it stood at `moment`."""
    import asyncpg

    data_dir = await asyncio.to_thread(_copy_for_recovery, backups, moment, data_dir)
    cluster = await asyncio.to_thread(pgcluster.start, data_dir, fast=fast)
    deadline = time.monotonic() + 600
    while True:
        conn = await asyncpg.connect(cluster.url("postgres"))
        try:
            if not await conn.fetchval("SELECT pg_is_in_recovery()"):
                return cluster
        finally:
            await conn.close()
        if time.monotonic() > deadline:
            raise ClusterError("The restored cluster did not finish its recovery in 10 minutes")
        await asyncio.sleep(0.2)
