"""Officers' and DfT's pages over HTTP against the same queries run straight through asyncpg,
in the same run, on a large register.

    flock /tmp/crosscheck-bench.lock .venv/bin/python bench/pages.py --drivers 1000000

Three pages, each at 16 concurrent clients (keep-alive HTTP/1.1, an officer's or analyst's
bearer token), each beside the same statements with the same arguments through an asyncpg
pool of the same size, no HTTP and no Python around them:

- the alerts page (`GET /alerts?page=N&show=all`, N at random over the pages) for an authority
  with 5,000 alerts (the --alerts option): the navigation's counts with the authority's name
  (one statement), the list's page with its total (one statement), the 50 alerts described
  (ALERT_VIEWS);
- the work list (`GET /`, an officer's home page): the navigation's counts, the home's counts,
  the first five rows and the total of each work list, the authority's name;
- the DfT compliance page (`GET /compliance?period=QUARTER`, the last complete quarter): the
  whole national summary, suppressed as published (compliance.summarise, on one snapshot, with
  a second connection when one is free); fewer requests, as each reads the whole register. The
  service's summary pool is sized to admit every client's summary with its second connection
  (SUMMARY_POOL_MAX twice the clients, so none is refused with a 503), and the asyncpg side
  runs on a pool of the same size; each summary is computed, none served from a cache. The
  page's time series of financial years is kept by the service for a while, so it is counted
  once before measuring and left out of the asyncpg side.

The service runs as docs/scaling.md deploys it: granian with two workers (--workers), their
pools together the size of the asyncpg side's (--pool 16: 8 each). On a machine shared with
other work a single worker process gets one process's share of the cores, however many
PostgreSQL backends the asyncpg side keeps busy.

Reported per page: throughput, p50/p95/p99 and the ratio of HTTP to asyncpg throughput (the
target is at least 0.5). The register is seeded as bench/search_http.py seeds it (fsync off
for the seed, durable commits for the measuring; --data-dir/--keep to reuse it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alerts.compose import ALERT_VIEWS  # noqa: E402
from bench.harness import (  # noqa: E402
    KeepAlive,
    Phase,
    bench_user,
    connection,
    load_average,
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
from licensing.db import create_pool  # noqa: E402
from licensing.summaries import _spare as spare_connection  # noqa: E402
from registry import compliance, worklists  # noqa: E402

AUTHORITY = "Rotherham"
NAME = "SELECT name FROM authority WHERE id = $1"

# Copies of one out-of-area grant to the authority's resident, each with its sent alert.
ALERTS_FOR = """
WITH base AS (
  SELECT l.driver_id, l.authority_id, l.id, l.kind, l.starts_on, l.expires_on
  FROM licence l JOIN driver d ON d.id = l.driver_id
  WHERE d.home_authority_id = $1 AND l.authority_id <> $1 ORDER BY l.id LIMIT 1
), events AS (
  INSERT INTO register_event (kind, driver_id, authority_id, subject_id, detail)
  SELECT 'licence_granted', b.driver_id, b.authority_id, b.id,
         jsonb_build_object('kind', b.kind, 'effective_on', b.starts_on,
                            'expires_on', b.expires_on)
  FROM base b, generate_series(1, $2)
  RETURNING id
), numbered AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM events)
INSERT INTO alert (event_id, recipient_authority_id, kind, status, sent_at, created_at,
                   acknowledged_at, acknowledged_by)
SELECT e.id, $1, 'out_of_area_licence', 'sent', now() - e.n * interval '5 minutes',
       now() - e.n * interval '5 minutes',
       CASE WHEN e.n % 3 = 0 THEN now() END, CASE WHEN e.n % 3 = 0 THEN $3::integer END
FROM numbered e
"""


async def prepare(url: str, alerts: int) -> dict:
    """An officer and an analyst with tokens; the authority's alerts made up to `alerts`."""
    async with connection(url) as conn:
        authority = await conn.fetchval("SELECT id FROM authority WHERE name = $1", AUTHORITY)
        officer = await bench_user(conn, "licensing_officer", authority, "rotherham.gov.uk")
        analyst = await bench_user(conn, "dft_analyst", None, "dft.gov.uk")
        have = await conn.fetchval(
            "SELECT count(*) FROM alert WHERE recipient_authority_id = $1 AND status = 'sent'",
            authority,
        )
        if have < alerts:
            await conn.execute(ALERTS_FOR, authority, alerts - have, officer)
            await conn.execute("DELETE FROM alert_event_queue")
            await conn.execute("ANALYZE alert; ANALYZE register_event")
        return {
            "authority": authority,
            "officer_token": await issue_token(conn, officer, "bench"),
            "analyst_token": await issue_token(conn, analyst, "bench"),
            "alerts": max(have, alerts),
            "drivers": await conn.fetchval("SELECT count(*) FROM driver"),
        }


# --- the same statements through asyncpg -------------------------------------------------------


async def alerts_page(conn: asyncpg.Connection, authority: int, page: int) -> None:
    work = worklists.ALERTS
    await worklists.nav_counts(conn, authority)  # and the authority's name
    found = await worklists.list_page(conn, work, authority, ["all", "any"], "-sent", page)
    await conn.fetch(ALERT_VIEWS, [r["id"] for r in found.rows], True)


async def work_page(conn: asyncpg.Connection, authority: int) -> None:
    await conn.fetchval(NAME, authority)
    counts = await worklists.counts(conn, authority)  # the navigation's counts too
    for work in worklists.WORK_LISTS.values():
        await worklists.list_page(
            conn,
            work,
            authority,
            work.filters_of({}),
            work.default_sort,
            1,
            size=5,
            total=counts[work.count_key],
        )


async def dft_page(pool: asyncpg.Pool, period) -> None:
    async with pool.acquire() as conn:
        second = await spare_connection(pool)  # as the service takes it
        try:
            await compliance.summarise(conn, period, suppress=True, second=second)
        finally:
            if second is not None:
                await pool.release(second)


# --- HTTP ---------------------------------------------------------------------------------------


class Client(KeepAlive):
    """A keep-alive connection that GETs pages with a bearer token."""

    def __init__(self, port: int, token: str) -> None:
        super().__init__("127.0.0.1", port)
        self.token = token

    async def get(self, path: str) -> bool:
        head = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {self.token}\r\n\r\n"
        )
        return await self.exchange(head.encode())


def http_worker(port: int, token: str):
    async def worker(paths: list[str]):
        client = Client(port, token)
        try:
            return await timed(paths, client.get)
        finally:
            client.close()

    return worker


def direct_worker(run):
    async def ok(item) -> bool:
        try:
            await run(item)
        except (asyncpg.PostgresError, OSError):
            return False
        return True

    async def worker(items: list):
        return await timed(items, ok)

    return worker


async def pair(label: str, paths, items, http, direct, concurrency: int, rounds: int) -> dict:
    """HTTP and asyncpg phases, alternating; the best throughput of each side counts."""
    best: dict[str, Phase] = {}
    for _ in range(rounds):
        for side, work, make in (("http", paths, http), ("asyncpg", items, direct)):
            phase = await run_concurrently(f"{label} {side}", work, concurrency, make)
            print(phase.line(), flush=True)
            if side not in best or phase.throughput > best[side].throughput:
                best[side] = phase
    ratio = best["http"].throughput / best["asyncpg"].throughput
    print(f"{label}: HTTP/asyncpg throughput {ratio:.2f}", flush=True)
    return {side: p.figures() for side, p in best.items()} | {"ratio": round(ratio, 2)}


async def bench(args) -> dict:
    url, folder = await seeded_register(args)
    try:
        ready = await prepare(url, args.alerts)
        authority = ready["authority"]
        port = pgcluster.free_port()
        os.environ.update(
            # every client's summary with its second connection: none is refused (503)
            SUMMARY_POOL_MAX=str(2 * args.concurrency),
            SUMMARY_TIMEOUT_MS="600000",
            RECORD_OPENS_PER_HOUR="1000000000",
            SEARCHES_PER_HOUR="1000000000",
        )
        process = start_service(
            url, port, args.workers, max(1, args.pool // args.workers), "granian"
        )
        pool = await create_pool(url, min_size=args.concurrency, max_size=args.concurrency)
        summary_pool = await create_pool(
            url, min_size=2, max_size=2 * args.concurrency, statement_timeout_ms=600_000
        )
        try:
            await wait_ready(port, process, timeout=120)
            pages = max(1, -(-ready["alerts"] // worklists.PAGE_SIZE))
            rnd = random.Random(args.seed)
            numbers = [rnd.randint(1, pages) for _ in range(args.requests)]
            print(
                f"{ready['drivers']:,} drivers; {ready['alerts']:,} alerts for {AUTHORITY} "
                f"({pages} pages); {args.concurrency} clients; "
                f"load average {load_average():.1f}",
                flush=True,
            )
            figures = {"drivers": ready["drivers"], "alerts": ready["alerts"]}

            def on_pool(run):
                async def one(item):
                    async with pool.acquire() as conn:
                        await run(conn, item)

                return one

            officer = http_worker(port, ready["officer_token"])
            figures["alerts_page"] = await pair(
                "alerts page",
                [f"/alerts?show=all&page={n}" for n in numbers],
                numbers,
                officer,
                direct_worker(on_pool(lambda c, n: alerts_page(c, authority, n))),
                args.concurrency,
                args.rounds,
            )
            figures["work_list"] = await pair(
                "work list",
                ["/"] * args.requests,
                [None] * args.requests,
                officer,
                direct_worker(on_pool(lambda c, _: work_page(c, authority))),
                args.concurrency,
                args.rounds,
            )
            quarter = args.quarter or _last_quarter(compliance.london_today())
            period = compliance.resolve_period(quarter=quarter)
            dft = http_worker(port, ready["analyst_token"])
            # the page's time series (financial years) is kept for a while: count it first
            await dft([f"/compliance?period={quarter}"])
            figures["dft_page"] = await pair(
                "DfT page",
                [f"/compliance?period={quarter}"] * args.dft_requests,
                [None] * args.dft_requests,
                dft,
                direct_worker(lambda _: dft_page(summary_pool, period)),
                args.concurrency,
                args.rounds,
            )
            figures["load_average_at_end"] = round(load_average(), 2)
            return figures
        finally:
            await pool.close()
            await summary_pool.close()
            stop_service(process)
    finally:
        release_cluster(folder, args.keep)


def _last_quarter(today) -> str:
    year, quarter = today.year, (today.month - 1) // 3
    if quarter == 0:
        year, quarter = year - 1, 4
    return f"{year}-Q{quarter}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    register_arguments(parser, drivers=1_000_000)
    parser.add_argument("--alerts", type=int, default=5000, help="alerts for the authority")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="the service's worker processes (two, as docs/scaling.md deploys it)",
    )
    parser.add_argument(
        "--pool", type=int, default=16, help="the service's connections, shared by its workers"
    )
    parser.add_argument("--requests", type=int, default=1600, help="per phase, alerts and work")
    parser.add_argument("--dft-requests", type=int, default=32, help="per phase, DfT page")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--quarter", help="the DfT page's quarter (default the last complete)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    figures = asyncio.run(bench(args))
    print(json.dumps(figures, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
