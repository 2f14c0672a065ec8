"""What the benchmarks share: a throwaway cluster and the register in it, the service started
and stopped, concurrent phases and their figures, and the machine's load beside them.

A script puts the project root on sys.path and imports from here (`from bench.harness import
...`); nothing here prints figures of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from licensing import pgcluster  # noqa: E402
from licensing.migrate import migrate  # noqa: E402
from registry.authorities import load_reference  # noqa: E402
from registry.names import load_name_reference  # noqa: E402

# --- the database ------------------------------------------------------------------------------


def load_average() -> float:
    """The machine's one-minute load average: other jobs on a shared machine show here."""
    return os.getloadavg()[0]


@contextlib.asynccontextmanager
async def connection(url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(url)
    try:
        yield conn
    finally:
        await conn.close()


async def load_register(
    conn: asyncpg.Connection, *, names: bool = False, match_model: bool = False
) -> None:
    """Migrate the production way and load the reference authorities; the name reference
    and the match model's weights too when the benchmark's work reads them."""
    await migrate(conn)
    await load_reference(conn)
    if names:
        await load_name_reference(conn)
    if match_model:
        from registry.match.train import load_match_model

        await load_match_model(conn)


@contextlib.asynccontextmanager
async def fresh_register(
    url: str, *, names: bool = False, match_model: bool = False
) -> AsyncIterator[asyncpg.Connection]:
    """A connection to the database at `url`, migrated and with its reference data."""
    async with connection(url) as conn:
        await load_register(conn, names=names, match_model=match_model)
        yield conn


@contextlib.asynccontextmanager
async def throwaway_cluster(fast: bool = True) -> AsyncIterator[pgcluster.Cluster]:
    """A private cluster with an empty database, stopped and deleted afterwards. fsync is
    off unless `fast` is False: seeding needs no durability."""
    folder = pgcluster.throwaway("crosscheck-bench-")
    try:
        cluster = pgcluster.start(folder, fast=fast)
        await pgcluster.create_database(cluster)
        yield cluster
    finally:
        release_cluster(folder)


async def empty_register(fast: bool) -> tuple[str, Path | None]:
    """(URL, cluster folder or None): DATABASE_URL when set (an empty database the script may
    migrate), else a throwaway cluster (durable unless `fast`); migrated either way. The
    caller gives the folder to release_cluster when done."""
    if url := os.environ.get("DATABASE_URL"):
        folder = None
    else:
        folder = pgcluster.throwaway("crosscheck-bench-")
        cluster = pgcluster.start(folder, fast=fast)
        await pgcluster.create_database(cluster)
        url = cluster.url()
    async with fresh_register(url):
        pass
    return url, folder


def release_cluster(folder: Path | None, keep: bool = False) -> None:
    """Stop the bench's own cluster; delete it unless it is kept for the next run."""
    if folder:
        pgcluster.stop(folder)
        if keep:
            print(f"kept the seeded cluster in {folder} (stopped): --data-dir {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


# --- a seeded register, kept between runs if asked ---------------------------------------------


async def seeded_register(args) -> tuple[str, Path | None]:
    """(owner URL, cluster folder or None). Seeds when no URL was given (or the folder of
    --data-dir holds no register yet), then runs the cluster with durable commits.
    The options are register_arguments'."""
    if args.database_url:
        return args.database_url, None
    folder = Path(args.data_dir) if args.data_dir else pgcluster.throwaway("crosscheck-bench-")
    # Seeding needs no durability (fsync off: minutes quicker); the measuring does.
    cluster = pgcluster.start(folder, fast=True)
    await pgcluster.create_database(cluster)
    await _migrate_and_seed(cluster.url(), args)
    pgcluster.stop(folder)
    cluster = pgcluster.start(folder, fast=args.fast, settings=dict(args.pg_setting))
    return cluster.url(), folder


async def _migrate_and_seed(url: str, args) -> None:
    async with connection(url) as conn:
        seeded = await conn.fetchval(
            "SELECT to_regclass('driver') IS NOT NULL"
        ) and await conn.fetchval("SELECT EXISTS (SELECT FROM driver)")
        await migrate(conn)
        await load_name_reference(conn)
        try:  # the match model's weights (registry/match/), where this version has one
            from registry.match.train import load_match_model
        except ImportError:
            pass
        else:
            await load_match_model(conn)
        if seeded:
            return
        await load_reference(conn)
        try:
            from registry.synthetic.seed import seed
        except ImportError:
            raise SystemExit(
                "registry.synthetic.seed is not available: pass --database-url of a seeded register"
            ) from None
        started = time.perf_counter()
        print(f"seeding {args.drivers:,} drivers...", flush=True)
        await seed(conn, drivers=args.drivers, seed=args.seed)
        await conn.execute("VACUUM ANALYZE")
        print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)


def register_arguments(parser, drivers: int) -> None:
    """The options that say which register to measure (seeded_register reads them)."""
    parser.add_argument(
        "--drivers", type=int, default=drivers, help=f"drivers to seed (default {drivers:,})"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="use this seeded register instead of seeding one")
    parser.add_argument(
        "--data-dir", help="cluster folder to seed once and reuse (with --keep) across runs"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the cluster folder afterwards (stopped)"
    )
    parser.add_argument(
        "--fast",
        action="store_true",
        help="measure with fsync and synchronous commit off (default: durable commits)",
    )
    parser.add_argument(
        "--pg-setting",
        action="append",
        default=[],
        type=lambda text: tuple(text.split("=", 1)),
        metavar="NAME=VALUE",
        help="a PostgreSQL setting for the measuring (repeatable), on top of the private "
        "cluster's own (licensing/pgcluster.py)",
    )


def seeding_main(doc: str, run, drivers: int, duplicates: int, help_duplicates: str = "") -> int:
    """Parse --drivers, --duplicates and --seed (2026) for a script that seeds a throwaway
    register of its own, and run `run(drivers=, duplicates=, seed_value=)` to its exit code."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--drivers", type=int, default=drivers)
    parser.add_argument("--duplicates", type=int, default=duplicates, help=help_duplicates or None)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    return asyncio.run(run(drivers=args.drivers, duplicates=args.duplicates, seed_value=args.seed))


async def bench_user(
    conn: asyncpg.Connection, role: str, authority_id: int | None, domain: str
) -> int:
    """A user of the service for the benchmark to sign in as (a new one each run)."""
    title = "Bench Officer" if authority_id else "Bench Analyst"
    return await conn.fetchval(
        """INSERT INTO app_user (email, display_name, role, authority_id)
           VALUES ($1, $2, $3, $4) RETURNING id""",
        f"bench-{uuid.uuid4().hex[:8]}@{domain}",
        title,
        role,
        authority_id,
    )


# --- the service ------------------------------------------------------------------------------


def _server_command(server: str, port: int, workers: int) -> list[str]:
    common = ["--port", str(port), "--workers", str(workers), "--loop", "uvloop"]
    quiet = ["--no-access-log", "--log-level", "warning"]
    if server == "granian":
        return [
            *(sys.executable, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1"),
            *common,
            *("--http", "1", "--no-ws", *quiet, "--factory", "licensing.app:create_app"),
        ]
    return [
        *(sys.executable, "-m", "uvicorn", "licensing.app:create_app", "--factory"),
        *("--host", "127.0.0.1", *common, "--http", "httptools", *quiet),
    ]


def start_service(
    url: str, port: int, workers: int, pool_max: int, server: str
) -> subprocess.Popen:
    env = dict(
        os.environ,
        DATABASE_URL=url,
        CROSSCHECK_SCHEDULER="false",
        DB_POOL_MIN=str(min(pool_max, 8)),
        DB_POOL_MAX=str(pool_max),
        # One token sends every search: the per-officer hourly limit would stop the run.
        SEARCHES_PER_HOUR="1000000000",
        SEARCHES_ALERT_AT="1000000000",
        API_REQUESTS_PER_MINUTE="0",  # nor the per-token limit
    )
    # The service logs a line per request (as in production): to a scratch file, not here.
    log = tempfile.TemporaryFile()
    return subprocess.Popen(
        _server_command(server, port, workers),
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


async def wait_ready(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the service exited while starting")
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            status = await reader.readline()
            writer.close()
            if status.startswith(b"HTTP/1.1 200"):
                return
        except OSError:
            pass
        await asyncio.sleep(0.3)
    raise SystemExit("the service did not become ready")


def stop_service(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


# --- measuring --------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass
class Phase:
    label: str
    seconds: float
    latencies_ms: list[float]
    errors: int

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.seconds

    def percentile(self, p: float) -> float:
        return percentile(self.latencies_ms, p)

    def line(self) -> str:
        return (
            f"{self.label:30} {self.throughput:8.0f}/s  p50 {self.percentile(50):6.2f} ms  "
            f"p95 {self.percentile(95):6.2f} ms  p99 {self.percentile(99):6.2f} ms  "
            f"errors {self.errors}"
        )

    def figures(self) -> dict:
        return {
            "throughput": round(self.throughput, 1),
            "p50_ms": round(self.percentile(50), 2),
            "p95_ms": round(self.percentile(95), 2),
            "p99_ms": round(self.percentile(99), 2),
            "requests": len(self.latencies_ms),
            "errors": self.errors,
        }


async def run_concurrently(label: str, queries: list, concurrency: int, make_worker) -> Phase:
    """Split the queries over `concurrency` workers; each returns (latencies, errors)."""
    shares = [queries[i::concurrency] for i in range(concurrency)]
    started = time.perf_counter()
    results = await asyncio.gather(*(make_worker(share) for share in shares))
    seconds = time.perf_counter() - started
    return Phase(label, seconds, [lat for r in results for lat in r[0]], sum(r[1] for r in results))


async def timed(items: list, call) -> tuple[list[float], int]:
    """Milliseconds each `await call(item)` took, and how many of them answered False."""
    latencies, errors = [], 0
    for item in items:
        started = time.perf_counter()
        ok = await call(item)
        latencies.append((time.perf_counter() - started) * 1000)
        errors += not ok
    return latencies, errors


class KeepAlive:
    """One keep-alive HTTP/1.1 connection on asyncio streams: a few microseconds per request,
    so the load generator leaves the CPU to the service it measures."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def exchange(self, request: bytes) -> bool:
        """Send one whole request and read the whole answer; True when it was 200. A broken
        connection answers False and is opened afresh for the next request."""
        if self.writer is None:
            await self.open()
        assert self.reader is not None and self.writer is not None
        try:
            self.writer.write(request)
            status = await self.reader.readline()
            length, chunked = 0, False
            while (line := await self.reader.readline()) not in (b"\r\n", b""):
                lower = line.lower()
                if lower.startswith(b"content-length:"):
                    length = int(line[15:])
                elif lower.startswith(b"transfer-encoding:") and b"chunked" in lower:
                    chunked = True
            if chunked:
                while (size := int((await self.reader.readline()).strip() or b"0", 16)) > 0:
                    await self.reader.readexactly(size + 2)
                await self.reader.readline()
            else:
                await self.reader.readexactly(length)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            self.close()
            return False
        return status.startswith(b"HTTP/1.1 200")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None
