"""Search over HTTP against the same SQL run straight through asyncpg, in the same run.

    .venv/bin/python bench/search_http.py --drivers 1000000          (seeds its own cluster)
    .venv/bin/python bench/search_http.py --database-url URL          (an already seeded one)

For each kind of search (identifier; name and date of birth), two phases at the same
concurrency (16 by default) over the same list of queries:

- http: POST /api/v1/searches to the service started with uvicorn (uvloop, httptools) on
  127.0.0.1, through keep-alive connections. Each request does what an officer's does: the
  bearer token is recognised (looked up in the database once per TOKEN_CACHE_SECONDS, 5 by
  default, then remembered), then the one statement that searches, writes the audit rows
  and reads the summaries (licences, register entries) of the drivers found.
- asyncpg: the same search statement with the same arguments through an asyncpg pool, no
  HTTP and no Python around it (the token look-up, which the service makes once every few
  seconds, is left out). This is the ceiling the service is measured against.

Reported: throughput (requests per second), p50/p95/p99 latency, and the ratio of HTTP to
asyncpg throughput. The load generator is a minimal HTTP/1.1 client on asyncio streams
(`--client httpx` for httpx): on a 2-core machine a heavy client would take CPU from the
service it measures. Each phase is bounded by a request count; the script stops its server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from licensing import pgcluster  # noqa: E402
from licensing.auth import issue_token  # noqa: E402
from licensing.db import connect, create_pool  # noqa: E402
from licensing.migrate import migrate  # noqa: E402
from registry import search  # noqa: E402
from registry.audit import Enquirer  # noqa: E402
from registry.authorities import load_reference  # noqa: E402
from registry.identifiers import identify  # noqa: E402
from registry.names import load_name_reference  # noqa: E402

PURPOSE = {"purpose": "renewal", "case_reference": "BENCH-1"}


# --- the register ----------------------------------------------------------------------------


async def prepare_database(args) -> tuple[str, Path | None]:
    """(owner URL, throwaway cluster folder or None). Seeds when no URL was given."""
    if args.database_url:
        return args.database_url, None
    folder = pgcluster.throwaway("crosscheck-bench-")
    cluster = pgcluster.start(folder, fast=True)
    await pgcluster.create_database(cluster)
    url = cluster.url()
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
        await load_reference(conn)
        await load_name_reference(conn)
        try:
            from registry.seed import seed
        except ImportError:
            raise SystemExit(
                "registry.seed is not available: pass --database-url of a seeded register"
            ) from None
        started = time.perf_counter()
        print(f"seeding {args.drivers:,} drivers...", flush=True)
        await seed(conn, drivers=args.drivers, seed=args.seed)
        await conn.execute("VACUUM ANALYZE")
        print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
    finally:
        await conn.close()
    return url, folder


async def officer_token(url: str) -> tuple[str, int, int]:
    conn = await asyncpg.connect(url)
    try:
        authority = await conn.fetchval("SELECT id FROM authority WHERE name = 'Rotherham'")
        user_id = await conn.fetchval(
            """INSERT INTO app_user (email, display_name, role, authority_id)
               VALUES ($1, 'Bench Officer', 'licensing_officer', $2) RETURNING id""",
            f"bench-{uuid.uuid4().hex[:8]}@rotherham.gov.uk",
            authority,
        )
        return await issue_token(conn, user_id, "bench"), user_id, authority
    finally:
        await conn.close()


async def sample_queries(url: str, count: int, seed: int) -> tuple[list[dict], list[dict]]:
    """Identifier queries as officers type them, and name queries with everyday variation."""
    conn = await asyncpg.connect(url)
    try:
        top = await conn.fetchval("SELECT max(id) FROM driver")
        rnd = random.Random(seed)
        ids = sorted({rnd.randrange(1, top + 1) for _ in range(count * 2)})
        rows = await conn.fetch(
            """SELECT d.id, d.gb_licence_number, d.ni_number, n.forenames, n.surname, d.date_of_birth
               FROM driver d JOIN driver_name n ON n.driver_id = d.id AND n.kind = 'current'
               WHERE d.id = ANY($1::bigint[]) ORDER BY d.id""",
            ids,
        )
    finally:
        await conn.close()
    identifier, name = [], []
    for row in rows:
        if row["gb_licence_number"] and len(identifier) < count:
            number = row["gb_licence_number"]
            identifier.append(
                {
                    "identifier": rnd.choice(
                        [number, number.lower(), f"{number[:5]} {number[5:11]} {number[11:]} 01"]
                    )
                }
            )
        elif row["ni_number"] and len(identifier) < count:
            identifier.append({"identifier": row["ni_number"].lower()})
        born, forenames = row["date_of_birth"], row["forenames"]
        roll = rnd.random()
        if roll < 0.2 and search.swapped(born):
            born = search.swapped(born)
        elif roll < 0.35:
            forenames = " ".join(part[0] for part in forenames.split())
        if len(name) < count:
            name.append(
                {
                    "forenames": forenames,
                    "surname": row["surname"],
                    "date_of_birth": born.isoformat(),
                }
            )
    return identifier[:count], name[:count]


# --- measuring -------------------------------------------------------------------------------


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
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    def line(self) -> str:
        return (
            f"{self.label:30} {self.throughput:8.0f}/s  p50 {self.percentile(50):6.2f} ms  "
            f"p95 {self.percentile(95):6.2f} ms  p99 {self.percentile(99):6.2f} ms  "
            f"errors {self.errors}"
        )


async def run_concurrently(label: str, queries: list[dict], concurrency: int, make_worker) -> Phase:
    """Split the queries over `concurrency` workers; each returns (latencies, errors)."""
    shares = [queries[i::concurrency] for i in range(concurrency)]
    started = time.perf_counter()
    results = await asyncio.gather(*(make_worker(share) for share in shares))
    seconds = time.perf_counter() - started
    return Phase(label, seconds, [lat for r in results for lat in r[0]], sum(r[1] for r in results))


def raw_http_worker(host: str, port: int, token: str):
    """A keep-alive HTTP/1.1 client on asyncio streams: a few microseconds per request."""
    head = (
        f"POST /api/v1/searches HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
    ).encode()

    async def worker(share: list[dict]):
        reader, writer = await asyncio.open_connection(host, port)
        latencies, errors = [], 0
        try:
            for query in share:
                body = json.dumps({**query, **PURPOSE}).encode()
                started = time.perf_counter()
                writer.write(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
                status = await reader.readline()
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                await reader.readexactly(length)
                latencies.append((time.perf_counter() - started) * 1000)
                errors += not status.startswith(b"HTTP/1.1 200")
        finally:
            writer.close()
        return latencies, errors

    return worker


def httpx_worker(host: str, port: int, token: str):
    import httpx

    async def worker(share: list[dict]):
        latencies, errors = [], 0
        async with httpx.AsyncClient(
            base_url=f"http://{host}:{port}", headers={"Authorization": f"Bearer {token}"}
        ) as client:
            for query in share:
                started = time.perf_counter()
                response = await client.post("/api/v1/searches", json={**query, **PURPOSE})
                latencies.append((time.perf_counter() - started) * 1000)
                errors += response.status_code != 200
        return latencies, errors

    return worker


def asyncpg_worker(pool: asyncpg.Pool, token: str, user_id: int, authority_id: int):
    """The statement the service runs for one search, with the same arguments, no HTTP."""

    async def one(conn, query: dict) -> None:
        enquirer = Enquirer(user_id, authority_id, PURPOSE["purpose"], PURPOSE["case_reference"])
        if "identifier" in query:
            kind, value = identify(query["identifier"])
            return await conn.fetch(
                search.IDENTIFIER_SEARCHES[kind],
                *search.identifier_search_arguments(kind, value, enquirer, uuid.uuid4()),
            )
        born = date.fromisoformat(query["date_of_birth"])
        return await conn.fetch(
            search.NAME_SEARCH,
            *search.name_search_arguments(
                query["forenames"], query["surname"], born, enquirer, uuid.uuid4()
            ),
        )

    async def worker(share: list[dict]):
        latencies, errors = [], 0
        for query in share:
            started = time.perf_counter()
            async with pool.acquire() as conn:
                try:
                    await one(conn, query)
                except asyncpg.PostgresError:
                    errors += 1
            latencies.append((time.perf_counter() - started) * 1000)
        return latencies, errors

    return worker


# --- the service -----------------------------------------------------------------------------


def start_service(
    url: str, port: int, workers: int, pool_max: int, server: str
) -> subprocess.Popen:
    env = dict(
        os.environ,
        DATABASE_URL=url,
        CROSSCHECK_SCHEDULER="false",
        DB_POOL_MIN=str(min(pool_max, 8)),
        DB_POOL_MAX=str(pool_max),
    )
    if server == "granian":
        command = [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--loop",
            "uvloop",
            "--http",
            "1",
            "--no-ws",
            "--no-access-log",
            "--log-level",
            "warning",
            "--factory",
            "licensing.app:create_app",
        ]
    else:
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "licensing.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
            "--log-level",
            "warning",
        ]
    # The service logs a line per request (as in production): to a scratch file, not here.
    log = tempfile.TemporaryFile()
    return subprocess.Popen(
        command, cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT
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


# --- the run ---------------------------------------------------------------------------------


async def bench(args) -> dict:
    url, folder = await prepare_database(args)
    try:
        token, user_id, authority_id = await officer_token(url)
        identifier_queries, name_queries = await sample_queries(
            url, args.requests + args.warmup, args.seed
        )
        drivers = await _count(url)
        port = pgcluster.free_port()
        process = start_service(url, port, args.workers, args.pool, args.server)
        pool = await create_pool(url, min_size=args.concurrency, max_size=args.concurrency)
        try:
            await wait_ready(port, process)
            http = (httpx_worker if args.client == "httpx" else raw_http_worker)(
                "127.0.0.1", port, token
            )
            direct = asyncpg_worker(pool, token, user_id, authority_id)
            print(
                f"{drivers:,} drivers; {args.server} with {args.workers} worker(s); "
                f"{args.concurrency} concurrent clients; load average {os.getloadavg()[0]:.1f}",
                flush=True,
            )
            figures = {
                "drivers": drivers,
                "concurrency": args.concurrency,
                "workers": args.workers,
                "load_average_at_start": round(os.getloadavg()[0], 2),
                "server": args.server,
                "client": args.client,
                "rounds": args.rounds,
                "kinds": {},
            }
            for kind, queries in (
                ("identifier", identifier_queries),
                ("name_and_date_of_birth", name_queries),
            ):
                warm, measured = queries[: args.warmup], queries[args.warmup :]
                await run_concurrently("warm-up", warm, args.concurrency, http)
                await run_concurrently("warm-up", warm, args.concurrency, direct)
                phases = {"asyncpg": [], "http": []}
                for _ in range(args.rounds):  # alternate, so drift in machine load hits both
                    phases["asyncpg"].append(
                        await run_concurrently(
                            f"{kind} asyncpg", measured, args.concurrency, direct
                        )
                    )
                    phases["http"].append(
                        await run_concurrently(f"{kind} http", measured, args.concurrency, http)
                    )
                best = {
                    side: max(runs, key=lambda p: p.throughput) for side, runs in phases.items()
                }
                for side in ("asyncpg", "http"):
                    print(best[side].line(), flush=True)
                ratio = best["http"].throughput / best["asyncpg"].throughput
                print(
                    f"{kind:30} http/asyncpg throughput {ratio:.2f}   "
                    f"http p99/p95 {best['http'].percentile(99) / best['http'].percentile(95):.2f}\n",
                    flush=True,
                )
                figures["kinds"][kind] = {
                    side: {
                        "throughput": round(p.throughput, 1),
                        "p50_ms": round(p.percentile(50), 2),
                        "p95_ms": round(p.percentile(95), 2),
                        "p99_ms": round(p.percentile(99), 2),
                        "requests": len(p.latencies_ms),
                        "errors": p.errors,
                    }
                    for side, p in best.items()
                }
                figures["kinds"][kind]["ratio"] = round(ratio, 3)
            figures["load_average_at_end"] = round(os.getloadavg()[0], 2)
            print(f"load average at the end {figures['load_average_at_end']:.1f}")
            return figures
        finally:
            await pool.close()
            stop_service(process)
    finally:
        if folder:
            pgcluster.stop(folder)
            shutil.rmtree(folder, ignore_errors=True)


async def _count(url: str) -> int:
    conn = await connect(url)
    try:
        return await conn.fetchval("SELECT count(*) FROM driver")
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--drivers", type=int, default=1_000_000, help="drivers to seed (default 1,000,000)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="use this seeded register instead of seeding one")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="service worker processes (default 1, as `crosscheck serve`: on 2 cores PostgreSQL needs the other)",
    )
    parser.add_argument("--pool", type=int, default=10, help="connection pool size per worker")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--requests", type=int, default=4000, help="measured requests per phase")
    parser.add_argument("--warmup", type=int, default=800)
    parser.add_argument(
        "--rounds", type=int, default=2, help="alternating rounds; the best of each side counts"
    )
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw")
    parser.add_argument("--server", choices=("uvicorn", "granian"), default="granian")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    figures = asyncio.run(bench(args))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
