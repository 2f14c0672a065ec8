"""Search ids are time-ordered (UUID version 7), so the audit log's index on them only
appends at its right-hand edge instead of touching a random page per search; and an officer's
or a token's use count commits without waiting for the disk, unless a caller's transaction
holds it."""

import time
import uuid

from registry import limits
from registry.ids import time_ordered_uuid


def test_a_search_id_is_a_version_7_uuid_that_sorts_by_the_time_it_was_made():
    first = time_ordered_uuid()
    time.sleep(0.002)
    later = [time_ordered_uuid() for _ in range(3)]

    assert first.version == 7 and first.variant == uuid.RFC_4122
    assert all(first < other for other in later)
    assert abs((first.int >> 80) - time.time_ns() // 1_000_000) < 5_000
    assert len({time_ordered_uuid() for _ in range(1000)}) == 1000  # random within a millisecond


async def test_a_use_counted_on_its_own_is_counted_and_leaves_the_connection_durable(conn):
    durability = await conn.fetchval("SHOW synchronous_commit")
    first = await limits.take(conn, "user:1:search", 2)
    second = await limits.take(conn, "user:1:search", 2)
    third = await limits.take(conn, "user:1:search", 2)

    assert (first.used, second.used, third.used) == (1, 2, 3)
    assert third.allowed is False
    assert await conn.fetchval("SHOW synchronous_commit") == durability


async def test_a_use_counted_inside_a_transaction_keeps_that_transactions_durability(conn):
    await conn.execute("SET synchronous_commit = remote_apply")
    async with conn.transaction():
        await limits.take(conn, "user:2:search", 5)
        assert await conn.fetchval("SHOW synchronous_commit") == "remote_apply"
    assert await conn.fetchval("SELECT used FROM usage_count WHERE key = 'user:2:search'") == 1
