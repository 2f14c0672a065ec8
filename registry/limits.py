"""Counting uses in fixed windows: the one limiter of the service.

A use is counted under a key ("user:12:record_open"; later "token:34:api") in the window of
`window_seconds` that now falls in, in PostgreSQL, so every process of the service shares the
count. The caller decides what the numbers mean: refuse past `limit` (429 with Retry-After),
tell someone when `used` reaches a threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

TAKE = """
INSERT INTO usage_count AS u (key, window_start, used)
SELECT $1, to_timestamp(floor(extract(epoch FROM now()) / $2) * $2), 1
FROM (SELECT set_config('synchronous_commit',
                        coalesce($3, current_setting('synchronous_commit')), true)) AS commit_mode
ON CONFLICT (key, window_start) DO UPDATE SET used = u.used + 1
RETURNING used,
          ceil(extract(epoch FROM u.window_start + make_interval(secs => $2) - now()))::integer
              AS seconds_left
"""

# Windows that ended more than a day ago tell nobody anything.
FORGET = "DELETE FROM usage_count WHERE window_start < now() - interval '1 day' - make_interval(secs => $1)"


@dataclass(frozen=True)
class Use:
    used: int  # uses in this window, this one included
    limit: int
    seconds_left: int  # until the window ends and the count starts again

    @property
    def allowed(self) -> bool:
        return self.used <= self.limit


async def take(conn: asyncpg.Connection, key: str, limit: int, window_seconds: int = 3600) -> Use:
    """Count one use of `key` and say whether it is within `limit` for this window.

    Every use by one officer or token updates the same row, and the row stays locked until
    its commit is on disk: at a few hundred searches a second from one token the uses queue
    behind each other's WAL flush, and a slow flush (during a checkpoint) stalls them all.
    Counted on its own (no transaction around it), the count therefore commits without
    waiting for the flush (synchronous_commit off for this one statement's transaction): a
    crash may forget the last fraction of a second of counts, which limits nothing that
    matters. Inside a caller's transaction the caller's durability is kept."""
    mode = None if conn.is_in_transaction() else "off"
    row = await conn.fetchrow(TAKE, key, window_seconds, mode)
    return Use(row["used"], limit, max(1, row["seconds_left"]))


async def forget_old_windows(conn: asyncpg.Connection, window_seconds: int = 3600) -> int:
    done = await conn.execute(FORGET, window_seconds)
    return int(done.split()[-1])
