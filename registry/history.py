"""A driver's history: the register events about them, newest first, in words.

Events carry ids, authorities, codes and dates, never names or narrative, so every officer
who may open the record may read its history.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import asyncpg
import msgspec

EVENT_WORDS = {
    "driver_recorded": "Driver recorded on the register",
    "driver_amended": "Driver's details amended",
    "driver_moved": "Home authority changed",
    "licence_granted": "Licence granted",
    "licence_renewed": "Licence renewed",
    "licence_suspended": "Licence suspended",
    "licence_reinstated": "Licence reinstated",
    "licence_revoked": "Licence revoked",
    "licence_surrendered": "Licence surrendered",
    "licence_expired": "Licence expired",
    "entry_recorded": "Register entry recorded",
    "entry_changed": "Register entry changed",
    "concern_reported": "Concern reported (section 5)",
    "concern_replied": "Reply to a concern recorded (section 6)",
    "request_made": "Information requested (section 3)",
    "request_answered": "Information request answered",
}

KIND_WORDS = {
    "hackney_carriage": "hackney carriage",
    "private_hire": "private hire",
    "dual": "dual",
}


class HistoryItem(msgspec.Struct, frozen=True):
    occurred_at: datetime
    kind: str
    what: str
    authority: str | None


HISTORY = """
SELECT e.occurred_at, e.kind, e.detail, a.name AS authority
FROM register_event e LEFT JOIN authority a ON a.id = e.authority_id
WHERE e.driver_id = $1
ORDER BY e.occurred_at DESC, e.id DESC
LIMIT $2
"""


def describe(kind: str, detail: dict[str, Any]) -> str:
    words = EVENT_WORDS.get(kind, kind.replace("_", " ").capitalize())
    if kind.startswith("licence_") and detail.get("kind") in KIND_WORDS:
        words += f": {KIND_WORDS[detail['kind']]}"
        if kind in ("licence_granted", "licence_renewed") and detail.get("expires_on"):
            words += f", until {_day(detail['expires_on'])}"
    elif kind == "entry_recorded" and detail.get("decision"):
        words += f": {detail['decision'].replace('_', ' ')}"
    elif kind == "entry_changed" and detail.get("status"):
        words += f": {detail['status'].replace('_', ' ')}"
    return words


def _day(iso: str) -> str:
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{day.day} {day:%B %Y}"


async def driver_history(
    conn: asyncpg.Connection, driver_id: int, limit: int = 200
) -> list[HistoryItem]:
    rows = await conn.fetch(HISTORY, driver_id, limit)
    return [
        HistoryItem(
            r["occurred_at"], r["kind"], describe(r["kind"], _detail(r["detail"])), r["authority"]
        )
        for r in rows
    ]


def _detail(raw: str | dict[str, Any] | None) -> dict[str, Any]:
    if isinstance(raw, str):
        decoded: dict[str, Any] = msgspec.json.decode(raw)
        return decoded
    return raw or {}
