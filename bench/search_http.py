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

Open loop (`--rate 300 --duration 150`): searches are sent at a fixed arrival rate whatever
the answers do, over up to --connections keep-alive connections, and each latency is counted
from the moment the request was due (a request that waited for a free connection carries the
wait: no coordinated omission). Reported: p50/p95/p99/max over the run and, for every
10-second window, the requests, p95, max and what PostgreSQL's checkpointer and WAL did in it
(pg_stat_bgwriter, pg_stat_wal, read once a second). `--with-asyncpg` then runs the same
schedule straight through asyncpg, with as many connections as the service's pool.

The register is seeded with fsync off, then the cluster is restarted with durable commits
(fsync and synchronous commit on, as in production) for the measuring; `--fast` keeps them
off. `--data-dir DIR --keep` seeds once and reuses the cluster on later runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import (  # noqa: E402
    KeepAlive,
    bench_user,
    connection,
    load_average,
    percentile,
    register_arguments,
    release_cluster,
    run_concurrently,
    seeded_register,
    start_service,
    stop_service,
    timed,
    wait_ready,
)
from licensing import pgcluster  # noqa: E402
from licensing.auth import issue_token  # noqa: E402
from licensing.db import connect, create_pool  # noqa: E402
from registry import search  # noqa: E402
from registry.audit_log import Enquirer  # noqa: E402
from registry.identifiers import identify  # noqa: E402
from registry.ids import time_ordered_uuid  # noqa: E402

PURPOSE = {"purpose": "renewal", "case_reference": "BENCH-1"}


# --- the register ----------------------------------------------------------------------------


async def officer_token(url: str) -> tuple[str, int, int]:
    async with connection(url) as conn:
        authority = await conn.fetchval("SELECT id FROM authority WHERE name = 'Rotherham'")
        user_id = await bench_user(conn, "licensing_officer", authority, "rotherham.gov.uk")
        return await issue_token(conn, user_id, "bench"), user_id, authority


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


class RawConnection(KeepAlive):
    """A keep-alive connection that POSTs searches."""

    def __init__(self, host: str, port: int, token: str):
        super().__init__(host, port)
        self.head = (
            f"POST /api/v1/searches HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        ).encode()

    async def search(self, query: dict) -> bool:
        """POST one search; True when it answered 200."""
        body = json.dumps({**query, **PURPOSE}).encode()
        return await self.exchange(self.head + b"Content-Length: %d\r\n\r\n" % len(body) + body)


def raw_http_worker(host: str, port: int, token: str):
    async def worker(share: list[dict]):
        conn = await RawConnection(host, port, token).open()
        try:
            return await timed(share, conn.search)
        finally:
            conn.close()

    return worker


def httpx_worker(host: str, port: int, token: str):
    import httpx

    async def worker(share: list[dict]):
        async with httpx.AsyncClient(
            base_url=f"http://{host}:{port}", headers={"Authorization": f"Bearer {token}"}
        ) as client:

            async def one(query: dict) -> bool:
                response = await client.post("/api/v1/searches", json={**query, **PURPOSE})
                return response.status_code == 200

            return await timed(share, one)

    return worker


def asyncpg_search(token: str, user_id: int, authority_id: int):
    """The statement the service runs for one search, with the same arguments, no HTTP."""
    enquirer = Enquirer(user_id, authority_id, PURPOSE["purpose"], PURPOSE["case_reference"])

    async def one(conn, query: dict) -> None:
        if "identifier" in query:
            kind, value = identify(query["identifier"])
            return await conn.fetch(
                search.IDENTIFIER_SEARCHES[kind],
                *search.identifier_search_arguments(kind, value, enquirer, time_ordered_uuid()),
            )
        born = date.fromisoformat(query["date_of_birth"])
        return await conn.fetch(
            search.NAME_SEARCH,
            *search.name_search_arguments(
                query["forenames"], query["surname"], born, enquirer, time_ordered_uuid()
            ),
        )

    return one


def asyncpg_worker(pool: asyncpg.Pool, token: str, user_id: int, authority_id: int):
    one = asyncpg_search(token, user_id, authority_id)

    async def pooled(query: dict) -> bool:
        async with pool.acquire() as conn:
            try:
                await one(conn, query)
            except asyncpg.PostgresError:
                return False
        return True

    async def worker(share: list[dict]):
        return await timed(share, pooled)

    return worker


# --- open loop: a fixed arrival rate -----------------------------------------------------------


def tree_cpu_seconds(root: int | None) -> float | None:
    """User and system CPU time of a local process and every process below it (None when
    there is none to read: a database given by --database-url)."""
    if not root:
        return None
    parent, used = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        pid = int(entry.name)
        parent[pid] = int(fields[1])
        used[pid] = int(fields[11]) + int(fields[12])
    ticks, todo = 0, [root]
    while todo:
        pid = todo.pop()
        ticks += used.get(pid, 0)
        todo.extend(child for child, up in parent.items() if up == pid)
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time every core of the machine spent on anything but idling, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def cpu_reading(roots: dict[str, int | None]) -> dict[str, float | None]:
    """CPU seconds used so far by each watched process tree, this load generator and the
    whole machine."""
    reading = {name: tree_cpu_seconds(pid) for name, pid in roots.items()}
    reading["load generator"] = sum(os.times()[:2])
    reading["machine"] = machine_busy_seconds()
    return reading


def cpu_per_search(before: dict, after: dict, requests: int) -> dict[str, float]:
    """Milliseconds of CPU a search, per watched part, between two readings."""
    return {
        name: round((after[name] - value) * 1000 / requests, 3)
        for name, value in before.items()
        if value is not None and after[name] is not None
    }


@dataclass
class Sample:
    at: float  # when it was due to be sent, seconds from the start of the run
    ms: float  # from when it was due to be sent to its answer: waiting counts
    ok: bool


async def open_loop(
    send, queries: list[dict], rate: float, seconds: float, start: float | None = None
) -> list[Sample]:
    """Send a query every 1/rate seconds whatever the answers do, each as a task of its own.

    Latency runs from the moment a request was due, not from when it went out: a request
    that waited for a free connection, or for a slow generator, carries that wait
    (no coordinated omission)."""
    samples: list[Sample] = []
    start = start if start is not None else time.perf_counter() + 0.05

    async def one(due: float, query: dict) -> None:
        try:
            ok = await send(query)
        except Exception:  # noqa: BLE001  an error is an answer like any other here
            ok = False
        samples.append(Sample(due - start, (time.perf_counter() - due) * 1000, ok))

    tasks = []
    for i in range(int(rate * seconds)):
        due = start + i / rate
        if (delay := due - time.perf_counter()) > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(due, queries[i % len(queries)])))
    await asyncio.gather(*tasks)
    return samples


async def http_sender(host: str, port: int, token: str, connections: int):
    """send(query) over a fixed set of keep-alive connections; a request waits for a free one."""
    idle: asyncio.Queue[RawConnection] = asyncio.Queue()
    for _ in range(connections):
        idle.put_nowait(await RawConnection(host, port, token).open())

    async def send(query: dict) -> bool:
        conn = await idle.get()
        try:
            return await conn.search(query)
        finally:
            idle.put_nowait(conn)

    async def close() -> None:
        while not idle.empty():
            idle.get_nowait().close()

    return send, close


def asyncpg_sender(pool: asyncpg.Pool, token: str, user_id: int, authority_id: int):
    one = asyncpg_search(token, user_id, authority_id)

    async def send(query: dict) -> bool:
        async with pool.acquire() as conn:
            await one(conn, query)
        return True

    return send


CHECKPOINTER = """
SELECT checkpoints_timed + checkpoints_req AS checkpoints, buffers_checkpoint,
       buffers_backend, (SELECT wal_fpi FROM pg_stat_wal) AS wal_fpi,
       (SELECT wal_bytes FROM pg_stat_wal)::bigint AS wal_bytes,
       (SELECT wal_sync FROM pg_stat_wal) AS wal_syncs,
       (SELECT wal_sync_time FROM pg_stat_wal) AS wal_sync_ms,
       (SELECT checkpoint_time FROM pg_control_checkpoint()) AS checkpoint_done
FROM pg_stat_bgwriter
"""

# What every other server process is doing now: active client backends by wait event (none:
# on the CPU), autovacuum workers by what they vacuum, and the checkpointer's wait.
ACTIVITY = """
SELECT backend_type, wait_event_type, wait_event, left(query, 80) AS query
FROM pg_stat_activity
WHERE pid <> pg_backend_pid()
  AND (backend_type IN ('autovacuum worker', 'checkpointer')
       OR (backend_type = 'client backend' AND state = 'active'))
"""


@dataclass
class Watched:
    """What the watcher saw, each reading with its time in seconds from the run's start."""

    counters: list[tuple[float, dict]]
    activity: list[tuple[float, list[dict]]]
    loop_lag_ms: list[tuple[float, float]]


async def watch_server(url: str, origin: float, until: asyncio.Event) -> Watched:
    """PostgreSQL's checkpoint and WAL counters once a second and its processes' wait events
    five times a second, to line them up with latency; and this process's own event-loop lag
    (a 10 ms sleep that wakes late: the load generator itself stalled)."""
    conn = await asyncpg.connect(url)
    watched = Watched([], [], [])

    async def loop_lag() -> None:
        while not until.is_set():
            asked = time.perf_counter()
            await asyncio.sleep(0.01)
            late = (time.perf_counter() - asked - 0.01) * 1000
            watched.loop_lag_ms.append((asked - origin, late))

    lag = asyncio.create_task(loop_lag())
    tick = 0
    try:
        while not until.is_set():
            if tick % 5 == 0:
                row = await conn.fetchrow(CHECKPOINTER)
                watched.counters.append((time.perf_counter() - origin, dict(row)))
            rows = await conn.fetch(ACTIVITY)
            watched.activity.append((time.perf_counter() - origin, [dict(r) for r in rows]))
            tick += 1
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(until.wait(), 0.2)
        row = await conn.fetchrow(CHECKPOINTER)
        watched.counters.append((time.perf_counter() - origin, dict(row)))
    finally:
        await lag
        await conn.close()
    return watched


def _counter_at(seen: list[tuple[float, dict]], t: float) -> dict:
    """The last reading taken at or before t (the first if none)."""
    best = seen[0][1]
    for at, row in seen:
        if at > t:
            break
        best = row
    return best


COUNTED = (
    "checkpoints",
    "buffers_checkpoint",
    "buffers_backend",
    "wal_fpi",
    "wal_bytes",
    "wal_syncs",
    "wal_sync_ms",
)


def _activity_in(watched: Watched, start: float, end: float) -> dict:
    """Wait events of active searches (share of samples), autovacuum targets, checkpointer."""
    waits: dict[str, int] = {}
    vacuums: set[str] = set()
    checkpointing = 0
    readings = [rows for at, rows in watched.activity if start <= at < end]
    for rows in readings:
        for row in rows:
            if row["backend_type"] == "client backend":
                key = (
                    f"{row['wait_event_type']}:{row['wait_event']}" if row["wait_event"] else "CPU"
                )
                waits[key] = waits.get(key, 0) + 1
            elif row["backend_type"] == "autovacuum worker" and row["query"]:
                vacuums.add(row["query"].removeprefix("autovacuum: ").split(" (")[0])
            elif row["wait_event"] not in (None, "CheckpointerMain"):
                checkpointing += 1  # the checkpointer writing, syncing or pacing its writes
    top = sorted(waits.items(), key=lambda kv: -kv[1])[:3]
    per = max(len(readings), 1)
    lags = [ms for at, ms in watched.loop_lag_ms if start <= at < end]
    return {
        "active_backends": round(sum(waits.values()) / per, 1),
        "top_waits": [f"{key} {count / per:.1f}" for key, count in top],
        "autovacuum": sorted(vacuums),
        "checkpointer_busy": round(checkpointing / per, 2),
        "client_loop_lag_max_ms": round(max(lags, default=0.0), 1),
    }


def windows_report(samples: list[Sample], watched: Watched, window: float) -> list[dict]:
    """Per window of `window` seconds: requests, p95, max, errors, what PostgreSQL's
    checkpointer and WAL did in it (checkpoints started, buffers it wrote, full-page images),
    what the searches waited on, autovacuum, and the load generator's own stalls."""
    by_window: dict[int, list[Sample]] = {}
    for sample in samples:
        by_window.setdefault(int(sample.at // window), []).append(sample)
    rows = []
    for index in sorted(by_window):
        got = by_window[index]
        latencies = [s.ms for s in got]
        start, end = index * window, (index + 1) * window
        before = _counter_at(watched.counters, start)
        after = _counter_at(watched.counters, end)
        rows.append(
            {
                "from_s": start,
                "requests": len(got),
                "errors": sum(not s.ok for s in got),
                "p95_ms": round(percentile(latencies, 95), 2),
                "max_ms": round(max(latencies), 2),
                **{key: int(after[key] - before[key]) for key in COUNTED},
                "checkpoint_completed": after["checkpoint_done"] != before["checkpoint_done"],
                **_activity_in(watched, start, end),
            }
        )
    return rows


def summary(samples: list[Sample]) -> dict:
    latencies = [s.ms for s in samples]
    return {
        "requests": len(samples),
        "errors": sum(not s.ok for s in samples),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "max_ms": round(max(latencies), 2),
    }


async def measure_open_loop(
    label: str, send, queries, args, url: str, roots: dict[str, int | None]
) -> dict:
    """Warm up at the rate, then the measured run with the server watched alongside.
    `roots`: the processes whose CPU time is counted (the service, PostgreSQL)."""
    if args.warmup_seconds:
        await open_loop(send, queries, args.rate, args.warmup_seconds)
    statements = await statement_statistics(url, reset=True)
    done = asyncio.Event()
    origin = time.perf_counter() + 0.2  # a first reading before the first request
    watcher = asyncio.create_task(watch_server(url, origin, done))
    cpu_before = cpu_reading(roots)
    samples = await open_loop(send, queries, args.rate, args.duration, start=origin)
    cpu = cpu_per_search(cpu_before, cpu_reading(roots), len(samples))
    done.set()
    watched = await watcher
    first, last = watched.counters[0][1], watched.counters[-1][1]
    result = {
        **summary(samples),
        "cpu_ms_per_search": cpu,
        "checkpoints_started": int(last["checkpoints"] - first["checkpoints"]),
        "checkpoint_completed": last["checkpoint_done"] != first["checkpoint_done"],
        "windows": windows_report(samples, watched, args.window),
    }
    result["worst_window_p95_ms"] = max(w["p95_ms"] for w in result["windows"])
    if statements is not None:
        result["slowest_statements"] = await statement_statistics(url, reset=False)
    print_open_loop(label, result, args)
    return result


# pg_stat_statements, where the server was started with it (--pg-setting
# shared_preload_libraries=pg_stat_statements): the statements with the slowest single run.
STATEMENTS = """
SELECT calls, round(mean_exec_time::numeric, 2) AS mean_ms,
       round(max_exec_time::numeric, 2) AS max_ms,
       round(stddev_exec_time::numeric, 2) AS stddev_ms,
       wal_fpi, left(regexp_replace(query, '\\s+', ' ', 'g'), 70) AS query
FROM pg_stat_statements WHERE calls > 10 ORDER BY max_exec_time DESC LIMIT 5
"""


async def statement_statistics(url: str, *, reset: bool) -> list[dict] | None:
    conn = await asyncpg.connect(url)
    try:
        if not await conn.fetchval(
            "SELECT 'pg_stat_statements' = ANY(string_to_array("
            "current_setting('shared_preload_libraries'), ', '))"
        ):
            return None
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        if reset:
            await conn.execute("SELECT pg_stat_statements_reset()")
            return []
        return [
            {key: (float(v) if key.endswith("_ms") else v) for key, v in dict(r).items()}
            for r in await conn.fetch(STATEMENTS)
        ]
    finally:
        await conn.close()


def print_open_loop(label: str, result: dict, args) -> None:
    print(
        f"{label}: {result['requests']:,} requests at {args.rate:g}/s over {args.duration:g} s, "
        f"errors {result['errors']}\n"
        f"  p50 {result['p50_ms']:.2f} ms  p95 {result['p95_ms']:.2f} ms  "
        f"p99 {result['p99_ms']:.2f} ms  max {result['max_ms']:.2f} ms  "
        f"worst {args.window:g}-s window p95 {result['worst_window_p95_ms']:.2f} ms\n"
        f"  checkpoints in the run: {result['checkpoints_started']} started, "
        f"{'one or more' if result['checkpoint_completed'] else 'none'} completed",
        flush=True,
    )
    cpu = result["cpu_ms_per_search"]
    print("  CPU a search: " + ", ".join(f"{name} {ms:.2f} ms" for name, ms in cpu.items()))
    served = sum(ms for name, ms in cpu.items() if name in ("service", "postgresql"))
    if "postgresql" in cpu and served:
        # The ceiling the cores put on this side: searches a second if the service and
        # PostgreSQL had every core to themselves and nothing queued.
        print(
            f"  ceiling at {os.cpu_count()} cores: {os.cpu_count() * 1000 / served:.0f} "
            f"searches a second ({served:.2f} ms of service and database CPU a search)"
        )
    print(
        f"  {'window':>9} {'reqs':>5} {'p95 ms':>8} {'max ms':>8} {'err':>4} "
        f"{'ckpt':>4} {'ckpt bufs':>9} {'WAL FPI':>8} {'WAL MB':>7} {'fsync ms':>8} "
        f"{'loop ms':>7}  "
        "searches waiting on (mean active)  autovacuum"
    )
    for w in result["windows"]:
        ckpt = f"{w['checkpoints']}{'*' if w['checkpoint_completed'] else ''}"
        print(
            f"  {w['from_s']:>7.0f} s {w['requests']:>5} {w['p95_ms']:>8.2f} {w['max_ms']:>8.2f} "
            f"{w['errors']:>4} {ckpt:>4} {w['buffers_checkpoint']:>9} "
            f"{w['wal_fpi']:>8} {w['wal_bytes'] / 2**20:>7.1f} "
            f"{w['wal_sync_ms'] / max(w['wal_syncs'], 1):>8.2f} "
            f"{w['client_loop_lag_max_ms']:>7.1f}  "
            f"{', '.join(w['top_waits'])} ({w['active_backends']})  {', '.join(w['autovacuum'])}",
            flush=True,
        )
    for row in result.get("slowest_statements") or []:
        print(
            f"  statement: calls {row['calls']} mean {row['mean_ms']} ms max {row['max_ms']} ms "
            f"fpi {row['wal_fpi']}  {row['query']}"
        )


# --- the service -----------------------------------------------------------------------------


# --- the run ---------------------------------------------------------------------------------


async def bench(args) -> dict:
    url, folder = await seeded_register(args)
    try:
        token, user_id, authority_id = await officer_token(url)
        wanted = (
            min(int(args.rate * (args.duration + args.warmup_seconds)), 50_000)
            if args.rate
            else args.requests + args.warmup
        )
        identifier_queries, name_queries = await sample_queries(url, wanted, args.seed)
        drivers = await _count(url)
        port = pgcluster.free_port()
        process = start_service(url, port, args.workers, args.pool, args.server)
        # the straight-asyncpg side gets as many connections as the service has in open loop
        pool_size = args.pool if args.rate else args.concurrency
        pool = await create_pool(url, min_size=pool_size, max_size=pool_size)
        try:
            await wait_ready(port, process)
            figures = {
                "drivers": drivers,
                "workers": args.workers,
                "server": args.server,
                "durable": not args.fast,
                "load_average_at_start": round(load_average(), 2),
            }
            if args.rate:
                print(
                    f"{drivers:,} drivers; {args.server} with {args.workers} worker(s); open loop "
                    f"at {args.rate:g} {args.kind} searches a second for {args.duration:g} s "
                    f"over up to {args.connections} connections; "
                    f"{'fsync off' if args.fast else 'durable commits'}; "
                    f"load average {load_average():.1f}",
                    flush=True,
                )
                queries = name_queries if args.kind == "name" else identifier_queries
                log = server_log(folder)
                roots = {"service": process.pid, "postgresql": postmaster(folder)}
                figures.update(
                    await open_loop_phases(
                        args, url, port, token, pool, queries, user_id, authority_id, roots
                    )
                )
                figures["server_log"] = log()
            else:
                print(
                    f"{drivers:,} drivers; {args.server} with {args.workers} worker(s); "
                    f"{args.concurrency} concurrent clients; "
                    f"load average {load_average():.1f}",
                    flush=True,
                )
                http = (httpx_worker if args.client == "httpx" else raw_http_worker)(
                    "127.0.0.1", port, token
                )
                direct = asyncpg_worker(pool, token, user_id, authority_id)
                figures.update(
                    await closed_loop_phases(args, http, direct, identifier_queries, name_queries)
                )
            figures["load_average_at_end"] = round(load_average(), 2)
            print(f"load average at the end {figures['load_average_at_end']:.1f}")
            return figures
        finally:
            await pool.close()
            stop_service(process)
    finally:
        release_cluster(folder, args.keep)


def postmaster(folder: Path | None) -> int | None:
    """The process id of the bench's own cluster's postmaster (None for --database-url)."""
    if not folder:
        return None
    pid_file = pgcluster.resolve_data_dir(folder) / "pgdata" / "postmaster.pid"
    return int(pid_file.read_text().split("\n", 1)[0]) if pid_file.exists() else None


LOGGED = ("checkpoint", "automatic vacuum", "automatic analyze", "still waiting")


def server_log(folder: Path | None):
    """A function giving the lines PostgreSQL logged from now on about checkpoints,
    autovacuum and lock waits (the private cluster's log; nothing for --database-url)."""
    path = folder and pgcluster.resolve_data_dir(folder) / "postgres.log"
    offset = path.stat().st_size if path and path.exists() else 0

    def lines() -> list[str]:
        if not path or not path.exists():
            return []
        with path.open("rb") as file:
            file.seek(offset)
            text = file.read().decode(errors="replace")
        found = [line for line in text.splitlines() if any(w in line for w in LOGGED)]
        for line in found:
            print(f"  log: {line[:220]}")
        return found

    return lines


async def open_loop_phases(
    args, url, port, token, pool, queries, user_id, authority_id, roots: dict[str, int | None]
) -> dict:
    send, close = await http_sender("127.0.0.1", port, token, args.connections)
    try:
        figures = {
            "mode": "open",
            "kind": args.kind,
            "rate": args.rate,
            "duration_s": args.duration,
            "window_s": args.window,
            "connections": args.connections,
            "http": await measure_open_loop("http", send, queries, args, url, roots),
        }
    finally:
        await close()
    if args.with_asyncpg:
        direct = asyncpg_sender(pool, token, user_id, authority_id)
        figures["asyncpg"] = await measure_open_loop(
            "asyncpg", direct, queries, args, url, {"postgresql": roots["postgresql"]}
        )
    return figures


async def closed_loop_phases(args, http, direct, identifier_queries, name_queries) -> dict:
    figures = {
        "mode": "closed",
        "concurrency": args.concurrency,
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
                await run_concurrently(f"{kind} asyncpg", measured, args.concurrency, direct)
            )
            phases["http"].append(
                await run_concurrently(f"{kind} http", measured, args.concurrency, http)
            )
        best = {side: max(runs, key=lambda p: p.throughput) for side, runs in phases.items()}
        for side in ("asyncpg", "http"):
            print(best[side].line(), flush=True)
        ratio = best["http"].throughput / best["asyncpg"].throughput
        print(
            f"{kind:30} http/asyncpg throughput {ratio:.2f}   "
            f"http p99/p95 {best['http'].percentile(99) / best['http'].percentile(95):.2f}\n",
            flush=True,
        )
        figures["kinds"][kind] = {side: p.figures() for side, p in best.items()}
        figures["kinds"][kind]["ratio"] = round(ratio, 3)
    return figures


async def _count(url: str) -> int:
    conn = await connect(url)
    try:
        return await conn.fetchval("SELECT count(*) FROM driver")
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    register_arguments(parser, drivers=1_000_000)
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
    open_loop_args = parser.add_argument_group(
        "open loop (a fixed arrival rate; on when --rate is given)"
    )
    open_loop_args.add_argument(
        "--rate", type=float, help="searches a second, sent on schedule whatever the answers do"
    )
    open_loop_args.add_argument(
        "--duration", type=float, default=150, help="measured seconds (default 150)"
    )
    open_loop_args.add_argument(
        "--warmup-seconds", type=float, default=10, help="unmeasured seconds first (default 10)"
    )
    open_loop_args.add_argument(
        "--kind", choices=("name", "identifier"), default="name", help="default name"
    )
    open_loop_args.add_argument(
        "--connections",
        type=int,
        default=64,
        help="keep-alive connections; a request due when all are busy waits, and that counts",
    )
    open_loop_args.add_argument(
        "--window", type=float, default=10, help="seconds per reported window (default 10)"
    )
    open_loop_args.add_argument(
        "--with-asyncpg",
        action="store_true",
        help="then the same schedule straight through asyncpg (the service's pool size)",
    )
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
