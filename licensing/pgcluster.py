"""A private PostgreSQL cluster started from the machine's own binaries.

Used when DATABASE_URL is not set (the demo) and by the test suite (a throwaway cluster per
run). initdb and pg_ctl refuse to run as root, so as root every server command runs as the
`postgres` user, and the data folder is handed to that user.
"""

from __future__ import annotations

import glob
import hashlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

SUPERUSER = "crosscheck"
APP_ROLE = "crosscheck_app"
DATABASE = "crosscheck"
# Passwords for the cluster's two logins, in libpq's format, readable by its owner only; URLs
# name the file (?passfile=), so a printed or logged URL carries no password.
PASSFILE = "pgpass"
MIN_VERSION = 15


class ClusterError(Exception):
    """The private cluster could not be set up; the message says why and what to do."""


@dataclass(frozen=True)
class Cluster:
    data_dir: Path
    port: int

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"

    def url(self, database: str = DATABASE, user: str = SUPERUSER) -> str:
        passfile = quote(str(self.data_dir / PASSFILE))
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}?passfile={passfile}"

    def password(self, user: str) -> str:
        return passwords(self.data_dir)[user]


def passwords(data_dir: Path) -> dict[str, str]:
    """The logins' passwords, made (random, 256 bits) the first time they are asked for."""
    path = data_dir / PASSFILE
    if not path.exists():
        lines = "".join(
            f"127.0.0.1:*:*:{user}:{secrets.token_urlsafe(32)}\n" for user in (SUPERUSER, APP_ROLE)
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(lines)
    found = {}
    for line in path.read_text().splitlines():
        *_, user, password = line.split(":")
        found[user] = password
    return found


def _is_root() -> bool:
    return os.geteuid() == 0


def find_bindir() -> Path | None:
    if override := os.environ.get("CROSSCHECK_PG_BINDIR"):
        # An operator (or a test) names the binaries to use, and only those.
        return Path(override) if os.access(Path(override) / "initdb", os.X_OK) else None
    candidates = []
    for path in glob.glob("/usr/lib/postgresql/*/bin"):
        try:
            version = int(Path(path).parent.name)
        except ValueError:
            continue
        if version >= MIN_VERSION and (Path(path) / "initdb").exists():
            candidates.append((version, Path(path)))
    if candidates:
        return max(candidates)[1]
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def install_binaries() -> Path:
    """Install Debian's postgresql packages; only possible with root rights."""
    if not _is_root():
        raise ClusterError(
            "PostgreSQL server binaries (initdb, pg_ctl) are not installed and this user "
            "cannot install them. Ask an administrator to run: "
            "apt-get install postgresql postgresql-contrib, or set DATABASE_URL to an existing "
            "PostgreSQL 15+ database."
        )
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "postgresql", "postgresql-contrib"],
    ):
        result = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise ClusterError(
                f"Installing PostgreSQL failed ({' '.join(cmd)}): {result.stderr.strip()[-400:]}"
            )
    bindir = find_bindir()
    if bindir is None:
        raise ClusterError(
            "PostgreSQL was installed but initdb was not found under /usr/lib/postgresql"
        )
    return bindir


def ensure_binaries() -> Path:
    return find_bindir() or install_binaries()


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if _is_root() else cmd


def _run(cmd: list[str], what: str) -> str:
    result = subprocess.run(_as_server_user(cmd), capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()[-600:]
        raise ClusterError(f"{what} failed: {detail}")
    return result.stdout


def _reachable_by_postgres(path: Path) -> bool:
    probe = subprocess.run(
        ["runuser", "-u", "postgres", "--", "test", "-x", str(path)], capture_output=True
    )
    return probe.returncode == 0


def resolve_data_dir(requested: Path) -> Path:
    """The folder for the cluster; as root it must be one the postgres user can reach."""
    requested.mkdir(parents=True, exist_ok=True)
    if not _is_root() or _reachable_by_postgres(requested):
        return requested
    fallback = fallback_dir(requested)
    fallback.mkdir(parents=True, exist_ok=True)
    return fallback


def fallback_dir(requested: Path) -> Path:
    """Where root keeps a cluster whose folder the postgres user cannot reach (a checkout under
    root's home): a per-checkout folder under /var/tmp, the same one on every run."""
    digest = hashlib.sha256(str(requested).encode()).hexdigest()[:12]
    return Path("/var/tmp") / f"crosscheck-{digest}"


def running(data_dir: Path) -> Cluster | None:
    """The private cluster under data_dir if it is running now; creates and starts nothing."""
    bindir = find_bindir()
    if bindir is None:
        return None
    for folder in (data_dir, fallback_dir(data_dir)):
        pgdata = folder / "pgdata"
        try:
            created = (pgdata / "PG_VERSION").exists()
        except OSError:
            created = False
        if created and _status(bindir, pgdata):
            port = _running_port(pgdata)
            if port:
                return Cluster(folder, port)
    return None


def _hand_to_postgres(path: Path) -> None:
    if _is_root():
        pw = pwd.getpwnam("postgres")
        os.chown(path, pw.pw_uid, pw.pw_gid)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _initdb(bindir: Path, pgdata: Path) -> None:
    pgdata.mkdir(parents=True, exist_ok=True)
    _hand_to_postgres(pgdata.parent)
    _hand_to_postgres(pgdata)
    # initdb reads the superuser's password from a file (as the server's user, when root)
    pwfile = pgdata.parent / "initdb-password"
    fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(passwords(pgdata.parent)[SUPERUSER] + "\n")
    _hand_to_postgres(pwfile)
    try:
        _run(
            [
                str(bindir / "initdb"),
                "-D",
                str(pgdata),
                "-U",
                SUPERUSER,
                "--auth=scram-sha-256",
                f"--pwfile={pwfile}",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-instructions",
            ],
            "initdb",
        )
    finally:
        pwfile.unlink(missing_ok=True)


def _status(bindir: Path, pgdata: Path) -> bool:
    result = subprocess.run(
        _as_server_user([str(bindir / "pg_ctl"), "status", "-D", str(pgdata)]),
        capture_output=True,
        text=True,
    )
    return result.returncode == 0


def _running_port(pgdata: Path) -> int | None:
    pid_file = pgdata / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
        return int(lines[3])
    except (OSError, IndexError, ValueError):
        return None


def _memory_settings() -> str:
    """A quarter of the machine's memory for shared buffers (PostgreSQL's own advice for a
    dedicated server), between 128 MB and 8 GB: at a million drivers the pages a search
    touches (about 700 MB) then stay in PostgreSQL's cache instead of being copied in from
    the kernel's on every search."""
    try:
        total_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    except (ValueError, OSError):
        total_mb = 1024
    shared = min(max(total_mb // 4, 128), 8192)
    return f"-c shared_buffers={shared}MB -c effective_cache_size={max(total_mb // 2, shared)}MB"


# Durable clusters (not the tests' throwaway ones): how the WAL and checkpoints are paced. After
# each checkpoint the first change to a page writes the whole page to the WAL; measured with
# bench/search_wal.py, a name search then writes 0.7 to 0.95 full-page images (docs/operations.md,
# "Checkpoints and the search tail"). So: checkpoints every 15 minutes rather than 5 (a third of
# the bursts; crash recovery replays at most 15 minutes of WAL, a few seconds here), room in
# max_wal_size for that much WAL so that no checkpoint is forced sooner, each checkpoint's
# writes spread over 90% of the interval, and full-page images compressed (lz4).
WAL_SETTINGS = {
    "checkpoint_timeout": "15min",
    "max_wal_size": "4GB",
    "checkpoint_completion_target": "0.9",
    "wal_compression": "lz4",
}

# What the server writes to its log: every checkpoint (with its write and sync times), every
# autovacuum or autoanalyze that takes a second or more, every lock wait past deadlock_timeout.
# These are what an operator reads first when a search stalls (docs/operations.md).
LOG_SETTINGS = {
    "log_checkpoints": "on",
    "log_autovacuum_min_duration": "1s",
    "log_lock_waits": "on",
}


def start(data_dir: Path, *, fast: bool = False, settings: dict[str, str] | None = None) -> Cluster:
    """Start (creating it first if need be) the cluster under data_dir; reuse a running one.
    `settings` (name to value) are given to the server on top of the ones chosen here."""
    bindir = ensure_binaries()
    data_dir = resolve_data_dir(data_dir)
    pgdata = data_dir / "pgdata"
    if not (pgdata / "PG_VERSION").exists():
        _initdb(bindir, pgdata)
    if _status(bindir, pgdata):
        port = _running_port(pgdata)
        if port:
            return Cluster(data_dir, port)
    port_file = data_dir / "port"
    port = int(port_file.read_text()) if port_file.exists() else free_port()
    if _port_in_use(port):
        port = free_port()
    options = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={pgdata}"
    options += " -c max_connections=200"
    if fast:
        # Throwaway test clusters: durability buys nothing there, and small databases need no
        # more than the default cache (several test runs may share the machine).
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    else:
        options += f" {_memory_settings()}"
        durable = {**WAL_SETTINGS, **LOG_SETTINGS}
        options += "".join(f" -c {name}={value}" for name, value in durable.items())
    options += "".join(f" -c {name}={value}" for name, value in (settings or {}).items())
    log = data_dir / "postgres.log"
    if not log.exists():
        log.touch()
        _hand_to_postgres(log)
    _run(
        [
            str(bindir / "pg_ctl"),
            "start",
            "-D",
            str(pgdata),
            "-l",
            str(log),
            "-w",
            "-t",
            "60",
            "-o",
            options,
        ],
        "Starting PostgreSQL",
    )
    port_file.write_text(str(port))
    return Cluster(data_dir, port)


REPLICATION_PASSFILE = "replication-pgpass"


def start_standby(primary: Cluster, data_dir: Path, *, fast: bool = False) -> Cluster:
    """A hot standby of `primary` streaming its WAL, under data_dir: made the first time with
    pg_basebackup -R (the primary's data as of now, plus the standby.signal and primary_conninfo
    that make it follow), then started like any cluster. Its logins and passwords are the
    primary's."""
    bindir = ensure_binaries()
    data_dir = resolve_data_dir(data_dir)
    pgdata = data_dir / "pgdata"
    if not (pgdata / "PG_VERSION").exists():
        text = (primary.data_dir / PASSFILE).read_text()
        for name in (PASSFILE, REPLICATION_PASSFILE):
            fd = os.open(data_dir / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as file:
                file.write(text)
        # the server's own copy, read by its WAL receiver (as the postgres user when root)
        _hand_to_postgres(data_dir / REPLICATION_PASSFILE)
        _hand_to_postgres(data_dir)
        conninfo = (
            f"host=127.0.0.1 port={primary.port} user={SUPERUSER} "
            f"passfile={data_dir / REPLICATION_PASSFILE} application_name=standby"
        )
        _run(
            [
                str(bindir / "pg_basebackup"),
                "-D",
                str(pgdata),
                "-d",
                conninfo,
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
            ],
            "Taking the standby's base backup",
        )
    return start(data_dir, fast=fast)


def promote(data_dir: Path) -> None:
    """Make a standby a primary (it stops following and takes writes); waits until it does."""
    bindir = ensure_binaries()
    pgdata = resolve_data_dir(data_dir) / "pgdata"
    _run([str(bindir / "pg_ctl"), "promote", "-D", str(pgdata), "-w", "-t", "60"], "Promoting")


def stop(data_dir: Path) -> bool:
    """Stop the cluster; returns False when none was running."""
    bindir = find_bindir()
    if bindir is None:
        return False
    data_dir = resolve_data_dir(data_dir)
    pgdata = data_dir / "pgdata"
    if not (pgdata / "PG_VERSION").exists() or not _status(bindir, pgdata):
        return False
    _run(
        [str(bindir / "pg_ctl"), "stop", "-D", str(pgdata), "-m", "fast", "-w"],
        "Stopping PostgreSQL",
    )
    return True


def discard(data_dir: Path) -> None:
    """End a throwaway cluster: stop it at once (no shutdown checkpoint: nothing in it is
    kept) and delete its folder in a process of its own. A test run leaves hundreds of
    databases behind, and waiting for their files to be unlinked took one to three minutes
    of every run."""
    bindir = find_bindir()
    pgdata = data_dir / "pgdata"
    if bindir is not None and (pgdata / "PG_VERSION").exists() and _status(bindir, pgdata):
        _run(
            [str(bindir / "pg_ctl"), "stop", "-D", str(pgdata), "-m", "immediate", "-w"],
            "Stopping PostgreSQL",
        )
    subprocess.Popen(
        ["rm", "-rf", "--", str(data_dir)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def throwaway(prefix: str = "crosscheck-test-") -> Path:
    """A fresh folder for a cluster that lives as long as one test run."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    os.chmod(path, 0o755)
    return path


async def create_database(cluster: Cluster, name: str = DATABASE) -> None:
    import asyncpg

    conn = await asyncpg.connect(cluster.url("postgres"))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    await ensure_app_login(cluster)


async def ensure_app_login(cluster: Cluster) -> None:
    """The service's role logs in with its own password (scram), so the service connects as
    it directly; the migrations grant it what it may do (migrations/0001_register.sql makes
    the role only where this has not)."""
    import asyncpg

    conn = await asyncpg.connect(cluster.url("postgres"))
    try:
        # the password goes as a literal (no parameters in utility statements); it is random
        # url-safe text, and the server stores only its scram hash
        password = cluster.password(APP_ROLE)
        assert password.replace("-", "").replace("_", "").isalnum()
        verb = (
            "ALTER"
            if await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", APP_ROLE)
            else "CREATE"
        )
        await conn.execute(f"{verb} ROLE {APP_ROLE} LOGIN PASSWORD '{password}'")
    finally:
        await conn.close()
