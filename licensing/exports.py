"""The audit log's CSV export (the API and the audit pages), read on the hot standby.

The export is recorded on the primary first (its own row of the log). Its rows are then read
through the standby's pool (DATABASE_REPLICA_URL) once the standby has replayed the primary's
WAL past that row, so the file holds exactly what the primary would have given; a standby
that is down, too far behind or slow to replay leaves the reading to the primary. The answer
says where it was read (Read-From) and the standby's lag (Replica-Lag-Seconds).
"""

from __future__ import annotations

import asyncpg
from litestar.datastructures import State
from litestar.response import Stream

from licensing.downloads import csv_stream
from registry import audit_export, audit_log
from registry.actor import Actor
from registry.today import london_today


async def audit_log_csv(
    state: State, conn: asyncpg.Connection, actor: Actor, where: audit_log.AuditFilter
) -> Stream:
    export = await audit_export.record(conn, actor, where)
    read = await state.reads.including(export.wal_lsn)
    pieces = audit_export.pieces(read.pool, export)
    return csv_stream(pieces, f"audit-{london_today().isoformat()}.csv", read.headers())
