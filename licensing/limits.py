"""Per-officer hourly limits on opening driver records and searching the register.

The API and the pages call `count_use` before a record is opened or a search runs. The count
lives in PostgreSQL (registry/limits.py), shared by every process. Reaching the alert level
writes a `bulk_access` row to the officer's authority's audit log, which its data protection
officer reads; going past the limit answers 429 with Retry-After (seconds to the next hour's
window), and nothing is opened or searched.
"""

from __future__ import annotations

import asyncpg
from litestar import Request
from litestar.exceptions import TooManyRequestsException

from licensing.settings import Settings
from registry import audit_log, limits

WORDS = {"record_open": "driver records opened", "search": "searches"}


def _levels(settings: Settings, kind: str) -> tuple[int, int]:
    if kind == "record_open":
        return settings.record_opens_per_hour, settings.record_opens_alert_at
    return settings.searches_per_hour, settings.searches_alert_at


async def count_use(request: Request, conn: asyncpg.Connection, kind: str) -> None:
    """Count one record opening or search by the signed-in officer; 429 past their limit."""
    principal = request.user
    limit, alert_at = _levels(request.app.state.settings, kind)
    use = await limits.take(conn, f"user:{principal.user_id}:{kind}", limit)
    if use.used == alert_at or use.used == limit + 1:
        await audit_log.record(
            conn,
            action="bulk_access",
            user_id=principal.user_id,
            authority_id=principal.authority_id,
            subject=f"user:{principal.user_id}",
            detail={"kind": kind, "used_this_hour": use.used, "limit": limit},
        )
    if not use.allowed:
        raise TooManyRequestsException(
            detail=f"You have reached the limit of {limit} {WORDS[kind]} an hour. "
            "Your data protection officer has been told. Try again later.",
            headers={"Retry-After": str(use.seconds_left)},
        )
