"""Retention: the one way records leave the register.

Register entries, concerns, register events and the audit log are kept 11 years from the first
entry (docs/domain.md), then removed by the system. Each of those tables has a
`retention_ends_on` date; purge_expired_records() in migrations/0001_register.sql (SECURITY
DEFINER: the service role can delete from no log otherwise) deletes the rows past it and leaves
an audit row per kind, with counts only. The scheduler's daily `purge_records` job calls
purge_expired_records below.

Webhook deliveries are not register records: a delivered one is kept
WEBHOOK_DELIVERED_KEEP_DAYS (30) after it arrived, for the administrator's list, then removed
by the same job. Pending and dead ones stay (a dead one waits to be resent).

An import's full list of rejected rows (migrations/0023) is a working copy for the importing
officer to fix their file, not a register record: it is kept IMPORT_REJECTIONS_KEEP_DAYS (90)
after the import, then removed by the same job with its rows.

Safe to run from two processes at once: an advisory lock lets one run while the other skips.
"""

from __future__ import annotations

from datetime import date

import asyncpg

from registry.actor import Actor, acting

WEBHOOK_DELIVERED_KEEP_DAYS = 30
PURGE_DELIVERED = """
DELETE FROM webhook_delivery
WHERE status = 'delivered' AND delivered_at < $1::date - make_interval(days => $2)
"""
IMPORT_REJECTIONS_KEEP_DAYS = 90
PURGE_REJECTION_LISTS = """
DELETE FROM import_rejection_list WHERE created_at < $1::date - make_interval(days => $2)
"""
PURGE_LOCK = 0x6363_7075_7267_65  # "ccpurge"


async def purge_expired_records(conn: asyncpg.Connection, today: date) -> dict[str, int] | None:
    """Remove register records past their 11-year retention (purge_expired_records() in
    migrations/0001_register.sql leaves an audit row per kind, with counts only)."""
    async with conn.transaction():
        if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", PURGE_LOCK):
            return None
        rows = await conn.fetch("SELECT record_kind, removed FROM purge_expired_records($1)", today)
        async with acting(conn, Actor(None, None)):
            done = await conn.execute(PURGE_DELIVERED, today, WEBHOOK_DELIVERED_KEEP_DAYS)
            lists = await conn.execute(PURGE_REJECTION_LISTS, today, IMPORT_REJECTIONS_KEEP_DAYS)
    removed = {r["record_kind"]: r["removed"] for r in rows}
    removed["webhook_delivery"] = int(done.split()[-1])
    removed["import_rejection_list"] = int(lists.split()[-1])
    return removed
