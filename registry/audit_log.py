"""The audit log: who did what, for which authority, when, why and under which case.

Every search and every record opened is written here with its purpose and case reference
(docs/domain.md, data protection): an Enquirer says who is asking and why, and
purpose_errors checks what they gave (the API and the pages alike).

The table is append-only (a trigger refuses updates and deletes); rows name records by kind
and id, never by personal data. A data protection officer reads their own authority's rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable
from datetime import date, datetime
from uuid import UUID

import asyncpg
import msgspec

from registry.fields import has_control

PURPOSES = ("new_application", "renewal", "s5_investigation", "enforcement", "other")


class Enquirer(msgspec.Struct, frozen=True):
    """The officer, their authority, the purpose (one of PURPOSES) and the case reference."""

    user_id: int | None
    authority_id: int | None
    purpose: str
    case_reference: str


def purpose_errors(purpose: str | None, case_reference: str | None) -> list[tuple[str, str]]:
    """(field, message) for a missing or wrong purpose or case reference (API and pages)."""
    errors = []
    if not purpose or purpose not in PURPOSES:
        errors.append(("purpose", "Choose the purpose of the search: " + ", ".join(PURPOSES)))
    reference = (case_reference or "").strip()
    if not reference:
        errors.append(("case_reference", "Enter the case reference"))
    elif len(reference) > 60:
        errors.append(("case_reference", "The case reference must be 60 characters or fewer"))
    elif has_control(reference):
        errors.append(
            ("case_reference", "The case reference can only contain printable characters")
        )
    return errors


INSERT = """
INSERT INTO audit_entry (user_id, authority_id, action, purpose, case_reference, driver_id,
                       search_id, subject, detail)
VALUES ($1, $2, $3, $4, $5, coalesce($6, (SELECT id FROM driver WHERE public_id = $10)),
        $7, $8, $9::jsonb)
RETURNING id
"""


async def record(
    conn: asyncpg.Connection,
    *,
    action: str,
    user_id: int | None = None,
    authority_id: int | None = None,
    purpose: str | None = None,
    case_reference: str | None = None,
    driver_id: int | UUID | None = None,
    search_id: UUID | None = None,
    subject: str = "",
    detail: dict[str, object] | None = None,
) -> int:
    """Append one row; `detail` holds ids, counts and choices, never names or narrative.
    The driver is named by their internal id or by their public id."""
    public = driver_id if isinstance(driver_id, UUID) else None
    row_id: int = await conn.fetchval(
        INSERT,
        user_id,
        authority_id,
        action,
        purpose,
        case_reference,
        None if public else driver_id,
        search_id,
        subject,
        msgspec.json.encode(detail or {}).decode(),
        public,
    )
    return row_id


async def refused(
    conn: asyncpg.Connection,
    *,
    user_id: int | None,
    authority_id: int | None,
    method: str,
    route: str,
    ids: dict[str, str],
) -> int:
    """A 'refused' row: someone asked for a record that does not exist or that their authority
    may not see, and was answered 404. It holds the route and the ids asked for, nothing else
    (the answer itself is the same 404 as for a record that does not exist).

    A driver asked for by public id is linked when that driver exists, so the data protection
    officer sees whose record someone tried to reach."""
    driver: UUID | None = None
    try:
        driver = UUID(ids["driver_id"]) if "driver_id" in ids else None
    except ValueError:
        driver = None
    return await record(
        conn,
        action="refused",
        user_id=user_id,
        authority_id=authority_id,
        driver_id=driver,
        subject=route,
        detail={"method": method, "ids": ids},
    )


# Flagged: rows that raise an alert to the authority's data protection officer.
FLAGGED_ACTIONS = ("bulk_access", "unexplained_open")

RAISE_DPO_ALERT = """
INSERT INTO alert (audit_id, recipient_authority_id, kind) VALUES ($1, $2, 'access_flagged')
"""


async def flag(
    conn: asyncpg.Connection,
    *,
    action: str,
    user_id: int | None,
    authority_id: int,
    driver_id: int | None = None,
    detail: dict[str, object] | None = None,
) -> int:
    """A flagged row (one of FLAGGED_ACTIONS) and its alert to the authority's data protection
    officer, sent through the outbox like every alert; the email names no one (the officer by
    account number only). Call inside `acting()`, so the row and the alert stand together."""
    assert action in FLAGGED_ACTIONS, action
    row_id = await record(
        conn,
        action=action,
        user_id=user_id,
        authority_id=authority_id,
        driver_id=driver_id,
        subject=f"user:{user_id}",
        detail=detail,
    )
    await conn.execute(RAISE_DPO_ALERT, row_id, authority_id)
    return row_id


# Why an officer might open this driver's record without having searched for them: $1 driver,
# $2 authority, $3 officer. A search of theirs returned the driver in the last RECENT, or their
# authority recorded, licenses, houses or entered a decision about the driver, sent or received
# a concern or an information request about them, received an alert about them, or has a
# possible duplicate of them (work lists, alerts and duplicates carry their own reason).
RECENT = "24 hours"
EXPLAINED = f"""
SELECT EXISTS (SELECT FROM audit_log s
               WHERE s.action = 'search' AND s.authority_id = $2 AND s.driver_id = $1
                 AND s.user_id = $3 AND s.at > now() - interval '{RECENT}')
    OR EXISTS (SELECT FROM driver d
               WHERE d.id = $1 AND $2 IN (d.recorded_by_authority_id, d.home_authority_id))
    OR EXISTS (SELECT FROM licence l WHERE l.driver_id = $1 AND l.authority_id = $2)
    OR EXISTS (SELECT FROM register_entry e WHERE e.driver_id = $1 AND e.authority_id = $2)
    OR EXISTS (SELECT FROM concern c WHERE c.driver_id = $1
                 AND $2 IN (c.reporting_authority_id, c.recipient_authority_id))
    OR EXISTS (SELECT FROM information_request r JOIN register_entry e ON e.id = r.entry_id
               WHERE e.driver_id = $1 AND r.requesting_authority_id = $2)
    OR EXISTS (SELECT FROM register_event ev JOIN alert a ON a.event_id = ev.id
               WHERE ev.driver_id = $1 AND a.recipient_authority_id = $2)
    OR EXISTS (SELECT FROM possible_duplicate p
               CROSS JOIN LATERAL (SELECT CASE WHEN p.driver_a = $1 THEN p.driver_b
                                               ELSE p.driver_a END AS id) AS other
               WHERE $1 IN (p.driver_a, p.driver_b)
                 AND (EXISTS (SELECT FROM licence l WHERE l.driver_id = other.id
                                AND l.authority_id = $2)
                      OR EXISTS (SELECT FROM register_entry e WHERE e.driver_id = other.id
                                   AND e.authority_id = $2)
                      OR EXISTS (SELECT FROM driver d WHERE d.id = other.id
                                   AND $2 IN (d.recorded_by_authority_id, d.home_authority_id))))
"""


async def explained(
    conn: asyncpg.Connection, driver_id: int, authority_id: int, user_id: int
) -> bool:
    """Whether the officer had a reason to open this record (see EXPLAINED)."""
    return bool(await conn.fetchval(EXPLAINED, driver_id, authority_id, user_id))


class AuditEntry(msgspec.Struct, frozen=True):
    id: int
    at: datetime
    action: str
    user_id: int | None = None
    user_name: str | None = None
    user_email: str | None = None
    purpose: str | None = None
    case_reference: str | None = None
    driver_id: UUID | None = None  # the driver's public id
    search_id: UUID | None = None
    subject: str = ""
    detail: dict[str, object] = {}


class AuditFilter(msgspec.Struct, frozen=True):
    """Which rows: all of them when nothing is set. Dates are inclusive, in UK local time.
    The action 'flagged' stands for every row raised to the data protection officer."""

    from_date: date | None = None
    to_date: date | None = None
    action: str | None = None
    user_id: int | None = None


ENTRIES = """
SELECT l.id, l.at, l.action, l.user_id, u.display_name AS user_name, u.email::text AS user_email,
       l.purpose, l.case_reference, d.public_id AS driver_id, l.search_id, l.subject,
       l.detail::text AS detail
FROM audit_log l LEFT JOIN app_user u ON u.id = l.user_id LEFT JOIN driver d ON d.id = l.driver_id
WHERE l.authority_id = $1
  AND ($2::date IS NULL OR l.at >= $2::date::timestamp AT TIME ZONE 'Europe/London')
  AND ($3::date IS NULL OR l.at < ($3::date + 1)::timestamp AT TIME ZONE 'Europe/London')
  AND ($4::text IS NULL OR l.action = $4 OR ($4 = 'flagged' AND l.action = ANY($8::text[])))
  AND ($5::integer IS NULL OR l.user_id = $5)
  AND ($6::bigint IS NULL OR l.id < $6)
ORDER BY l.id DESC
LIMIT $7
"""


async def entries(
    conn: asyncpg.Connection | asyncpg.Pool,
    authority_id: int,
    where: AuditFilter | None = None,
    *,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """An authority's rows, newest first; page on by passing the last id as `before_id`."""
    where = where or AuditFilter()
    rows = await conn.fetch(
        ENTRIES,
        authority_id,
        where.from_date,
        where.to_date,
        where.action,
        where.user_id,
        before_id,
        limit,
        list(FLAGGED_ACTIONS),
    )
    return [AuditEntry(**{**dict(r), "detail": msgspec.json.decode(r["detail"])}) for r in rows]


async def all_entries(
    pool: asyncpg.Pool,
    authority_id: int,
    where: AuditFilter,
    *,
    before_id: int | None = None,
    batch: int = 1000,
) -> AsyncIterator[AuditEntry]:
    """Every matching row older than `before_id`, newest first, a batch per connection use
    (for a streamed export)."""
    while True:
        page = await entries(pool, authority_id, where, before_id=before_id, limit=batch)
        for entry in page:
            yield entry
        if len(page) < batch:
            return
        before_id = page[-1].id


CSV_COLUMNS = (
    "id",
    "at",
    "action",
    "user_id",
    "user_name",
    "user_email",
    "purpose",
    "case_reference",
    "driver_id",
    "search_id",
    "subject",
    "detail",
)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return msgspec.json.encode(value).decode()
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    # A spreadsheet would run a cell starting with these as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_lines(rows: Iterable[AuditEntry], header: bool = True) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if header:
        writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([_cell(getattr(row, column)) for column in CSV_COLUMNS])
    return out.getvalue()
