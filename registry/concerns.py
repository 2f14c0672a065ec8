"""Safeguarding concerns (2022 Act s.5) and the receiving authority's reply (s.6).

An authority that learns of relevant information about a driver licensed by another
authority must tell that authority within 10 working days of becoming aware; the receiver
considers suspending or revoking and tells the reporter what it decided. Only the two
authorities involved see a concern; to anyone else it does not exist.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

import asyncpg
import msgspec

from registry import paging
from registry.actor import Actor, audit_change
from registry.authorities import by_code
from registry.drivers import read_driver
from registry.errors import Conflict, NotFound
from registry.fields import Categories, Choice, Fields, PastDate, RecordId, Text
from registry.workdays import add_working_days

REPORT_WITHIN_WORKING_DAYS = 10
REPLY_DECISIONS = ("no_action", "warning", "suspended", "revoked", "other")
BOXES = ("received", "sent")


class ConcernDetails(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A concern to report to the authority that licenses the driver (by GSS code)."""

    driver_id: uuid.UUID | None = None  # the driver's public id
    recipient_authority: str | None = None
    licence_id: RecordId | None = None
    categories: Annotated[list[str] | None, Categories("relevant information")] = None
    narrative: Annotated[
        str | None, Text("account of the concern", required=True, max_length=10000)
    ] = None
    became_aware_on: Annotated[
        str | None, PastDate("date your authority became aware", required=True)
    ] = None
    reported_on: Annotated[str | None, PastDate("date of the report", or_today=True)] = None


class ConcernReply(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What the receiving authority decided (s.6)."""

    decision: Annotated[str | None, Choice("decision", REPLY_DECISIONS, "reply", required=True)] = (
        None
    )
    reply_on: Annotated[str | None, PastDate("date of the reply", or_today=True)] = None
    reason: Annotated[str | None, Text("reasons for the decision", max_length=5000)] = None


class Concern(msgspec.Struct):
    id: int
    driver_id: uuid.UUID  # the driver's public id
    reporting_authority: str
    recipient_authority: str
    licence_id: int | None
    categories: list[str]
    narrative: str
    became_aware_on: date
    reported_on: date
    report_due_on: date
    reported_late: bool
    reply_decision: str | None
    reply_on: date | None
    reply_reason: str


SELECT_CONCERNS = """
SELECT c.id, d.public_id AS driver_id, rep.code AS reporting_authority,
       rec.code AS recipient_authority, c.licence_id, c.categories, c.narrative,
       c.became_aware_on, c.reported_on, c.report_due_on,
       c.reported_on > c.report_due_on AS reported_late,
       c.reply_decision, c.reply_on, c.reply_reason
FROM concern c
JOIN driver d ON d.id = c.driver_id
JOIN authority rep ON rep.id = c.reporting_authority_id
JOIN authority rec ON rec.id = c.recipient_authority_id
"""

CONCERN = (
    SELECT_CONCERNS
    + """
WHERE c.id = $1 AND $2 IN (c.reporting_authority_id, c.recipient_authority_id)
"""
)

STATES = ("open", "answered")

# Unanswered first, the earliest due at the top; then answered ones by their due date.
LIST_CONCERNS = (
    SELECT_CONCERNS
    + """
WHERE CASE WHEN $2 = 'received' THEN c.recipient_authority_id ELSE c.reporting_authority_id END = $1
  AND ($3::text IS NULL OR (c.reply_on IS NOT NULL) = ($3 = 'answered'))
  AND ($4::date IS NULL OR c.report_due_on < $4)
  AND ($5::boolean IS NULL OR (c.reply_on IS NOT NULL, c.report_due_on, c.id) > ($5, $6, $7))
ORDER BY c.reply_on IS NOT NULL, c.report_due_on, c.id
LIMIT $8
"""
)


async def get_concern(conn: asyncpg.Connection, actor: Actor, concern_id: int) -> Concern:
    row = await conn.fetchrow(CONCERN, concern_id, actor.authority_id)
    if row is None:
        raise NotFound("concern")
    return Concern(**dict(row))


async def list_concerns(
    conn: asyncpg.Connection,
    actor: Actor,
    box: str,
    *,
    state: str | None = None,
    due_before: date | None = None,
    after: str | None = None,
    limit: int = paging.DEFAULT_LIMIT,
) -> tuple[list[Concern], str | None]:
    """Concerns the actor's authority received or sent: unanswered first, by due date."""
    key = paging.decode(after, (bool, date, int)) or (None, None, None)
    rows = await conn.fetch(
        LIST_CONCERNS, actor.authority_id, box, state, due_before, *key, limit + 1
    )
    return paging.page(
        rows,
        limit,
        lambda r: (r["reply_on"] is not None, r["report_due_on"], r["id"]),
        lambda r: Concern(**dict(r)),
    )


LICENCE_AT = (
    "SELECT EXISTS (SELECT FROM licence WHERE id = $1 AND driver_id = $2 AND authority_id = $3)"
)

INSERT_CONCERN = """
INSERT INTO concern (driver_id, reporting_authority_id, recipient_authority_id, licence_id,
                     categories, narrative, became_aware_on, reported_on, report_due_on, recorded_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
RETURNING id
"""


async def report(conn: asyncpg.Connection, actor: Actor, details: ConcernDetails) -> Concern:
    """Report relevant information to the authority that licenses the driver (s.5)."""
    fields = Fields()
    got = fields.read(details)
    categories, narrative = got["categories"], got["narrative"]
    aware_on, reported_on = got["became_aware_on"], got["reported_on"]
    fields.after(
        "reported_on",
        reported_on,
        aware_on,
        "The report cannot be dated before your authority became aware",
    )
    recipient_id = await _recipient(conn, fields, actor, details.recipient_authority)
    driver_id = await read_driver(conn, fields, details.driver_id)
    if (
        driver_id is not None
        and details.licence_id is not None
        and recipient_id
        and not await conn.fetchval(LICENCE_AT, details.licence_id, driver_id, recipient_id)
    ):
        fields.error(
            "licence_id",
            "There is no licence of this driver at the receiving authority with this id",
        )
    fields.check()
    assert aware_on is not None  # required: fields.check() raised without it
    due_on = add_working_days(aware_on, REPORT_WITHIN_WORKING_DAYS)
    concern_id = await conn.fetchval(
        INSERT_CONCERN,
        driver_id,
        actor.authority_id,
        recipient_id,
        details.licence_id,
        categories,
        narrative,
        aware_on,
        reported_on,
        due_on,
        actor.user_id,
    )
    await audit_change(conn, actor, f"concern:{concern_id}", "concern_reported", driver_id)
    return await get_concern(conn, actor, concern_id)


async def _recipient(
    conn: asyncpg.Connection, fields: Fields, actor: Actor, code: object
) -> int | None:
    if not code or not str(code).strip():
        fields.error(
            "recipient_authority", "Enter the GSS code of the authority that licenses the driver"
        )
        return None
    found = await by_code(conn, str(code))
    if found is None:
        fields.error("recipient_authority", "There is no authority with this code")
        return None
    if found.id == actor.authority_id:
        fields.error(
            "recipient_authority", "A concern is reported to another authority, not your own"
        )
        return None
    return found.id


CONCERN_FOR_REPLY = """
SELECT id, driver_id, reported_on, reply_on FROM concern
WHERE id = $1 AND recipient_authority_id = $2 FOR UPDATE
"""

SAVE_REPLY = """
UPDATE concern SET reply_decision = $2, reply_on = $3, reply_reason = $4 WHERE id = $1
"""


async def reply(
    conn: asyncpg.Connection, actor: Actor, concern_id: int, details: ConcernReply
) -> Concern:
    """The receiving authority tells the reporter what it decided (s.6)."""
    concern = await conn.fetchrow(CONCERN_FOR_REPLY, concern_id, actor.authority_id)
    if concern is None:
        raise NotFound("concern")
    fields = Fields()
    got = fields.read(details, through="reply_on")
    decision, reply_on = got["decision"], got["reply_on"]
    fields.after(
        "reply_on",
        reply_on,
        concern["reported_on"],
        "The reply cannot be dated before the concern was reported",
    )
    reason = fields.read(details)["reason"] or ""
    fields.check()
    if concern["reply_on"] is not None:
        raise Conflict(
            "This concern has already been answered", "decision", ("concern", concern_id)
        )
    await conn.execute(SAVE_REPLY, concern_id, decision, reply_on, reason)
    await audit_change(
        conn, actor, f"concern:{concern_id}", "concern_replied", concern["driver_id"]
    )
    return await get_concern(conn, actor, concern_id)
