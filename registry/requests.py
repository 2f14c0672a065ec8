"""Information requests (2022 Act s.3): after a hit, the searching authority asks the
recording authority in writing, and the recording authority answers within 20 working days.

Only the two authorities involved see a request; to anyone else it does not exist.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

import asyncpg
import msgspec

from registry import paging
from registry.actor import Actor, audit_change
from registry.errors import Conflict, NotFound
from registry.fields import Choice, Fields, PastDate, RecordId, Text
from registry.today import london_today
from registry.workdays import add_working_days, working_days_between

ANSWER_WITHIN_WORKING_DAYS = 20
RESPONSES = ("granted", "refused")
BOXES = ("received", "sent")


class RequestDetails(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A request for the information behind another authority's register entry."""

    entry_id: RecordId | None = None
    case_reference: Annotated[
        str | None, Text("your case reference", required=True, max_length=60)
    ] = None
    reason: Annotated[str | None, Text("reason for the request", max_length=2000)] = None
    requested_on: Annotated[str | None, PastDate("date of the request", or_today=True)] = None


class RequestResponse(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The recording authority's answer: the information granted, or refused and why."""

    status: Annotated[str | None, Choice("answer", RESPONSES, "answer", required=True)] = None
    response: Annotated[
        str | None,
        Text("information, or the reasons for refusing", required=True, max_length=10000),
    ] = None
    responded_on: Annotated[str | None, PastDate("date of the answer", or_today=True)] = None


class InformationRequest(msgspec.Struct):
    id: int
    entry_id: int
    driver_id: uuid.UUID  # the driver's public id
    requesting_authority: str
    recording_authority: str
    case_reference: str
    reason: str
    requested_on: date
    due_on: date
    status: str
    responded_on: date | None
    response: str
    # Working days from today to due_on while open: negative once overdue; null once answered.
    working_days_left: int | None = None
    overdue: bool = False


SELECT_REQUESTS = """
SELECT r.id, r.entry_id, d.public_id AS driver_id, req.code AS requesting_authority,
       rec.code AS recording_authority, r.case_reference, r.reason, r.requested_on, r.due_on,
       r.status, r.responded_on, r.response
FROM information_request r
JOIN register_entry e ON e.id = r.entry_id
JOIN driver d ON d.id = e.driver_id
JOIN authority req ON req.id = r.requesting_authority_id
JOIN authority rec ON rec.id = r.recording_authority_id
"""

REQUEST = (
    SELECT_REQUESTS
    + """
WHERE r.id = $1 AND $2 IN (r.requesting_authority_id, r.recording_authority_id)
"""
)

STATUSES = ("open", "granted", "refused", "withdrawn")

# Open requests first, the most urgent (earliest due) at the top; then answered ones.
LIST_REQUESTS = (
    SELECT_REQUESTS
    + """
WHERE CASE WHEN $2 = 'received' THEN r.recording_authority_id
           ELSE r.requesting_authority_id END = $1
  AND ($3::text IS NULL OR r.status = $3)
  AND ($4::date IS NULL OR r.due_on < $4)
  AND ($5::boolean IS NULL OR (r.status <> 'open', r.due_on, r.id) > ($5, $6, $7))
ORDER BY r.status <> 'open', r.due_on, r.id
LIMIT $8
"""
)


def _with_clock(row: asyncpg.Record, today: date) -> InformationRequest:
    item = InformationRequest(**dict(row))
    if item.status == "open":
        if today <= item.due_on:
            item.working_days_left = working_days_between(today, item.due_on)
        else:
            item.working_days_left = -working_days_between(item.due_on, today)
            item.overdue = True
    return item


async def get_request(
    conn: asyncpg.Connection, actor: Actor, request_id: int
) -> InformationRequest:
    row = await conn.fetchrow(REQUEST, request_id, actor.authority_id)
    if row is None:
        raise NotFound("information request")
    return _with_clock(row, london_today())


async def list_requests(
    conn: asyncpg.Connection,
    actor: Actor,
    box: str,
    *,
    status: str | None = None,
    due_before: date | None = None,
    after: str | None = None,
    limit: int = paging.DEFAULT_LIMIT,
) -> tuple[list[InformationRequest], str | None]:
    """Requests the actor's authority received (to answer) or sent, with their clocks."""
    key = paging.decode(after, (bool, date, int)) or (None, None, None)
    rows = await conn.fetch(
        LIST_REQUESTS, actor.authority_id, box, status, due_before, *key, limit + 1
    )
    today = london_today()
    return paging.page(
        rows,
        limit,
        lambda r: (r["status"] != "open", r["due_on"], r["id"]),
        lambda r: _with_clock(r, today),
    )


ENTRY_AUTHORITY = "SELECT authority_id FROM register_entry WHERE id = $1"

INSERT_REQUEST = """
INSERT INTO information_request (entry_id, requesting_authority_id, recording_authority_id,
                                 case_reference, reason, requested_on, due_on, recorded_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id
"""


async def make_request(
    conn: asyncpg.Connection, actor: Actor, details: RequestDetails
) -> InformationRequest:
    """Ask the recording authority for the information behind an entry (s.3)."""
    fields = Fields()
    got = fields.read(details)
    case_reference, reason = got["case_reference"], got["reason"] or ""
    requested_on = got["requested_on"]
    recording_id = None
    if details.entry_id is None:
        fields.error("entry_id", "Enter the id of the register entry")
    else:
        recording_id = await conn.fetchval(ENTRY_AUTHORITY, details.entry_id)
        if recording_id is None:
            fields.error("entry_id", "There is no register entry with this id")
        elif recording_id == actor.authority_id:
            fields.error("entry_id", "This entry is your own authority's: there is no one to ask")
    fields.check()
    due_on = add_working_days(requested_on, ANSWER_WITHIN_WORKING_DAYS)
    request_id = await conn.fetchval(
        INSERT_REQUEST,
        details.entry_id,
        actor.authority_id,
        recording_id,
        case_reference,
        reason,
        requested_on,
        due_on,
        actor.user_id,
    )
    await audit_change(conn, actor, f"information_request:{request_id}", "request_made")
    return await get_request(conn, actor, request_id)


REQUEST_FOR_ANSWER = """
SELECT id, requested_on, status FROM information_request
WHERE id = $1 AND recording_authority_id = $2 FOR UPDATE
"""

SAVE_ANSWER = """
UPDATE information_request SET status = $2, response = $3, responded_on = $4 WHERE id = $1
"""


async def respond(
    conn: asyncpg.Connection, actor: Actor, request_id: int, details: RequestResponse
) -> InformationRequest:
    """The recording authority answers: the information granted, or refused with reasons."""
    request = await conn.fetchrow(REQUEST_FOR_ANSWER, request_id, actor.authority_id)
    if request is None:
        raise NotFound("information request")
    fields = Fields()
    got = fields.read(details)
    status, response = got["status"], got["response"]
    responded_on = got["responded_on"]
    fields.after(
        "responded_on",
        responded_on,
        request["requested_on"],
        "The answer cannot be dated before the request",
    )
    fields.check()
    if request["status"] != "open":
        raise Conflict(
            "This request has already been answered", "status", ("information_request", request_id)
        )
    await conn.execute(SAVE_ANSWER, request_id, status, response, responded_on)
    await audit_change(conn, actor, f"information_request:{request_id}", "request_answered")
    return await get_request(conn, actor, request_id)
