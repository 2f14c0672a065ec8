"""A demo register's recent activity, so every page and figure shows something real.

The seed writes history with the register's event triggers quiet and no searches. For a demo
this adds, once, after the seed:
- searches: an audit-log 'search' row by the licensing authority a few days before most
  grants and renewals of the last two years (each authority searching first for between 55%
  and 98% of them, fixed per authority), then the grant checks worked out again, so the DfT
  "searched first" figures vary as they would;
- the last 180 days as register events (licences granted, renewed, suspended and revoked,
  register entries, concerns reported, information requests made), dated when they happened,
  so the alert rules raise alerts from them and the demo's scheduler emails them to the local
  mailbox.
Open information requests, unanswered concerns and licences near their expiry come from the
seed itself, and for the demo officers' own authorities from add_demo_work (below), so each
officer's home page has something in every list. Everything is drawn from the ids, so the same seed gives the same activity.
"""

from __future__ import annotations

from datetime import date, timedelta

import asyncpg

from registry.concerns import REPORT_WITHIN_WORKING_DAYS
from registry.duplicates.screen import screen
from registry.requests import ANSWER_WITHIN_WORKING_DAYS
from registry.today import london_today
from registry.workdays import add_working_days, is_working_day

RECENT_DAYS = 180

HAS_SEARCHES = "SELECT EXISTS (SELECT FROM audit_log WHERE action = 'search')"

SEARCHES = """
INSERT INTO audit_log (at, authority_id, action, purpose, case_reference, driver_id, search_id,
                       subject, detail)
SELECT ((c.effective_on - 1 - (c.id % 20)::integer)::timestamp + interval '10 hours')
           AT TIME ZONE 'Europe/London',
       l.authority_id, 'search',
       CASE c.action WHEN 'granted' THEN 'new_application' ELSE 'renewal' END,
       'DEMO/' || c.id, l.driver_id, gen_random_uuid(), 'name', '{"demo": true}'
FROM licence_change c JOIN licence l ON l.id = c.licence_id
WHERE c.action IN ('granted', 'renewed') AND c.effective_on >= $1::date - 730
  AND (c.id * 7919) % 100 < 55 + (l.authority_id * 37) % 44
"""

RECHECK = "SELECT recheck_grants()"

EVENTS = """
INSERT INTO register_event (occurred_at, kind, driver_id, authority_id, subject_id, detail)
SELECT happened::timestamp AT TIME ZONE 'Europe/London' + interval '11 hours', kind, driver_id,
       authority_id, subject_id, detail
FROM (
  SELECT c.effective_on AS happened, 'licence_' || c.action AS kind, l.driver_id, l.authority_id,
         l.id AS subject_id,
         jsonb_build_object('kind', l.kind, 'effective_on', c.effective_on,
                            'expires_on', coalesce(c.expires_on, l.expires_on)) AS detail
  FROM licence_change c JOIN licence l ON l.id = c.licence_id
  WHERE c.action IN ('granted', 'renewed', 'suspended', 'revoked')
    AND c.effective_on > $2::date - $1::integer AND c.effective_on <= $2::date
  UNION ALL
  SELECT e.decided_on, 'entry_recorded', e.driver_id, e.authority_id, e.id,
         jsonb_build_object('decision', e.decision, 'licence_kind', e.licence_kind,
                            'decided_on', e.decided_on, 'effective_on', e.effective_on)
  FROM register_entry e WHERE e.decided_on > $2::date - $1::integer
  UNION ALL
  SELECT c.reported_on, 'concern_reported', c.driver_id, c.reporting_authority_id, c.id,
         jsonb_build_object('recipient_authority_id', c.recipient_authority_id,
                            'became_aware_on', c.became_aware_on,
                            'report_due_on', c.report_due_on)
  FROM concern c WHERE c.reported_on > $2::date - $1::integer
  UNION ALL
  SELECT r.requested_on, 'request_made', e.driver_id, r.requesting_authority_id, r.id,
         jsonb_build_object('recording_authority_id', r.recording_authority_id,
                            'due_on', r.due_on)
  FROM information_request r JOIN register_entry e ON e.id = r.entry_id
  WHERE r.requested_on > $2::date - $1::integer
) recent
ORDER BY happened, kind, subject_id
"""


async def add_demo_activity(conn: asyncpg.Connection) -> dict[str, int] | None:
    """Searches and recent events for a freshly seeded demo register, in one transaction (as
    the schema owner); None when the register has searches already."""
    if await conn.fetchval(HAS_SEARCHES):
        return None
    today = london_today()  # one day for the whole demo, the register's (London's)
    async with conn.transaction():
        searches = int((await conn.execute(SEARCHES, today)).split()[-1])
        await conn.fetchval(RECHECK)
        events = int((await conn.execute(EVENTS, RECENT_DAYS, today)).split()[-1])
        work = await add_demo_work(conn, today)
    return {"searches": searches, "events": events, **work}


# Work for the demo's officers ------------------------------------------------------------------
# The authorities of the demo officers (licensing/cli_accounts.py DEMO_ACCOUNTS): the seed
# spreads 5,000 drivers over every council in England and Wales, so on their own these see a
# request or a concern only now and then. Each gets, from the next one in this list: open s.3
# requests to answer (one overdue, one due in 2 working days, one in 12), two concerns awaiting
# a reply (one waiting over four weeks), three licences expiring within 60 days and a possible
# duplicate (a second record of one of its drivers, a forename keyed slightly differently,
# recorded by the other council). The requests and concerns are written with the event
# triggers on, so the alert rules raise alerts about them like any other.
DEMO_AUTHORITIES = ("Rotherham", "Sheffield", "Bolton", "Wolverhampton")
REQUESTS_DUE_IN = (-3, 2, 12)  # working days from today
CONCERNS_REPORTED_AGO = (3, 35)  # calendar days

AUTHORITY_IDS = "SELECT name, id FROM authority WHERE name = ANY($1::text[])"

# $1 the authority, $2 how many: drivers it licenses now, with the licence.
DEMO_DRIVERS = """
SELECT l.driver_id, l.id AS licence_id, l.kind
FROM licence l
WHERE l.authority_id = $1 AND l.status = 'current'
ORDER BY l.expires_on, l.id
LIMIT $2
"""

DEMO_ENTRY = """
INSERT INTO register_entry (driver_id, authority_id, decision, licence_kind, decided_on,
                            effective_on, categories, narrative)
SELECT d.id, $1, 'refused', 'private_hire', $2::date, $2::date, ARRAY['road_safety'],
       'Demo: refused after a DVLA check showed recent speeding and careless driving.'
FROM driver d
WHERE NOT EXISTS (SELECT FROM licence l WHERE l.driver_id = d.id AND l.authority_id = $1)
  AND NOT EXISTS (SELECT FROM register_entry e WHERE e.driver_id = d.id)
ORDER BY (d.id * 7919 + $1) % 1000, d.id
LIMIT 1
RETURNING id
"""

DEMO_REQUEST = """
INSERT INTO information_request (entry_id, requesting_authority_id, recording_authority_id,
                                 case_reference, reason, requested_on, due_on)
VALUES ($1, $2, $3, $4, 'Demo: the driver has applied to us; we ask for the reasons for your '
        'refusal under s.3 of the Taxis and Private Hire Vehicles (Safeguarding and Road Safety) '
        'Act 2022.', $5, $6)
"""

DEMO_CONCERN = """
INSERT INTO concern (driver_id, reporting_authority_id, recipient_authority_id, licence_id,
                     categories, narrative, became_aware_on, reported_on, report_due_on)
VALUES ($1, $2, $3, $4, $5::text[], 'Demo: a passenger complaint passed on by our enforcement '
        'team, about a journey in our area.', $6, $7, $8)
"""

DEMO_EXPIRY = "UPDATE licence SET expires_on = $2 WHERE id = $1 AND expires_on > $2"

# A second record of driver $1, recorded by authority $2: the first forename with two letters
# swapped (a keying slip), everything else as recorded.
DEMO_SECOND_RECORD = """
WITH original AS (SELECT * FROM driver WHERE id = $1),
slipped AS (
  SELECT o.*, CASE WHEN length(o.forenames) > 3
                   THEN left(o.forenames, 1) || substr(o.forenames, 3, 1)
                        || substr(o.forenames, 2, 1) || substr(o.forenames, 4)
                   ELSE o.forenames || 'e' END AS slipped_forenames
  FROM original o
), added AS (
  INSERT INTO driver (forenames, surname, date_of_birth, sex, address, postcode,
                      home_authority_id, recorded_by_authority_id)
  SELECT slipped_forenames, surname, date_of_birth, sex, address, postcode, home_authority_id, $2
  FROM slipped
  RETURNING id, forenames, surname, date_of_birth
)
INSERT INTO driver_name (driver_id, kind, forenames, surname, date_of_birth,
                         recorded_by_authority_id)
SELECT id, 'current', forenames, surname, date_of_birth, $2 FROM added
RETURNING driver_id
"""


def working_days_before(day: date, n: int) -> date:
    """The date n working days before `day` (add_working_days the other way)."""
    while n > 0:
        day -= timedelta(days=1)
        n -= is_working_day(day)
    return day


async def add_demo_work(conn: asyncpg.Connection, today: date | None = None) -> dict[str, int]:
    """Work for each demo officer's authority (see DEMO_AUTHORITIES), in the caller's
    transaction; how many of each thing were added."""
    today = today or london_today()
    ids = dict(await conn.fetch(AUTHORITY_IDS, list(DEMO_AUTHORITIES)))
    names = [n for n in DEMO_AUTHORITIES if n in ids]
    added = {"requests": 0, "concerns": 0, "expiring": 0, "duplicates": 0}
    for i, name in enumerate(names):
        me, other = ids[name], ids[names[(i + 1) % len(names)]]
        if me == other:
            break
        for j, due_in in enumerate(REQUESTS_DUE_IN):
            due = (
                add_working_days(today, due_in)
                if due_in > 0
                else working_days_before(today, -due_in)
            )
            asked = working_days_before(due, ANSWER_WITHIN_WORKING_DAYS)
            decided = asked - timedelta(days=30 + 7 * j)
            entry = await conn.fetchval(DEMO_ENTRY, me, decided)
            if entry is None:
                continue
            reference = f"DEMO/{names[(i + 1) % len(names)][:3].upper()}/{asked:%y%m%d}-{j + 1}"
            await conn.execute(DEMO_REQUEST, entry, other, me, reference, asked, due)
            added["requests"] += 1
        drivers = await conn.fetch(DEMO_DRIVERS, me, 4)
        if not drivers:
            continue
        for j, ago in enumerate(CONCERNS_REPORTED_AGO):
            row = drivers[j % len(drivers)]
            reported = today - timedelta(days=ago)
            aware = working_days_before(reported, 2)
            await conn.execute(
                DEMO_CONCERN,
                row["driver_id"],
                other,
                me,
                row["licence_id"],
                ["harassment"] if j else ["road_safety"],
                aware,
                reported,
                add_working_days(aware, REPORT_WITHIN_WORKING_DAYS),
            )
            added["concerns"] += 1
        for j, row in enumerate(drivers[:3]):
            expires = today + timedelta(days=12 + 19 * j)
            changed = await conn.execute(DEMO_EXPIRY, row["licence_id"], expires)
            added["expiring"] += int(changed.split()[-1])
        second = await conn.fetchval(DEMO_SECOND_RECORD, drivers[-1]["driver_id"], other)
        added["duplicates"] += len(await screen(conn, [second], "job"))
    return added
