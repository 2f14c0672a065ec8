"""A data protection officer's export of their authority's audit log, as CSV (the API and
the audit pages). The export is itself a row of the log."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import msgspec

from registry import audit_log
from registry.actor import Actor, acting
from registry.errors import NotFound


async def export(
    conn: asyncpg.Connection, pool: asyncpg.Pool, actor: Actor, where: audit_log.AuditFilter
) -> AsyncIterator[str]:
    """The acting DPO's authority's log as CSV text, 500 rows a piece: the export is recorded
    first (its own row), and the log is read as it stood when the export was asked for."""
    if actor.authority_id is None:
        raise NotFound("authority")
    authority_id = actor.authority_id
    async with acting(conn, actor):
        export_id = await audit_log.record(
            conn,
            action="export",
            user_id=actor.user_id,
            authority_id=authority_id,
            subject="audit_log",
            detail={k: str(v) for k, v in msgspec.structs.asdict(where).items() if v is not None},
        )

    async def pieces() -> AsyncIterator[str]:
        yield audit_log.csv_lines([])
        batch: list[audit_log.AuditEntry] = []
        async for entry in audit_log.all_entries(pool, authority_id, where, before_id=export_id):
            batch.append(entry)
            if len(batch) == 500:
                yield audit_log.csv_lines(batch, header=False)
                batch = []
        if batch:
            yield audit_log.csv_lines(batch, header=False)

    return pieces()
