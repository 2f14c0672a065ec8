"""The register's housekeeping: what happens by date, not by anyone's action.

Each function is idempotent and safe to run from two processes at once: an advisory lock
lets one run while the other skips, and the work itself only touches rows still due.
"""

from __future__ import annotations

from datetime import date

import asyncpg

EXPIRE_LOCK = 0x6363_6578_7069_72  # "ccexpir"
PURGE_LOCK = 0x6363_7075_7267_65  # "ccpurge"

# Expired the day after the expiry date; a licence_change row per licence raises the
# licence_expired event.
EXPIRE_LICENCES = """
WITH expired AS (
    UPDATE licence SET status = 'expired', updated_at = now()
    WHERE status IN ('current', 'suspended') AND expires_on < $1
    RETURNING id, expires_on
)
INSERT INTO licence_change (licence_id, action, effective_on)
SELECT id, 'expired', expires_on FROM expired
RETURNING licence_id
"""


async def expire_licences(conn: asyncpg.Connection, today: date) -> int | None:
    """Licences past their expiry date become expired. None if another process is at it."""
    async with conn.transaction():
        if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", EXPIRE_LOCK):
            return None
        return len(await conn.fetch(EXPIRE_LICENCES, today))


async def purge_expired_records(conn: asyncpg.Connection, today: date) -> dict[str, int] | None:
    """Remove register records past their 11-year retention (purge_expired_records() in
    migrations/0001_register.sql leaves an audit row per kind, with counts only)."""
    async with conn.transaction():
        if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", PURGE_LOCK):
            return None
        rows = await conn.fetch("SELECT record_kind, removed FROM purge_expired_records($1)", today)
    return {r["record_kind"]: r["removed"] for r in rows}


# Replies kept for Idempotency-Key retries (licensing/idempotency.py) are needed for 24 hours;
# after that a retry is a new request, and the stored reply is one more copy of what it said.
FORGET_RETRY_KEYS = "DELETE FROM idempotency_key WHERE expires_at <= now()"


async def forget_retry_keys(conn: asyncpg.Connection) -> int:
    """Delete the stored replies to POSTs whose Idempotency-Key has expired."""
    result = await conn.execute(FORGET_RETRY_KEYS)
    return int(result.split()[-1])
