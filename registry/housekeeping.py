"""The register's housekeeping: what happens by date, not by anyone's action (the 11-year
retention purge has its own module, registry/retention.py).

Each function is idempotent and safe to run from two processes at once: an advisory lock
lets one run while the other skips, and the work itself only touches rows still due.
"""

from __future__ import annotations

from datetime import date

import asyncpg

EXPIRE_LOCK = 0x6363_6578_7069_72  # "ccexpir"

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


# Replies kept for Idempotency-Key retries (licensing/idempotency.py) are needed for 24 hours;
# after that a retry is a new request, and the stored reply is one more copy of what it said.
FORGET_RETRY_KEYS = "DELETE FROM idempotency_key WHERE expires_at <= now()"


async def forget_retry_keys(conn: asyncpg.Connection) -> int:
    """Delete the stored replies to POSTs whose Idempotency-Key has expired."""
    result = await conn.execute(FORGET_RETRY_KEYS)
    return int(result.split()[-1])
