"""Which relations a name search makes PostgreSQL copy whole into the WAL after a checkpoint.

    .venv/bin/python bench/search_wal.py --data-dir /var/tmp/cc-identity --keep

The first change to a page after a checkpoint writes the whole 8 kB page into the WAL (a
full-page image) before the change, so that a torn write can be repaired. Pages that every
search touches (the heap's last page, the right-hand edge of an index on a time) pay this once
per checkpoint; an index keyed by a random value pays it on nearly every insert until most of
its leaves have been touched again.

For each way of making search ids (random, version 4; time-ordered, version 7: registry/ids.py)
the script forces a checkpoint, runs the same name searches through asyncpg (8 connections,
the statement the service runs, audit rows included), and reads back the WAL they wrote with
pg_walinspect: full-page images and their bytes by relation, and the WAL bytes a search.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import register_arguments, release_cluster, seeded_register  # noqa: E402
from bench.search_http import officer_token, sample_queries  # noqa: E402
from registry import search  # noqa: E402
from registry.audit_log import Enquirer  # noqa: E402
from registry.ids import time_ordered_uuid  # noqa: E402

RECORDS = """
SELECT block_ref, fpi_length FROM pg_get_wal_records_info($1::text::pg_lsn, $2::text::pg_lsn)
WHERE fpi_length > 0
"""
BLOCK = re.compile(r"rel \d+/\d+/(\d+)(?: fork \w+)? blk \d+(?P<fpw>[^,]*?FPW)?")


async def run_searches(pool, queries, enquirer, make_id) -> None:
    async def worker(share):
        for query in share:
            async with pool.acquire() as conn:
                await conn.fetch(
                    search.NAME_SEARCH,
                    *search.name_search_arguments(
                        query["forenames"],
                        query["surname"],
                        date.fromisoformat(query["date_of_birth"]),
                        enquirer,
                        make_id(),
                    ),
                )

    await asyncio.gather(*(worker(queries[i::8]) for i in range(8)))


async def measure(url: str, queries, enquirer, label: str, make_id) -> dict:
    pool = await asyncpg.create_pool(url, min_size=8, max_size=8)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_walinspect")
        await conn.execute("CHECKPOINT")
        start = await conn.fetchval("SELECT pg_current_wal_insert_lsn()::text")
        started = time.perf_counter()
        await run_searches(pool, queries, enquirer, make_id)
        seconds = time.perf_counter() - started
        end = await conn.fetchval("SELECT pg_current_wal_insert_lsn()::text")
        wal = await conn.fetchval("SELECT $2::text::pg_lsn - $1::text::pg_lsn", start, end)
        images: dict[str, int] = {}
        for row in await conn.fetch(RECORDS, start, end):
            for node in BLOCK.finditer(row["block_ref"]):
                if node.group("fpw"):
                    images[node.group(1)] = images.get(node.group(1), 0) + 1
        names = dict(
            await conn.fetch(
                "SELECT pg_relation_filenode(oid)::text, relname::text FROM pg_class "
                "WHERE pg_relation_filenode(oid)::text = ANY($1::text[])",
                list(images),
            )
        )
    finally:
        await conn.close()
        await pool.close()
    by_relation = {names.get(node, node): count for node, count in images.items()}
    total = sum(by_relation.values())
    print(
        f"{label}: {len(queries)} searches in {seconds:.1f} s; WAL {int(wal) / len(queries):,.0f} "
        f"bytes a search; full-page images {total / len(queries):.2f} a search"
    )
    for name, count in sorted(by_relation.items(), key=lambda kv: -kv[1])[:8]:
        print(f"    {name:40} {count:6} images ({count / len(queries):.2f} a search)")
    return {"wal_bytes_per_search": int(wal) / len(queries), "images": by_relation}


async def main(args) -> None:
    url, folder = await seeded_register(args)
    try:
        _, user_id, authority_id = await officer_token(url)
        _, queries = await sample_queries(url, args.searches, args.seed)
        enquirer = Enquirer(user_id, authority_id, "renewal", "BENCH-1")
        print(f"{len(queries)} name searches after a checkpoint, 8 connections")
        for _ in range(args.rounds):
            await measure(url, queries, enquirer, "random ids (v4)", uuid.uuid4)
            await measure(url, queries, enquirer, "time-ordered ids (v7)", time_ordered_uuid)
    finally:
        release_cluster(folder, args.keep)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    register_arguments(parser, drivers=1_000_000)
    parser.add_argument("--searches", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=1)
    asyncio.run(main(parser.parse_args()))
