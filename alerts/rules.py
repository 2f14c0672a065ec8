"""The alert rules: which authorities hear about which register events.

Every register event is queued for this module by a trigger, in the transaction that made
the change (migrations/0004_alerts.sql). `queue_new_alerts` takes a batch of queued events,
applies the rules below in one SQL statement and removes the events from the queue, all in
one transaction: an event is either still queued or has all its alerts. Alerts are unique per
(event, recipient, kind), so running the rules twice, or in two processes at once, queues
each alert once. An authority is never alerted about its own action. An alert meant for an
authority abolished since goes to its successor (migrations/0008_successors.sql).

The rules:
- out_of_area_licence: a licence granted or renewed by one authority to a driver whose home
  authority is another: tell the home authority.
- register_decision / licence_suspended / licence_revoked / decision_changed: a decision
  entered on the register, a suspension or a revocation (or a later change to an entry):
  tell every other authority that currently licenses the driver, and the home authority.
- safeguarding_concern: an s.5 report: tell the authority it was reported to.
- information_request: an s.3 request: tell the recording authority when it arrives;
  `queue_request_reminders` adds request_due_soon (5 working days left) and request_overdue.
- resident_moved: a driver's home moves to another authority while licensed elsewhere:
  tell the new home authority.
- rescreen_match: an entry recorded, a licence granted, suspended or revoked, an s.5 concern
  (not from a bulk import), or two records confirmed to be one person (rescreen_queue): the
  driver is re-screened against the whole register (registry/rescreen.py) in the same
  transaction, and every authority that currently licenses either record of a probable pair
  is told, once per pair, even the authority that acted (a grant to someone revoked elsewhere
  under another record is news to the grantor). A pair decided "not this driver" is never
  raised again. The nightly sweep (`queue_sweep_alerts`) does the same for every driver with
  an entry in force.
- identity_changed: a driver's name, date of birth or an identifier changed (directly, or
  by accepting another authority's proposal): tell every other authority with an interest
  (a current or suspended licence, a register entry, the home authority).

History loaded by a bulk import (events with detail.source = 'import', migration 0003) is
news only where it still matters: a licence that is still current or suspended, and a
register entry still in force. Expired licences, past suspensions and overturned entries
from a council's first day raise nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import asyncpg

from registry import rescreen
from registry.actor import Actor, acting
from registry.today import LONDON_TODAY_SQL, london_today
from registry.workdays import working_days_between

REMINDER_WORKING_DAYS = 5

# Each rule selects (event_id, recipient_authority_id, kind, request_id) from `ev`, the batch
# of events being processed.
IMPORTED = "ev.detail ->> 'source' = 'import'"

RULE_OUT_OF_AREA_LICENCE = f"""
SELECT ev.id, d.home_authority_id, 'out_of_area_licence', NULL::bigint
FROM ev JOIN driver d ON d.id = ev.driver_id JOIN licence l ON l.id = ev.subject_id
WHERE ev.kind IN ('licence_granted', 'licence_renewed')
  AND d.home_authority_id IS DISTINCT FROM ev.authority_id AND d.home_authority_id IS NOT NULL
  AND (NOT coalesce({IMPORTED}, false) OR l.status IN ('current', 'suspended'))
"""

RULE_ADVERSE_DECISION = f"""
SELECT ev.id, r.recipient,
       CASE ev.kind WHEN 'entry_recorded' THEN 'register_decision'
                    WHEN 'entry_changed' THEN 'decision_changed'
                    ELSE ev.kind END,
       NULL::bigint
FROM ev CROSS JOIN LATERAL (
    SELECT l.authority_id AS recipient FROM licence l
    WHERE l.driver_id = ev.driver_id AND l.status IN ('current', 'suspended')
    UNION
    SELECT d.home_authority_id FROM driver d WHERE d.id = ev.driver_id
) r
WHERE ev.kind IN ('entry_recorded', 'entry_changed', 'licence_suspended', 'licence_revoked')
  AND r.recipient IS NOT NULL AND r.recipient IS DISTINCT FROM ev.authority_id
  AND (NOT coalesce({IMPORTED}, false)
       OR (ev.kind = 'entry_recorded'
           AND EXISTS (SELECT FROM register_entry re WHERE re.id = ev.subject_id AND re.status = 'in_force')))
"""

RULE_SAFEGUARDING_CONCERN = """
SELECT ev.id, c.recipient_authority_id, 'safeguarding_concern', NULL::bigint
FROM ev JOIN concern c ON c.id = ev.subject_id
WHERE ev.kind = 'concern_reported'
"""

RULE_INFORMATION_REQUEST = """
SELECT ev.id, r.recording_authority_id, 'information_request', r.id
FROM ev JOIN information_request r ON r.id = ev.subject_id
WHERE ev.kind = 'request_made'
"""

RULE_RESIDENT_MOVED = """
SELECT ev.id, (ev.detail ->> 'home_authority_id')::integer, 'resident_moved', NULL::bigint
FROM ev
WHERE ev.kind = 'driver_moved' AND ev.detail ->> 'home_authority_id' IS NOT NULL
  AND EXISTS (SELECT FROM licence l
              WHERE l.driver_id = ev.driver_id AND l.status IN ('current', 'suspended')
                AND l.authority_id <> (ev.detail ->> 'home_authority_id')::integer)
"""

RULE_IDENTITY_CHANGED = f"""
SELECT ev.id, r.recipient, 'identity_changed', NULL::bigint
FROM ev CROSS JOIN LATERAL (
    SELECT l.authority_id AS recipient FROM licence l
    WHERE l.driver_id = ev.driver_id AND l.status IN ('current', 'suspended')
    UNION
    SELECT re.authority_id FROM register_entry re WHERE re.driver_id = ev.driver_id
    UNION
    SELECT d.home_authority_id FROM driver d WHERE d.id = ev.driver_id
) r
WHERE ev.kind = 'driver_amended' AND ev.detail ? 'identity'
  AND r.recipient IS NOT NULL AND NOT coalesce({IMPORTED}, false)
"""

RULES = (
    RULE_OUT_OF_AREA_LICENCE,
    RULE_ADVERSE_DECISION,
    RULE_SAFEGUARDING_CONCERN,
    RULE_INFORMATION_REQUEST,
    RULE_RESIDENT_MOVED,
    RULE_IDENTITY_CHANGED,
)

LONG_SWEEP = "SET LOCAL statement_timeout = '20min'"

# The events that re-screen their driver (registry/rescreen.py).
RESCREEN_ON = ", ".join(
    f"'{kind}'"
    for kind in (
        "entry_recorded",
        "licence_granted",
        "licence_suspended",
        "licence_revoked",
        "concern_reported",
    )
)

# The re-screening events that are news about the person, not only a new licence.
ADVERSE = ", ".join(
    f"'{kind}'"
    for kind in ("entry_recorded", "licence_suspended", "licence_revoked", "concern_reported")
)

# SKIP LOCKED: a second process takes the next events instead of waiting for these.
QUEUE_NEW_ALERTS = f"""
WITH batch AS (
    DELETE FROM alert_event_queue
    WHERE event_id IN (SELECT event_id FROM alert_event_queue ORDER BY event_id
                       LIMIT $1 FOR UPDATE SKIP LOCKED)
    RETURNING event_id
), ev AS (
    SELECT e.* FROM register_event e JOIN batch b ON b.event_id = e.id
), wanted (event_id, recipient_authority_id, kind, request_id) AS (
    {" UNION ALL ".join(f"({rule})" for rule in RULES)}
), routed AS (
    -- an abolished authority's alerts go to its successor, unless that is who acted
    SELECT DISTINCT w.event_id, authority_on(w.recipient_authority_id, {LONDON_TODAY_SQL}) AS recipient,
           w.kind, w.request_id, ev.authority_id AS actor
    FROM wanted w JOIN ev ON ev.id = w.event_id
), inserted AS (
    INSERT INTO alert (event_id, recipient_authority_id, kind, request_id)
    SELECT event_id, recipient, kind, request_id FROM routed
    WHERE recipient IS DISTINCT FROM actor
    ON CONFLICT DO NOTHING
    RETURNING id
)
SELECT (SELECT count(*) FROM batch) AS events, (SELECT count(*) FROM inserted) AS alerts,
       (SELECT coalesce(array_agg(DISTINCT ev.driver_id), '{{}}') FROM ev
        WHERE ev.kind IN ({RESCREEN_ON}) AND ev.driver_id IS NOT NULL
          AND NOT coalesce({IMPORTED}, false)) AS rescreen
"""

# A re-screening alert hangs on the screened driver's latest register event (the one that
# asked for it, or for a confirmed duplicate or the sweep, the newest). An authority hears of
# a pair once, and again for each adverse event on it (a revocation after a grant raised the
# pair is news); one per pair, authority and event (the unique index
# alert_one_per_pair_and_event); never for a pair decided different people.
QUEUE_RESCREEN_ALERTS = f"""
INSERT INTO alert (event_id, recipient_authority_id, kind, duplicate_id)
SELECT DISTINCT ON (m.pair, authority_on(m.recipient, {LONDON_TODAY_SQL}))
       e.id, authority_on(m.recipient, {LONDON_TODAY_SQL}), 'rescreen_match', m.pair
FROM unnest($1::bigint[], $2::bigint[], $3::integer[]) AS m(screened, pair, recipient)
JOIN possible_duplicate p ON p.id = m.pair AND p.status <> 'different_people'
CROSS JOIN LATERAL (SELECT max(id) AS id FROM register_event WHERE driver_id = m.screened) e
JOIN register_event ev ON ev.id = e.id
WHERE ev.kind IN ({ADVERSE})
   OR NOT EXISTS (SELECT 1 FROM alert a WHERE a.duplicate_id = m.pair
                  AND a.recipient_authority_id = authority_on(m.recipient, {LONDON_TODAY_SQL}))
ORDER BY m.pair, authority_on(m.recipient, {LONDON_TODAY_SQL}), e.id DESC
ON CONFLICT DO NOTHING
RETURNING id
"""


@dataclass(frozen=True)
class Queued:
    events: int
    alerts: int


async def queue_new_alerts(conn: asyncpg.Connection, limit: int = 1000) -> Queued:
    """Turn up to `limit` queued register events into alerts, and re-screen their drivers
    and those of confirmed duplicates (one transaction)."""
    async with acting(conn, Actor(None, None)):
        row = await conn.fetchrow(QUEUE_NEW_ALERTS, limit)
        drivers = sorted(set(row["rescreen"]) | set(await rescreen.due(conn, limit)))
        found = await rescreen.rescreen(conn, drivers)
        raised = await queue_rescreen_alerts(conn, found)
    return Queued(row["events"], row["alerts"] + raised)


async def queue_rescreen_alerts(conn: asyncpg.Connection, matches: list[rescreen.Match]) -> int:
    """Alerts for re-screening matches not yet told to their authority; returns how many."""
    if not matches:
        return 0
    inserted = await conn.fetch(
        QUEUE_RESCREEN_ALERTS,
        [m.screened_driver for m in matches],
        [m.duplicate_id for m in matches],
        [m.licensed_by for m in matches],
    )
    return len(inserted)


async def queue_sweep_alerts(conn: asyncpg.Connection) -> int:
    """The nightly sweep: every driver with an entry in force re-screened, and alerts for
    the matches not yet told (one transaction)."""
    async with acting(conn, Actor(None, None)):
        await conn.execute(LONG_SWEEP)
        return await queue_rescreen_alerts(conn, await rescreen.sweep(conn))


async def queue_all_new_alerts(conn: asyncpg.Connection, limit: int = 1000) -> Queued:
    """Drain the event queue in batches of `limit`."""
    events = alerts = 0
    while True:
        done = await queue_new_alerts(conn, limit)
        events, alerts = events + done.events, alerts + done.alerts
        if done.events < limit:
            return Queued(events, alerts)


# Open requests due within three weeks or past due; the reminders already sent are skipped
# by the unique key.
OPEN_REQUESTS_NEAR_DUE = """
SELECT r.id, authority_on(r.recording_authority_id, $2) AS recording_authority_id, r.due_on,
       e.id AS event_id
FROM information_request r
JOIN register_event e ON e.kind = 'request_made' AND e.subject_id = r.id
WHERE r.status = 'open' AND r.due_on <= $1
"""

INSERT_REMINDERS = """
INSERT INTO alert (event_id, recipient_authority_id, kind, request_id)
SELECT * FROM unnest($1::bigint[], $2::integer[], $3::text[], $4::bigint[])
ON CONFLICT DO NOTHING
RETURNING id
"""


def reminder_kind(today: date, due_on: date) -> str | None:
    """Which reminder an open request is owed today, if any."""
    if today > due_on:
        return "request_overdue"
    if working_days_between(today, due_on) <= REMINDER_WORKING_DAYS:
        return "request_due_soon"
    return None


async def queue_request_reminders(conn: asyncpg.Connection, today: date | None = None) -> int:
    """Queue the deadline reminders owed today for open s.3 requests; returns how many are new."""
    today = today or london_today()
    rows = await conn.fetch(OPEN_REQUESTS_NEAR_DUE, today + timedelta(days=21), today)
    wanted = [
        (r["event_id"], r["recording_authority_id"], kind, r["id"])
        for r in rows
        if (kind := reminder_kind(today, r["due_on"]))
    ]
    if not wanted:
        return 0
    inserted = await conn.fetch(
        INSERT_REMINDERS, *(list(column) for column in zip(*wanted, strict=True))
    )
    return len(inserted)
