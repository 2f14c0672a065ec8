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
seed itself. Everything is drawn from the ids, so the same seed gives the same activity.
"""

from __future__ import annotations

import asyncpg

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
WHERE c.action IN ('granted', 'renewed') AND c.effective_on >= current_date - 730
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
    AND c.effective_on > current_date - $1::integer AND c.effective_on <= current_date
  UNION ALL
  SELECT e.decided_on, 'entry_recorded', e.driver_id, e.authority_id, e.id,
         jsonb_build_object('decision', e.decision, 'licence_kind', e.licence_kind,
                            'decided_on', e.decided_on, 'effective_on', e.effective_on)
  FROM register_entry e WHERE e.decided_on > current_date - $1::integer
  UNION ALL
  SELECT c.reported_on, 'concern_reported', c.driver_id, c.reporting_authority_id, c.id,
         jsonb_build_object('recipient_authority_id', c.recipient_authority_id,
                            'became_aware_on', c.became_aware_on,
                            'report_due_on', c.report_due_on)
  FROM concern c WHERE c.reported_on > current_date - $1::integer
  UNION ALL
  SELECT r.requested_on, 'request_made', e.driver_id, r.requesting_authority_id, r.id,
         jsonb_build_object('recording_authority_id', r.recording_authority_id,
                            'due_on', r.due_on)
  FROM information_request r JOIN register_entry e ON e.id = r.entry_id
  WHERE r.requested_on > current_date - $1::integer
) recent
ORDER BY happened, kind, subject_id
"""


async def add_demo_activity(conn: asyncpg.Connection) -> dict[str, int] | None:
    """Searches and recent events for a freshly seeded demo register, in one transaction (as
    the schema owner); None when the register has searches already."""
    if await conn.fetchval(HAS_SEARCHES):
        return None
    async with conn.transaction():
        searches = int((await conn.execute(SEARCHES)).split()[-1])
        await conn.fetchval(RECHECK)
        events = int((await conn.execute(EVENTS, RECENT_DAYS)).split()[-1])
    return {"searches": searches, "events": events}
