"""A data protection officer's export of their authority's audit log, as CSV (the API and
the audit pages). The export is itself a row of the log."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import msgspec

from registry import audit_log
from registry.actor import Actor, acting
from registry.errors import NotFound


@dataclass(frozen=True)
class Export:
    """An export recorded in the log: its own row's id (the export reads the rows before it)
    and where the primary's WAL stood once it was committed (a standby that has replayed that
    far holds every row the export reads)."""

    id: int
    authority_id: int
    where: audit_log.AuditFilter
    wal_lsn: str


WAL_NOW = "SELECT pg_current_wal_insert_lsn()::text"


async def record(conn: asyncpg.Connection, actor: Actor, where: audit_log.AuditFilter) -> Export:
    """Record the acting DPO's export of their authority's log (its own row), on the primary."""
    if actor.authority_id is None:
        raise NotFound("authority")
    async with acting(conn, actor):
        export_id = await audit_log.record(
            conn,
            action="export",
            user_id=actor.user_id,
            authority_id=actor.authority_id,
            subject="audit_log",
            detail={k: str(v) for k, v in msgspec.structs.asdict(where).items() if v is not None},
        )
    return Export(export_id, actor.authority_id, where, await conn.fetchval(WAL_NOW))


def pieces(pool: asyncpg.Pool, export: Export) -> AsyncIterator[str]:
    """The recorded export's rows as CSV text, 500 rows a piece, read through `pool` (the
    primary's, or a standby's that has replayed the export's own row)."""
    authority_id, where, export_id = export.authority_id, export.where, export.id

    async def lines() -> AsyncIterator[str]:
        yield audit_log.csv_lines([])
        batch: list[audit_log.AuditEntry] = []
        async for entry in audit_log.all_entries(pool, authority_id, where, before_id=export_id):
            batch.append(entry)
            if len(batch) == 500:
                yield audit_log.csv_lines(batch, header=False)
                batch = []
        if batch:
            yield audit_log.csv_lines(batch, header=False)

    return lines()
